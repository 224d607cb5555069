// The metering promise when the ledger's database fails (contract.md, Metering): in strict mode no
// client gets the end of a successful answer whose record is not durable; while the ledger keeps
// failing, metered requests are refused before any upstream call (and /health/ready says so);
// the records held meanwhile are written exactly once when it recovers; and a stop that cannot
// write them exits 1 with each record in full in the log. The SQLite ledger is made to fail from
// outside, by renaming its table away with the sqlite3 CLI.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startOpenAI } from './openai.mjs';
import { startGateway, call, tempDir, MASTER_KEY, PRICE, stopCleanly, logsSettle } from './harness.mjs';
import { replyText, sleep } from './util.mjs';

const KEY = 'sk-e2e-ledger-fail-0001';
const MSG = [{ role: 'user', content: 'Say hello.' }];
const started = [];

after(async () => {
  for (const s of started) {
    if (s.kill9) await s.kill9();  // a gateway left running by a failed test
    else await s.close();
  }
});

function sql(db, statement) {
  return new Promise((resolve, reject) => {
    const p = spawn('sqlite3', ['-cmd', '.timeout 5000', db, statement], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`sqlite3: ${err}`))));
  });
}

async function gateway(sync) {
  const emu = await startOpenAI({ name: 'emu', apiKey: 'sk-up' });
  started.push(emu);
  const dir = tempDir();
  const db = `${dir}/ledger.db`;
  const gw = await startGateway({
    dir,
    env: { UP: 'sk-up', E2E_MASTER_KEY: MASTER_KEY, KEY },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${db}`,
      ledger_sync: sync,
      providers: { oa: { type: 'openai', base_url: emu.baseUrl, api_key: '${UP}' } },
      models: { 'gpt-ok': { route: 'priority', deployments: [{ provider: 'oa', model: 'emu-ok', price: PRICE }] } },
      keys: [{ name: 'team', key: '${KEY}' }],
    },
  });
  started.push(gw);
  return { emu, gw, db };
}

async function streamText(gw) {
  const r = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-ok', messages: MSG, stream: true }),
  });
  return { status: r.status, id: r.headers.get('x-request-id'), text: await r.text() };
}

test('strict: answers whose record cannot be made durable are withheld, later requests refused, and every record written once it recovers', async () => {
  const { emu, gw, db } = await gateway('strict');
  const ok = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'gpt-ok', messages: MSG } });
  assert.equal(ok.status, 200, ok.text);

  await sql(db, 'ALTER TABLE usage RENAME TO usage_away');
  // Two requests in flight as the ledger starts failing, one whole and one streamed: the upstream
  // answers both, and neither client gets the end of a successful answer.
  const [whole, streamed] = await Promise.all([
    call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'gpt-ok', messages: MSG } }),
    streamText(gw),
  ]);
  assert.equal(whole.status, 503, whole.text);
  assert.match(whole.json.error.message, /withheld/);
  assert.ok(!whole.text.includes(replyText('emu', 'emu-ok')), 'no part of the answer');
  assert.equal(streamed.status, 200);
  assert.ok(!streamed.text.includes('[DONE]'), streamed.text);
  assert.ok(!streamed.text.includes('"finish_reason":"stop"'), 'the final event is withheld');
  const last = streamed.text.trim().split('\n\n').pop();
  assert.match(last, /^data: \{"error":/);
  assert.match(last, /withheld/);

  // The ledger now says it is failing: readiness goes, and metered requests are refused before
  // any upstream call, in the caller's dialect, with a retry-after.
  const ready = await fetch(`${gw.url}/health/ready`);
  assert.equal(ready.status, 503);
  assert.deepEqual(await ready.json(), { status: 'ledger_failing' });
  const upstreamCalls = emu.requests.length;
  const refused = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'gpt-ok', messages: MSG } });
  assert.equal(refused.status, 503, refused.text);
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.match(refused.json.error.message, /cannot record usage/);
  const anthropic = await call(gw, '/v1/messages', {
    headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' },
    body: { model: 'gpt-ok', max_tokens: 64, messages: MSG },
  });
  assert.equal(anthropic.status, 503, anthropic.text);
  assert.equal(anthropic.json.type, 'error');
  assert.equal(emu.requests.length, upstreamCalls, 'no upstream call while the ledger fails');

  // The database is back: the held records are written, once each, and requests flow again.
  await sql(db, 'ALTER TABLE usage_away RENAME TO usage');
  const until = Date.now() + 15000;
  let readyAgain = 503;
  while (Date.now() < until && readyAgain !== 200) {
    await sleep(100);
    readyAgain = (await fetch(`${gw.url}/health/ready`)).status;
  }
  assert.equal(readyAgain, 200, 'ready again once a write succeeds');
  for (const id of [whole.headers.get('x-request-id'), streamed.id]) {
    assert.equal(await sql(db, `SELECT COUNT(*) FROM usage WHERE request_id = '${id}'`), '1', id);
  }
  const again = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'gpt-ok', messages: MSG } });
  assert.equal(again.status, 200, again.text);
  await stopCleanly(gw);
});

test('a graceful stop that cannot write its records exits 1 and logs each record whole', async () => {
  const { gw, db } = await gateway('relaxed');
  const ok = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'gpt-ok', messages: MSG } });
  assert.equal(ok.status, 200, ok.text);
  await sql(db, 'ALTER TABLE usage RENAME TO usage_away');
  const queued = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'gpt-ok', messages: MSG } });
  assert.equal(queued.status, 200, 'relaxed: answered before its record is written');
  const id = queued.headers.get('x-request-id');
  const r = await gw.stop({ timeoutMs: 90000 });  // the writer gives up after ~27 s of retries
  assert.equal(r.code, 1, `exit ${JSON.stringify(r)}; ${gw.stderr.slice(-1500)}`);
  await logsSettle(gw, (logs) => logs.some((l) => l.msg === 'stopped_with_records_lost'));
  const lost = gw.logs.filter((l) => l.msg === 'ledger_record_lost').map((l) => JSON.parse(l.detail));
  assert.equal(lost.length, 1, gw.stderr.slice(-1500));
  assert.equal(lost[0].request_id, id);
  assert.equal(lost[0].key_name, 'team');
  assert.ok(lost[0].output_tokens > 0 && lost[0].cost_nano_usd > 0, JSON.stringify(lost[0]));
  assert.ok(gw.logs.some((l) => l.msg === 'stopped_with_records_lost' && l.level === 'error'));
  assert.ok(!gw.stderr.includes(KEY), 'the key never reaches the log');
});
