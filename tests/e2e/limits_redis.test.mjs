// limits: redis:// — two gateway processes (replicas) share one Redis, so a key's rpm holds across
// both of them, not per process. Redis is a real redis-server started here (tests/servers/redis.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import OpenAI from 'openai';
import { startOpenAI } from './openai.mjs';
import { startGateway, tempDir, writeConfig, freePort, REPO, BIN, PRICE, stopCleanly, logsSettle } from './harness.mjs';
import { replyText } from './util.mjs';

const REDIS_SH = path.join(REPO, 'tests', 'servers', 'redis.sh');
const KEYS = { shared: 'sk-e2e-redis-shared', other: 'sk-e2e-redis-other' };
const RPM = 4;
const MSG = [{ role: 'user', content: 'Limit me across replicas.' }];
let redisDir;
let redisUrl;
let oa;
const gws = [];

const openai = (gw, key) => new OpenAI({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0, timeout: 60000 });

function gatewayConfig(dir, limits) {
  return {
    ledger: `sqlite://${path.join(dir, 'ledger.db')}`, // each replica its own ledger file
    limits,
    providers: { oa: { type: 'openai', base_url: oa.baseUrl, api_key: 'sk-unused' } },
    models: { 'm-oa': { route: 'priority', deployments: [{ provider: 'oa', model: 'emu-ok', price: PRICE }] } },
    keys: [
      { name: 'shared', key: '${KEY_SHARED}', rpm: RPM },
      { name: 'other', key: '${KEY_OTHER}' },
    ],
  };
}

before(async () => {
  redisDir = path.join(tempDir('switchyard-e2e-redis-'), 'redis');
  redisUrl = execFileSync('bash', [REDIS_SH, 'start', redisDir], { encoding: 'utf8' }).trim();
  oa = await startOpenAI({ name: 'oa' });
  const env = { KEY_SHARED: KEYS.shared, KEY_OTHER: KEYS.other };
  for (let i = 0; i < 2; i++) {
    const dir = tempDir();
    gws.push(await startGateway({ dir, env, config: gatewayConfig(dir, redisUrl) }));
  }
});

after(async () => {
  for (const gw of gws) {
    await stopCleanly(gw);
  }
  await oa?.close();
  if (redisDir) execFileSync('bash', [REDIS_SH, 'stop', redisDir]);
});

test('two replicas on one Redis serve exactly rpm requests of a key together, then 429', async () => {
  let served = 0;
  const refused = [];
  for (let i = 0; i < 3 * RPM; i++) {
    const gw = gws[i % 2];
    try {
      const { data, response } = await openai(gw, KEYS.shared).chat.completions
        .create({ model: 'm-oa', messages: MSG }).withResponse();
      assert.equal(response.status, 200);
      assert.equal(data.choices[0].message.content, replyText('oa', 'emu-ok'));
      served++;
    } catch (e) {
      assert.ok(e instanceof OpenAI.RateLimitError, `a 429, not ${e}`);
      refused.push(e);
    }
  }
  assert.equal(served, RPM, `together, not ${RPM} each`);
  assert.equal(refused.length, 2 * RPM);
  for (const e of refused) {
    assert.equal(e.status, 429);
    const after = Number(e.headers.get('retry-after'));
    assert.ok(after >= 1 && after <= 60, `retry-after in seconds: ${e.headers.get('retry-after')}`);
    assert.equal(typeof e.error?.message, 'string', 'the OpenAI error object');
    assert.match(e.error.message, /rate limit/);
    assert.equal(e.error.type, 'rate_limit_error');
  }
  // Both replicas refused some: the limit was shared, not enforced by one of them alone.
  for (const gw of gws) {
    await logsSettle(gw, (logs) => logs.some((l) => l.status === 429));
    assert.ok(gw.logs.some((l) => l.status === 429), 'each replica refused the key');
    assert.ok(gw.logs.some((l) => l.msg === 'limits' && l.detail.includes('127.0.0.1')), 'serve built the Redis limiter');
  }
});

test('both replicas keep serving other keys', async () => {
  for (const gw of gws) {
    const { response } = await openai(gw, KEYS.other).chat.completions.create({ model: 'm-oa', messages: MSG }).withResponse();
    assert.equal(response.status, 200);
  }
});

test('serve stops at start-up when Redis is unreachable, naming it without the password', async () => {
  const dir = tempDir();
  const port = await freePort(); // nothing listens there
  const file = writeConfig(dir, gatewayConfig(dir, `redis://:hunter2-secret@127.0.0.1:${port}`));
  const r = spawnSync(BIN, ['serve', '--config', file, '--listen', `127.0.0.1:${await freePort()}`], {
    encoding: 'utf8', env: { ...process.env, KEY_SHARED: KEYS.shared, KEY_OTHER: KEYS.other }, timeout: 30000,
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /limits: cannot reach Redis/);
  assert.ok(r.stderr.includes(`redis://***@127.0.0.1:${port}`), r.stderr);
  assert.ok(!r.stderr.includes('hunter2-secret'), 'the password is never printed');
});

test('check refuses rediss:// and says why', async () => {
  const dir = tempDir();
  const file = writeConfig(dir, gatewayConfig(dir, 'rediss://:hunter2-secret@cache:6380'));
  const r = spawnSync(BIN, ['check', '--config', file], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 1);
  const out = r.stdout + r.stderr;
  assert.match(out, /limits/);
  assert.match(out, /rediss:\/\/ \(Redis over TLS\) is not supported/);
  assert.ok(!out.includes('hunter2-secret'), 'the password is never printed');
});
