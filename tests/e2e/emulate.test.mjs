// `switchyard emulate` (contract.md "The program"): the built-in upstream for demos and load tests,
// driven by the official SDKs directly and through the gateway, as the quickstart uses it. Its
// replies are scripted: 20 words, one sentence (--reply-tokens), cut short by a smaller max_tokens and then
// finished as cut ("length" / "max_tokens"), a tool call when a tool is forced, usage in each format. Timing checks are lower bounds only: a slow machine can
// make them longer, never shorter.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { BIN, freePort, startGateway } from './harness.mjs';

const procs = [];
after(() => { for (const p of procs) p.kill('SIGKILL'); });

async function startEmulate(...flags) {
  const port = await freePort();
  const proc = spawn(BIN, ['emulate', '--listen', `127.0.0.1:${port}`, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(proc);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${url}/`);  // any answer (a 404) means it listens
      return url;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('switchyard emulate did not come up');
}

const MSG = [{ role: 'user', content: 'Hello there' }];
const TOOL_OA = { type: 'function', function: { name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' } } } } };

test('emulate speaks OpenAI chat completions to the openai SDK: plain, streamed with usage, forced tool call', async () => {
  const url = await startEmulate();
  const oa = new OpenAI({ apiKey: 'unused', baseURL: `${url}/v1`, maxRetries: 0 });
  const r = await oa.chat.completions.create({ model: 'emu', messages: MSG, max_tokens: 5 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'emu');
  assert.ok(r.choices[0].message.content.length > 0);
  assert.equal(r.usage.completion_tokens, 5);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + 5);
  assert.equal(r.choices[0].finish_reason, 'length', 'cut short by max_tokens');
  const whole = await oa.chat.completions.create({ model: 'emu', messages: MSG });
  assert.equal(whole.usage.completion_tokens, 20, 'default length');
  assert.equal(whole.choices[0].finish_reason, 'stop');
  const roomy = await oa.chat.completions.create({ model: 'emu', messages: MSG, max_completion_tokens: 1000 });
  assert.equal(roomy.usage.completion_tokens, 20, 'a larger max_tokens does not lengthen the reply');
  assert.equal(roomy.choices[0].finish_reason, 'stop');

  const stream = await oa.chat.completions.create({ model: 'emu', messages: MSG, max_tokens: 7, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage = null;
  let finish = null;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
    usage = c.usage ?? usage;
  }
  const plain7 = await oa.chat.completions.create({ model: 'emu', messages: MSG, max_tokens: 7 });
  assert.equal(text, plain7.choices[0].message.content, 'the stream carries the same scripted words');
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 7);

  const tool = await oa.chat.completions.create({ model: 'emu', messages: MSG, tools: [TOOL_OA], tool_choice: 'required' });
  assert.equal(tool.choices[0].finish_reason, 'tool_calls');
  assert.equal(tool.choices[0].message.tool_calls[0].function.name, 'search');
  assert.deepEqual(JSON.parse(tool.choices[0].message.tool_calls[0].function.arguments), { query: 'switchyard' });
});

test('emulate speaks Anthropic Messages to the anthropic SDK: plain, streamed, forced tool use', async () => {
  const url = await startEmulate();
  const an = new Anthropic({ apiKey: 'unused', baseURL: url, maxRetries: 0 });
  const m = await an.messages.create({ model: 'emu', max_tokens: 6, messages: MSG });
  assert.equal(m.type, 'message');
  assert.equal(m.content[0].type, 'text');
  assert.equal(m.usage.output_tokens, 6);
  assert.equal(m.stop_reason, 'max_tokens', 'cut short by max_tokens');
  const streamed = await an.messages.stream({ model: 'emu', max_tokens: 6, messages: MSG }).finalMessage();
  assert.equal(streamed.content[0].text, m.content[0].text);
  assert.equal(streamed.usage.output_tokens, 6);
  assert.equal(streamed.stop_reason, 'max_tokens');
  const whole = await an.messages.stream({ model: 'emu', max_tokens: 1024, messages: MSG }).finalMessage();
  assert.equal(whole.usage.output_tokens, 20);
  assert.equal(whole.stop_reason, 'end_turn');
  const tool = await an.messages.stream({
    model: 'emu', max_tokens: 50, messages: MSG,
    tools: [{ name: 'search', input_schema: { type: 'object' } }], tool_choice: { type: 'any' },
  }).finalMessage();
  assert.equal(tool.stop_reason, 'tool_use');
  assert.deepEqual(tool.content[0].input, { query: 'switchyard' });
  const counted = await an.messages.countTokens({ model: 'emu', messages: MSG });
  assert.equal(counted.input_tokens, m.usage.input_tokens, 'count_tokens agrees with what a message reports');
});

test('emulate serves embeddings to the openai SDK: base64 (the SDK default) and floats agree, unit length, usage', async () => {
  const url = await startEmulate();
  const oa = new OpenAI({ apiKey: 'unused', baseURL: `${url}/v1`, maxRetries: 0 });
  const b64 = await oa.embeddings.create({ model: 'emu-embed', input: ['alpha', 'beta'] });
  const floats = await oa.embeddings.create({ model: 'emu-embed', input: ['alpha', 'beta'], encoding_format: 'float', dimensions: 16 });
  assert.equal(b64.data.length, 2);
  assert.deepEqual(b64.data.map((d) => d.embedding), floats.data.map((d) => d.embedding));
  assert.equal(floats.data[0].embedding.length, 16);
  assert.notDeepEqual(floats.data[0].embedding, floats.data[1].embedding);
  const norm = Math.hypot(...floats.data[0].embedding);
  assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
  assert.ok(floats.usage.prompt_tokens > 0);
  const dims = await oa.embeddings.create({ model: 'emu-embed', input: 'x', dimensions: 64, encoding_format: 'float' });
  assert.equal(dims.data[0].embedding.length, 64);
});

test('emulate --fail-rate 1 answers every request with an overload error in the caller\'s format', async () => {
  const url = await startEmulate('--fail-rate', '1');
  const oa = new OpenAI({ apiKey: 'unused', baseURL: `${url}/v1`, maxRetries: 0 });
  await assert.rejects(oa.chat.completions.create({ model: 'emu', messages: MSG }), (e) => e.status === 503 && e.error?.type === 'server_error');
  const an = new Anthropic({ apiKey: 'unused', baseURL: url, maxRetries: 0 });
  await assert.rejects(an.messages.create({ model: 'emu', max_tokens: 5, messages: MSG }), (e) => e.status === 529 && e.error?.error?.type === 'overloaded_error');
});

// Audit (ops.md 5, 7): negative knobs were accepted (and streamed unpaced); the 529's status line
// read "529 <unknown-status>".
test('emulate refuses negative knobs, and its 529 has a reason phrase', async () => {
  for (const flags of [['--latency-ms', '-5'], ['--tokens-per-s', '-1']]) {
    const r = spawnSync(BIN, ['emulate', '--listen', '127.0.0.1:0', ...flags], { encoding: 'utf8', timeout: 10000 });
    assert.notEqual(r.status, 0, `${flags.join(' ')}: exit ${r.status} (signal ${r.signal})`);
    assert.equal(r.signal, null, 'it exited by itself');
    assert.match(r.stderr, new RegExp(`${flags[0]}: Value ${flags[1]} not in range`));
  }
  const url = await startEmulate('--fail-rate', '1');
  const r = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'emu', max_tokens: 5, messages: MSG }) });
  assert.equal(r.status, 529);
  assert.equal(r.statusText, 'Overloaded');
});

test('emulate --latency-ms delays the first byte; --tokens-per-s paces the stream; --reply-tokens sets its length', async () => {
  const url = await startEmulate('--latency-ms', '300', '--tokens-per-s', '50', '--reply-tokens', '25');
  const oa = new OpenAI({ apiKey: 'unused', baseURL: `${url}/v1`, maxRetries: 0 });
  const t0 = Date.now();
  await oa.chat.completions.create({ model: 'emu', messages: MSG, max_tokens: 1 });
  assert.ok(Date.now() - t0 >= 290, `first byte after ${Date.now() - t0} ms`);
  // 25 tokens at 50/s: the stream's events are at least 20 ms apart, about 0.4 s or more in all.
  const t1 = Date.now();
  const s = await oa.chat.completions.create({ model: 'emu', messages: MSG, max_tokens: 30, stream: true });
  let words = 0;
  for await (const c of s) words += c.choices[0]?.delta?.content ? 1 : 0;
  assert.ok(Date.now() - t1 >= 300 + 380, `paced stream took ${Date.now() - t1} ms`);
  assert.equal(words, 25, '--reply-tokens 25 (max_tokens 30 does not cut it)');
});

test('the quickstart shape: the gateway in front of emulate, both SDKs, routing headers', async () => {
  const url = await startEmulate();
  const gw = await startGateway({ config: {
    providers: {
      emu: { type: 'openai', base_url: `${url}/v1`, api_key: 'unused' },
      'emu-an': { type: 'anthropic', base_url: url, api_key: 'unused' },
    },
    models: {
      'demo-gpt': { deployments: [{ provider: 'emu', model: 'emu-gpt', price: { input: 1, output: 2 } }] },
      'demo-claude': { deployments: [{ provider: 'emu-an', model: 'emu-claude', price: { input: 1, output: 2 } }] },
    },
    keys: [{ name: 'demo', key: 'sk-demo-e2e' }],
  } });
  try {
    const oa = new OpenAI({ apiKey: 'sk-demo-e2e', baseURL: gw.baseURL, maxRetries: 0 });
    const { data, response } = await oa.chat.completions.create({ model: 'demo-claude', messages: MSG, max_tokens: 4 }).withResponse();
    assert.equal(data.usage.completion_tokens, 4);
    assert.equal(response.headers.get('x-switchyard-provider'), 'emu-an');
    assert.equal(response.headers.get('x-switchyard-model'), 'emu-claude');
    const an = new Anthropic({ apiKey: 'sk-demo-e2e', baseURL: gw.url, maxRetries: 0 });
    const m = await an.messages.stream({ model: 'demo-gpt', max_tokens: 4, messages: MSG }).finalMessage();
    assert.equal(m.usage.output_tokens, 4);
    const counted = await an.messages.countTokens({ model: 'demo-claude', messages: MSG });
    assert.ok(counted.input_tokens > 0, 'count_tokens through the gateway to emulate');
    const { data: e, response: er } = await oa.embeddings.create({ model: 'demo-gpt', input: 'embed me' }).withResponse();
    assert.equal(e.model, 'demo-gpt');
    assert.equal(e.data[0].embedding.length, 16);
    assert.equal(er.headers.get('x-switchyard-model'), 'emu-gpt', 'embeddings through the gateway to emulate');
  } finally {
    assert.equal((await gw.stop()).code, 0);
  }
});
