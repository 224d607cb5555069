// Issue 4: Bedrock (SigV4, InvokeModel and Converse, event-stream) and Vertex (OAuth JWT bearer),
// driven by both official SDKs through the real switchyard binary, and failover across clouds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startBedrock } from './bedrock.mjs';
import { startVertex } from './vertex.mjs';
import { startAnthropic } from './anthropic.mjs';
import { startGateway, call, routing, tempDir, MASTER_KEY, PRICE, SA_KEY_FILE, stopCleanly, upstreamErrors } from './harness.mjs';
import { replyText, TOOL_ARGS } from './util.mjs';

const KEY = 'sk-e2e-clouds-1';
const AWS = { accessKeyId: 'AKIDE2ETEST0001', secretAccessKey: 'e2eSecret/Key+ABCDEFGHIJ0123456789xyz', sessionToken: 'IQoJb3JpZ2luE2ESESSIONTOKEN' };
const BAD_SECRET = 'WrongSecret/E2E+zyxwvutsrqponmlk98765';
const CLAUDE_BR = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const NOVA_BR = 'amazon.nova-pro-v1:0';
const CLAUDE_VX = 'claude-sonnet-4@20250514';
let br;
let vx;
let badKeyFile;  // a credentials_file whose private_key cannot be parsed
let an;
let gw;

const A_TOOLS = [
  { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } } },
  { name: 'get_time', description: 'Time', input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } } },
];
const O_TOOLS = A_TOOLS.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.input_schema } }));
const MSG = [{ role: 'user', content: 'Say hello.' }];

const anthropic = () => new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, timeout: 30000 });
const openai = () => new OpenAI({ apiKey: KEY, baseURL: gw.baseURL, maxRetries: 0, timeout: 30000 });

async function stillServes() {
  const m = await anthropic().messages.create({ model: 'claude-direct', max_tokens: 32, messages: MSG });
  assert.equal(m.content[0].text, replyText('an', 'claude-direct-ok'));
}

async function openaiStreamText(model, extra = {}) {
  const s = await openai().chat.completions.create({ model, messages: MSG, stream: true, stream_options: { include_usage: true }, ...extra });
  let text = '';
  let usage = null;
  for await (const ch of s) {
    if (ch.usage) usage = ch.usage;
    for (const c of ch.choices) text += c.delta?.content ?? '';
  }
  return { text, usage };
}

before(async () => {
  br = await startBedrock({ name: 'aws', region: 'us-east-1', ...AWS });
  vx = await startVertex({ name: 'gcp', keyFile: SA_KEY_FILE, project: 'e2e-project', region: 'us-east5' });
  an = await startAnthropic({ name: 'an', apiKey: 'sk-ant-e2e' });
  const dir = tempDir();
  const credentialsFile = vx.writeKeyFile(dir);
  badKeyFile = path.join(dir, 'sa-bad-key.json');
  fs.writeFileSync(badKeyFile, JSON.stringify({
    type: 'service_account', project_id: 'e2e-project', private_key_id: 'k1', client_email: 'bad@e2e-project.iam.gserviceaccount.com',
    private_key: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n', token_uri: vx.tokenUri,
  }));
  const bedrock = (secretVar = '${AWS_SECRET}') => ({
    type: 'bedrock', region: 'us-east-1', base_url: br.baseUrl,
    access_key_id: '${AWS_AKID}', secret_access_key: secretVar, session_token: '${AWS_TOKEN:-}',
  });
  const dep = (provider, model) => ({ provider, model, price: PRICE });
  gw = await startGateway({
    dir,
    env: { AWS_AKID: AWS.accessKeyId, AWS_SECRET: AWS.secretAccessKey, AWS_TOKEN: AWS.sessionToken, AWS_BAD_SECRET: BAD_SECRET, E2E_MASTER_KEY: MASTER_KEY, E2E_KEY: KEY, AN_KEY: 'sk-ant-e2e' },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${dir}/ledger.db`,
      providers: {
        aws: bedrock(),
        'aws-throttled': bedrock(),
        'aws-stream-throttled': bedrock(),
        'aws-start-over': bedrock(),
        'aws-bad': bedrock('${AWS_BAD_SECRET}'),
        'aws-429': bedrock(),
        gcp: { type: 'vertex', project: 'e2e-project', region: 'us-east5', base_url: vx.baseUrl, credentials_file: credentialsFile },
        'gcp-badfile': { type: 'vertex', project: 'e2e-project', region: 'us-east5', base_url: vx.baseUrl, credentials_file: badKeyFile },
        'gcp-429': { type: 'vertex', project: 'e2e-project', region: 'us-east5', base_url: vx.baseUrl, credentials_file: credentialsFile },
        'anthropic-direct': { type: 'anthropic', base_url: an.baseUrl, api_key: '${AN_KEY}' },
      },
      models: {
        'claude-bedrock': { route: 'priority', deployments: [dep('aws', CLAUDE_BR)] },
        'nova-bedrock': { route: 'priority', deployments: [dep('aws', NOVA_BR)] },
        'claude-vertex': { route: 'priority', deployments: [dep('gcp', CLAUDE_VX)] },
        'claude-direct': { route: 'priority', deployments: [dep('anthropic-direct', 'claude-direct-ok')] },
        'claude-sonnet': {
          route: 'priority',
          deployments: [dep('aws-throttled', 'us.anthropic.claude-rate-429-v1:0'), dep('gcp', CLAUDE_VX), dep('anthropic-direct', 'claude-direct-ok')],
        },
        'claude-stream-throttled': { route: 'priority', deployments: [dep('aws-stream-throttled', 'us.anthropic.claude-midstream-error-v1:0')] },
        'claude-badfile': { route: 'priority', deployments: [dep('gcp-badfile', CLAUDE_VX)] },
        'claude-not-enabled': { route: 'priority', deployments: [dep('gcp', 'claude-not-enabled@1'), dep('anthropic-direct', 'claude-direct-ok')] },
        'claude-not-enabled-only': { route: 'priority', deployments: [dep('gcp', 'claude-not-enabled@1')] },
        'claude-bad-arg': { route: 'priority', deployments: [dep('gcp', 'claude-bad-arg@1'), dep('anthropic-direct', 'claude-direct-ok')] },
        'claude-start-over': { route: 'priority', deployments: [dep('aws-start-over', 'us.anthropic.claude-start-overloaded-v1:0'), dep('aws', CLAUDE_BR)] },
        'claude-bad-secret': { route: 'priority', deployments: [dep('aws-bad', CLAUDE_BR)] },
        'claude-vertex-429': { route: 'priority', deployments: [dep('gcp-429', 'claude-rate-429@2025')] },
        'claude-bedrock-429': { route: 'priority', deployments: [dep('aws-429', 'us.anthropic.claude-rate-429-v1:0')] },
      },
      keys: [{ name: 'clouds', key: '${E2E_KEY}' }],
    },
  });
});

after(async () => {
  if (gw) {
    await stopCleanly(gw);
    assert.ok(!gw.stderr.includes(AWS.secretAccessKey) && !gw.stderr.includes(BAD_SECRET), 'no AWS secret in the logs');
    assert.ok(!gw.stderr.includes('PRIVATE KEY'), 'no private key in the logs');
  }
  await br?.close();
  await vx?.close();
  await an?.close();
});

test('bedrock (Claude model): both SDKs, text, streamed and not; every request SigV4-valid', async (t) => {
  const n0 = br.requests.length;
  const text = replyText('aws', CLAUDE_BR);
  const { data: m, response } = await anthropic().messages.create({ model: 'claude-bedrock', max_tokens: 64, messages: MSG }).withResponse();
  assert.equal(m.content[0].text, text);
  assert.equal(routing(response.headers).provider, 'aws');
  assert.equal(routing(response.headers).model, CLAUDE_BR);
  const sm = await anthropic().messages.stream({ model: 'claude-bedrock', max_tokens: 64, messages: MSG }).finalMessage();
  assert.equal(sm.content[0].text, text);
  assert.ok(sm.usage.output_tokens > 0);
  const c = await openai().chat.completions.create({ model: 'claude-bedrock', messages: MSG });
  assert.equal(c.choices[0].message.content, text);
  const s = await openaiStreamText('claude-bedrock');
  assert.equal(s.text, text);
  assert.ok(s.usage?.completion_tokens > 0);
  const mine = br.requests.slice(n0);
  assert.equal(mine.length, 4, 'no retries needed');
  for (const r of mine) {
    assert.equal(r.sigError, null, `SigV4 rejected: ${JSON.stringify(r.sigError)}`);
    assert.equal(r.modelId, CLAUDE_BR);
    assert.equal(r.headers['x-amz-security-token'], AWS.sessionToken);
    if (r.op.startsWith('invoke')) {
      assert.equal(r.body.anthropic_version, 'bedrock-2023-05-31');
      assert.ok(!('model' in r.body) && !('stream' in r.body));
    }
  }
  t.diagnostic(`bedrock operations used for a Claude model: ${[...new Set(mine.map((r) => r.op))].join(', ')}`);
});

// Audit (bedrock.md finding 1): Anthropic-only top-level fields reached InvokeModel, whose
// allow-list (the emulator's, as Bedrock's) refused them with a 400 the client could not avoid.
test('bedrock (Claude model): fields only the Anthropic API takes are dropped, not refused', async () => {
  const n0 = br.requests.length;
  const extra = { service_tier: 'auto', inference_geo: 'us', context_management: { edits: [] }, foo: 'bar' };
  const m = await anthropic().messages.create({ model: 'claude-bedrock', max_tokens: 64, messages: MSG, metadata: { user_id: 'u-1' }, ...extra });
  assert.equal(m.content[0].text, replyText('aws', CLAUDE_BR));
  const sm = await anthropic().messages.stream({ model: 'claude-bedrock', max_tokens: 64, messages: MSG, ...extra }).finalMessage();
  assert.equal(sm.content[0].text, replyText('aws', CLAUDE_BR));
  const mine = br.requests.slice(n0);
  assert.equal(mine.length, 2);
  for (const k of Object.keys(extra)) assert.ok(!(k in mine[0].body) && !(k in mine[1].body), k);
  assert.deepEqual(mine[0].body.metadata, { user_id: 'u-1' });
});

test('bedrock (Claude model): streamed tool use from both SDKs', async () => {
  const m = await anthropic().messages.stream({ model: 'claude-bedrock', max_tokens: 200, messages: [{ role: 'user', content: 'Weather and time?' }], tools: A_TOOLS }).finalMessage();
  assert.equal(m.stop_reason, 'tool_use');
  assert.deepEqual(m.content.filter((b) => b.type === 'tool_use').map((b) => b.input), TOOL_ARGS);
  const f = await openai().chat.completions.stream({ model: 'claude-bedrock', messages: [{ role: 'user', content: 'Weather and time?' }], tools: O_TOOLS }).finalChatCompletion();
  assert.equal(f.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(f.choices[0].message.tool_calls.map((x) => JSON.parse(x.function.arguments)), TOOL_ARGS);
});

test('bedrock Converse (non-Anthropic model): text, stream, streamed tool use', async () => {
  const n0 = br.requests.length;
  const text = replyText('aws', NOVA_BR);
  const c = await openai().chat.completions.create({ model: 'nova-bedrock', messages: [{ role: 'system', content: 'Be brief.' }, ...MSG] });
  assert.equal(c.choices[0].message.content, text);
  assert.equal(c.usage.prompt_tokens, br.served.at(-1).input);
  const s = await openaiStreamText('nova-bedrock');
  assert.equal(s.text, text);
  assert.equal(s.usage?.completion_tokens, br.served.at(-1).output, 'usage from the metadata event');
  const m = await anthropic().messages.stream({ model: 'nova-bedrock', max_tokens: 100, messages: MSG }).finalMessage();
  assert.equal(m.content[0].text, text);
  const f = await openai().chat.completions.stream({ model: 'nova-bedrock', messages: [{ role: 'user', content: 'Weather and time?' }], tools: O_TOOLS }).finalChatCompletion();
  assert.deepEqual(f.choices[0].message.tool_calls.map((x) => JSON.parse(x.function.arguments)), TOOL_ARGS);
  const at = await anthropic().messages.stream({ model: 'nova-bedrock', max_tokens: 100, messages: [{ role: 'user', content: 'Weather and time?' }], tools: A_TOOLS }).finalMessage();
  assert.deepEqual(at.content.filter((b) => b.type === 'tool_use').map((b) => b.input), TOOL_ARGS);
  const ops = br.requests.slice(n0).map((r) => r.op);
  assert.ok(ops.every((o) => o === 'converse' || o === 'converse-stream'), `Converse used: ${ops}`);
  assert.ok(ops.includes('converse') && ops.includes('converse-stream'));
  const conv = br.requests.slice(n0).find((r) => r.op === 'converse');
  assert.deepEqual(conv.body.system, [{ text: 'Be brief.' }]);
});

test('vertex: OAuth token from the service account, both SDKs, text, stream, tools', async () => {
  const text = replyText('gcp', CLAUDE_VX);
  const { data: m, response } = await anthropic().messages.create({ model: 'claude-vertex', max_tokens: 64, messages: MSG }).withResponse();
  assert.equal(m.content[0].text, text);
  assert.equal(routing(response.headers).provider, 'gcp');
  assert.equal(routing(response.headers).model, CLAUDE_VX);
  const sm = await anthropic().messages.stream({ model: 'claude-vertex', max_tokens: 64, messages: MSG }).finalMessage();
  assert.equal(sm.content[0].text, text);
  const c = await openai().chat.completions.create({ model: 'claude-vertex', messages: MSG });
  assert.equal(c.choices[0].message.content, text);
  assert.equal((await openaiStreamText('claude-vertex')).text, text);
  const f = await openai().chat.completions.stream({ model: 'claude-vertex', messages: [{ role: 'user', content: 'Weather and time?' }], tools: O_TOOLS }).finalChatCompletion();
  assert.deepEqual(f.choices[0].message.tool_calls.map((x) => JSON.parse(x.function.arguments)), TOOL_ARGS);
  const ok = vx.tokenRequests.filter((r) => r.ok);
  assert.ok(ok.length >= 1, `a token was obtained; failures: ${JSON.stringify(vx.tokenRequests.map((r) => r.error))}`);
  assert.ok(ok.length <= 2, `the token is cached (${ok.length} exchanges for 5 requests)`);
  const calls = vx.calls();
  assert.ok(calls.some((r) => r.op === 'rawPredict') && calls.some((r) => r.op === 'streamRawPredict'));
  for (const r of calls) {
    assert.equal(r.body.anthropic_version, 'vertex-2023-10-16');
    assert.ok(!('model' in r.body));
  }
});

test('failover across clouds: bedrock throttled -> served by vertex (priority order)', async () => {
  const before = br.requests.filter((r) => r.modelId?.includes('rate-429')).length;
  const { data: m, response } = await anthropic().messages.create({ model: 'claude-sonnet', max_tokens: 64, messages: MSG }).withResponse();
  assert.equal(m.content[0].text, replyText('gcp', CLAUDE_VX));
  const h = routing(response.headers);
  assert.equal(h.provider, 'gcp');
  assert.equal(h.model, CLAUDE_VX);
  assert.ok(br.requests.filter((r) => r.modelId?.includes('rate-429')).length > before, 'bedrock was tried first');
  const { data: s, response: r2 } = await openai().chat.completions.create({ model: 'claude-sonnet', messages: MSG, stream: true }).withResponse();
  let text = '';
  for await (const ch of s) for (const c of ch.choices) text += c.delta?.content ?? '';
  assert.equal(text, replyText('gcp', CLAUDE_VX));
  assert.equal(routing(r2.headers).provider, 'gcp');
  await stillServes();
});

test('bedrock throttlingException frame after HTTP 200: the client stream ends in an error', async () => {
  const errors = await upstreamErrors(gw, 'aws-stream-throttled');
  await assert.rejects(anthropic().messages.stream({ model: 'claude-stream-throttled', max_tokens: 64, messages: MSG }).finalMessage());
  const s = await openai().chat.completions.create({ model: 'claude-stream-throttled', messages: MSG, stream: true });
  await assert.rejects(async () => { for await (const _ of s) { /* drain */ } });
  // Audit (bedrock.md finding 2): failures inside the event stream were missing from the metric.
  assert.equal(await upstreamErrors(gw, 'aws-stream-throttled'), errors + 2, 'one upstream error per broken stream');
  await stillServes();
});

test('bedrock exception frame opening a 200 stream: fails over, and the failed attempt is counted once', async () => {
  const errors = await upstreamErrors(gw, 'aws-start-over');
  const healthy = await upstreamErrors(gw, 'aws');
  const m = await anthropic().messages.stream({ model: 'claude-start-over', max_tokens: 64, messages: MSG }).finalMessage();
  assert.equal(m.content[0].text, replyText('aws', CLAUDE_BR));
  assert.equal(await upstreamErrors(gw, 'aws-start-over'), errors + 1);
  assert.equal(await upstreamErrors(gw, 'aws'), healthy);
});

test('bad AWS secret: 502 naming the provider, never the secret', async () => {
  for (const [route, body] of [
    ['/v1/chat/completions', { model: 'claude-bad-secret', messages: MSG }],
    ['/v1/messages', { model: 'claude-bad-secret', max_tokens: 10, messages: MSG }],
  ]) {
    const r = await call(gw, route, { key: KEY, body });
    assert.equal(r.status, 502, `${route}: ${r.status} ${r.text}`);
    assert.match(r.text, /aws-bad/, 'the error names the provider');
    assert.ok(!r.text.includes(BAD_SECRET) && !r.text.includes(AWS.secretAccessKey), 'no secret in the error');
  }
  assert.ok(br.requests.some((r) => r.sigError?.name === 'InvalidSignatureException'), 'the emulator rejected the signature');
  await stillServes();
});

// Audit (vertex_azure.md F3): "Project `p` is not allowed to use Publisher Model" (400
// FAILED_PRECONDITION) was a 400 blamed on the client and never failed over, unlike the same
// deployment problem as a 403 or 404. A genuine invalid request (INVALID_ARGUMENT) stays a 400.
test('vertex FAILED_PRECONDITION (model not enabled for the project) fails over; INVALID_ARGUMENT does not', async () => {
  const a0 = an.requests.length;
  const { data: m, response } = await anthropic().messages.create({ model: 'claude-not-enabled', max_tokens: 64, messages: MSG }).withResponse();
  assert.equal(m.content[0].text, replyText('an', 'claude-direct-ok'));
  assert.equal(routing(response.headers).provider, 'anthropic-direct');
  const c = await openai().chat.completions.create({ model: 'claude-not-enabled', messages: MSG });
  assert.equal(c.choices[0].message.content, replyText('an', 'claude-direct-ok'));
  assert.equal(an.requests.length, a0 + 2);
  // With nowhere else to go: a 502 naming the provider, not a 400 for the client to fix.
  for (const [route, body] of [
    ['/v1/messages', { model: 'claude-not-enabled-only', max_tokens: 10, messages: MSG }],
    ['/v1/chat/completions', { model: 'claude-not-enabled-only', messages: MSG }],
  ]) {
    const r = await call(gw, route, { key: KEY, body });
    assert.equal(r.status, 502, `${route}: ${r.status} ${r.text}`);
    assert.match(r.text, /gcp/);
    assert.match(r.text, /not allowed to use Publisher Model/);
  }
  const bad = await call(gw, '/v1/messages', { key: KEY, body: { model: 'claude-bad-arg', max_tokens: 10, messages: MSG } });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.json?.error?.type, 'invalid_request_error');
  assert.equal(an.requests.length, a0 + 2, 'a request the upstream called invalid is not failed over');
});

// Audit (vertex_azure.md F5): the client's error named the gateway's credentials_file path.
test('an unusable credentials_file: a 502 naming the provider and the problem, its path only in the log', async () => {
  const n0 = vx.requests.length;
  for (const [route, body] of [
    ['/v1/messages', { model: 'claude-badfile', max_tokens: 10, messages: MSG }],
    ['/v1/chat/completions', { model: 'claude-badfile', messages: MSG }],
  ]) {
    const r = await call(gw, route, { key: KEY, body });
    assert.equal(r.status, 502, `${route}: ${r.status} ${r.text}`);
    assert.match(r.text, /gcp-badfile/);
    assert.match(r.text, /private_key/);
    assert.ok(!r.text.includes(badKeyFile) && !r.text.includes(path.dirname(badKeyFile)), `a server path in ${r.text}`);
  }
  assert.equal(vx.requests.length, n0, 'nothing sent without a token');
  assert.ok(gw.stderr.includes(badKeyFile), 'the operator finds the file in the log');
});

test('vertex: a token revoked early is refreshed once on the 401 and the request still succeeds', async () => {
  const text = replyText('gcp', CLAUDE_VX);
  assert.equal((await anthropic().messages.create({ model: 'claude-vertex', max_tokens: 64, messages: MSG })).content[0].text, text);
  const exchanges = vx.tokenRequests.filter((r) => r.ok).length;
  const seen = vx.requests.length;
  vx.revokeTokens();
  const m = await anthropic().messages.create({ model: 'claude-vertex', max_tokens: 64, messages: MSG });
  assert.equal(m.content[0].text, text);
  const after = vx.requests.slice(seen);
  assert.equal(after.length, 2, `one refused call and one retry: ${JSON.stringify(after.map((r) => r.authOk))}`);
  assert.equal(after[0].authOk, false);
  assert.equal(after[1].authOk, true);
  assert.equal(vx.tokenRequests.filter((r) => r.ok).length, exchanges + 1, 'exactly one new token exchange');
  await stillServes();
});

test('bedrock ThrottlingException (no retry-after from AWS): the client still gets 429 with retry-after', async () => {
  for (const route of ['/v1/messages', '/v1/chat/completions']) {
    const r = await call(gw, route, { key: KEY, body: { model: 'claude-bedrock-429', max_tokens: 10, messages: MSG } });
    assert.equal(r.status, 429, `${route}: ${r.text}`);
    assert.match(r.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/, `${route}: retry-after on a 429 (contract.md)`);
  }
  await stillServes();
});

test('vertex quota error (Google shape, array-wrapped): 429 to the client', async () => {
  const r = await call(gw, '/v1/messages', { key: KEY, body: { model: 'claude-vertex-429', max_tokens: 10, messages: MSG } });
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json?.error?.type, 'rate_limit_error', r.text);
  await stillServes();
});
