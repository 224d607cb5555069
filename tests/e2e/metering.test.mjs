// Issue 5: metering, keys, limits, budgets and durability, through the real switchyard binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startOpenAI } from './openai.mjs';
import { startAnthropic } from './anthropic.mjs';
import { startGateway, call, routing, tempDir, MASTER_KEY, PRICE, ledgerRequestIds, stopCleanly } from './harness.mjs';
import { replyText, sleep } from './util.mjs';

const KEYS = { k1: 'sk-e2e-meter-k1', k2: 'sk-e2e-meter-k2', rpm: 'sk-e2e-meter-rpm', budget: 'sk-e2e-meter-budget', drain: 'sk-e2e-meter-drain', crash: 'sk-e2e-meter-crash' };
const EXPENSIVE = { input: 1000, output: 1000 }; // USD per million tokens
let oa;
let an;
let gw;
let dir;
const MSG = [{ role: 'user', content: 'Meter me.' }];

const openai = (key) => new OpenAI({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0, timeout: 60000 });
const anthropic = (key) => new Anthropic({ apiKey: key, baseURL: gw.url, maxRetries: 0, timeout: 60000 });

before(async () => {
  oa = await startOpenAI({ name: 'oa' });
  an = await startAnthropic({ name: 'an', apiKey: 'sk-ant-meter' });
  dir = tempDir();
  const dep = (provider, model, price = PRICE) => ({ provider, model, price });
  gw = await startGateway({
    dir,
    env: { E2E_MASTER_KEY: MASTER_KEY, ...Object.fromEntries(Object.entries(KEYS).map(([k, v]) => [`KEY_${k.toUpperCase()}`, v])), AN_KEY: 'sk-ant-meter' },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${path.join(dir, 'ledger.db')}`,
      ledger_sync: 'strict',
      providers: {
        oa: { type: 'openai', base_url: oa.baseUrl, api_key: 'sk-unused' },
        an: { type: 'anthropic', base_url: an.baseUrl, api_key: '${AN_KEY}' },
      },
      models: {
        'm-oa': { route: 'priority', deployments: [dep('oa', 'emu-ok')] },
        'm-an': { route: 'priority', deployments: [dep('an', 'claude-ok')] },
        'm-slow': { route: 'priority', deployments: [dep('oa', 'x-slow')] },
        'm-expensive': { route: 'priority', deployments: [dep('oa', 'emu-expensive', EXPENSIVE)] },
      },
      keys: [
        { name: 'k1', key: '${KEY_K1}' },
        { name: 'k2', key: '${KEY_K2}' },
        { name: 'rpm-key', key: '${KEY_RPM}', rpm: 3 },
        { name: 'budget-key', key: '${KEY_BUDGET}', budget: { usd: 0.05, period: 'total' } },
        { name: 'drain', key: '${KEY_DRAIN}' },
        { name: 'crash', key: '${KEY_CRASH}' },
      ],
    },
  });
});

after(async () => {
  await stopCleanly(gw);
  await oa?.close();
  await an?.close();
});

// The ledger's counters from /metrics: records written and the commits that carried them.
async function ledgerCounters() {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const value = (name) => {
    const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
    assert.ok(m, `${name} in /metrics`);
    return Number(m[1]);
  };
  return { records: value('switchyard_ledger_records_total'), commits: value('switchyard_ledger_commits_total') };
}

test('GET /admin/usage rows equal the sums the emulators reported, per key/model/provider', async () => {
  const before = await ledgerCounters();
  const expected = new Map();
  const add = (key, model, provider, served) => {
    const k = `${key}|${model}|${provider}`;
    const e = expected.get(k) ?? { key, model, provider, requests: 0, input_tokens: 0, output_tokens: 0 };
    e.requests++;
    e.input_tokens += served.input;
    e.output_tokens += served.output;
    expected.set(k, e);
  };
  const plan = [
    ['k1', 'm-oa', false], ['k1', 'm-oa', true], ['k1', 'm-an', false], ['k1', 'm-an', true],
    ['k2', 'm-oa', false], ['k2', 'm-an', true], ['k2', 'm-oa', true], ['k1', 'm-oa', false],
  ];
  for (const [i, [key, model, stream]] of plan.entries()) {
    const emu = model === 'm-oa' ? oa : an;
    const n0 = emu.served.length;
    const messages = [{ role: 'user', content: `request ${i} ${'x'.repeat(i * 37)}` }];
    if (i % 2 === 0) {
      const c = openai(KEYS[key]);
      if (stream) {
        for await (const _ of await c.chat.completions.create({ model, messages, stream: true })) { /* drain */ }
      } else {
        await c.chat.completions.create({ model, messages });
      }
    } else {
      const c = anthropic(KEYS[key]);
      if (stream) await c.messages.stream({ model, max_tokens: 50, messages }).finalMessage();
      else await c.messages.create({ model, max_tokens: 50, messages });
    }
    assert.equal(emu.served.length, n0 + 1, 'one upstream call per request');
    add(key, model, model === 'm-oa' ? 'oa' : 'an', emu.served.at(-1));
  }
  // Strict: each record is durable (and counted) before its response ends.
  const after = await ledgerCounters();
  assert.equal(after.records - before.records, plan.length, 'one ledger record per request');
  assert.ok(after.commits > before.commits && after.commits - before.commits <= plan.length, JSON.stringify({ before, after }));
  const rows = (await gw.usage('key,model,provider')).filter((r) => r.key === 'k1' || r.key === 'k2');
  const got = new Map(rows.map((r) => [`${r.key}|${r.model}|${r.provider}`, r]));
  assert.equal(rows.length, expected.size, `rows: ${JSON.stringify(rows)}`);
  for (const [k, e] of expected) {
    const r = got.get(k);
    assert.ok(r, `row for ${k}`);
    assert.equal(r.requests, e.requests, k);
    assert.equal(r.input_tokens, e.input_tokens, k);
    assert.equal(r.output_tokens, e.output_tokens, k);
    const cost = (e.input_tokens * PRICE.input + e.output_tokens * PRICE.output) / 1e6;
    assert.ok(Math.abs(r.cost_usd - cost) < 1e-9, `${k}: cost ${r.cost_usd} vs ${cost}`);
    assert.ok(!('deployment' in r), 'omitted group_by fields are absent');
  }
  const byKey = (await gw.usage('key')).filter((r) => r.key === 'k1');
  assert.equal(byKey.length, 1);
  assert.equal(byKey[0].requests, plan.filter((p) => p[0] === 'k1').length);
  assert.ok(!('model' in byKey[0]));
  const byDep = (await gw.usage('deployment')).map((r) => r.deployment);
  assert.ok(byDep.includes('emu-ok') && byDep.includes('claude-ok'), `deployment = upstream model id: ${byDep}`);
  const future = new Date(Date.now() + 3600e3).toISOString();
  assert.deepEqual((await gw.usage('key', `&since=${encodeURIComponent(future)}`)), [], 'since in the future: no rows');
});

test('admin API refuses non-master keys', async () => {
  for (const key of [KEYS.k1, 'sk-nonsense', undefined]) {
    const r = await call(gw, '/admin/usage?group_by=key', { method: 'GET', key });
    assert.ok([401, 403].includes(r.status), `key ${key}: ${r.status}`);
    const k = await call(gw, '/admin/keys', { key, body: { name: 'evil' } });
    assert.ok([401, 403].includes(k.status), `create with ${key}: ${k.status}`);
  }
  assert.equal((await gw.admin('GET', '/admin/keys')).status, 200);
});

test('keys created via POST /admin/keys work; revocation works at once', async () => {
  const r = await gw.admin('POST', '/admin/keys', { name: 'dyn', models: ['m-oa'], rpm: 100 });
  assert.ok([200, 201].includes(r.status), r.text);
  const { id, name, key } = r.json;
  assert.ok(id && key);
  assert.equal(name, 'dyn');
  const c = await openai(key).chat.completions.create({ model: 'm-oa', messages: MSG });
  assert.equal(c.choices[0].message.content, replyText('oa', 'emu-ok'));
  await assert.rejects(openai(key).chat.completions.create({ model: 'm-an', messages: MSG }), OpenAI.PermissionDeniedError);
  const list = await gw.admin('GET', '/admin/keys');
  assert.equal(list.status, 200);
  assert.ok(list.text.includes('dyn'));
  assert.ok(!list.text.includes(key), 'the secret is never listed');
  const del = await gw.admin('DELETE', `/admin/keys/${encodeURIComponent(id)}`);
  assert.ok(del.status >= 200 && del.status < 300, `revoke: ${del.status} ${del.text}`);
  await assert.rejects(openai(key).chat.completions.create({ model: 'm-oa', messages: MSG }), OpenAI.AuthenticationError);
  const rows = (await gw.usage('key')).filter((x) => x.key === 'dyn');
  assert.equal(rows[0]?.requests, 1, 'the created key is metered by its name');
});

test('rpm limit: 429 with retry-after, other keys unaffected', async () => {
  let limited = null;
  for (let i = 0; i < 8 && !limited; i++) {
    const r = await call(gw, '/v1/chat/completions', { key: KEYS.rpm, body: { model: 'm-oa', messages: MSG } });
    if (r.status === 429) limited = { i, r };
    else assert.equal(r.status, 200, r.text);
  }
  assert.ok(limited, 'a 429 within 8 requests for rpm: 3');
  assert.ok(limited.i >= 3, `the first 3 requests pass (429 at #${limited.i + 1})`);
  assert.ok(Number(limited.r.headers.get('retry-after')) > 0, 'retry-after in seconds');
  assert.equal(typeof limited.r.json?.error?.message, 'string');
  const a = await call(gw, '/v1/messages', { key: KEYS.rpm, body: { model: 'm-an', max_tokens: 10, messages: MSG } });
  assert.equal(a.status, 429);
  assert.equal(a.json?.error?.type, 'rate_limit_error');
  const other = await call(gw, '/v1/chat/completions', { key: KEYS.k1, body: { model: 'm-oa', messages: MSG } });
  assert.equal(other.status, 200);
});

test('budget exhaustion: 429', async () => {
  let limited = null;
  let spent = 0;
  for (let i = 0; i < 12 && !limited; i++) {
    const r = await call(gw, '/v1/chat/completions', { key: KEYS.budget, body: { model: 'm-expensive', messages: MSG } });
    if (r.status === 429) limited = r;
    else {
      assert.equal(r.status, 200, r.text);
      spent += (r.json.usage.prompt_tokens * EXPENSIVE.input + r.json.usage.completion_tokens * EXPENSIVE.output) / 1e6;
    }
  }
  assert.ok(limited, `429 once the 0.05 USD budget is spent (spent ${spent})`);
  assert.ok(spent <= 0.05 + 0.05, `not far over budget: ${spent}`);
  const again = await call(gw, '/v1/chat/completions', { key: KEYS.budget, body: { model: 'm-oa', messages: MSG } });
  assert.equal(again.status, 429, 'stays exhausted for a period: total budget');
  const other = await call(gw, '/v1/chat/completions', { key: KEYS.k1, body: { model: 'm-oa', messages: MSG } });
  assert.equal(other.status, 200);
});

async function rawStream(key, model, content) {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content }] }),
    signal: AbortSignal.timeout(60000),
  });
  const id = r.headers.get('x-request-id');
  const text = await r.text();
  return { status: r.status, id, text, complete: r.status === 200 && text.trimEnd().endsWith('data: [DONE]') };
}

async function rawCompletion(key, model, content) {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    signal: AbortSignal.timeout(60000),
  });
  const id = r.headers.get('x-request-id');
  const text = await r.text();
  let complete = false;
  try {
    complete = r.status === 200 && JSON.parse(text).object === 'chat.completion';
  } catch { /* truncated */ }
  return { status: r.status, id, text, complete };
}

function textOf(sse) {
  let t = '';
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    for (const c of JSON.parse(line.slice(6)).choices ?? []) t += c.delta?.content ?? '';
  }
  return t;
}

test('SIGTERM during 20 streams: all complete, exit 0, all recorded', async () => {
  const n0 = oa.served.length;
  const streams = Array.from({ length: 20 }, (_, i) => rawStream(KEYS.drain, 'm-slow', `drain ${i}`).catch((e) => ({ error: e })));
  const deadline = Date.now() + 20000;
  while (oa.served.length - n0 < 20 && Date.now() < deadline) await sleep(20);
  assert.equal(oa.served.length - n0, 20, 'all 20 streams reached the upstream');
  gw.proc.kill('SIGTERM');
  const results = await Promise.all(streams);
  const exit = await gw.exited;
  for (const [i, r] of results.entries()) {
    assert.ok(!r.error, `stream ${i}: ${r.error}`);
    assert.ok(r.complete, `stream ${i} complete: ${r.text.slice(-200)}`);
    assert.equal(textOf(r.text), replyText('oa', 'x-slow'));
  }
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}; stderr:\n${gw.stderr.slice(-2000)}`);
  await gw.restart();
  const rows = (await gw.usage('key')).filter((x) => x.key === 'drain');
  assert.equal(rows[0]?.requests, 20, 'all 20 streams recorded');
  const led = await ledgerRequestIds(path.join(dir, 'ledger.db'));
  if (led) {
    for (const r of results) assert.ok(led.ids.includes(r.id), `request ${r.id} in ${led.table}.${led.column}`);
  }
});

test('kill -9 during 200 concurrent requests, restart on the same DB: every complete response recorded exactly once', async (t) => {
  const n0 = oa.served.length;
  const done = [];
  const all = Array.from({ length: 200 }, (_, i) => {
    const p = i % 4 === 0 ? rawStream(KEYS.crash, 'm-slow', `crash ${i}`) : rawCompletion(KEYS.crash, 'm-oa', `crash ${i}`);
    return p.then((r) => {
      done.push(r);
      return r;
    }, (e) => ({ error: e }));
  });
  const deadline = Date.now() + 20000;
  while (done.filter((r) => r.complete).length < 30 && Date.now() < deadline) await sleep(5);
  await gw.kill9();
  const results = await Promise.all(all);
  const complete = results.filter((r) => r.complete);
  t.diagnostic(`${complete.length} of 200 complete before kill -9; ${oa.served.length - n0} reached the upstream`);
  assert.ok(complete.length > 0, 'some responses completed before the kill');
  for (const r of complete) assert.ok(r.id, 'complete responses carry x-request-id');

  await gw.restart();
  const led = await ledgerRequestIds(path.join(dir, 'ledger.db'));
  const rows = (await gw.usage('key')).filter((x) => x.key === 'crash');
  const recorded = rows[0]?.requests ?? 0;
  assert.ok(recorded >= complete.length, `ledger has ${recorded} records for ${complete.length} complete responses`);
  assert.ok(recorded <= oa.served.length - n0, `no more records (${recorded}) than upstream calls (${oa.served.length - n0})`);
  assert.ok(led, 'a request-id column exists in the SQLite ledger');
  const counts = new Map();
  for (const id of led.ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const dup = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(dup, [], 'no request id recorded twice');
  const missing = complete.filter((r) => counts.get(r.id) !== 1).map((r) => r.id);
  assert.deepEqual(missing, [], 'every complete response has exactly one record');
  const after = await openai(KEYS.crash).chat.completions.create({ model: 'm-oa', messages: MSG });
  assert.equal(after.choices[0].message.content, replyText('oa', 'emu-ok'), 'serves after the restart');
});
