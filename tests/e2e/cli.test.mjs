// The command line as contract.md writes it ("The program"), run as a user types it: the real
// binary against a config file and its SQLite ledger, no gateway needed.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { writeConfig, tempDir, BIN, startGateway, SA_KEY_FILE, MASTER_KEY, freePort } from './harness.mjs';

let dir;
let configFile;

const run = (...args) => spawnSync(BIN, args, { encoding: 'utf8', timeout: 30000 });

before(() => {
  dir = tempDir('switchyard-e2e-cli-');
  configFile = writeConfig(dir, {
    ledger: `sqlite://${path.join(dir, 'ledger.db')}`,
    providers: { oa: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' } },
    models: { 'm-oa': { deployments: [{ provider: 'oa', model: 'emu-ok', price: { input: 1, output: 2 } }] } },
  });
});

test('keys and usage take --config after their words, as `keys create --name N --config FILE`', () => {
  const created = run('keys', 'create', '--name', 'late-config', '--models', 'm-oa', '--rpm', '5', '--config', configFile);
  assert.equal(created.status, 0, created.stderr);
  const id = created.stdout.match(/id:\s+(\S+)/)?.[1];
  assert.ok(id, created.stdout);
  assert.match(created.stdout, /sk-sy-/);

  const listed = run('keys', 'list', '--config', configFile);
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`${id}\\s+late-config`));

  const revoked = run('keys', 'revoke', id, `--config=${configFile}`);
  assert.equal(revoked.status, 0, revoked.stderr);
  assert.match(run('keys', 'list', '-c', configFile).stdout, new RegExp(`${id}.*revoked`));

  const usage = run('usage', '--since', '24h', '--json', '--config', configFile);
  assert.equal(usage.status, 0, usage.stderr);
  assert.deepEqual(JSON.parse(usage.stdout), { rows: [] });

  const missing = run('keys', 'list');
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /--config/);
});

test('--help of keys and usage shows their own flags (--by, --since, --json; create --name ...)', () => {
  const usage = run('usage', '--help');
  assert.equal(usage.status, 0, usage.stderr);
  for (const flag of ['--by', '--since', '--until', '--json']) assert.ok(usage.stdout.includes(flag), `${flag} in:\n${usage.stdout}`);
  const keys = run('keys', '--help');
  assert.equal(keys.status, 0, keys.stderr);
  for (const word of ['create', '--name', '--models', '--rpm', '--tpm', '--budget-usd', '--budget-period', 'list', 'revoke']) {
    assert.ok(keys.stdout.includes(word), `${word} in:\n${keys.stdout}`);
  }
  // --help after the command's words, with or without --config, as `git commit --help` works.
  for (const args of [['keys', 'create', '--help'], ['keys', 'create', '--name', 'x', '-h', '--config', configFile], ['usage', '--since', '24h', '--help']]) {
    const r = run(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /usage: switchyard (keys|usage)/, args.join(' '));
  }
  assert.doesNotMatch(run('keys', 'list', '--config', configFile).stdout, /^\S+\s+x\s/m, 'the -h line created no key x');
});

// Audit (ops.md 1): --listen 127.0.0.1:99999 used to bind some other port (the cast wrapped).
test('serve --listen with a port out of range fails at once instead of binding another port', () => {
  const dir = tempDir('switchyard-e2e-cli-listen-');
  const configFile = path.join(dir, 'switchyard.yaml');
  writeFileSync(configFile, 'providers: {}\n');
  for (const listen of ['127.0.0.1:99999', '127.0.0.1:-1', '127.0.0.1:80x', '127.0.0.1:']) {
    const r = spawnSync(BIN, ['serve', '--config', configFile, '--listen', listen], { encoding: 'utf8', timeout: 20000, cwd: dir });
    assert.equal(r.status, 1, `${listen}: exit ${r.status} (signal ${r.signal}) ${r.stderr}`);
    assert.match(r.stderr, /port from 0 to 65535/, listen);
    assert.doesNotMatch(r.stderr, /"listening"/, listen);
  }
});

// The workers share their port through SO_REUSEPORT; without a check a second gateway started on
// the same port by mistake would bind too and silently take part of the traffic.
test('serve on a port another gateway is listening on fails at once, naming the address', async () => {
  const gw = await startGateway({ dir: tempDir('switchyard-e2e-cli-port-'), config: {
    providers: { oa: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' } },
    models: { 'm-oa': { deployments: [{ provider: 'oa', model: 'emu-ok', price: { input: 1, output: 2 } }] } },
  } });
  try {
    const second = spawnSync(BIN, ['serve', '--config', gw.configFile, '--listen', `127.0.0.1:${gw.port}`],
      { encoding: 'utf8', timeout: 20000, cwd: path.dirname(gw.configFile) });  // its default ledger there
    assert.notEqual(second.status, 0, `the second gateway exited ${second.status} (signal ${second.signal})`);
    assert.equal(second.signal, null, 'it exited by itself, not killed by the timeout');
    assert.match(second.stderr, new RegExp(`127\\.0\\.0\\.1:${gw.port}.*already in use`));
    const live = await fetch(`${gw.url}/health/live`);
    assert.equal(live.status, 200, 'the first gateway still serves');
  } finally {
    assert.equal((await gw.stop()).code, 0);
  }
});

test('check warns about a Vertex credentials_file that cannot be used here, and serve logs it at start', async () => {
  const d = tempDir('switchyard-e2e-cli-creds-');
  const vertex = (file) => ({ type: 'vertex', project: 'p', region: 'us-east5', credentials_file: file });
  const file = writeConfig(d, {
    ledger: `sqlite://${path.join(d, 'ledger.db')}`,
    providers: { missing: vertex(path.join(d, 'nope.json')), good: vertex(SA_KEY_FILE), junk: vertex(file0(d)) },
    models: { m: { deployments: [{ provider: 'good', model: 'x', price: { input: 1, output: 1 } }] } },
  });
  const r = run('check', '--config', file);
  assert.equal(r.status, 0, 'a file this machine lacks may exist where the gateway runs');
  assert.match(r.stdout, /OK/);
  assert.match(r.stderr, /warning: .*providers\.missing\.credentials_file: provider missing: credentials file .*nope\.json: cannot be opened/);
  assert.match(r.stderr, /warning: .*providers\.junk\.credentials_file: provider junk: credentials file/);
  assert.doesNotMatch(r.stderr, /providers\.good/);
  assert.doesNotMatch(r.stderr, /BEGIN PRIVATE KEY|just some text/, 'never quotes the file');

  const gw = await startGateway({ dir: d, config: {
    ledger: `sqlite://${path.join(d, 'ledger2.db')}`,
    providers: { missing: vertex(path.join(d, 'nope.json')), good: vertex(SA_KEY_FILE) },
    models: { m: { deployments: [{ provider: 'good', model: 'x', price: { input: 1, output: 1 } }] } } } });
  try {
    assert.match(gw.stderr, /provider_credentials_unusable.*providers\.missing\.credentials_file/);
  } finally {
    await gw.stop();
  }
});

test('check warns about a deployment without a price (billed at $0), not about a zero price; serve logs it', async () => {
  const d = tempDir('switchyard-e2e-cli-price-');
  const config = {
    ledger: `sqlite://${path.join(d, 'ledger.db')}`,
    master_key: MASTER_KEY,
    providers: { oa: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' } },
    models: {
      'm-oa': { deployments: [{ provider: 'oa', model: 'priced', price: { input: 1, output: 2 } }, { provider: 'oa', model: 'forgot' }] },
      house: { deployments: [{ provider: 'oa', model: 'free', price: { input: 0, output: 0 } }] },
    },
  };
  const file = writeConfig(d, config);
  const r = run('check', '--config', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /OK/);
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
  assert.equal(warnings.length, 1, r.stderr);
  assert.ok(warnings[0].startsWith(`warning: ${file}:`), warnings[0]);
  assert.match(warnings[0], /:\d+: models\.m-oa\.deployments\[1\]: .*billed at \$0/);

  const gw = await startGateway({ dir: d, config: { ...config, ledger: `sqlite://${path.join(d, 'ledger2.db')}` } });
  try {
    assert.match(gw.stderr, /config_warning.*models\.m-oa\.deployments\[1\].*billed at \$0/);
    // A key may name only models the config serves, as the config's own keys: section must.
    const bad = await gw.admin('POST', '/admin/keys', { name: 'x', models: ['nosuch'] });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.error.type, 'invalid_request_error');
    assert.equal(bad.json.error.param, 'models[0]');
    assert.match(bad.json.error.message, /models\[0\].*'nosuch'/);
    assert.equal((await gw.admin('GET', '/admin/keys')).json.keys.length, 0, 'nothing created');
    assert.equal((await gw.admin('POST', '/admin/keys', { name: 'x', models: ['house'] })).status, 201);
  } finally {
    assert.equal((await gw.stop()).code, 0);
  }
});

test('keys create refuses a model the config does not serve, with exit status 1', () => {
  const r = run('keys', 'create', '--name', 'typo', '--models', 'm-oa,nosuch', '--config', configFile);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /unknown model 'nosuch'/);
  assert.doesNotMatch(r.stdout, /sk-sy-/);
  assert.doesNotMatch(run('keys', 'list', '--config', configFile).stdout, /\btypo\b/);
});

test('check refuses a base_url whose port is empty after ${VAR} expansion, naming the line', () => {
  const d = tempDir('switchyard-e2e-cli-port-var-');
  const file = writeConfig(d, {
    providers: { oa: { type: 'openai', base_url: 'http://127.0.0.1:${E2E_UNSET_PORT}/v1' } },
    models: { m: { deployments: [{ provider: 'oa', model: 'x', price: { input: 1, output: 1 } }] } },
  });
  const r = spawnSync(BIN, ['check', '--config', file], { encoding: 'utf8', timeout: 30000, env: { ...process.env, E2E_UNSET_PORT: '' } });
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /:\d+: providers\.oa\.base_url: has an empty port/);
});

test('check hints to quote a ${VAR} written unquoted in a { } flow mapping; quoted, it is expanded', () => {
  const d = tempDir('switchyard-e2e-cli-flow-');
  const yaml = (price) => `providers:\n  oa: { type: openai, base_url: "http://127.0.0.1:9/v1" }\n` +
    `models:\n  m:\n    deployments:\n      - provider: oa\n        model: x\n        price: ${price}\n`;
  const bad = path.join(d, 'bad.yaml');
  writeFileSync(bad, yaml('{ input: ${PIN:-1}, output: 2 }'));
  const r = run('check', '--config', bad);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.yaml:8: invalid YAML: .*quoted.*input: "\$\{PIN:-1\}"/);
  const good = path.join(d, 'good.yaml');
  writeFileSync(good, yaml('{ input: "${PIN:-1}", output: 2 }'));
  const ok = run('check', '--config', good);
  assert.equal(ok.status, 0, ok.stderr);
  const wrong = spawnSync(BIN, ['check', '--config', good], { encoding: 'utf8', timeout: 30000, env: { ...process.env, PIN: 'abc' } });
  assert.equal(wrong.status, 1, 'the expanded value is read as the number it must be');
  assert.match(wrong.stderr, /price\.input/);
});

// A file that is not a service-account key.
function file0(d) {
  const f = path.join(d, 'junk.json');
  writeFileSync(f, 'just some text');
  return f;
}

test('out of file descriptors, the gateway says so once, keeps its connections, and accepts again when some close', async () => {
  const d = tempDir('switchyard-e2e-emfile-');
  const file = writeConfig(d, {
    ledger: `sqlite://${path.join(d, 'ledger.db')}`,
    workers: 1,
    providers: { oa: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' } },
    models: { 'm-oa': { deployments: [{ provider: 'oa', model: 'x', price: { input: 1, output: 2 } }] } },
  });
  const port = await freePort();
  const proc = spawn('bash', ['-c', `ulimit -n 40 && exec "$0" serve --config "$1" --listen 127.0.0.1:${port}`, BIN, file], { cwd: d, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (b) => { stderr += b; });
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  try {
    for (let i = 0; i < 100 && !stderr.includes('"listening"'); i++) await wait(50);
    assert.match(stderr, /"listening"/, stderr);
    const socks = [];
    for (let i = 0; i < 60; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      socks.push(s);
    }
    for (let i = 0; i < 100 && !stderr.includes('accept_failing'); i++) await wait(50);
    await wait(500);  // half a second of refused accepts: one line, not one per try
    assert.equal(stderr.split('accept_failing').length - 1, 1, stderr.slice(-2000));
    for (const s of socks) s.destroy();
    let live = 0;
    for (let i = 0; i < 100 && live !== 200; i++) {
      await wait(100);
      live = await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status, () => 0);
    }
    assert.equal(live, 200, 'serving again once connections closed');
    assert.match(stderr, /accept_recovered/);
  } finally {
    proc.kill('SIGKILL');
  }
});
