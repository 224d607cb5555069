// POST /v1/embeddings to the clouds' own embedding models, with the official `openai` SDK
// (client.embeddings.create) through the real binary, against the Bedrock emulator (SigV4 checked
// with AWS's own signer) and the Vertex AI emulator (OAuth JWT bearer), independent of the
// gateway's code: Titan's one call per input with summed usage, Cohere's batch with the header's
// token count, Vertex's batch with outputDimensionality, both encodings (the vectors the SDK
// decodes equal the emulator's numbers as float32), failover from a throttled Bedrock to Vertex,
// token-id inputs refused (or sent only to an OpenAI-format deployment), and the ledger record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startBedrock } from './bedrock.mjs';
import { startVertex } from './vertex.mjs';
import { startServer, sendJson, embeddingFor, embeddingTokensFor } from './util.mjs';
import { startGateway, call, routing, tempDir, MASTER_KEY, SA_KEY_FILE, stopCleanly } from './harness.mjs';

const KEY = 'sk-e2e-embed-clouds';
const AWS = { accessKeyId: 'AKIDE2EEMBED0001', secretAccessKey: 'e2eEmbedSecret/Key+ABCDEFGHIJ0123456789', sessionToken: 'IQoJb3JpZ2luE2EEMBEDTOKEN' };
const OA_KEY = 'sk-oa-embed-clouds';
const PRICE = { input: 0.1, output: 0 };
const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-english-v3';
let br;
let vx;
let oa;
let gw;

const openai = (apiKey = KEY) => new OpenAI({ apiKey, baseURL: gw.baseURL, maxRetries: 0, timeout: 30000 });

// The emulator's numbers as the float32 values a client should get.
const f32 = (values) => Array.from(values, Math.fround);

// An SDK-decoded vector equals the emulator's numbers as float32: exactly for base64 (the SDK
// gives float32 values), and for floats once the JSON numbers are read as float32.
function assertVector(got, text, dims) {
  assert.equal(got.length, dims);
  assert.deepEqual(f32(got), f32(embeddingFor(text, dims)));
}

// A minimal OpenAI /v1/embeddings upstream: token ids and strings alike, 4 values each.
async function startOpenAIEmbeddings() {
  const requests = [];
  const srv = await startServer(async (req, res, raw) => {
    if (req.method !== 'POST' || req.url !== '/v1/embeddings' || req.headers.authorization !== `Bearer ${OA_KEY}`) {
      return sendJson(res, 404, { error: { message: 'no route', type: 'invalid_request_error' } });
    }
    const body = JSON.parse(raw.toString('utf8'));
    requests.push(body);
    const inputs = typeof body.input === 'string' || typeof body.input[0] === 'number' ? [body.input] : body.input;
    const data = inputs.map((inp, index) => ({ object: 'embedding', index, embedding: f32(embeddingFor(JSON.stringify(inp), 4)) }));
    return sendJson(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: 5, total_tokens: 5 } });
  });
  return { ...srv, requests, baseUrl: `${srv.origin}/v1` };
}

before(async () => {
  br = await startBedrock({ name: 'aws', region: 'us-east-1', ...AWS });
  vx = await startVertex({ name: 'gcp', keyFile: SA_KEY_FILE, project: 'e2e-project', region: 'us-east5' });
  oa = await startOpenAIEmbeddings();
  const dir = tempDir();
  const credentialsFile = vx.writeKeyFile(dir);
  const bedrock = () => ({
    type: 'bedrock', region: 'us-east-1', base_url: br.baseUrl,
    access_key_id: '${AWS_AKID}', secret_access_key: '${AWS_SECRET}', session_token: '${AWS_TOKEN}',
  });
  const dep = (provider, model) => ({ provider, model, price: PRICE });
  gw = await startGateway({
    dir,
    env: { AWS_AKID: AWS.accessKeyId, AWS_SECRET: AWS.secretAccessKey, AWS_TOKEN: AWS.sessionToken, E2E_MASTER_KEY: MASTER_KEY, E2E_KEY: KEY, OA_KEY },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${dir}/ledger.db`,
      providers: {
        aws: bedrock(),
        'aws-throttled': bedrock(),
        gcp: { type: 'vertex', project: 'e2e-project', region: 'us-east5', base_url: vx.baseUrl, credentials_file: credentialsFile },
        house: { type: 'openai', base_url: oa.baseUrl, api_key: '${OA_KEY}' },
      },
      models: {
        titan: { route: 'priority', deployments: [dep('aws', TITAN)] },
        'titan-us': { route: 'priority', deployments: [dep('aws', `us.${TITAN}`)] },
        cohere: { route: 'priority', deployments: [dep('aws', COHERE)] },
        'cohere-no-count': { route: 'priority', deployments: [dep('aws', 'cohere.embed-multilingual-v3-no-count')] },
        'vertex-embed': { route: 'priority', deployments: [dep('gcp', 'text-embedding-005')] },
        'gemini-embed': { route: 'priority', deployments: [dep('gcp', 'gemini-embedding-001')] },
        'embed-failover': { route: 'priority', deployments: [dep('aws-throttled', `${TITAN}-rate-429`), dep('gcp', 'text-embedding-005')] },
        // Token ids can only go to the OpenAI-format deployment, which comes last.
        'embed-mixed': { route: 'priority', deployments: [dep('gcp', 'text-embedding-005'), dep('house', 'text-embedding-3-small')] },
        // Claude on Bedrock or Vertex does not embed.
        'claude-clouds': { route: 'priority', deployments: [dep('aws', 'us.anthropic.claude-sonnet-4-20250514-v1:0'), dep('gcp', 'claude-sonnet-4@20250514')] },
      },
      keys: [{ name: 'embed-clouds', key: '${E2E_KEY}' }],
    },
  });
});

after(async () => {
  if (gw) {
    await stopCleanly(gw);
    assert.ok(!gw.stderr.includes(AWS.secretAccessKey), 'no AWS secret in the logs');
    assert.ok(!gw.stderr.includes('PRIVATE KEY'), 'no private key in the logs');
  }
  await br?.close();
  await vx?.close();
  await oa?.close();
});

test('Titan, one input, the SDK default (base64): one signed InvokeModel, the vector as float32, its token count', async () => {
  const before = br.embedded.length;
  const { data: res, response } = await openai().embeddings.create({ model: 'titan', input: 'the quick brown fox' }).withResponse();
  assert.deepEqual({ provider: routing(response.headers).provider, model: routing(response.headers).model }, { provider: 'aws', model: TITAN });
  assert.equal(res.model, 'titan');
  assert.equal(res.object, 'list');
  assert.equal(res.data.length, 1);
  assert.deepEqual({ object: res.data[0].object, index: res.data[0].index }, { object: 'embedding', index: 0 });
  assertVector(res.data[0].embedding, 'the quick brown fox', 1024);
  assert.deepEqual(res.usage, { prompt_tokens: 4, total_tokens: 4 });
  const calls = br.embedded.slice(before);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].body, { inputText: 'the quick brown fox', normalize: true });
  const sent = br.requests.filter((r) => r.op === 'invoke').at(-1);
  assert.equal(sent.sigError, null, 'SigV4 verified by @smithy/signature-v4');
  assert.equal(sent.rawUrl, '/model/amazon.titan-embed-text-v2%3A0/invoke');
  assert.equal(sent.headers['x-request-id'], routing(response.headers).requestId);
});

test('Titan, three inputs with dimensions, as floats: three calls in order, usage summed', async () => {
  const texts = ['alpha', 'beta gamma', 'delta epsilon zeta'];
  const before = br.embedded.length;
  const res = await openai().embeddings.create({ model: 'titan-us', input: texts, dimensions: 256, encoding_format: 'float' });
  const calls = br.embedded.slice(before);
  assert.deepEqual(calls.map((c) => c.model), [`us.${TITAN}`, `us.${TITAN}`, `us.${TITAN}`]);
  assert.deepEqual(calls.map((c) => c.body), texts.map((t) => ({ inputText: t, dimensions: 256, normalize: true })));
  assert.deepEqual(res.data.map((d) => d.index), [0, 1, 2]);
  texts.forEach((t, i) => assertVector(res.data[i].embedding, t, 256));
  assert.deepEqual(res.usage, { prompt_tokens: 6, total_tokens: 6 });

  const bad = await call(gw, '/v1/embeddings', { key: KEY, body: { model: 'titan', input: 'x', dimensions: 300 } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, 'dimensions');
});

test('Cohere Embed v3: one batch, its token count from X-Amzn-Bedrock-Input-Token-Count; dimensions refused', async () => {
  const texts = ['one', 'two words', 'three more words'];
  const before = br.embedded.length;
  const res = await openai().embeddings.create({ model: 'cohere', input: texts });
  const calls = br.embedded.slice(before);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].body, { texts, input_type: 'search_document', embedding_types: ['float'] });
  texts.forEach((t, i) => assertVector(res.data[i].embedding, t, 1024));
  assert.deepEqual(res.usage, { prompt_tokens: 6, total_tokens: 6 });

  const err = await openai().embeddings.create({ model: 'cohere', input: 'x', dimensions: 256 }).catch((e) => e);
  assert.ok(err instanceof OpenAI.BadRequestError, `got ${err}`);
  assert.equal(err.param, 'dimensions');
  assert.equal(br.embedded.length, before + 1, 'not sent upstream');
});

test('Cohere without a token count: the gateway\'s estimate is billed and reported', async () => {
  const res = await openai().embeddings.create({ model: 'cohere-no-count', input: ['a'.repeat(40), 'b'.repeat(8)], encoding_format: 'float' });
  assert.equal(res.data.length, 2);
  assert.deepEqual(res.usage, { prompt_tokens: 14, total_tokens: 14 }, '40/4+1 + 8/4+1');
});

test('Vertex AI: one :predict batch with outputDimensionality, both encodings, the sum of token_count', async () => {
  const texts = ['red', 'green leaf', 'blue sky above', 'yellow'];
  const before = vx.embedded.length;
  const b64 = await openai().embeddings.create({ model: 'vertex-embed', input: texts, dimensions: 64 });
  const flt = await openai().embeddings.create({ model: 'vertex-embed', input: texts, dimensions: 64, encoding_format: 'float' });
  const calls = vx.embedded.slice(before);
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[0].body, { instances: texts.map((content) => ({ content })), parameters: { autoTruncate: false, outputDimensionality: 64 } });
  for (const res of [b64, flt]) {
    assert.equal(res.model, 'vertex-embed');
    texts.forEach((t, i) => assertVector(res.data[i].embedding, t, 64));
    assert.deepEqual(res.usage, { prompt_tokens: 7, total_tokens: 7 });
  }
  const sent = vx.requests.filter((r) => r.path.endsWith(':predict')).at(-1);
  assert.equal(sent.path, '/v1/projects/e2e-project/locations/us-east5/publishers/google/models/text-embedding-005:predict');
  assert.match(sent.headers.authorization, /^Bearer ya29\.emu-/);
});

test('base64 on the wire is little-endian float32 of the emulator\'s numbers', async () => {
  const r = await call(gw, '/v1/embeddings', { key: KEY, body: { model: 'vertex-embed', input: 'bytes', dimensions: 8, encoding_format: 'base64' } });
  assert.equal(r.status, 200);
  const want = Buffer.alloc(32);
  embeddingFor('bytes', 8).forEach((v, i) => want.writeFloatLE(v, i * 4));
  assert.equal(r.json.data[0].embedding, want.toString('base64'));
  assert.deepEqual(Object.keys(r.json), ['object', 'data', 'model', 'usage']);
});

test('gemini-embedding on Vertex: one instance per call', async () => {
  const before = vx.embedded.length;
  const res = await openai().embeddings.create({ model: 'gemini-embed', input: ['first', 'second'], encoding_format: 'float' });
  assert.deepEqual(vx.embedded.slice(before).map((c) => c.texts), [['first'], ['second']]);
  assertVector(res.data[1].embedding, 'second', 768);
});

test('failover: a throttled Bedrock deployment (ThrottlingException) moves on to Vertex', async () => {
  const before = br.requests.length;
  const { data: res, response } = await openai().embeddings.create({ model: 'embed-failover', input: ['fail', 'over'] }).withResponse();
  assert.equal(routing(response.headers).provider, 'gcp');
  assertVector(res.data[1].embedding, 'over', 768);
  const tried = br.requests.slice(before);
  assert.equal(tried.length, 1, 'the first Titan call failed the attempt');
  assert.equal(tried[0].behaviour, 'rate-429');
});

test('token ids: 400 naming input where no deployment is OpenAI-format; only the OpenAI-format one otherwise', async () => {
  for (const input of [[1, 2, 3], [[1, 2], [3]]]) {
    const r = await call(gw, '/v1/embeddings', { key: KEY, body: { model: 'titan', input } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.type, 'invalid_request_error');
    assert.equal(r.json.error.param, 'input');
  }
  const v = await call(gw, '/v1/embeddings', { key: KEY, body: { model: 'vertex-embed', input: [5, 6] } });
  assert.equal(v.status, 400);
  assert.equal(v.json.error.param, 'input');

  const vxBefore = vx.embedded.length;
  const { data: res, response } = await openai().embeddings.create({ model: 'embed-mixed', input: [7, 8, 9], encoding_format: 'float' }).withResponse();
  assert.equal(routing(response.headers).provider, 'house');
  assert.equal(vx.embedded.length, vxBefore, 'Vertex not asked');
  assert.deepEqual(oa.requests.at(-1).input, [7, 8, 9]);
  assert.deepEqual(res.data[0].embedding, f32(embeddingFor(JSON.stringify([7, 8, 9]), 4)));
  const text = await openai().embeddings.create({ model: 'embed-mixed', input: 'words go to vertex' }).withResponse();
  assert.equal(routing(text.response.headers).provider, 'gcp', 'text still goes to the first deployment');
});

test('models whose deployments cannot embed (Claude on Bedrock and Vertex) are a 400 naming the model', async () => {
  const r = await call(gw, '/v1/embeddings', { key: KEY, body: { model: 'claude-clouds', input: 'x' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.param, 'model');
  assert.match(r.json.error.message, /embeddings are not available for model 'claude-clouds'.*Titan or Cohere Embed on bedrock.*vertex/);
});

test('metering: one ledger record per request, the upstream\'s tokens at the input price, /metrics route="embeddings"', async () => {
  const fresh = await gw.admin('POST', '/admin/keys', { name: 'embed-clouds-meter', models: ['titan', 'vertex-embed'] });
  assert.equal(fresh.status, 201, fresh.text);
  const client = openai(fresh.json.key);
  await client.embeddings.create({ model: 'titan', input: ['one two', 'three', 'four five six'] });
  await client.embeddings.create({ model: 'vertex-embed', input: 'seven eight' });
  const rows = (await gw.usage('key,model,provider')).filter((r) => r.key === 'embed-clouds-meter');
  const titan = rows.find((r) => r.model === 'titan');
  assert.deepEqual({ requests: titan.requests, input: titan.input_tokens, output: titan.output_tokens, provider: titan.provider },
    { requests: 1, input: 6, output: 0, provider: 'aws' });
  assert.ok(Math.abs(titan.cost_usd - (6 * PRICE.input) / 1e6) < 1e-12, `cost ${titan.cost_usd}`);
  const vertex = rows.find((r) => r.model === 'vertex-embed');
  assert.deepEqual({ requests: vertex.requests, input: vertex.input_tokens, provider: vertex.provider }, { requests: 1, input: 2, provider: 'gcp' });
  assert.equal(embeddingTokensFor('seven eight'), 2);

  const metrics = await fetch(`${gw.url}/metrics`).then((r) => r.text());
  assert.match(metrics, /route="embeddings"/);
});
