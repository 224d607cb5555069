// Routing and deployment health through the real binary: what counts as a deployment's failure
// (ejection after consecutive failures), and the retry-after a client hears when every attempt
// was throttled. Upstreams misbehave on purpose here, in ways the shared emulators do not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startOpenAI } from './openai.mjs';
import { startGateway, call, routing, tempDir, MASTER_KEY, PRICE, stopCleanly, logsSettle, sqlite } from './harness.mjs';
import { startServer, sendJson, sleep } from './util.mjs';

const KEY = 'sk-e2e-routing-0001';
const MSG = [{ role: 'user', content: 'Say hello.' }];
let good;
let bad;
let gw;
const hits = new Map();  // upstream model -> requests the misbehaving upstream received

const burstHeld = [];  // the burst's requests, answered together once all four arrived
const completion = (model) => ({
  id: 'chatcmpl-routing', object: 'chat.completion', created: 1, model,
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});
const rateLimited = (res, headers) => sendJson(res, 429, { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, headers);

before(async () => {
  good = await startOpenAI({ name: 'good' });
  bad = await startServer(async (req, res, raw) => {
    const model = JSON.parse(raw.toString('utf8')).model;
    hits.set(model, (hits.get(model) ?? 0) + 1);
    switch (model) {
      case 'malformed':  // a 2xx head whose body is not an answer
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 9 });
        res.end('not json{');
        return;
      case 'cut-stream':  // a 2xx stream head, then the connection breaks before any event
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case 'rate-zero':
        return rateLimited(res, { 'retry-after': '0' });
      case 'rate-date':  // the wait as an HTTP-date, 20 s ahead (RFC 9110 10.2.3)
        return rateLimited(res, { 'retry-after': new Date(Date.now() + 20000).toUTCString() });
      case 'rate-huge':
        return rateLimited(res, { 'retry-after': '99999999999' });
      case 'rate-ms-overflow':
        return rateLimited(res, { 'retry-after-ms': '9223372036854775807' });
      case 'rate-none-a':  // throttling that names no wait, like Bedrock's ThrottlingException
      case 'rate-none-b':
      case 'rate-none-c':
        return rateLimited(res);
      case 'burst':  // down for the first four requests, in flight together; back for the rest
        if (hits.get(model) <= 4) {
          await new Promise((resolve) => {
            burstHeld.push(resolve);
            if (burstHeld.length === 4) burstHeld.forEach((r) => r());
            setTimeout(resolve, 3000);
          });
          return sendJson(res, 500, { error: { message: 'upstream connect error', type: 'server_error' } });
        }
        return sendJson(res, 200, completion(model));
      case 'slow-1500':  // an answer long enough in coming that a client gives up first
        await sleep(1500);
        return sendJson(res, 200, completion(model));
      case 'slow-a':  // a healthy upstream that takes 300 ms to answer
      case 'slow-b':
      case 'slow-c':
        await sleep(300);
        return sendJson(res, 200, completion(model));
      default:
        return sendJson(res, 500, { error: { message: `unknown model ${model}`, type: 'server_error' } });
    }
  });
  const dir = tempDir();
  const dep = (provider, model) => ({ provider, model, price: PRICE });
  const only = (model) => ({ route: 'priority', deployments: [dep('bad', model)] });
  gw = await startGateway({
    dir,
    env: { E2E_MASTER_KEY: MASTER_KEY, KEY },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${dir}/ledger.db`,
      providers: {
        bad: { type: 'openai', base_url: `${bad.origin}/v1` },
        good: { type: 'openai', base_url: good.baseUrl },
        'good-stall': { type: 'openai', base_url: good.baseUrl, first_byte_timeout_ms: 800 },
      },
      models: {
        'm-malformed': { route: 'priority', deployments: [dep('bad', 'malformed'), dep('good', 'ok')] },
        'm-cut-stream': { route: 'priority', deployments: [dep('bad', 'cut-stream'), dep('good', 'ok')] },
        'm-rate-zero': only('rate-zero'),
        'm-rate-huge': only('rate-huge'),
        'm-rate-date': only('rate-date'),
        'm-rate-ms-overflow': only('rate-ms-overflow'),
        'm-rate-none': { route: 'priority', deployments: [dep('bad', 'rate-none-a'), dep('bad', 'rate-none-b')] },
        'm-rate-again': only('rate-none-c'),
        'm-burst': { route: 'priority', deployments: [dep('bad', 'burst'), dep('good', 'ok')] },
        'm-latency-cold': { route: 'latency', deployments: [dep('bad', 'slow-a'), dep('bad', 'slow-b'), dep('bad', 'slow-c')] },
        'm-rpm-500': { route: 'priority', deployments: [{ ...dep('bad', 'fail-500-rpm'), rpm: 2 }, dep('good', 'ok')] },
        'm-cap-spill': { route: 'priority', max_attempts: 1, deployments: [{ ...dep('good', 'cap-a'), rpm: 1 }, { ...dep('good', 'cap-b'), rpm: 1 }, dep('good', 'cap-free')] },
        'm-all-capped': { route: 'priority', deployments: [{ ...dep('good', 'capped-a'), rpm: 1 }, { ...dep('good', 'capped-b'), rpm: 1 }] },
        'm-gave-up': only('slow-1500'),
        'm-left-stream': { route: 'priority', deployments: [dep('good', 'x-late-end')] },
        'm-gone': { route: 'priority', deployments: [dep('good-stall', 'x-stall'), dep('good', 'gone-backup')] },
        'm-tpm': { route: 'priority', deployments: [{ ...dep('good', 'x-slow-tpm'), tpm: 6000 }, dep('good', 'spare')] },
      },
      keys: [{ name: 'routing', key: '${KEY}' }],
    },
  });
});

after(async () => {
  await stopCleanly(gw);
  await good?.close();
  await bad?.close();
});

for (const [what, model, upstream, stream] of [
  ['a malformed 2xx answer', 'm-malformed', 'malformed', false],
  ['a stream broken before its first event', 'm-cut-stream', 'cut-stream', true],
]) {
  test(`${what} counts as the deployment's failure: ejected after three in a row`, async () => {
    for (let i = 0; i < 5; ++i) {
      const r = await call(gw, '/v1/chat/completions', { key: KEY, body: { model, messages: MSG, stream } });
      assert.equal(r.status, 200, r.text);
      assert.equal(routing(r.headers).provider, 'good');
    }
    // Three failures in a row eject it for 5 s: the last two requests go straight to the next one.
    assert.equal(hits.get(upstream), 3);
  });
}

for (const [what, model] of [
  ['retry-after: 0', 'm-rate-zero'],
  ['a retry-after of three thousand years', 'm-rate-huge'],
  ['a retry-after-ms beyond int64 seconds', 'm-rate-ms-overflow'],
]) {
  test(`every deployment throttled with ${what}: 429 with a retry-after of 1 to 300 s`, async () => {
    for (let i = 0; i < 2; ++i) {  // the upstream's answer, then the cooling deployment's
      const r = await call(gw, '/v1/chat/completions', { key: KEY, body: { model, messages: MSG } });
      assert.equal(r.status, 429, r.text);
      const after = r.headers.get('retry-after');
      assert.match(after ?? '', /^\d+$/, `retry-after ${after}`);
      assert.ok(Number(after) >= 1 && Number(after) <= 300, `retry-after ${after}`);
    }
  });
}

test('every deployment throttling without a retry-after: 429 with retry-after every time, never a 503 ejection', async () => {
  // Throttling is not ill health: each 429 cools its deployment down (1 s, doubling while it
  // keeps throttling) and never counts toward ejection, however many come in a row.
  for (let i = 0; i < 8; ++i) {
    const r = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-rate-none', messages: MSG } });
    assert.equal(r.status, 429, `request ${i}: ${r.text}`);
    const after = r.headers.get('retry-after');
    assert.match(after ?? '', /^\d+$/, `retry-after ${after}`);
    assert.ok(Number(after) >= 1 && Number(after) <= 300, `retry-after ${after}`);
  }
});

test('throttled again after its back-off: the 429 says the doubled back-off as its retry-after, not 1 s', async () => {
  // The first 429 rests the deployment 1 s. Once that passed it throttles again, so it rests 2 s,
  // and the client is told so instead of retrying at 1 s into a gateway that would refuse it.
  const first = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-rate-again', messages: MSG } });
  assert.equal(first.status, 429, first.text);
  assert.equal(first.headers.get('retry-after'), '1');
  await sleep(1100);
  const again = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-rate-again', messages: MSG } });
  assert.equal(again.status, 429, again.text);
  assert.equal(again.headers.get('retry-after'), '2');
  assert.equal(hits.get('rate-none-c'), 2);
});

test('a burst of concurrent failures counts as one: the deployment is not ejected, and its next requests go to it', async () => {
  // Four requests in flight together when the deployment goes down all fail over: one outage,
  // not four failures in a row, so the deployment keeps its traffic once it is back.
  const burst = await Promise.all([0, 1, 2, 3].map(() =>
    call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-burst', messages: MSG } })));
  for (const r of burst) {
    assert.equal(r.status, 200, r.text);
    assert.equal(routing(r.headers).provider, 'good');
  }
  assert.equal(hits.get('burst'), 4);
  for (let i = 0; i < 3; ++i) {
    const r = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-burst', messages: MSG } });
    assert.equal(r.status, 200, r.text);
    assert.equal(routing(r.headers).provider, 'bad', `request ${i} after the burst`);
  }
  assert.equal(hits.get('burst'), 7);
});

test('route: latency on a cold start: concurrent first requests each probe another deployment instead of all taking the first', async () => {
  // Nothing is measured yet: one request at a time probes each unmeasured deployment, and the
  // requests in flight together spread over them.
  const rs = await Promise.all([0, 1, 2].map(() =>
    call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-latency-cold', messages: MSG } })));
  for (const r of rs) assert.equal(r.status, 200, r.text);
  assert.deepEqual(rs.map((r) => routing(r.headers).model).sort(), ['slow-a', 'slow-b', 'slow-c']);
});

test('deployment tpm: a request without max_tokens holds its possible output, so a second one is skipped to the next deployment', async () => {
  // The first stream (100 ms between events) is in flight: its estimate, input + 4096 assumed
  // output, leaves no room in 6000 for another such request until it settles.
  const first = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm-tpm', messages: MSG, stream: true }),
  });
  assert.equal(first.status, 200);
  assert.equal(routing(first.headers).model, 'x-slow-tpm');
  const second = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-tpm', messages: MSG } });
  assert.equal(second.status, 200, second.text);
  assert.equal(routing(second.headers).model, 'spare');
  await first.text();
});

test('deployment rpm: an attempt the upstream answered with an error still counts against its capacity', async () => {
  // Each request reaches the rpm: 2 deployment, which answers 500, and fails over. The upstream
  // received those requests: once two did, the third skips it without sending it a third.
  for (let i = 0; i < 3; ++i) {
    const r = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-rpm-500', messages: MSG } });
    assert.equal(r.status, 200, r.text);
    assert.equal(routing(r.headers).provider, 'good');
  }
  assert.equal(hits.get('fail-500-rpm'), 2);
});

test('a deployment passed over at its own rpm uses up no attempt: the next one serves even with max_attempts 1', async () => {
  const served = [];
  for (let i = 0; i < 3; ++i) {
    const r = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-cap-spill', messages: MSG } });
    assert.equal(r.status, 200, r.text);
    served.push(routing(r.headers).model);
  }
  assert.deepEqual(served, ['cap-a', 'cap-b', 'cap-free']);
  const calls = good.chatRequests().filter((q) => q.model.startsWith('cap-')).map((q) => q.model);
  assert.deepEqual(calls, ['cap-a', 'cap-b', 'cap-free'], 'one upstream call each, none at a capped deployment');
});

test('a request every deployment turns away at its own rpm is a 429 with retry-after, naming no deployment it did not call', async () => {
  for (const want of ['capped-a', 'capped-b']) {
    const r = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-all-capped', messages: MSG } });
    assert.equal(r.status, 200, r.text);
    assert.equal(routing(r.headers).model, want);
  }
  const before = good.chatRequests().length;
  const r = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-all-capped', messages: MSG } });
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.error.type, 'rate_limit_error');
  assert.match(r.json.error.message, /every deployment is at its capacity/);
  assert.ok(Number(r.headers.get('retry-after')) >= 1, `retry-after ${r.headers.get('retry-after')}`);
  assert.equal(routing(r.headers).model, null, 'no deployment was called');
  assert.equal(good.chatRequests().length, before, 'no upstream call');
});

test('a retry-after given as an HTTP-date is honoured as a cool-down and passed on in seconds', async () => {
  const first = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-rate-date', messages: MSG } });
  assert.equal(first.status, 429, first.text);
  const wait = Number(first.headers.get('retry-after'));
  assert.ok(wait >= 18 && wait <= 20, `retry-after ${first.headers.get('retry-after')}`);
  // Cooling for that long: the next request does not reach the upstream.
  const again = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'm-rate-date', messages: MSG } });
  assert.equal(again.status, 429, again.text);
  assert.equal(hits.get('rate-date'), 1);
});

// A whole request to `model` whose client gives up after 300 ms; its access-log line.
async function abandoned(model) {
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 300);
  await assert.rejects(fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST', signal: abort.signal,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: MSG }),
  }));
  await logsSettle(gw, (logs) => logs.some((l) => l.model === model), 5000);
  const line = gw.logs.find((l) => l.model === model);
  assert.ok(line, 'an access-log line');
  return line;
}

test('a client gone while the first deployment hangs is not failed over for: no second call, recorded as a disconnect', async () => {
  const line = await abandoned('m-gone');
  assert.equal(line.outcome, 'client_disconnected');
  assert.equal(line.status, 499);
  assert.equal(line.attempts, 1);
  assert.equal(good.chatRequests().filter((q) => q.model === 'gone-backup').length, 0, 'the backup was never called');
});

test('a client that gave up before a slow whole answer is recorded as a disconnect (499), its answer still billed', async () => {
  const line = await abandoned('m-gave-up');
  assert.equal(line.outcome, 'client_disconnected');
  assert.equal(line.status, 499);
  assert.equal(line.output_tokens, 2, 'the upstream\'s answer is billed');
  const rows = await gw.usage('model');
  assert.ok(rows.some((r) => r.model === 'm-gave-up' && r.requests === 1 && r.output_tokens === 2), JSON.stringify(rows));
  // Metered once: the ledger would hide a second record (same request id), /metrics would not.
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  const output = metrics.split('\n').find((l) => l.startsWith('switchyard_tokens_total{') && l.includes('model="m-gave-up"') && l.includes('direction="output"'));
  assert.ok(output?.endsWith(' 2'), `output tokens counted once: ${output}`);
});

// Audit (bedrock.md 5): a client that left a stream during a silence whose end then came in one
// piece was recorded as ok (the end was held for the record, and only its write failed).
test('a stream its client left is recorded as client_disconnected in the ledger, as in the log', async () => {
  await new Promise((resolve, reject) => {
    const req = http.request(`${gw.baseURL}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    }, (res) => {
      res.once('data', () => { req.destroy(); resolve(); });  // the first words, then gone
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? resolve() : reject(e)));
    req.end(JSON.stringify({ model: 'm-left-stream', messages: MSG, stream: true }));
  });
  await logsSettle(gw, (logs) => logs.some((l) => l.model === 'm-left-stream'), 8000);
  const line = gw.logs.find((l) => l.model === 'm-left-stream');
  assert.ok(line, 'an access-log line');
  assert.equal(line.outcome, 'client_disconnected');
  const rows = await sqlite(`${gw.dir}/ledger.db`, `SELECT outcome, output_tokens FROM usage WHERE request_id = '${line.request_id}'`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].outcome, 'client_disconnected');
  assert.ok(rows[0].output_tokens > 0, 'the upstream\'s usage is billed');
});
