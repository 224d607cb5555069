// `ledger: postgres://…`: the gateway keeps its ledger and created keys in a real PostgreSQL 15
// server (tests/servers/postgres.sh, started and stopped here), served through the official
// `openai` SDK against the OpenAI emulator; checked in the database itself, with
// `switchyard usage --json` / `switchyard keys` and through the admin API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { startOpenAI } from './openai.mjs';
import { startGateway, call, tempDir, pool, MASTER_KEY, PRICE, REPO, BIN, stopCleanly } from './harness.mjs';
import { replyText, sleep } from './util.mjs';

const run = promisify(execFile);
const SERVER = path.join(REPO, 'tests', 'servers', 'postgres.sh');
const KEYS = { meter: 'sk-e2e-pg-meter', term: 'sk-e2e-pg-term' };
const MSG = [{ role: 'user', content: 'Meter me in PostgreSQL.' }];
let dir;
let state;
let pgUrl;
let password;
let oa;
let gw;

const env = () => ({ E2E_MASTER_KEY: MASTER_KEY, E2E_PG_URL: pgUrl, KEY_METER: KEYS.meter, KEY_TERM: KEYS.term });
const configFor = (sync) => ({
  master_key: '${E2E_MASTER_KEY}',
  ledger: '${E2E_PG_URL}',
  ledger_sync: sync,
  providers: { oa: { type: 'openai', base_url: oa.baseUrl, api_key: 'sk-unused' } },
  models: { 'm-oa': { route: 'priority', deployments: [{ provider: 'oa', model: 'emu-ok', price: PRICE }] } },
  keys: [{ name: 'meter', key: '${KEY_METER}' }, { name: 'term', key: '${KEY_TERM}' }],
});
const openai = (key) => new OpenAI({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0, timeout: 60000 });

// Rows of a query, one string per row (columns joined by '|').
async function sql(query) {
  const { stdout } = await run('psql', [pgUrl, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', query]);
  return stdout.split('\n').filter((l) => l !== '');
}

// `switchyard ARGS` against the gateway's config file (and so its database).
async function cli(...args) {
  const { stdout } = await run(BIN, [args[0], '--config', gw.configFile, ...args.slice(1)], { env: { ...process.env, ...env() } });
  return stdout;
}

before(async () => {
  dir = tempDir('switchyard-e2e-pg-');
  state = path.join(dir, 'postgres.state');
  pgUrl = (await run('bash', [SERVER, 'start', state])).stdout.trim();
  password = new URL(pgUrl).password;
  assert.ok(password.length >= 16, 'the server has a password');
  oa = await startOpenAI({ name: 'oa' });
  gw = await startGateway({ dir, env: env(), config: configFor('strict') });
});

after(async () => {
  if (gw) {
    await stopCleanly(gw);
    assert.ok(!gw.stderr.includes(password), 'the database password never reaches the log');
  }
  await oa?.close();
  if (state) await run('bash', [SERVER, 'stop', state]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('every request lands as exactly one row: in the database, `switchyard usage --json` and /admin/usage', async () => {
  const n0 = oa.served.length;
  const ids = await pool(Array.from({ length: 12 }, (_, i) => i), 4, async (i) => {
    const messages = [{ role: 'user', content: `request ${i} ${'x'.repeat(i * 13)}` }];
    if (i % 3 === 0) {
      const { data: stream, response } = await openai(KEYS.meter).chat.completions
        .create({ model: 'm-oa', messages, stream: true, stream_options: { include_usage: true } }).withResponse();
      for await (const _ of stream) { /* drain */ }
      return response.headers.get('x-request-id');
    }
    const { data, response } = await openai(KEYS.meter).chat.completions.create({ model: 'm-oa', messages }).withResponse();
    assert.equal(data.choices[0].message.content, replyText('oa', 'emu-ok'));
    return response.headers.get('x-request-id');
  });
  const served = oa.served.slice(n0);
  assert.equal(served.length, 12, 'one upstream call per request');
  const input = served.reduce((s, x) => s + x.input, 0);
  const output = served.reduce((s, x) => s + x.output, 0);

  // Strict: each row is committed before its response ended, so no wait is needed here.
  const rows = await sql("SELECT request_id FROM usage WHERE key_name = 'meter' ORDER BY request_id");
  assert.deepEqual(rows, [...ids].sort(), 'exactly the request ids the responses carried, each once');

  const byCli = JSON.parse(await cli('usage', '--json', '--by', 'key,model,provider')).rows.filter((r) => r.key === 'meter');
  assert.equal(byCli.length, 1, JSON.stringify(byCli));
  assert.equal(byCli[0].requests, 12);
  assert.equal(byCli[0].model, 'm-oa');
  assert.equal(byCli[0].provider, 'oa');
  assert.equal(byCli[0].input_tokens, input);
  assert.equal(byCli[0].output_tokens, output);
  const cost = (input * PRICE.input + output * PRICE.output) / 1e6;
  assert.ok(Math.abs(byCli[0].cost_usd - cost) < 1e-9, `cost ${byCli[0].cost_usd} vs ${cost}`);
  const [nano] = await sql("SELECT SUM(cost_nano_usd) FROM usage WHERE key_name = 'meter'");
  assert.equal(BigInt(nano), BigInt(input * PRICE.input * 1000 + output * PRICE.output * 1000), 'integer nano-USD');

  const byApi = (await gw.usage('key,model,provider')).filter((r) => r.key === 'meter');
  assert.deepEqual(byApi, byCli, 'the admin API reports what the CLI reports');
  const future = new Date(Date.now() + 3600e3).toISOString();
  assert.deepEqual(await gw.usage('key', `&since=${encodeURIComponent(future)}`), []);
});

test('keys created via the admin API and the CLI live in PostgreSQL, authenticate, and revocation is honoured', async () => {
  const created = await gw.admin('POST', '/admin/keys', { name: 'pg-dyn', models: ['m-oa'], rpm: 100 });
  assert.equal(created.status, 201, created.text);
  const { id, key } = created.json;
  const ok = await openai(key).chat.completions.create({ model: 'm-oa', messages: MSG });
  assert.equal(ok.choices[0].message.content, replyText('oa', 'emu-ok'));

  const stored = await sql(`SELECT name, hash, models, rpm, revoked_at IS NULL FROM keys WHERE id = '${id}'`);
  const hash = createHash('sha256').update(key).digest('hex');
  assert.deepEqual(stored, [`pg-dyn|${hash}|["m-oa"]|100|t`], 'only the hash is stored');
  assert.equal((await sql('SELECT * FROM keys')).join('\n').includes(key.slice(6)), false, 'never the secret');
  assert.match(await cli('keys', 'list'), new RegExp(`${id}\\s+pg-dyn`), '`switchyard keys list` reads PostgreSQL');

  const del = await gw.admin('DELETE', `/admin/keys/${encodeURIComponent(id)}`);
  assert.equal(del.status, 200, del.text);
  const refused = await call(gw, '/v1/chat/completions', { key, body: { model: 'm-oa', messages: MSG } });
  assert.equal(refused.status, 401, 'revoked at once');
  assert.equal((await sql(`SELECT revoked_at IS NOT NULL FROM keys WHERE id = '${id}'`))[0], 't');

  // Another process (the CLI) creates a key: the running gateway accepts it at once ...
  const out = await cli('keys', 'create', '--name', 'pg-cli');
  const cliKey = out.match(/key: (sk-sy-[0-9a-f]+)/)?.[1];
  const cliId = out.match(/id: +(key_[0-9a-f]+)/)?.[1];
  assert.ok(cliKey && cliId, out);
  const viaCli = await call(gw, '/v1/chat/completions', { key: cliKey, body: { model: 'm-oa', messages: MSG } });
  assert.equal(viaCli.status, 200, viaCli.text);
  // ... and its revocation by the CLI is seen within the reload interval (2 s).
  assert.match(await cli('keys', 'revoke', cliId), /revoked/);
  let status = 200;
  for (let i = 0; i < 50 && status === 200; i++) {
    await sleep(100);
    status = (await call(gw, '/v1/chat/completions', { key: cliKey, body: { model: 'm-oa', messages: MSG } })).status;
  }
  assert.equal(status, 401, 'a revocation by another process is honoured');
});

test('SIGTERM loses nothing: a second gateway (relaxed) on the same database, stopped right after 40 requests', async () => {
  const second = await startGateway({ env: env(), config: configFor('relaxed') });
  const ids = await pool(Array.from({ length: 40 }, (_, i) => i), 8, async (i) => {
    const r = await call(second, '/v1/chat/completions', { key: KEYS.term, body: { model: 'm-oa', messages: [{ role: 'user', content: `term ${i}` }] } });
    assert.equal(r.status, 200, r.text);
    return r.headers.get('x-request-id');
  });
  const exit = await second.stop();
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}; stderr:\n${second.stderr.slice(-2000)}`);
  assert.ok(!second.stderr.includes(password), 'the database password never reaches the log');
  const rows = await sql("SELECT request_id FROM usage WHERE key_name = 'term' ORDER BY request_id");
  assert.deepEqual(rows, [...ids].sort(), 'all 40 records, each once, after the graceful stop');
  const seen = (await gw.usage('key')).filter((r) => r.key === 'term');
  assert.equal(seen[0]?.requests, 40, 'the other gateway reports them too');
});
