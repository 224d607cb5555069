// Issue 3: the Anthropic Messages surface and translation both ways, driven by the official
// `@anthropic-ai/sdk` and `openai` SDKs through the real switchyard binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import path from 'node:path';
import { startOpenAI } from './openai.mjs';
import { startAnthropic } from './anthropic.mjs';
import { startGateway, call, routing, tempDir, MASTER_KEY, PRICE, ledgerRequestIds, stopCleanly, logsSettle, upstreamErrors } from './harness.mjs';
import { replyText, TOOL_ARGS } from './util.mjs';

const KEY = 'sk-e2e-anthropic-team-1';
let emuOA;
let emuAN;
let gw;

const A_TOOLS = [
  { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] } },
  { name: 'get_time', description: 'Local time in a city', input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] } },
];
const O_TOOLS = A_TOOLS.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.input_schema } }));
const MSG = [{ role: 'user', content: 'Say hello.' }];
const ANTHROPIC_TEXT = replyText('emu-an', 'claude-emu-ok');
const OPENAI_TEXT = replyText('emu-oa', 'emu-ok');

const anthropic = (key = KEY) => new Anthropic({ apiKey: key, baseURL: gw.url, maxRetries: 0, timeout: 30000 });
const openai = (key = KEY) => new OpenAI({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0, timeout: 30000 });

let dir;  // the gateway's: its SQLite ledger is read back

async function stillServes() {
  const m = await anthropic().messages.create({ model: 'claude-direct', max_tokens: 64, messages: MSG });
  assert.equal(m.content[0].text, ANTHROPIC_TEXT);
}

before(async () => {
  emuOA = await startOpenAI({ name: 'emu-oa', apiKey: 'sk-upstream-oa' });
  emuAN = await startAnthropic({ name: 'emu-an', apiKey: 'sk-ant-upstream', cache: { read: 4, write: 2 } });
  dir = tempDir();
  const an = () => ({ type: 'anthropic', base_url: emuAN.baseUrl, api_key: '${UP_AN}' });
  const dep = (provider, model) => ({ provider, model, price: PRICE });
  gw = await startGateway({
    dir,
    env: { UP_AN: 'sk-ant-upstream', UP_OA: 'sk-upstream-oa', E2E_MASTER_KEY: MASTER_KEY, E2E_KEY: KEY },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${dir}/ledger.db`,
      providers: {
        'an-main': an(),
        'an-429': an(),
        'an-529': an(),
        'an-mid': an(),
        'an-start-over': an(),
        'an-late-over': an(),
        'an-late-drop': an(),
        'an-invalid': an(),
        'oa-main': { type: 'openai', base_url: emuOA.baseUrl, api_key: '${UP_OA}' },
      },
      models: {
        'claude-direct': { route: 'priority', deployments: [dep('an-main', 'claude-emu-ok')] },
        'gpt-up': { route: 'priority', deployments: [dep('oa-main', 'emu-ok')] },
        'claude-429': { route: 'priority', deployments: [dep('an-429', 'x-rate-429')] },
        'claude-529': { route: 'priority', deployments: [dep('an-529', 'x-fail-529')] },
        'claude-midstream': { route: 'priority', deployments: [dep('an-mid', 'x-midstream-error')] },
        'claude-start-over': { route: 'priority', deployments: [dep('an-start-over', 'x-start-overloaded'), dep('an-main', 'claude-emu-ok')] },
        'claude-late-over': { route: 'priority', deployments: [dep('an-late-over', 'x-start-then-overloaded'), dep('an-main', 'claude-emu-ok')] },
        'claude-stream-invalid': { route: 'priority', deployments: [dep('an-invalid', 'x-stream-invalid'), dep('an-main', 'claude-emu-ok')] },
        'claude-late-drop': { route: 'priority', deployments: [dep('an-late-drop', 'x-start-then-drop'), dep('an-main', 'claude-emu-ok')] },
      },
      keys: [{ name: 'team', key: '${E2E_KEY}' }],
    },
  });
});

after(async () => {
  await stopCleanly(gw);
  await emuOA?.close();
  await emuAN?.close();
});

// ---- Anthropic SDK -> Anthropic upstream ----

test('anthropic SDK messages.create -> anthropic upstream: text, usage with cache tokens, headers', async () => {
  const before = emuAN.served.length;
  const { data: m, response } = await anthropic().messages.create({ model: 'claude-direct', max_tokens: 128, system: 'Be brief.', messages: MSG }).withResponse();
  assert.equal(m.type, 'message');
  assert.equal(m.role, 'assistant');
  assert.equal(m.content.length, 1);
  assert.equal(m.content[0].type, 'text');
  assert.equal(m.content[0].text, ANTHROPIC_TEXT);
  assert.equal(m.stop_reason, 'end_turn');
  const s = emuAN.served[before];
  assert.equal(m.usage.input_tokens, s.input);
  assert.equal(m.usage.output_tokens, s.output);
  assert.equal(m.usage.cache_read_input_tokens, 4);
  assert.equal(m.usage.cache_creation_input_tokens, 2);
  const h = routing(response.headers);
  assert.equal(h.provider, 'an-main');
  assert.equal(h.model, 'claude-emu-ok');
  assert.ok(h.requestId);
  const up = emuAN.messageRequests().at(-1);
  assert.equal(up.body.model, 'claude-emu-ok');
  assert.ok(up.headers['anthropic-version'], 'anthropic-version sent upstream');
  assert.ok(up.headers['x-api-key'] === 'sk-ant-upstream' || up.headers.authorization === 'Bearer sk-ant-upstream');
  assert.ok(!JSON.stringify(up.headers).includes(KEY), 'the client key is never forwarded upstream');
  // The access log tells the same token figures as the ledger: input without the cached tokens.
  await logsSettle(gw, (logs) => logs.some((l) => l.request_id === h.requestId));
  const line = gw.logs.find((l) => l.request_id === h.requestId);
  assert.ok(line, 'an access-log line');
  assert.deepEqual([line.input_tokens, line.cache_read_tokens, line.cache_write_tokens, line.output_tokens], [s.input, 4, 2, s.output]);
});

test('x-api-key with anthropic-version 2023-06-01 (older SDKs) is accepted on /v1/messages', async () => {
  const r = await call(gw, '/v1/messages', { headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }, body: { model: 'claude-direct', max_tokens: 64, messages: MSG } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.content[0].text, ANTHROPIC_TEXT);
});

test('the client\'s anthropic-version reaches an Anthropic upstream unchanged (protocols.md 2.10 (a))', async () => {
  for (const version of ['2026-10-21', '2023-06-01']) {
    const r = await call(gw, '/v1/messages', { headers: { 'x-api-key': KEY, 'anthropic-version': version }, body: { model: 'claude-direct', max_tokens: 64, messages: MSG } });
    assert.equal(r.status, 200, r.text);
    assert.equal(emuAN.messageRequests().at(-1).headers['anthropic-version'], version);
  }
});

test('/v1/messages?beta=true (older SDKs\' beta path) is counted under route="messages" in /metrics', async () => {
  const sample = async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const m = text.match(/^switchyard_requests_total\{route="messages",model="claude-direct",provider="an-main",status="200"\} (\d+)$/m);
    return m ? Number(m[1]) : 0;
  };
  // A request is counted when it ends, just after its last byte reached the client: the previous
  // test's request may still be landing. Take the count once it has held still for 100 ms.
  const settled = async () => {
    let last = await sample();
    for (;;) {
      await new Promise((ok) => setTimeout(ok, 100));
      const now = await sample();
      if (now === last) return now;
      last = now;
    }
  };
  const before = await settled();
  const r = await call(gw, '/v1/messages?beta=true', { key: KEY, headers: { 'anthropic-version': '2023-06-01' }, body: { model: 'claude-direct', max_tokens: 64, messages: MSG } });
  assert.equal(r.status, 200, r.text);
  assert.equal(await settled(), before + 1);
});

test('anthropic SDK messages.stream().finalMessage() -> anthropic upstream', async () => {
  const events = [];
  const stream = anthropic().messages.stream({ model: 'claude-direct', max_tokens: 128, messages: MSG });
  stream.on('streamEvent', (e) => events.push(e.type));
  const m = await stream.finalMessage();
  assert.equal(m.content[0].text, ANTHROPIC_TEXT);
  assert.equal(m.stop_reason, 'end_turn');
  assert.ok(m.usage.output_tokens > 0);
  assert.equal(events[0], 'message_start');
  assert.equal(events.at(-1), 'message_stop');
  assert.ok(events.includes('message_delta'));
});

test('anthropic SDK tool use, streamed and not, then the tool_result turn', async () => {
  const streamed = await anthropic().messages.stream({ model: 'claude-direct', max_tokens: 256, messages: [{ role: 'user', content: 'Weather and time?' }], tools: A_TOOLS }).finalMessage();
  assert.equal(streamed.stop_reason, 'tool_use');
  const uses = streamed.content.filter((b) => b.type === 'tool_use');
  assert.equal(uses.length, 2);
  assert.deepEqual(uses.map((u) => u.name), ['get_weather', 'get_time']);
  assert.deepEqual(uses.map((u) => u.input), TOOL_ARGS);

  const plain = await anthropic().messages.create({ model: 'claude-direct', max_tokens: 256, messages: [{ role: 'user', content: 'Weather?' }], tools: A_TOOLS.slice(0, 1) });
  const use = plain.content.find((b) => b.type === 'tool_use');
  assert.deepEqual(use.input, TOOL_ARGS[0]);
  const next = await anthropic().messages.create({
    model: 'claude-direct', max_tokens: 256, tools: A_TOOLS.slice(0, 1),
    messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: plain.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C' }] }],
  });
  assert.equal(next.content[0].text, ANTHROPIC_TEXT);
  const up = emuAN.messageRequests().at(-1).body;
  assert.equal(up.messages.at(-1).content[0].tool_use_id, use.id, 'tool ids survive the round trip');
});

// ---- Anthropic SDK -> OpenAI upstream ----

test('anthropic SDK -> openai upstream: text', async () => {
  const before = emuOA.served.length;
  const { data: m, response } = await anthropic().messages.create({ model: 'gpt-up', max_tokens: 100, system: 'Be brief.', messages: MSG }).withResponse();
  assert.equal(m.content[0].text, OPENAI_TEXT);
  assert.equal(m.stop_reason, 'end_turn');
  const s = emuOA.served[before];
  assert.equal(m.usage.input_tokens, s.input);
  assert.equal(m.usage.output_tokens, s.output);
  assert.equal(routing(response.headers).provider, 'oa-main');
  const up = emuOA.chatRequests().at(-1).body;
  assert.equal(up.model, 'emu-ok');
  assert.equal(up.messages[0].role, 'system');
  assert.equal(up.messages.at(-1).role, 'user');
  assert.ok(up.max_tokens === 100 || up.max_completion_tokens === 100, 'max_tokens mapped');
});

test('anthropic SDK -> openai upstream: stream', async () => {
  const m = await anthropic().messages.stream({ model: 'gpt-up', max_tokens: 100, messages: MSG }).finalMessage();
  assert.equal(m.content.length, 1);
  assert.equal(m.content[0].text, OPENAI_TEXT);
  assert.equal(m.stop_reason, 'end_turn');
  assert.ok(m.usage.output_tokens > 0, 'usage moved to message_delta');
  const up = emuOA.chatRequests().at(-1).body;
  assert.equal(up.stream, true);
  assert.equal(up.stream_options?.include_usage, true);
});

test('anthropic SDK -> openai upstream: streamed parallel tool calls reassembled', async () => {
  const m = await anthropic().messages.stream({ model: 'gpt-up', max_tokens: 200, messages: [{ role: 'user', content: 'Weather and time?' }], tools: A_TOOLS }).finalMessage();
  assert.equal(m.stop_reason, 'tool_use');
  const uses = m.content.filter((b) => b.type === 'tool_use');
  assert.equal(uses.length, 2);
  assert.deepEqual(uses.map((u) => u.name), ['get_weather', 'get_time']);
  assert.deepEqual(uses.map((u) => u.input), TOOL_ARGS);
  const up = emuOA.chatRequests().at(-1).body;
  assert.deepEqual(up.tools.map((t) => t.function.name), ['get_weather', 'get_time']);
  assert.deepEqual(up.tools[0].function.parameters, A_TOOLS[0].input_schema);
});

// ---- OpenAI SDK -> Anthropic upstream ----

test('openai SDK -> anthropic upstream: text, usage folded per the mapping', async () => {
  const before = emuAN.served.length;
  const { data: c, response } = await openai().chat.completions.create({
    model: 'claude-direct', messages: [{ role: 'system', content: 'Be brief.' }, ...MSG],
  }).withResponse();
  assert.equal(c.choices[0].message.content, ANTHROPIC_TEXT);
  assert.equal(c.choices[0].finish_reason, 'stop');
  const s = emuAN.served[before];
  assert.equal(c.usage.prompt_tokens, s.input + s.cacheRead + s.cacheWrite, 'prompt_tokens includes cache tokens');
  assert.equal(c.usage.completion_tokens, s.output);
  assert.equal(routing(response.headers).provider, 'an-main');
  const up = emuAN.messageRequests().at(-1).body;
  assert.ok(typeof up.max_tokens === 'number' && up.max_tokens > 0, 'max_tokens supplied');
  assert.ok(up.system, 'system extracted to the top level');
  assert.ok(up.messages.every((m) => m.role !== 'system'));
});

test('openai SDK -> anthropic upstream: stream with usage', async () => {
  const before = emuAN.served.length;
  const stream = await openai().chat.completions.create({ model: 'claude-direct', messages: MSG, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage = null;
  let finish = null;
  for await (const ch of stream) {
    if (ch.usage) usage = ch.usage;
    for (const c of ch.choices) {
      text += c.delta?.content ?? '';
      finish = c.finish_reason ?? finish;
    }
  }
  assert.equal(text, ANTHROPIC_TEXT);
  assert.equal(finish, 'stop');
  const s = emuAN.served[before];
  assert.ok(usage, 'usage chunk present');
  assert.equal(usage.prompt_tokens, s.input + s.cacheRead + s.cacheWrite);
  assert.equal(usage.completion_tokens, s.output);
});

test('openai SDK -> anthropic upstream: streamed tool calls with argument fragments reassembled', async () => {
  const final = await openai().chat.completions.stream({ model: 'claude-direct', messages: [{ role: 'user', content: 'Weather and time?' }], tools: O_TOOLS }).finalChatCompletion();
  const ch = final.choices[0];
  assert.equal(ch.finish_reason, 'tool_calls');
  assert.equal(ch.message.tool_calls.length, 2);
  assert.deepEqual(ch.message.tool_calls.map((t) => t.function.name), ['get_weather', 'get_time']);
  assert.deepEqual(ch.message.tool_calls.map((t) => JSON.parse(t.function.arguments)), TOOL_ARGS);
  const up = emuAN.messageRequests().at(-1).body;
  assert.deepEqual(up.tools.map((t) => t.name), ['get_weather', 'get_time']);
  assert.deepEqual(up.tools[0].input_schema, A_TOOLS[0].input_schema);
  // the tool result turn goes back as an Anthropic tool_result
  const call0 = ch.message.tool_calls[0];
  const next = await openai().chat.completions.create({
    model: 'claude-direct', tools: O_TOOLS,
    messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: null, tool_calls: [call0] }, { role: 'tool', tool_call_id: call0.id, content: '18C' }],
  });
  assert.equal(next.choices[0].message.content, ANTHROPIC_TEXT);
  const up2 = emuAN.messageRequests().at(-1).body;
  const last = up2.messages.at(-1);
  assert.equal(last.role, 'user');
  assert.equal(last.content[0].type, 'tool_result');
  assert.equal(last.content[0].tool_use_id, call0.id);
});

// ---- Errors in the Anthropic shape ----

function assertAnthropicError(r, status, type) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.type, 'error', r.text);
  assert.equal(r.json?.error?.type, type, r.text);
  assert.equal(typeof r.json.error.message, 'string');
}

test('/v1/messages errors: 401 bad key, 404 unknown model or route below /v1/messages (Anthropic error shape)', async () => {
  assertAnthropicError(await call(gw, '/v1/messages', { key: 'sk-wrong', body: { model: 'claude-direct', max_tokens: 10, messages: MSG } }), 401, 'authentication_error');
  await assert.rejects(anthropic('sk-wrong').messages.create({ model: 'claude-direct', max_tokens: 10, messages: MSG }), Anthropic.AuthenticationError);
  assertAnthropicError(await call(gw, '/v1/messages', { key: KEY, body: { model: 'nope', max_tokens: 10, messages: MSG } }), 404, 'not_found_error');
  await assert.rejects(anthropic().messages.create({ model: 'nope', max_tokens: 10, messages: MSG }), Anthropic.NotFoundError);
  assertAnthropicError(await call(gw, '/v1/messages', { key: KEY, raw: '{"model":' }), 400, 'invalid_request_error');
  // Routes below /v1/messages the gateway does not serve (batches) answer in Anthropic's shape too.
  assertAnthropicError(await call(gw, '/v1/messages/batches', { key: KEY, body: { requests: [] } }), 404, 'not_found_error');
  await assert.rejects(anthropic().messages.batches.retrieve('msgbatch_e2e'), Anthropic.NotFoundError);
  await stillServes();
});

test('/v1/messages: upstream 429 -> 429 rate_limit_error with retry-after', async () => {
  const r = await call(gw, '/v1/messages', { key: KEY, body: { model: 'claude-429', max_tokens: 10, messages: MSG } });
  assertAnthropicError(r, 429, 'rate_limit_error');
  assert.ok(r.headers.get('retry-after'), 'retry-after forwarded');
  await assert.rejects(anthropic().messages.create({ model: 'claude-429', max_tokens: 10, messages: MSG }), Anthropic.RateLimitError);
  await stillServes();
});

test('/v1/messages: upstream 529 on every deployment -> 503 (contract: 502/503/504), overloaded_error', async () => {
  const r = await call(gw, '/v1/messages', { key: KEY, body: { model: 'claude-529', max_tokens: 10, messages: MSG } });
  assertAnthropicError(r, 503, 'overloaded_error');
  await stillServes();
});

// The stream's opening (message_start, content_block_start, ping) is held until the first content,
// so an upstream that fails after it, in the same read or a later one, still fails over.
for (const [model, upstream, failing, what] of [
  ['claude-start-over', 'x-start-overloaded', 'an-start-over', 'overloaded_error in the same read as message_start'],
  ['claude-late-over', 'x-start-then-overloaded', 'an-late-over', 'overloaded_error after message_start, content_block_start and ping, in later reads'],
  ['claude-late-drop', 'x-start-then-drop', 'an-late-drop', 'connection dropped after message_start, content_block_start and ping'],
]) test(`${what}, before any content reached the client: fails over`, async () => {
  const errors = await upstreamErrors(gw, failing);
  const healthy = await upstreamErrors(gw, 'an-main');
  for (const sdk of ['anthropic', 'openai']) {
    const before = emuAN.served.length;
    let text = '';
    let headers;
    if (sdk === 'anthropic') {
      const { data: stream, response } = await anthropic().messages.stream({ model, max_tokens: 50, messages: MSG }).withResponse();
      headers = response.headers;
      text = (await stream.finalMessage()).content[0].text;
    } else {
      const { data: stream, response } = await openai().chat.completions.create({ model, messages: MSG, stream: true }).withResponse();
      headers = response.headers;
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    }
    assert.equal(text, ANTHROPIC_TEXT, sdk);
    assert.equal(headers.get('x-switchyard-provider'), 'an-main', sdk);
    // The first deployment was tried and broke; the second served the whole answer.
    const served = emuAN.served.slice(before);
    assert.deepEqual(served.map((s) => [s.model, !!s.broken]), [[upstream, true], ['claude-emu-ok', false]], sdk);
  }
  // Each failed attempt is one upstream error (it was not counted when the failure came inside
  // the 200 stream), the served ones none.
  assert.equal(await upstreamErrors(gw, failing), errors + 2);
  assert.equal(await upstreamErrors(gw, 'an-main'), healthy);
  await stillServes();
});

test('an invalid_request_error event opening a 200 stream: a plain 400 in each dialect, no failover, one record', async () => {
  const before = emuAN.served.length;
  const err = await anthropic().messages.stream({ model: 'claude-stream-invalid', max_tokens: 50, messages: MSG }).finalMessage().catch((e) => e);
  assert.ok(err instanceof Anthropic.BadRequestError, `anthropic: ${err}`);
  assert.equal(err.status, 400);
  assert.equal(err.error?.error?.type, 'invalid_request_error');
  assert.match(err.message, /prompt is too long/);
  const oerr = await openai().chat.completions.create({ model: 'claude-stream-invalid', messages: MSG, stream: true }).catch((e) => e);
  assert.ok(oerr instanceof OpenAI.BadRequestError, `openai: ${oerr}`);
  assert.equal(oerr.status, 400);
  // The request's fault: the second deployment was not tried.
  assert.deepEqual(emuAN.served.slice(before).map((s) => s.model), ['x-stream-invalid', 'x-stream-invalid']);
  // Each reached an upstream, so each has exactly one ledger record (written after the reply).
  const header = (e) => (typeof e.headers?.get === 'function' ? e.headers.get('x-request-id') : e.headers?.['x-request-id']);
  const ids = [header(err), header(oerr)];
  assert.ok(ids.every(Boolean), `x-request-id on both errors: ${ids}`);
  let counts = [];
  for (let i = 0; i < 40; i++) {
    const led = await ledgerRequestIds(path.join(dir, 'ledger.db'));
    counts = ids.map((id) => led.ids.filter((x) => x === id).length);
    if (counts.every((c) => c >= 1)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(counts, [1, 1]);
  await stillServes();
});

test('upstream error event mid-stream: both SDK streams throw, each counted as an upstream error', async () => {
  const errors = await upstreamErrors(gw, 'an-mid');
  await assert.rejects(anthropic().messages.stream({ model: 'claude-midstream', max_tokens: 50, messages: MSG }).finalMessage());
  const s = await openai().chat.completions.create({ model: 'claude-midstream', messages: MSG, stream: true });
  await assert.rejects(async () => {
    for await (const _ of s) { /* drain */ }
  });
  assert.equal(await upstreamErrors(gw, 'an-mid'), errors + 2);
  await stillServes();
});

test('models.list and models.retrieve with the Anthropic SDK: Anthropic\'s list format and errors', async () => {
  const listed = [];
  for await (const m of anthropic().models.list()) listed.push(m);
  assert.ok(listed.length >= 2);
  const claude = listed.find((m) => m.id === 'claude-direct');
  assert.deepEqual(claude, { type: 'model', id: 'claude-direct', display_name: 'claude-direct', created_at: '1970-01-01T00:00:00Z' });
  const page = await anthropic().models.list();
  assert.equal(page.has_more, false);
  assert.equal(page.first_id, listed[0].id);
  assert.equal(page.last_id, listed[listed.length - 1].id);

  const one = await anthropic().models.retrieve('gpt-up');
  assert.equal(one.type, 'model');
  assert.equal(one.id, 'gpt-up');
  const missing = await anthropic().models.retrieve('no-such-model').catch((e) => e);
  assert.ok(missing instanceof Anthropic.NotFoundError, `got ${missing}`);
  assert.equal(missing.error?.error?.type, 'not_found_error');
  const bad = await anthropic('sk-wrong').models.list().catch((e) => e);
  assert.ok(bad instanceof Anthropic.AuthenticationError, `got ${bad}`);
  assert.equal(bad.error?.error?.type, 'authentication_error');
});
