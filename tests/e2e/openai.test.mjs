// Issue 2: the OpenAI Chat Completions surface, driven by the official `openai` SDK through the real
// switchyard binary to the OpenAI emulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startOpenAI } from './openai.mjs';
import { startGateway, call, routing, tempDir, MASTER_KEY, PRICE, stopCleanly, logsSettle } from './harness.mjs';
import { replyText, TOOL_ARGS } from './util.mjs';

const KEY_A = 'sk-e2e-team-a-0001';
const KEY_B = 'sk-e2e-team-b-0002';
let emuA;
let emuB;
let gw;

const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', description: 'Local time in a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] } } },
];
const MSG = [{ role: 'user', content: 'Say hello.' }];

const client = (key = KEY_A, opts = {}) => new OpenAI({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0, timeout: 30000, ...opts });

async function stillServes() {
  const { data, response } = await client().chat.completions.create({ model: 'gpt-ok', messages: MSG }).withResponse();
  assert.equal(response.status, 200);
  assert.equal(data.choices[0].message.content, replyText('emu-a', 'emu-ok'));
}

before(async () => {
  emuA = await startOpenAI({ name: 'emu-a', apiKey: 'sk-upstream-a' });
  emuB = await startOpenAI({ name: 'emu-b', apiKey: 'sk-upstream-b' });
  const dir = tempDir();
  const a = (extra = {}) => ({ type: 'openai', base_url: emuA.baseUrl, api_key: '${UPSTREAM_A}', ...extra });
  const dep = (provider, model) => ({ provider, model, price: PRICE });
  gw = await startGateway({
    dir,
    env: { UPSTREAM_A: 'sk-upstream-a', UPSTREAM_B: 'sk-upstream-b', E2E_MASTER_KEY: MASTER_KEY, KEY_A, KEY_B },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${dir}/ledger.db`,
      max_body_bytes: 65536,
      stream_keepalive_ms: 300,
      providers: {
        'oa-main': a(),
        'oa-b': { type: 'openai', base_url: emuB.baseUrl, api_key: '${UPSTREAM_B}' },
        'oa-500': a(),
        'oa-drop': a(),
        'oa-429': a(),
        'oa-stall': a({ first_byte_timeout_ms: 1500 }),
        'oa-all-1': a(),
        'oa-all-2': a(),
        'oa-mid': a(),
        'oa-retired': a({ base_url: `${emuA.baseUrl}/retired` }),  // every path there is a 404
      },
      models: {
        'gpt-ok': { route: 'priority', deployments: [dep('oa-main', 'emu-ok')] },
        'gpt-no-done': { route: 'priority', deployments: [dep('oa-main', 'emu-no-done')] },
        'gpt-pause': { route: 'priority', deployments: [dep('oa-main', 'emu-pause-mid')] },
        'gpt-echo-auth': { route: 'priority', deployments: [dep('oa-main', 'emu-echo-auth')] },
        'gpt-other': { route: 'priority', deployments: [dep('oa-b', 'emu-other')] },
        'gpt-failover-500': { route: 'priority', deployments: [dep('oa-500', 'x-fail-500'), dep('oa-b', 'backup-ok')] },
        'gpt-failover-404': { route: 'priority', deployments: [dep('oa-retired', 'emu-ok'), dep('oa-b', 'backup-ok')] },
        'gpt-404-only': { route: 'priority', deployments: [dep('oa-retired', 'emu-ok')] },
        'gpt-failover-drop': { route: 'priority', deployments: [dep('oa-drop', 'x-drop'), dep('oa-b', 'backup-ok')] },
        'gpt-failover-429': { route: 'priority', deployments: [dep('oa-429', 'x-rate-429'), dep('oa-b', 'backup-ok')] },
        'gpt-failover-stall': { route: 'priority', deployments: [dep('oa-stall', 'x-stall'), dep('oa-b', 'backup-ok')] },
        'gpt-all-fail': { route: 'priority', deployments: [dep('oa-all-1', 'x-fail-500'), dep('oa-all-2', 'x-fail-503')] },
        'gpt-midstream': { route: 'priority', deployments: [dep('oa-mid', 'x-midstream-drop')] },
        'gpt-midstream-error': { route: 'priority', deployments: [dep('oa-mid', 'x-midstream-error')] },
        'gpt-refuses': { route: 'priority', deployments: [dep('oa-main', 'x-refuse')] },
      },
      keys: [
        { name: 'team-a', key: '${KEY_A}' },
        { name: 'team-b', key: '${KEY_B}', models: ['gpt-ok'] },
      ],
    },
  });
});

after(async () => {
  await stopCleanly(gw);
  await emuA?.close();
  await emuB?.close();
});

test('non-streamed completion: content, usage, routing headers, upstream credential', async () => {
  const before = emuA.served.length;
  const { data, response } = await client().chat.completions.create({ model: 'gpt-ok', messages: MSG }).withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices[0].message.role, 'assistant');
  assert.equal(data.choices[0].message.content, replyText('emu-a', 'emu-ok'));
  assert.equal(data.choices[0].finish_reason, 'stop');
  const served = emuA.served[before];
  assert.ok(served, 'the emulator served the request');
  assert.equal(data.usage.prompt_tokens, served.input);
  assert.equal(data.usage.completion_tokens, served.output);
  assert.equal(data.usage.total_tokens, served.input + served.output);
  const h = routing(response.headers);
  assert.equal(h.provider, 'oa-main');
  assert.equal(h.model, 'emu-ok');
  assert.ok(h.requestId, 'x-request-id present');
  const up = emuA.chatRequests().at(-1);
  assert.equal(up.headers.authorization, 'Bearer sk-upstream-a', 'the provider key is sent upstream');
  assert.ok(!JSON.stringify(up.headers).includes(KEY_A), 'the client key is never forwarded upstream');
  assert.equal(up.body.model, 'emu-ok', 'the deployment model is sent upstream');
});

test('x-api-key authentication is accepted on /v1/chat/completions', async () => {
  const r = await call(gw, '/v1/chat/completions', { headers: { 'x-api-key': KEY_A }, body: { model: 'gpt-ok', messages: MSG } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.choices[0].message.content, replyText('emu-a', 'emu-ok'));
});

test('stream with include_usage: text deltas, one usage chunk equal to the upstream usage', async () => {
  const before = emuA.served.length;
  const { data: stream, response } = await client().chat.completions.create({
    model: 'gpt-ok', messages: [{ role: 'user', content: 'Stream please.' }], stream: true, stream_options: { include_usage: true },
  }).withResponse();
  assert.match(response.headers.get('content-type') || '', /text\/event-stream/);
  assert.equal(routing(response.headers).provider, 'oa-main');
  let text = '';
  const usages = [];
  let finish = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usages.push({ usage: chunk.usage, choices: chunk.choices.length });
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      finish = c.finish_reason ?? finish;
    }
  }
  assert.equal(text, replyText('emu-a', 'emu-ok'));
  assert.equal(finish, 'stop');
  assert.equal(usages.length, 1, 'exactly one usage chunk');
  assert.equal(usages[0].choices, 0, 'the usage chunk has choices: []');
  const served = emuA.served[before];
  assert.equal(served.includeUsageAsked, true);
  assert.equal(usages[0].usage.prompt_tokens, served.input);
  assert.equal(usages[0].usage.completion_tokens, served.output);
});

test('stream without include_usage: no usage reaches the client, but the gateway asked upstream for it', async () => {
  const before = emuA.served.length;
  const stream = await client().chat.completions.create({ model: 'gpt-ok', messages: [{ role: 'user', content: 'No usage.' }], stream: true });
  let text = '';
  let usageChunks = 0;
  for await (const chunk of stream) {
    if (chunk.usage) usageChunks++;
    for (const c of chunk.choices) text += c.delta?.content ?? '';
  }
  assert.equal(text, replyText('emu-a', 'emu-ok'));
  assert.equal(usageChunks, 0, 'no usage chunk without include_usage');
  const served = emuA.served[before];
  assert.ok(served?.stream, 'the upstream call was streamed');
  assert.equal(served.includeUsageAsked, true, 'gateway sets stream_options.include_usage upstream');
});

test('streamed parallel tool calls: finalChatCompletion() reassembles argument fragments', async () => {
  const runner = client().chat.completions.stream({ model: 'gpt-ok', messages: [{ role: 'user', content: 'Weather and time in Paris and Tokyo?' }], tools: TOOLS });
  const final = await runner.finalChatCompletion();
  const choice = final.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  const calls = choice.message.tool_calls;
  assert.equal(calls.length, 2);
  assert.deepEqual(calls.map((c) => c.function.name), ['get_weather', 'get_time']);
  assert.deepEqual(calls.map((c) => JSON.parse(c.function.arguments)), TOOL_ARGS);
  assert.ok(calls.every((c) => c.id && c.type === 'function'));
  const up = emuA.chatRequests().at(-1).body;
  assert.equal(up.tools.length, 2, 'tools forwarded upstream');
  assert.equal(up.stream, true);
});

test('non-streamed tool call, then the tool result turn', async () => {
  const c = client();
  const first = await c.chat.completions.create({ model: 'gpt-ok', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: TOOLS.slice(0, 1) });
  const call0 = first.choices[0].message.tool_calls?.[0];
  assert.ok(call0, 'a tool call came back');
  assert.deepEqual(JSON.parse(call0.function.arguments), TOOL_ARGS[0]);
  const second = await c.chat.completions.create({
    model: 'gpt-ok',
    tools: TOOLS.slice(0, 1),
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [call0] },
      { role: 'tool', tool_call_id: call0.id, content: '{"temp_c":18}' },
    ],
  });
  assert.equal(second.choices[0].message.content, replyText('emu-a', 'emu-ok'));
  const up = emuA.chatRequests().at(-1).body;
  assert.equal(up.messages.at(-1).role, 'tool');
  assert.equal(up.messages.at(-1).tool_call_id, call0.id);
});

// An upstream 404 is about the deployment (a model id not enabled there, a retired endpoint), not
// the model the client named: the next deployment serves it. With no other, the 404 is passed on.
test('upstream 404 fails over to the next deployment; a lone 404 deployment answers 404', async () => {
  const { data, response } = await client().chat.completions.create({ model: 'gpt-failover-404', messages: MSG }).withResponse();
  assert.equal(data.choices[0].message.content, replyText('emu-b', 'backup-ok'));
  assert.equal(routing(response.headers).provider, 'oa-b');
  const stream = await client().chat.completions.create({ model: 'gpt-failover-404', messages: MSG, stream: true });
  let text = '';
  for await (const chunk of stream) for (const c of chunk.choices) text += c.delta?.content ?? '';
  assert.equal(text, replyText('emu-b', 'backup-ok'));
  await assert.rejects(client().chat.completions.create({ model: 'gpt-404-only', messages: MSG }), (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
  await stillServes();
});

for (const [name, model, upstreamModel] of [
  ['upstream 500', 'gpt-failover-500', 'x-fail-500'],
  ['dropped connection before headers', 'gpt-failover-drop', 'x-drop'],
  ['upstream 429 with retry-after', 'gpt-failover-429', 'x-rate-429'],
  ['upstream stall (first-byte timeout)', 'gpt-failover-stall', 'x-stall'],
]) {
  test(`failover on ${name}: served by the next deployment, routing headers say so`, async () => {
    const triedBefore = emuA.chatRequests().filter((r) => r.model === upstreamModel).length;
    const { data, response } = await client().chat.completions.create({ model, messages: MSG }).withResponse();
    assert.equal(response.status, 200);
    assert.equal(data.choices[0].message.content, replyText('emu-b', 'backup-ok'));
    const h = routing(response.headers);
    assert.equal(h.provider, 'oa-b');
    assert.equal(h.model, 'backup-ok');
    assert.ok(h.requestId);
    const tried = emuA.chatRequests().filter((r) => r.model === upstreamModel).length - triedBefore;
    assert.ok(tried >= 1, 'the failing deployment was tried first');
    // streamed too (the failure happens before the first byte, so failover is still possible)
    const stream = await client().chat.completions.create({ model, messages: MSG, stream: true });
    let text = '';
    for await (const chunk of stream) for (const c of chunk.choices) text += c.delta?.content ?? '';
    assert.equal(text, replyText('emu-b', 'backup-ok'));
    await stillServes();
  });
}

test('all deployments fail: 502/503/504 in the OpenAI error format', async () => {
  const r = await call(gw, '/v1/chat/completions', { key: KEY_A, body: { model: 'gpt-all-fail', messages: MSG } });
  assert.ok([502, 503, 504].includes(r.status), `status ${r.status}: ${r.text}`);
  assert.equal(typeof r.json?.error?.message, 'string', `OpenAI error object: ${r.text}`);
  assert.ok('type' in r.json.error);
  await assert.rejects(client().chat.completions.create({ model: 'gpt-all-fail', messages: MSG }), (e) => {
    assert.ok(e instanceof OpenAI.APIError, String(e));
    assert.ok([502, 503, 504].includes(e.status), `status ${e.status}`);
    return true;
  });
  await stillServes();
});

test('bad or missing key: 401 in the OpenAI error format', async () => {
  await assert.rejects(client('sk-not-a-key').chat.completions.create({ model: 'gpt-ok', messages: MSG }), (e) => {
    assert.ok(e instanceof OpenAI.AuthenticationError, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.status, 401);
    return true;
  });
  const r = await call(gw, '/v1/chat/completions', { body: { model: 'gpt-ok', messages: MSG } });
  assert.equal(r.status, 401);
  assert.equal(typeof r.json?.error?.message, 'string');
  await stillServes();
});

test('model not allowed for the key: 403', async () => {
  await assert.rejects(client(KEY_B).chat.completions.create({ model: 'gpt-other', messages: MSG }), (e) => {
    assert.ok(e instanceof OpenAI.PermissionDeniedError, `${e.constructor.name}: ${e.message}`);
    return true;
  });
  const ok = await client(KEY_B).chat.completions.create({ model: 'gpt-ok', messages: MSG });
  assert.equal(ok.choices[0].message.content, replyText('emu-a', 'emu-ok'));
});

test('unknown model: 404', async () => {
  await assert.rejects(client().chat.completions.create({ model: 'no-such-model', messages: MSG }), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError, `${e.constructor.name}: ${e.message}`);
    return true;
  });
  await stillServes();
});

test('unknown model names asked for by clients do not become /metrics series', async () => {
  const names = Array.from({ length: 5 }, (_, i) => `typo-model-${i}-${Date.now()}`);
  for (const model of names) {
    const r = await call(gw, '/v1/chat/completions', { key: KEY_A, body: { model, messages: MSG } });
    assert.equal(r.status, 404, r.text);
  }
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  for (const model of names) assert.ok(!text.includes(model), `${model} in /metrics`);
  assert.match(text, /^switchyard_requests_total\{route="chat_completions",model="",provider="",status="404"\} [1-9]/m);
});

test('malformed JSON: 400', async () => {
  const r = await call(gw, '/v1/chat/completions', { key: KEY_A, raw: '{"model":"gpt-ok","messages":[{"role":"user","content":"hi"}' });
  assert.equal(r.status, 400, r.text);
  assert.equal(typeof r.json?.error?.message, 'string');
  const r2 = await call(gw, '/v1/chat/completions', { key: KEY_A, body: { model: 'gpt-ok' } });
  assert.equal(r2.status, 400, `missing messages: ${r2.text}`);
  await stillServes();
});

test('body larger than max_body_bytes: 413', async () => {
  const big = 'x'.repeat(70000);
  let r;
  try {
    r = await call(gw, '/v1/chat/completions', { key: KEY_A, body: { model: 'gpt-ok', messages: [{ role: 'user', content: big }] } });
  } catch (e) {
    assert.fail(`connection failed instead of a 413: ${e.cause?.code || e.message}`);
  }
  assert.equal(r.status, 413, r.text);
  // Like every request: a request id, an access-log line and a /metrics count.
  const id = r.headers.get('x-request-id');
  assert.ok(id, 'x-request-id on a 413');
  await logsSettle(gw, (logs) => logs.some((l) => l.request_id === id));
  const line = gw.logs.find((l) => l.request_id === id);
  assert.ok(line, `an access-log line for the 413 (${id})`);
  assert.equal(line.status, 413);
  assert.equal(line.path, '/v1/chat/completions');
  assert.equal(line.method, 'POST');
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(text, /^switchyard_requests_total\{route="chat_completions",model="",provider="",status="413"\} [1-9]/m);
  await stillServes();
});

test('GET /v1/models lists only the models the key may use', async () => {
  const all = [];
  for await (const m of client().models.list()) all.push(m.id);
  for (const m of ['gpt-ok', 'gpt-other', 'gpt-failover-500']) assert.ok(all.includes(m), `${m} in ${all}`);
  const onlyB = [];
  for await (const m of client(KEY_B).models.list()) onlyB.push(m);
  assert.deepEqual(onlyB.map((m) => m.id), ['gpt-ok']);
  assert.equal(onlyB[0].object, 'model');
});

test('GET /v1/models/{id} (models.retrieve): a model the key may use; 404 for one it may not or that does not exist', async () => {
  const m = await client().models.retrieve('gpt-ok');
  assert.deepEqual({ id: m.id, object: m.object }, { id: 'gpt-ok', object: 'model' });
  const hidden = await client(KEY_B).models.retrieve('gpt-other').catch((e) => e);
  assert.ok(hidden instanceof OpenAI.NotFoundError, `got ${hidden}`);
  const missing = await client().models.retrieve('no-such-model').catch((e) => e);
  assert.ok(missing instanceof OpenAI.NotFoundError, `got ${missing}`);
  assert.equal(missing.error?.code, 'model_not_found');
  const bad = await client('sk-wrong').models.retrieve('gpt-ok').catch((e) => e);
  assert.ok(bad instanceof OpenAI.AuthenticationError, `got ${bad}`);
});

test('/metrics exposes request counters in Prometheus text format', async () => {
  const r = await fetch(`${gw.url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^text\/plain/);
  const text = await r.text();
  const counters = [...text.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]);
  const reqCounters = counters.filter((n) => /request/.test(n));
  assert.ok(reqCounters.length > 0, `a request counter among ${counters}`);
  const samples = text.split('\n').filter((l) => reqCounters.some((n) => l.startsWith(`${n}{`) || l.startsWith(`${n} `)));
  assert.ok(samples.some((l) => Number(l.trim().split(/\s+/).pop()) > 0), `a positive sample in:\n${samples.join('\n')}`);
  assert.ok(text.endsWith('\n'));
});

test('/metrics latency histograms keep sub-millisecond precision (not whole milliseconds)', async () => {
  // A gateway answers in well under a millisecond of its own; whole milliseconds would put most
  // requests at 0 and every _sum on a millisecond grid. With microseconds, the three sums below all
  // landing on that grid has a chance of about one in a billion.
  await client().chat.completions.create({ model: 'gpt-ok', messages: MSG });
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const sums = ['switchyard_request_duration_seconds_sum', 'switchyard_time_to_first_token_seconds_sum', 'switchyard_upstream_latency_seconds_sum']
    .map((name) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && !/status="[45]/.test(l));
      assert.ok(line, `a ${name} sample in /metrics`);
      return Number(line.trim().split(/\s+/).pop());
    });
  assert.ok(sums.every((v) => v > 0), `positive sums: ${sums}`);
  const offGrid = sums.filter((v) => Math.abs(v * 1000 - Math.round(v * 1000)) > 1e-6);
  assert.ok(offGrid.length > 0, `every sum is a whole number of milliseconds: ${sums}`);
});

test('the gateway names its threads, so top -H and perf tell the workers from the ledger writer', async () => {
  const dir = `/proc/${gw.proc.pid}/task`;
  const names = fs.readdirSync(dir).map((t) => fs.readFileSync(`${dir}/${t}/comm`, 'utf8').trim());
  for (const want of ['sy-worker-0', 'sy-ledger', 'sy-log', 'sy-keys']) assert.ok(names.includes(want), `${want} in ${names}`);
});

test('a stream that ends after its finish_reason without usage or [DONE] is complete, not an error (protocols.md 1.6)', async () => {
  const stream = await client().chat.completions.create({ model: 'gpt-no-done', messages: MSG, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      finish = c.finish_reason ?? finish;
    }
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, replyText('emu-a', 'emu-no-done'));
  assert.equal(finish, 'stop');
  assert.ok(usage && usage.completion_tokens > 0, `counted usage for the client: ${JSON.stringify(usage)}`);
  // The same without a stream: a reply with no usage tells the client the counted figures billed.
  const whole = await client().chat.completions.create({ model: 'gpt-no-done', messages: MSG });
  assert.equal(whole.choices[0].message.content, replyText('emu-a', 'emu-no-done'));
  assert.ok(whole.usage.prompt_tokens > 0 && whole.usage.completion_tokens > 0, `counted usage: ${JSON.stringify(whole.usage)}`);
  await stillServes();
});

test('a stream whose upstream falls silent gets keep-alive events the SDKs skip, in each client\'s dialect', async () => {
  const body = { model: 'gpt-pause', max_tokens: 64, messages: MSG, stream: true };
  const raw = async (path, headers) => {
    const r = await fetch(`${gw.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    assert.equal(r.status, 200);
    return r.text();
  };
  // OpenAI clients: SSE comments, between the first content and the rest (1.5 s of silence,
  // stream_keepalive_ms 300), never before the first event or after [DONE].
  const oa = await raw('/chat/completions', { authorization: `Bearer ${KEY_A}` });
  const comments = oa.split('\n\n').filter((e) => e === ': keep-alive');
  assert.ok(comments.length >= 2, `keep-alives: ${comments.length} in ${oa}`);
  assert.ok(oa.startsWith('data: {') && oa.endsWith('data: [DONE]\n\n'), oa);
  const firstContent = oa.indexOf('"content":"Hello');
  assert.ok(firstContent > 0 && firstContent < oa.indexOf(': keep-alive'), 'the silence came after content');
  // Anthropic clients: Anthropic's own ping event.
  const an = await raw('/messages', { 'x-api-key': KEY_A, 'anthropic-version': '2023-06-01' });
  const pings = an.split('\n\n').filter((e) => e === 'event: ping\ndata: {"type":"ping"}');
  assert.ok(pings.length >= 2, `pings: ${pings.length} in ${an}`);
  // And the SDKs read through them to the whole answer.
  let text = '';
  for await (const chunk of await client().chat.completions.create({ model: 'gpt-pause', messages: MSG, stream: true })) {
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  assert.equal(text, replyText('emu-a', 'emu-pause-mid'));
  const anthropic = new Anthropic({ apiKey: KEY_A, baseURL: gw.url, maxRetries: 0 });
  const msg = await anthropic.messages.stream({ model: 'gpt-pause', max_tokens: 64, messages: MSG }).finalMessage();
  assert.equal(msg.content[0].text, replyText('emu-a', 'emu-pause-mid'));
  await stillServes();
});

test('an upstream error that quotes the gateway\'s own credential is withheld from the client and the log', async () => {
  const err = await client().chat.completions.create({ model: 'gpt-echo-auth', messages: MSG }).catch((e) => e);
  assert.ok(err instanceof OpenAI.BadRequestError, `got ${err}`);
  assert.ok(!JSON.stringify(err.error).includes('sk-upstream-a'), `the provider key in the client's error: ${JSON.stringify(err.error)}`);
  assert.match(err.error.message, /quoted a credential the gateway sent/);
  const id = err.headers?.get?.('x-request-id') ?? err.headers?.['x-request-id'];
  await logsSettle(gw, (logs) => logs.some((l) => l.request_id === id));
  assert.ok(gw.logs.some((l) => l.request_id === id), 'its access-log line');
  assert.ok(!gw.stderr.includes('sk-upstream-a'), 'the provider key in the gateway\'s log');
  await stillServes();
});

test('upstream connection drops mid-stream: the SDK stream throws (no silent truncation)', async () => {
  for (const model of ['gpt-midstream', 'gpt-midstream-error']) {
    const stream = await client().chat.completions.create({ model, messages: MSG, stream: true });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) for (const c of chunk.choices) text += c.delta?.content ?? '';
    }, `${model}: the stream must end in an error, got text ${JSON.stringify(text)}`);
  }
  await stillServes();
});

test('access log: one JSON line per request on stderr, with its id and routing, and no secret', async () => {
  const { response } = await client().chat.completions.create({ model: 'gpt-ok', messages: MSG }).withResponse();
  const id = response.headers.get('x-request-id');
  const bad = await call(gw, '/v1/chat/completions', { key: 'sk-not-a-key', body: { model: 'gpt-ok', messages: MSG } });
  assert.equal(bad.status, 401);
  const badId = bad.headers.get('x-request-id');
  // Lines are written before the next request is read; give the pipe a moment to deliver them.
  let mine = [];
  for (let i = 0; i < 50 && mine.length < 2; i++) {
    mine = gw.logs.filter((l) => l.request_id === id || l.request_id === badId);
    if (mine.length < 2) await new Promise((r) => setTimeout(r, 20));
  }
  const ok = gw.logs.filter((l) => l.request_id === id);
  assert.equal(ok.length, 1, `exactly one line for ${id}; stderr tail:\n${gw.stderr.slice(-1500)}`);
  const l = ok[0];
  assert.equal(l.msg, 'request');
  assert.equal(l.level, 'info');
  assert.equal(l.status, 200);
  assert.equal(l.method, 'POST');
  assert.equal(l.path, '/v1/chat/completions');
  assert.equal(l.model, 'gpt-ok');
  assert.equal(l.provider, response.headers.get('x-switchyard-provider'));
  assert.equal(l.key, 'team-a');
  assert.equal(l.outcome, 'ok');
  assert.ok(l.input_tokens > 0 && l.output_tokens > 0, JSON.stringify(l));
  assert.ok(Number.isInteger(l.latency_ms) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(l.ts), JSON.stringify(l));
  const refused = gw.logs.filter((x) => x.request_id === badId);
  assert.equal(refused.length, 1, `one line for the refused request ${badId}`);
  assert.equal(refused[0].status, 401);
  assert.equal(refused[0].level, 'warn');
  for (const secret of [KEY_A, KEY_B, 'sk-not-a-key', 'sk-upstream-a', 'sk-upstream-b']) {
    assert.ok(!gw.stderr.includes(secret), `the logs never hold ${secret.slice(0, 6)}…`);
  }
});

test('read_timeout_ms: a request that stops arriving is closed (header or body), and the gateway still serves', async () => {
  const net = await import('node:net');
  const dir = tempDir();
  const slow = await startGateway({
    dir,
    env: { KEY_A },
    config: {
      ledger: `sqlite://${dir}/ledger.db`,
      read_timeout_ms: 600,
      providers: { 'oa-main': { type: 'openai', base_url: emuA.baseUrl, api_key: 'sk-upstream-a' } },
      models: { 'gpt-ok': { route: 'priority', deployments: [{ provider: 'oa-main', model: 'emu-ok', price: PRICE }] } },
      keys: [{ name: 'team-a', key: '${KEY_A}' }],
    },
  });
  try {
    // Resolves with how long the gateway kept the connection open, and what it sent.
    const closedAfter = (partial) => new Promise((resolve, reject) => {
      const s = net.connect(slow.port, '127.0.0.1');
      const t0 = Date.now();
      let got = '';
      const guard = setTimeout(() => { s.destroy(); reject(new Error('connection still open after 10 s')); }, 10000);
      s.on('connect', () => s.write(partial));
      s.on('data', (d) => { got += d; });
      s.on('error', () => {});
      s.on('close', () => { clearTimeout(guard); resolve({ ms: Date.now() - t0, got }); });
    });
    const half = await closedAfter('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
    assert.ok(half.ms >= 500, `closed after ${half.ms} ms: not before the 600 ms read timeout`);
    assert.equal(half.got, '', 'a request never read gets no answer');
    const body = '{"model":"gpt-ok","messages":[{"role":"user","content":"hi"}]}';
    const short = await closedAfter(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY_A}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    assert.ok(short.ms >= 500, `closed after ${short.ms} ms: not before the 600 ms read timeout`);
    const ok = await call(slow, '/v1/chat/completions', { key: KEY_A, body: { model: 'gpt-ok', messages: MSG } });
    assert.equal(ok.status, 200);
  } finally {
    const r = await slow.stop();
    assert.equal(r.code, 0, `switchyard exit ${JSON.stringify(r)}`);
  }
});

// Raw HTTP/1.1 framing the SDKs never produce: the session's own read loop must handle requests that
// arrive together, byte by byte, or with a chunked body.
test('HTTP framing: pipelined requests, a request dribbled byte by byte, and a chunked request body', async () => {
  const net = await import('node:net');
  const body = JSON.stringify({ model: 'gpt-ok', messages: MSG });
  const head = (extra) => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY_A}\r\n` +
    `Content-Type: application/json\r\n${extra}\r\n`;
  const plain = head(`Content-Length: ${Buffer.byteLength(body)}\r\n`) + body;
  // Sends the pieces (awaiting each write), then reads until `responses` complete replies arrived.
  const exchange = (pieces, responses) => new Promise((resolve, reject) => {
    const s = net.connect(gw.port, '127.0.0.1');
    let got = '';
    const guard = setTimeout(() => { s.destroy(); reject(new Error(`timed out; got:\n${got}`)); }, 20000);
    const complete = () => {
      const replies = [];
      let rest = got;
      while (rest.length) {
        const end = rest.indexOf('\r\n\r\n');
        if (end < 0) return null;
        const m = /content-length: (\d+)/i.exec(rest.slice(0, end));
        if (!m) return null;
        const len = Number(m[1]);
        if (rest.length < end + 4 + len) return null;
        replies.push({ head: rest.slice(0, end), body: rest.slice(end + 4, end + 4 + len) });
        rest = rest.slice(end + 4 + len);
      }
      return replies;
    };
    s.setEncoding('utf8');
    s.on('data', (d) => {
      got += d;
      const r = complete();
      if (r && r.length >= responses) { clearTimeout(guard); s.destroy(); resolve(r); }
    });
    s.on('error', (e) => { clearTimeout(guard); reject(e); });
    s.on('connect', async () => {
      for (const p of pieces) {
        await new Promise((ok) => s.write(p, ok));
        if (pieces.length > 1) await new Promise((ok) => setImmediate(ok));
      }
    });
  });
  const ok = (r) => {
    assert.match(r.head, /^HTTP\/1\.1 200 /, r.head);
    assert.equal(JSON.parse(r.body).choices[0].message.content, replyText('emu-a', 'emu-ok'));
  };

  const two = await exchange([plain + plain], 2);  // both in one write
  assert.equal(two.length, 2);
  two.forEach(ok);
  assert.notEqual(/x-request-id: (\S+)/i.exec(two[0].head)[1], /x-request-id: (\S+)/i.exec(two[1].head)[1]);

  const dribbled = await exchange([...plain], 1);  // one byte per write
  ok(dribbled[0]);

  const chunked = head('Transfer-Encoding: chunked\r\n') +
    `${(10).toString(16)}\r\n${body.slice(0, 10)}\r\n${(body.length - 10).toString(16)}\r\n${body.slice(10)}\r\n0\r\n\r\n`;
  ok((await exchange([chunked], 1))[0]);
  await stillServes();
});

test('a refusal reaches the OpenAI SDK as message.refusal, streamed or not, never as content', async () => {
  const expected = replyText('emu-a', 'x-refuse');
  const plain = await client().chat.completions.create({ model: 'gpt-refuses', messages: MSG });
  assert.equal(plain.choices[0].message.refusal, expected);
  assert.equal(plain.choices[0].message.content, null);

  const stream = client().chat.completions.stream({ model: 'gpt-refuses', messages: MSG });
  const deltas = [];
  for await (const chunk of stream) {
    const d = chunk.choices[0]?.delta;
    if (d?.content) deltas.push(['content', d.content]);
    if (d?.refusal) deltas.push(['refusal', d.refusal]);
  }
  const final = await stream.finalChatCompletion();
  assert.ok(deltas.length > 1, 'the refusal streamed in pieces');
  assert.deepEqual(deltas.filter(([k]) => k !== 'refusal'), [], 'no refusal text arrived as content');
  assert.equal(deltas.map(([, t]) => t).join(''), expected);
  assert.equal(final.choices[0].message.refusal, expected);
  assert.ok(!final.choices[0].message.content, `content stays empty: ${JSON.stringify(final.choices[0].message.content)}`);
  await stillServes();
});
