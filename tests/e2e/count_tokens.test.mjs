// POST /v1/messages/count_tokens with the official @anthropic-ai/sdk (client.messages.countTokens)
// through the real binary: counted by Anthropic directly, by Bedrock CountTokens (SigV4 checked by
// the emulator with @smithy/signature-v4) and by Vertex count-tokens:rawPredict (OAuth); failover
// from a failing deployment; deployments that cannot count are skipped, and a model with none
// that can is a 400; auth errors in Anthropic's shape; no ledger record, no usage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { startBedrock } from './bedrock.mjs';
import { startVertex } from './vertex.mjs';
import { startAnthropic } from './anthropic.mjs';
import { startOpenAI } from './openai.mjs';
import { startGateway, call, routing, tempDir, MASTER_KEY, PRICE, SA_KEY_FILE, ledgerRequestIds, stopCleanly, logsSettle } from './harness.mjs';
import { countTokensFor, replyText } from './util.mjs';

const KEY = 'sk-e2e-count-1';
const LIMITED_KEY = 'sk-e2e-count-limited';
const AWS = { accessKeyId: 'AKIDE2ECOUNT0001', secretAccessKey: 'e2eCountSecret/Key+ABCDEFGH0123456789', sessionToken: 'IQoJb3JpZ2luCOUNTSESSIONTOKEN' };
const CLAUDE_BR = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const NOVA_BR = 'amazon.nova-pro-v1:0';
const CLAUDE_VX = 'claude-sonnet-4@20250514';
const MSG = [{ role: 'user', content: 'Say hello.' }];
const TOOLS = [
  { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
];

let an;
let br;
let vx;
let oa;
let gw;
let dir;
const countIds = []; // x-request-id of every count_tokens call: none may reach the ledger

const anthropic = (apiKey = KEY) => new Anthropic({ apiKey, baseURL: gw.url, maxRetries: 0, timeout: 30000 });

async function count(params, apiKey) {
  const { data, response } = await anthropic(apiKey).messages.countTokens(params).withResponse();
  const r = routing(response.headers);
  assert.ok(r.requestId, 'x-request-id');
  countIds.push(r.requestId);
  return { data, r };
}

async function countError(params, apiKey) {
  const err = await anthropic(apiKey).messages.countTokens(params).catch((e) => e);
  assert.ok(err instanceof Anthropic.APIError, `expected an API error, got ${err}`);
  const id = err.headers?.get?.('x-request-id');
  if (id) countIds.push(id);
  return err;
}

before(async () => {
  an = await startAnthropic({ name: 'an', apiKey: 'sk-ant-count' });
  br = await startBedrock({ name: 'aws', region: 'us-east-1', ...AWS });
  vx = await startVertex({ name: 'gcp', keyFile: SA_KEY_FILE, project: 'e2e-project', region: 'us-east5' });
  oa = await startOpenAI({ name: 'oa', apiKey: 'sk-oa-count' });
  dir = tempDir();
  const credentialsFile = vx.writeKeyFile(dir);
  const dep = (provider, model) => ({ provider, model, price: PRICE });
  gw = await startGateway({
    dir,
    env: { AWS_AKID: AWS.accessKeyId, AWS_SECRET: AWS.secretAccessKey, AWS_TOKEN: AWS.sessionToken, E2E_MASTER_KEY: MASTER_KEY, E2E_KEY: KEY, E2E_LIMITED: LIMITED_KEY, AN_KEY: 'sk-ant-count', OA_KEY: 'sk-oa-count' },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${dir}/ledger.db`,
      providers: {
        'anthropic-direct': { type: 'anthropic', base_url: an.baseUrl, api_key: '${AN_KEY}' },
        aws: { type: 'bedrock', region: 'us-east-1', base_url: br.baseUrl, access_key_id: '${AWS_AKID}', secret_access_key: '${AWS_SECRET}', session_token: '${AWS_TOKEN}' },
        gcp: { type: 'vertex', project: 'e2e-project', region: 'us-east5', base_url: vx.baseUrl, credentials_file: credentialsFile },
        house: { type: 'openai', base_url: oa.baseUrl, api_key: '${OA_KEY}' },
      },
      models: {
        'count-direct': { route: 'priority', deployments: [dep('anthropic-direct', 'claude-direct-ok')] },
        'count-bedrock': { route: 'priority', deployments: [dep('aws', CLAUDE_BR)] },
        'count-vertex': { route: 'priority', deployments: [dep('gcp', CLAUDE_VX)] },
        'count-vertex-throttled': { route: 'priority', deployments: [dep('gcp', 'claude-count-429@1')] },
        'count-failover': { route: 'priority', deployments: [dep('anthropic-direct', 'claude-fail-500'), dep('aws', CLAUDE_BR)] },
        'count-skips-openai': { route: 'priority', deployments: [dep('house', 'gpt-ok'), dep('aws', NOVA_BR), dep('gcp', CLAUDE_VX)] },
        'gpt-only': { route: 'priority', deployments: [dep('house', 'gpt-ok')] },
        'nova-only': { route: 'priority', deployments: [dep('aws', NOVA_BR)] },
      },
      keys: [
        { name: 'count', key: '${E2E_KEY}' },
        { name: 'count-limited', key: '${E2E_LIMITED}', models: ['count-direct'] },
      ],
    },
  });
});

after(async () => {
  await stopCleanly(gw);
  await an?.close();
  await br?.close();
  await vx?.close();
  await oa?.close();
});

test('anthropic: countTokens is counted upstream at /v1/messages/count_tokens, without max_tokens', async () => {
  const n0 = an.requests.length;
  const { data, r } = await count({ model: 'count-direct', system: 'Be brief.', messages: MSG, tools: TOOLS });
  assert.deepEqual(Object.keys(data), ['input_tokens']);
  assert.equal(r.provider, 'anthropic-direct');
  assert.equal(r.model, 'claude-direct-ok');
  const mine = an.requests.slice(n0);
  assert.equal(mine.length, 1);
  const up = mine[0];
  assert.equal(up.path, '/v1/messages/count_tokens');
  assert.equal(up.headers['x-api-key'], 'sk-ant-count');
  assert.ok(up.headers['anthropic-version']);
  assert.equal(up.body.model, 'claude-direct-ok');
  assert.equal(up.body.system, 'Be brief.');
  assert.deepEqual(up.body.messages, MSG);
  assert.equal(up.body.tools.length, 1);
  assert.equal(data.input_tokens, countTokensFor(up.body));
  assert.equal(data.input_tokens, an.counted.at(-1).input);

  // The tools count: without them the upstream's figure differs, and the client sees that figure.
  const { data: bare } = await count({ model: 'count-direct', messages: MSG });
  assert.equal(bare.input_tokens, an.counted.at(-1).input);
  assert.notEqual(bare.input_tokens, data.input_tokens);
});

test('anthropic: a body with max_tokens or stream is still counted (the upstream gets neither)', async () => {
  const res = await call(gw, '/v1/messages/count_tokens', {
    key: KEY, headers: { 'anthropic-version': '2023-06-01' },
    body: { model: 'count-direct', max_tokens: 5, stream: true, temperature: 0.5, messages: MSG },
  });
  countIds.push(res.headers.get('x-request-id'));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.deepEqual(res.json, { input_tokens: an.counted.at(-1).input });
  const up = an.requests.at(-1);
  for (const k of ['max_tokens', 'stream', 'temperature']) assert.ok(!(k in up.body), `${k} sent upstream`);
});

test('bedrock: CountTokens with the base64 InvokeModel body, SigV4-signed', async () => {
  const n0 = br.requests.length;
  const { data, r } = await count({ model: 'count-bedrock', system: 'Be brief.', messages: MSG, tools: TOOLS });
  assert.equal(r.provider, 'aws');
  assert.equal(r.model, CLAUDE_BR);
  const mine = br.requests.slice(n0);
  assert.equal(mine.length, 1, 'no retries');
  const up = mine[0];
  assert.equal(up.sigError, null, `SigV4 rejected: ${JSON.stringify(up.sigError)}`);
  assert.equal(up.op, 'count-tokens');
  assert.equal(up.modelId, CLAUDE_BR);
  assert.equal(up.headers['x-amz-security-token'], AWS.sessionToken);
  assert.equal(up.countBody.anthropic_version, 'bedrock-2023-05-31');
  assert.deepEqual(up.countBody.messages, MSG);
  assert.equal(up.countBody.system, 'Be brief.');
  assert.equal(data.input_tokens, br.counted.at(-1).input);
  assert.equal(data.input_tokens, countTokensFor(up.countBody));
});

test('vertex: count-tokens:rawPredict with the model in the body, OAuth bearer', async () => {
  const n0 = vx.requests.length;
  const { data, r } = await count({ model: 'count-vertex', messages: MSG, tools: TOOLS });
  assert.equal(r.provider, 'gcp');
  assert.equal(r.model, CLAUDE_VX);
  const mine = vx.requests.slice(n0);
  assert.equal(mine.length, 1);
  const up = mine[0];
  assert.ok(up.authOk, 'an issued bearer token');
  assert.equal(up.op, 'count-tokens');
  assert.equal(up.path, '/v1/projects/e2e-project/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict');
  assert.equal(up.body.model, CLAUDE_VX);
  assert.equal(up.body.anthropic_version, 'vertex-2023-10-16');
  assert.ok(!('max_tokens' in up.body));
  assert.equal(data.input_tokens, vx.counted.at(-1).input);
});

test('failover: a deployment answering 500 is followed by the next one that can count', async () => {
  const a0 = an.requests.length;
  const { data, r } = await count({ model: 'count-failover', messages: MSG });
  assert.equal(r.provider, 'aws');
  assert.equal(r.model, CLAUDE_BR);
  assert.equal(data.input_tokens, br.counted.at(-1).input);
  const tried = an.requests.slice(a0);
  assert.equal(tried.length, 1);
  assert.equal(tried[0].path, '/v1/messages/count_tokens');
  assert.equal(tried[0].body.model, 'claude-fail-500');
});

test('deployments that cannot count are skipped in plan order (openai, a Bedrock non-Anthropic model)', async () => {
  const o0 = oa.requests.length;
  const b0 = br.requests.length;
  const { data, r } = await count({ model: 'count-skips-openai', messages: MSG });
  assert.equal(r.provider, 'gcp');
  assert.equal(data.input_tokens, vx.counted.at(-1).input);
  assert.equal(oa.requests.length, o0, 'the OpenAI upstream was not asked');
  assert.equal(br.requests.length, b0, 'Bedrock was not asked to count a Nova model');
});

test('a model with no deployment that can count: 400 invalid_request_error, no upstream asked', async () => {
  const o0 = oa.requests.length;
  const b0 = br.requests.length;
  for (const model of ['gpt-only', 'nova-only']) {
    const err = await countError({ model, messages: MSG });
    assert.ok(err instanceof Anthropic.BadRequestError, `${model}: ${err}`);
    assert.equal(err.status, 400);
    assert.equal(err.error?.type, 'error');
    assert.equal(err.error?.error?.type, 'invalid_request_error');
    assert.match(err.message, /token counting is not available for model/);
    assert.ok(err.message.includes(model));
  }
  assert.equal(oa.requests.length, o0);
  assert.equal(br.requests.length, b0);
});

test('auth and request errors in the Anthropic shape, as on /v1/messages', async () => {
  const bad = await countError({ model: 'count-direct', messages: MSG }, 'sk-not-a-key');
  assert.ok(bad instanceof Anthropic.AuthenticationError, `${bad}`);
  assert.equal(bad.status, 401);
  assert.equal(bad.error?.error?.type, 'authentication_error');

  const none = await call(gw, '/v1/messages/count_tokens', { body: { model: 'count-direct', messages: MSG } });
  assert.equal(none.status, 401);
  assert.equal(none.json?.error?.type, 'authentication_error');
  const viaXApiKey = await call(gw, '/v1/messages/count_tokens', { headers: { 'x-api-key': KEY }, body: { model: 'count-direct', messages: MSG } });
  assert.equal(viaXApiKey.status, 200, viaXApiKey.text);
  countIds.push(viaXApiKey.headers.get('x-request-id'));

  const forbidden = await countError({ model: 'count-vertex', messages: MSG }, LIMITED_KEY);
  assert.ok(forbidden instanceof Anthropic.PermissionDeniedError, `${forbidden}`);
  assert.equal(forbidden.error?.error?.type, 'permission_error');
  const allowed = await count({ model: 'count-direct', messages: MSG }, LIMITED_KEY);
  assert.equal(allowed.r.provider, 'anthropic-direct');

  const unknown = await countError({ model: 'no-such-model', messages: MSG });
  assert.ok(unknown instanceof Anthropic.NotFoundError, `${unknown}`);
  assert.equal(unknown.error?.error?.type, 'not_found_error');

  const badJson = await call(gw, '/v1/messages/count_tokens', { key: KEY, raw: '{"model":' });
  assert.equal(badJson.status, 400);
  assert.equal(badJson.json?.type, 'error');
  assert.equal(badJson.json?.error?.type, 'invalid_request_error');
  const noMessages = await countError({ model: 'count-direct' });
  assert.ok(noMessages instanceof Anthropic.BadRequestError, `${noMessages}`);
  assert.match(noMessages.message, /messages/);
});

test('counting writes no ledger record and spends nothing; it is logged and counted in /metrics', async () => {
  // A control request that is metered, so the ledger is known to work.
  const { data: m, response } = await anthropic().messages.create({ model: 'count-direct', max_tokens: 16, messages: MSG }).withResponse();
  assert.equal(m.content[0].text, replyText('an', 'claude-direct-ok'));
  const meteredId = response.headers.get('x-request-id');
  const led = await ledgerRequestIds(path.join(dir, 'ledger.db'));
  assert.ok(led, 'a ledger table with request ids');
  assert.ok(led.ids.includes(meteredId), 'the metered request is recorded');
  assert.ok(countIds.length >= 10, `count requests made: ${countIds.length}`);
  for (const id of countIds) assert.ok(!led.ids.includes(id), `count request ${id} has a ledger record`);
  const rows = await gw.usage('key');
  assert.deepEqual(rows.filter((x) => x.key === 'count').map((x) => x.requests), [1], JSON.stringify(rows));
  assert.deepEqual(rows.filter((x) => x.key === 'count-limited'), []);

  const isCount = (l) => l.msg === 'request' && l.path === '/v1/messages/count_tokens';
  await logsSettle(gw, (logs) => logs.some((l) => isCount(l) && l.status === 200) && logs.some((l) => isCount(l) && l.status === 401));
  const lines = gw.logs.filter(isCount);
  assert.ok(lines.some((l) => l.status === 200 && l.provider === 'aws' && l.outcome === 'ok' && l.input_tokens > 0), JSON.stringify(lines.slice(0, 3)));
  assert.ok(lines.some((l) => l.status === 401));
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metrics, /switchyard_requests_total\{[^}]*route="count_tokens"[^}]*status="200"[^}]*\} [1-9]/);
  assert.match(metrics, /switchyard_requests_total\{[^}]*route="count_tokens"[^}]*status="400"[^}]*\} [1-9]/);
});

// Audit (vertex_azure.md F1): a 429 from Vertex's count-tokens endpoint cooled the deployment
// down for generation too, so every chat request got a 429 without the upstream being asked.
// Counting has its own quota: its throttle now rests only counting. (After the ledger test above,
// which expects no other metered request of this key before it.)
test('a throttled count-tokens endpoint rests counting only: chat on the deployment is still served', async () => {
  const v0 = vx.requests.length;
  const throttled = await countError({ model: 'count-vertex-throttled', messages: MSG });
  assert.ok(throttled instanceof Anthropic.RateLimitError, `${throttled}`);
  assert.equal(throttled.headers?.get?.('retry-after'), '30');
  const m = await anthropic().messages.create({ model: 'count-vertex-throttled', max_tokens: 16, messages: MSG });
  assert.equal(m.content[0].text, replyText('gcp', 'claude-count-429@1'));
  const s = await anthropic().messages.stream({ model: 'count-vertex-throttled', max_tokens: 16, messages: MSG }).finalMessage();
  assert.equal(s.content[0].text, replyText('gcp', 'claude-count-429@1'));
  // Counting itself rests for the retry-after: the next count is refused without asking Vertex.
  const again = await countError({ model: 'count-vertex-throttled', messages: MSG });
  assert.ok(again instanceof Anthropic.RateLimitError, `${again}`);
  assert.deepEqual(vx.requests.slice(v0).map((r) => r.op), ['count-tokens', 'rawPredict', 'streamRawPredict']);
});
