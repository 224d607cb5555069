// POST /v1/embeddings with the official `openai` SDK (client.embeddings.create) through the real
// binary, to an embeddings emulator written here (OpenAI and Azure OpenAI addressing), independent
// of the gateway's code: the SDK's default base64 encoding and explicit floats, every input form,
// the deployment's model name upstream and the client's in the reply, failover from a 500 and from
// a malformed 200, one ledger record per request with the upstream's token count and its price,
// the counted estimate when the upstream reports none, limits, and errors in OpenAI's shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, sendJson } from './util.mjs';
import { startAnthropic } from './anthropic.mjs';
import { startGateway, call, routing, tempDir, MASTER_KEY, ledgerRequestIds, stopCleanly } from './harness.mjs';

const KEY = 'sk-e2e-embed-1';
const RPM_KEY = 'sk-e2e-embed-rpm';
const OA_KEY = 'sk-oa-embed-upstream';
const AZ_KEY = 'az-embed-upstream-key';
const PRICE = { input: 0.02, output: 0 };

// The vector the emulator gives an input: deterministic, so the test can check what came back.
function vectorFor(input, dims) {
  const seed = typeof input === 'string' ? [...input].reduce((a, c) => a + c.charCodeAt(0), 0) : input.reduce((a, t) => a + t, 0);
  return Array.from({ length: dims }, (_, i) => Math.fround(((seed * (i + 1)) % 1000) / 1000 - 0.5));
}
function tokensOf(input) {
  return typeof input === 'string' ? input.split(/\s+/).filter(Boolean).length : input.length;
}
function inputsOf(input) {
  if (typeof input === 'string') return [input];
  if (typeof input[0] === 'number') return [input];
  return input;
}

// An OpenAI /v1/embeddings server; with `azure`, Azure's /openai/deployments/{name}/embeddings.
// Behaviour by the model (OpenAI) or deployment (Azure) name: emb-fail-500, emb-malformed,
// emb-no-usage; otherwise success.
async function startEmbeddings({ azure = false, apiKey }) {
  const requests = [];
  const srv = await startServer(async (req, res, raw) => {
    const url = new URL(req.url, 'http://x');
    let model;
    if (azure) {
      const m = url.pathname.match(/^\/openai\/deployments\/([^/]+)\/embeddings$/);
      if (req.method !== 'POST' || !m) return sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
      if (url.searchParams.get('api-version') !== '2024-10-21') return sendJson(res, 400, { error: { code: 'BadRequest', message: 'bad api-version' } });
      if (req.headers['api-key'] !== apiKey) return sendJson(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key.' } });
      model = decodeURIComponent(m[1]);
    } else {
      if (req.method !== 'POST' || url.pathname !== '/v1/embeddings') return sendJson(res, 404, { error: { message: 'no route', type: 'invalid_request_error' } });
      if (req.headers.authorization !== `Bearer ${apiKey}`) return sendJson(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    const body = JSON.parse(raw.toString('utf8'));
    model = model ?? body.model;
    requests.push({ path: url.pathname, headers: { ...req.headers }, body, model });
    if (model === 'emb-fail-500') return sendJson(res, 500, { error: { message: 'The server had an error', type: 'server_error' } });
    if (model === 'emb-malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"object":"list","data":');
    }
    const dims = body.dimensions ?? 8;
    const inputs = inputsOf(body.input);
    const data = inputs.map((inp, index) => {
      const v = vectorFor(inp, dims);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
      return { object: 'embedding', index, embedding };
    });
    const tokens = inputs.reduce((a, inp) => a + tokensOf(inp), 0);
    const reply = { object: 'list', data, model: `${model}-upstream-name` };
    if (model !== 'emb-no-usage') reply.usage = { prompt_tokens: tokens, total_tokens: tokens };
    return sendJson(res, 200, reply);
  });
  return { ...srv, requests, baseUrl: azure ? srv.origin : `${srv.origin}/v1` };
}

let oa;
let az;
let an;
let gw;
let dir;
const openai = (apiKey = KEY) => new OpenAI({ apiKey, baseURL: gw.baseURL, maxRetries: 0, timeout: 30000 });

before(async () => {
  oa = await startEmbeddings({ apiKey: OA_KEY });
  az = await startEmbeddings({ azure: true, apiKey: AZ_KEY });
  an = await startAnthropic({ name: 'an', apiKey: 'sk-ant-embed' });
  dir = tempDir();
  const dep = (provider, model) => ({ provider, model, price: PRICE });
  gw = await startGateway({
    dir,
    env: { E2E_MASTER_KEY: MASTER_KEY, E2E_KEY: KEY, E2E_RPM: RPM_KEY, OA_KEY, AZ_KEY, AN_KEY: 'sk-ant-embed' },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${dir}/ledger.db`,
      providers: {
        house: { type: 'openai', base_url: oa.baseUrl, api_key: '${OA_KEY}' },
        azure: { type: 'azure_openai', base_url: az.baseUrl, api_key: '${AZ_KEY}', api_version: '2024-10-21' },
        'anthropic-direct': { type: 'anthropic', base_url: an.baseUrl, api_key: '${AN_KEY}' },
      },
      models: {
        'embed-small': { route: 'priority', deployments: [dep('house', 'text-embedding-3-small')] },
        'embed-azure': { route: 'priority', deployments: [dep('azure', 'my-embedding-deployment')] },
        'embed-failover': { route: 'priority', deployments: [dep('house', 'emb-fail-500'), dep('azure', 'emb-ok')] },
        'embed-malformed': { route: 'priority', deployments: [dep('azure', 'emb-malformed'), dep('house', 'emb-ok')] },
        'embed-no-usage': { route: 'priority', deployments: [dep('house', 'emb-no-usage')] },
        'embed-all-fail': { route: 'priority', deployments: [dep('house', 'emb-fail-500')] },
        // The Anthropic deployment cannot embed: skipped, never tried.
        'embed-mixed': { route: 'priority', deployments: [dep('anthropic-direct', 'claude-direct-ok'), dep('house', 'emb-ok')] },
        'claude-only': { route: 'priority', deployments: [dep('anthropic-direct', 'claude-direct-ok')] },
      },
      keys: [
        { name: 'embed-team', key: '${E2E_KEY}' },
        { name: 'embed-rpm', key: '${E2E_RPM}', rpm: 2, models: ['embed-small'] },
      ],
    },
  });
});

after(async () => {
  await stopCleanly(gw);
  await oa?.close();
  await az?.close();
  await an?.close();
});

test('the SDK default (base64 upstream, decoded by the SDK): vectors as the upstream made them, the client\'s model name, routing headers', async () => {
  const before = oa.requests.length;
  const { data: res, response } = await openai().embeddings.create({ model: 'embed-small', input: 'the quick brown fox' }).withResponse();
  const r = routing(response.headers);
  assert.equal(r.provider, 'house');
  assert.equal(r.model, 'text-embedding-3-small');
  assert.ok(r.requestId);
  assert.equal(res.model, 'embed-small');
  assert.equal(res.data.length, 1);
  assert.deepEqual(res.data[0].embedding, vectorFor('the quick brown fox', 8));
  assert.deepEqual(res.usage, { prompt_tokens: 4, total_tokens: 4 });
  const up = oa.requests.slice(before);
  assert.equal(up.length, 1);
  assert.equal(up[0].body.model, 'text-embedding-3-small', 'the deployment\'s model upstream');
  assert.equal(up[0].body.encoding_format, 'base64', 'the SDK\'s encoding reaches the upstream');
  assert.equal(up[0].headers['x-request-id'], r.requestId, 'request id forwarded');
});

test('floats, several inputs, token-id inputs, dimensions and user pass through', async () => {
  const before = oa.requests.length;
  const res = await openai().embeddings.create({ model: 'embed-small', input: ['alpha beta', 'gamma'], encoding_format: 'float', dimensions: 4, user: 'u-42' });
  assert.equal(res.data.length, 2);
  assert.deepEqual(res.data.map((d) => d.index), [0, 1]);
  assert.deepEqual(res.data[1].embedding, vectorFor('gamma', 4));
  assert.equal(res.usage.prompt_tokens, 3);
  const sent = oa.requests[before].body;
  assert.deepEqual({ dimensions: sent.dimensions, user: sent.user, encoding_format: sent.encoding_format, input: sent.input },
    { dimensions: 4, user: 'u-42', encoding_format: 'float', input: ['alpha beta', 'gamma'] });

  const ids = await openai().embeddings.create({ model: 'embed-small', input: [[1, 2, 3], [4, 5]], encoding_format: 'float' });
  assert.deepEqual(ids.data[0].embedding, vectorFor([1, 2, 3], 8));
  assert.equal(ids.usage.prompt_tokens, 5);
});

test('Azure OpenAI: the deployment URL, api-version and api-key header', async () => {
  const before = az.requests.length;
  const res = await openai().embeddings.create({ model: 'embed-azure', input: 'hello azure' });
  assert.deepEqual(res.data[0].embedding, vectorFor('hello azure', 8));
  const up = az.requests.slice(before);
  assert.equal(up.length, 1);
  assert.equal(up[0].path, '/openai/deployments/my-embedding-deployment/embeddings');
  assert.equal(up[0].headers.authorization, undefined, 'no bearer to Azure');
});

test('failover: a 500, then a malformed 200, move on to the next deployment', async () => {
  const { data: res, response } = await openai().embeddings.create({ model: 'embed-failover', input: 'fail over' }).withResponse();
  assert.equal(routing(response.headers).provider, 'azure');
  assert.deepEqual(res.data[0].embedding, vectorFor('fail over', 8));

  const { data: res2, response: resp2 } = await openai().embeddings.create({ model: 'embed-malformed', input: 'cut short' }).withResponse();
  assert.equal(routing(resp2.headers).provider, 'house');
  assert.equal(res2.model, 'embed-malformed');
});

test('deployments that cannot embed are skipped; a model with none is a 400 naming the model', async () => {
  const anBefore = an.requests.length;
  const { response } = await openai().embeddings.create({ model: 'embed-mixed', input: 'skip claude' }).withResponse();
  assert.equal(routing(response.headers).provider, 'house');
  assert.equal(an.requests.length, anBefore, 'the Anthropic upstream was not asked');

  const err = await openai().embeddings.create({ model: 'claude-only', input: 'x' }).catch((e) => e);
  assert.ok(err instanceof OpenAI.BadRequestError, `got ${err}`);
  assert.equal(err.param, 'model');
  assert.match(err.message, /embeddings are not available for model 'claude-only'/);
});

test('every deployment failing: 502 in the OpenAI shape, and the attempt is still recorded', async () => {
  const r = await call(gw, '/v1/embeddings', { key: KEY, body: { model: 'embed-all-fail', input: 'doomed' } });
  assert.equal(r.status, 502);
  assert.equal(r.json.error.type, 'server_error');
  const ids = await ledgerRequestIds(`${dir}/ledger.db`);
  assert.ok(ids.ids.includes(r.headers.get('x-request-id')), 'failed request recorded');
});

test('bad requests are 400s naming the field; unknown model 404; bad key 401; GET 405', async () => {
  const bad = async (body, param) => {
    const r = await call(gw, '/v1/embeddings', { key: KEY, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.type, 'invalid_request_error');
    assert.equal(r.json.error.param, param, JSON.stringify(r.json));
  };
  await bad({ model: 'embed-small' }, 'input');
  await bad({ model: 'embed-small', input: [] }, 'input');
  await bad({ model: 'embed-small', input: ['ok', 7] }, 'input[1]');
  await bad({ model: 'embed-small', input: [[1, -2]] }, 'input[0][1]');
  await bad({ model: 'embed-small', input: 'x', encoding_format: 'int8' }, 'encoding_format');
  await bad({ model: 'embed-small', input: 'x', dimensions: 0 }, 'dimensions');
  await bad({ input: 'x' }, 'model');

  const nf = await openai().embeddings.create({ model: 'no-such-model', input: 'x' }).catch((e) => e);
  assert.ok(nf instanceof OpenAI.NotFoundError, `got ${nf}`);
  const unauth = await openai('sk-wrong').embeddings.create({ model: 'embed-small', input: 'x' }).catch((e) => e);
  assert.ok(unauth instanceof OpenAI.AuthenticationError, `got ${unauth}`);
  const forbidden = await openai(RPM_KEY).embeddings.create({ model: 'embed-azure', input: 'x' }).catch((e) => e);
  assert.ok(forbidden instanceof OpenAI.PermissionDeniedError, `got ${forbidden}`);
  const get = await call(gw, '/v1/embeddings', { method: 'GET', key: KEY });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
});

test('a key\'s rpm holds embeddings too: 429 with retry-after', async () => {
  await openai(RPM_KEY).embeddings.create({ model: 'embed-small', input: 'one' });
  await openai(RPM_KEY).embeddings.create({ model: 'embed-small', input: 'two' });
  const r = await call(gw, '/v1/embeddings', { key: RPM_KEY, body: { model: 'embed-small', input: 'three' } });
  assert.equal(r.status, 429);
  assert.equal(r.json.error.type, 'rate_limit_error');
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
});

test('metering: one record per request with the upstream\'s tokens at the input price; counted when it reports none', async () => {
  const fresh = await gw.admin('POST', '/admin/keys', { name: 'embed-meter', models: ['embed-azure', 'embed-no-usage'] });
  assert.equal(fresh.status, 201, fresh.text);
  const client = openai(fresh.json.key);
  await client.embeddings.create({ model: 'embed-azure', input: ['one two three', 'four five'] });
  await client.embeddings.create({ model: 'embed-azure', input: 'six' });
  const text = 'a'.repeat(400);
  await client.embeddings.create({ model: 'embed-no-usage', input: text });
  const rows = (await gw.usage('key,model,provider')).filter((r) => r.key === 'embed-meter');
  const azure = rows.find((r) => r.model === 'embed-azure');
  assert.deepEqual({ requests: azure.requests, input: azure.input_tokens, output: azure.output_tokens, provider: azure.provider },
    { requests: 2, input: 6, output: 0, provider: 'azure' });
  assert.ok(Math.abs(azure.cost_usd - (6 * PRICE.input) / 1e6) < 1e-12, `cost ${azure.cost_usd}`);
  const counted = rows.find((r) => r.model === 'embed-no-usage');
  assert.equal(counted.requests, 1);
  assert.equal(counted.input_tokens, 101, 'no usage reported: the gateway\'s estimate (400 bytes / 4 + 1)');
});
