// Google Vertex AI (Claude) emulator with its own OAuth2 token endpoint (plain node:http + node:crypto),
// independent of the gateway's code.
//
//   const emu = await startVertex({ name: 'gcp', keyFile: '.../gcp_service_account_TEST_ONLY.json' });
//   emu.baseUrl                 -> 'http://127.0.0.1:PORT' (the `vertex` provider base_url)
//   emu.writeKeyFile(dir)       -> path of a copy of the key file whose token_uri is this emulator
//   emu.tokenRequests           -> every token exchange: {ok, error, claims, header}
//   emu.revokeTokens()          -> every issued access token stops working (401)
//
// `acceptToken(token) -> bool`, optional: also accept bearer tokens another emulator issued (the
// Google credential emulators of gcp_credentials.mjs: metadata server, STS, IAM).
//
// POST /token: grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer; the RS256 assertion is
// verified against the public key of the service account's private key; claims iss/scope/aud/iat/exp
// are checked (exp - iat <= 3600, iat within 5 minutes of now). Returns {access_token, expires_in,
// token_type}; errors as {error: "invalid_grant", error_description}.
// POST /v1/projects/{p}/locations/{r}/publishers/anthropic/models/{m}:rawPredict | :streamRawPredict
// requires `Authorization: Bearer <an issued token>` (else 401 in the Google error shape), checks the
// project and region, requires anthropic_version "vertex-2023-10-16" and no `model` in the body.
// POST .../publishers/anthropic/models/count-tokens:rawPredict: the same checks, but `model` is
// required in the body (its behaviour is chosen by it) and generation fields (max_tokens, stream,
// ...) are refused; answers {"input_tokens": util.countTokensFor(body)}, recorded in `counted`.
// A model name with count-429 is throttled there only (429 RESOURCE_EXHAUSTED, retry-after: 30,
// counting's own quota) while its generation calls are served.
// POST .../publishers/google/models/{m}:predict (Google's text embedding models, recorded in
// `embedded` as {model, texts, body}): the same bearer, project and region checks; body
// {"instances":[{"content": string, "task_type"?, "title"?}] (1..250; gemini-embedding models
// take exactly 1), "parameters"?: {"outputDimensionality"?, "autoTruncate"?}} -> {"predictions":
// [{"embeddings":{"values": util.embeddingFor(content, outputDimensionality ?? 768), "statistics":
// {"token_count", "truncated": false}}}], "metadata":{"billableCharacterCount"}}; anything else is
// a 400 INVALID_ARGUMENT. A model name with rate-429 gets the 429 below.
// Behaviour by model name (util.behaviourOf); Google-shaped errors: rate-429 -> 429
// RESOURCE_EXHAUSTED (wrapped in a one-element array, as Vertex sometimes does), fail-503 -> 503
// UNAVAILABLE; not-enabled -> 400 FAILED_PRECONDITION "Project `p` is not allowed to use Publisher
// Model ..." (the model not enabled for the project, array form); bad-arg -> 400 INVALID_ARGUMENT;
// fail-529/fail-500/midstream-error are Anthropic-level and use the Anthropic shape.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, sendJson, COUNT_TOKENS_FIELDS, embeddingFor, embeddingTokensFor } from './util.mjs';
import { answerAnthropic, answerCount } from './anthropic.mjs';

const GOOGLE_STATUS = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };

function googleError(res, code, message, { array = false, status = GOOGLE_STATUS[code] ?? 'UNKNOWN' } = {}) {
  const e = { error: { code, message, status } };
  return sendJson(res, code, array ? [e] : e);
}

const b64urlJson = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));

// A :predict answer for one of Google's text embedding models (see the header comment).
function answerPredict(res, model, body, embedded) {
  const invalid = (message) => googleError(res, 400, message);
  if (model.includes('rate-429')) {
    return googleError(res, 429, `Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: ${model}.`, { array: true });
  }
  if (!/^(text-embedding-|text-multilingual-embedding-|gemini-embedding-)/.test(model)) {
    return invalid(`Publisher model ${model} does not support the predict method.`);
  }
  const extra = Object.keys(body).find((k) => !['instances', 'parameters'].includes(k));
  if (extra) return invalid(`Invalid JSON payload received. Unknown name "${extra}": Cannot find field.`);
  const { instances, parameters = {} } = body;
  const max = model.startsWith('gemini-embedding') ? 1 : 250;
  if (!Array.isArray(instances) || instances.length < 1 || instances.length > max) {
    return invalid(`Unable to submit request because the number of instances is ${instances?.length}; the limit is ${max}.`);
  }
  if (!instances.every((i) => typeof i?.content === 'string' && Object.keys(i).every((k) => ['content', 'task_type', 'title'].includes(k)))) {
    return invalid('Invalid instance: each must be {"content": string}.');
  }
  const unknown = Object.keys(parameters).find((k) => !['outputDimensionality', 'autoTruncate'].includes(k));
  if (unknown) return invalid(`Invalid JSON payload received. Unknown name "${unknown}" at 'parameters': Cannot find field.`);
  const dims = parameters.outputDimensionality ?? 768;
  if (!Number.isInteger(dims) || dims < 1 || dims > 3072) return invalid('outputDimensionality must be between 1 and 3072.');
  const texts = instances.map((i) => i.content);
  embedded.push({ model, texts, body });
  const predictions = texts.map((t) => ({ embeddings: { values: embeddingFor(t, dims), statistics: { token_count: embeddingTokensFor(t), truncated: false } } }));
  return sendJson(res, 200, { predictions, metadata: { billableCharacterCount: texts.reduce((a, t) => a + t.length, 0) } });
}

export async function startVertex({ name = 'vertex', keyFile, project = 'emu-project', region = 'us-east5', expiresIn = 3599, acceptToken = () => false } = {}) {
  const key = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
  const publicKey = crypto.createPublicKey(crypto.createPrivateKey(key.private_key));
  const requests = [];
  const served = [];
  const counted = [];
  const embedded = [];
  const tokenRequests = [];
  const tokens = new Map(); // token -> expiry ms
  const stalled = new Set();
  let origin = '';

  const srv = await startServer(async (req, res, raw) => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'POST' && url.pathname === '/token') {
      const rec = { ok: false, error: null, header: null, claims: null, contentType: req.headers['content-type'] };
      tokenRequests.push(rec);
      const fail = (status, error, desc) => {
        rec.error = `${error}: ${desc}`;
        return sendJson(res, status, { error, error_description: desc });
      };
      if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] || '')) {
        return fail(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
      }
      const form = new URLSearchParams(raw.toString('utf8'));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        return fail(400, 'unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type')}`);
      }
      const jwt = form.get('assertion') || '';
      const parts = jwt.split('.');
      if (parts.length !== 3) return fail(400, 'invalid_grant', 'Invalid JWT: malformed');
      let header;
      let claims;
      try {
        header = b64urlJson(parts[0]);
        claims = b64urlJson(parts[1]);
      } catch {
        return fail(400, 'invalid_grant', 'Invalid JWT: undecodable');
      }
      rec.header = header;
      rec.claims = claims;
      if (header.alg !== 'RS256') return fail(400, 'invalid_grant', `Invalid JWT: alg ${header.alg}`);
      const okSig = crypto.verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], 'base64url'));
      if (!okSig) return fail(400, 'invalid_grant', 'Invalid JWT Signature.');
      const now = Math.floor(Date.now() / 1000);
      if (claims.iss !== key.client_email) return fail(400, 'invalid_grant', `Invalid JWT: iss ${claims.iss}`);
      if (!String(claims.scope || '').split(' ').includes('https://www.googleapis.com/auth/cloud-platform')) {
        return fail(400, 'invalid_scope', `Invalid OAuth scope: ${claims.scope}`);
      }
      const tokenUri = `${origin}/token`;
      if (claims.aud !== tokenUri && claims.aud !== 'https://oauth2.googleapis.com/token') {
        return fail(400, 'invalid_grant', `Invalid JWT: aud ${claims.aud}`);
      }
      if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp) || claims.exp - claims.iat > 3600 || claims.exp <= claims.iat ||
          Math.abs(claims.iat - now) > 300) {
        return fail(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
      }
      rec.ok = true;
      const token = `ya29.emu-${crypto.randomBytes(12).toString('hex')}`;
      tokens.set(token, Date.now() + expiresIn * 1000);
      return sendJson(res, 200, { access_token: token, expires_in: expiresIn, token_type: 'Bearer' });
    }

    const rec = { method: req.method, path: url.pathname, headers: { ...req.headers }, body: null, model: null, op: null, authOk: false };
    requests.push(rec);
    const m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(anthropic|google)\/models\/([^/:]+):(rawPredict|streamRawPredict|predict)$/.exec(url.pathname);
    if (req.method !== 'POST' || !m || (m[3] === 'google') !== (m[5] === 'predict')) {
      return googleError(res, 404, `The requested URL ${url.pathname} was not found on this server.`);
    }
    const [, proj, loc, , model, op] = m;
    rec.model = decodeURIComponent(model);
    rec.op = op;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization || '')?.[1];
    rec.bearer = bearer;
    const exp = bearer && tokens.get(bearer);
    if ((!exp || exp < Date.now()) && !(bearer && acceptToken(bearer))) {
      return googleError(res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    rec.authOk = true;
    if (proj !== project) return googleError(res, 403, `Permission denied on resource project ${proj}.`);
    if (loc !== region) return googleError(res, 400, `Location ${loc} is not supported for this project; expected ${region}.`);
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return googleError(res, 400, 'Invalid JSON payload received.');
    }
    rec.body = body;
    if (op === 'predict') return answerPredict(res, rec.model, body, embedded);
    if (body.anthropic_version !== 'vertex-2023-10-16') {
      return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic_version: Input should be vertex-2023-10-16' } });
    }
    if (rec.model === 'count-tokens' && op === 'rawPredict') {
      rec.op = 'count-tokens';
      rec.model = body.model;
      if (typeof body.model !== 'string') {
        return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'model: Field required' } });
      }
      const extra = Object.keys(body).find((k) => k !== 'anthropic_version' && !COUNT_TOKENS_FIELDS.includes(k));
      if (extra) {
        return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: `${extra}: Extra inputs are not permitted` } });
      }
      if (body.model.includes('rate-429')) {
        return googleError(res, 429, `Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: anthropic-${body.model}.`, { array: true });
      }
      if (body.model.includes('count-429')) {
        const error = { code: 429, message: `Quota exceeded for aiplatform.googleapis.com/count_tokens_requests_per_base_model with base model: anthropic-${body.model}.`, status: 'RESOURCE_EXHAUSTED' };
        return sendJson(res, 429, [{ error }], { 'retry-after': '30' });
      }
      return answerCount(res, body, { model: body.model, counted });
    }
    if ('model' in body) {
      return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'model: Extra inputs are not permitted' } });
    }
    const streaming = op === 'streamRawPredict';
    if (streaming !== !!body.stream) {
      return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: `stream must be ${streaming} for ${op}` } });
    }
    if (rec.model.includes('rate-429')) {
      return googleError(res, 429, `Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: anthropic-${rec.model}. Please submit a quota increase request.`, { array: true });
    }
    if (rec.model.includes('fail-503')) return googleError(res, 503, 'The service is currently unavailable.');
    if (rec.model.includes('not-enabled')) {
      return googleError(res, 400, `Project \`${proj}\` is not allowed to use Publisher Model \`projects/${proj}/locations/${loc}/publishers/anthropic/models/${rec.model}\``, { array: true, status: 'FAILED_PRECONDITION' });
    }
    if (rec.model.includes('bad-arg')) return googleError(res, 400, 'Request contains an invalid argument.');
    return answerAnthropic(res, req, body, {
      name, model: rec.model, stream: streaming, served, cache: { read: 0, write: 0 }, idPrefix: 'msg_vrtx_', toolPrefix: 'toolu_vrtx_', stalled,
    });
  });
  origin = srv.origin;

  return {
    name,
    project,
    region,
    port: srv.port,
    origin,
    baseUrl: origin,
    tokenUri: `${origin}/token`,
    requests,
    served,
    counted,
    embedded,
    tokenRequests,
    calls: () => requests.filter((r) => r.authOk),
    // Forgets every issued access token, as Google does when one is revoked before its expiry.
    revokeTokens: () => tokens.clear(),
    // Writes a copy of the service-account key whose token_uri points at this emulator.
    writeKeyFile(dir) {
      const p = path.join(dir, `sa-${name}.json`);
      fs.writeFileSync(p, JSON.stringify({ ...key, token_uri: `${origin}/token` }, null, 2), { mode: 0o600 });
      return p;
    },
    totals(filter = () => true) {
      const t = { requests: 0, input: 0, output: 0 };
      for (const s of served.filter(filter)) {
        t.requests++;
        t.input += s.input;
        t.output += s.output;
      }
      return t;
    },
    async close() {
      for (const r of stalled) r.destroy();
      await srv.close();
    },
  };
}
