// Azure OpenAI with Microsoft Entra ID, emulated (plain node:http), independent of the gateway's
// code:
//
//   const issuer = new EntraIssuer();
//   const entra = await startEntra({ issuer, apps: { 'app-1': 'secret' }, federated: { 'app-wi': file } });
//       POST /{tenant}/oauth2/v2.0/token, client_credentials with a client secret or with a
//       federated client assertion (compared with the token file's current content); scope must
//       be https://cognitiveservices.azure.com/.default. entra.calls: every token request.
//   const mi = await startManagedIdentity({ issuer, identityHeader: 'h' });
//       GET /metadata/identity/oauth2/token (IMDS: api-version 2018-02-01, `Metadata: true`) and
//       GET /msi/token (App Service: api-version 2019-08-01, `X-IDENTITY-HEADER`), answers with
//       expires_in / expires_on as strings as the real endpoints do.
//   const az = await startAzureOpenAI({ issuer });
//       POST /openai/deployments/{deployment}/chat/completions?api-version=...; accepts only
//       `Authorization: Bearer <token the issuer issued, unexpired, unrevoked>`, refuses api-key
//       (key authentication disabled) with 403, a missing or bad token with 401. A deployment
//       whose name has content-filter refuses every prompt as Azure's content filter does: 400
//       {"error":{"code":"content_filter","param":"prompt","innererror":{"code":
//       "ResponsibleAIPolicyViolation","content_filter_result":{...}}}} (CONTENT_FILTER_ERROR).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { startServer, sendJson, promptTokensFor, wordsOf, replyText } from './util.mjs';

export const SCOPE = 'https://cognitiveservices.azure.com/.default';
export const RESOURCE = 'https://cognitiveservices.azure.com';

// Tokens issued by the emulated Entra ID and managed identity endpoints.
export class EntraIssuer {
  constructor() {
    this.tokens = new Map(); // token -> { subject, expiresAt (ms) }
  }

  issue(subject, lifetimeS) {
    const token = `eyJ0eXAiOiJKV1QifQ.${Buffer.from(JSON.stringify({ sub: subject, n: crypto.randomUUID() })).toString('base64url')}.emu`;
    this.tokens.set(token, { subject, expiresAt: Date.now() + lifetimeS * 1000 });
    return token;
  }

  // Why `token` is refused now, or null when it is good.
  problem(token) {
    const t = this.tokens.get(token);
    if (!t) return 'unknown token';
    if (Date.now() >= t.expiresAt) return 'expired token';
    return null;
  }

  revokeAll() {
    this.tokens.clear();
  }
}

function tokenAnswer(token, lifetimeS) {
  return { token_type: 'Bearer', expires_in: lifetimeS, ext_expires_in: lifetimeS, access_token: token };
}

function aadError(res, status, error, description) {
  sendJson(res, status, { error, error_description: description, error_codes: [70002], timestamp: new Date().toISOString() });
}

// lifetimeS(clientId): the lifetime of tokens issued to a client (default 3599).
export async function startEntra({ issuer, apps = {}, federated = {}, lifetimeS = () => 3599 }) {
  const calls = [];
  const srv = await startServer(async (req, res, raw) => {
    const url = new URL(req.url, 'http://x');
    const m = url.pathname.match(/^\/([A-Za-z0-9.-]+)\/oauth2\/v2\.0\/token$/);
    const form = new URLSearchParams(raw.toString('utf8'));
    const call = { tenant: m?.[1], form: Object.fromEntries(form), contentType: req.headers['content-type'] };
    calls.push(call);
    if (req.method !== 'POST' || !m) return aadError(res, 404, 'invalid_request', `no route ${req.method} ${url.pathname}`);
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return aadError(res, 400, 'invalid_request', 'AADSTS900144: The request body must be form-encoded.');
    }
    if (form.get('grant_type') !== 'client_credentials') return aadError(res, 400, 'unsupported_grant_type', 'AADSTS70003');
    if (form.get('scope') !== SCOPE) return aadError(res, 400, 'invalid_scope', `AADSTS1002012: scope ${form.get('scope')} is not valid.`);
    const clientId = form.get('client_id');
    if (form.has('client_secret')) {
      if (!(clientId in apps) || apps[clientId] !== form.get('client_secret')) {
        return aadError(res, 401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
      }
      call.kind = 'client_secret';
    } else if (form.has('client_assertion')) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return aadError(res, 400, 'invalid_request', 'AADSTS50027: bad client_assertion_type');
      }
      // The federated token must be the file's current content (the kubelet rotates it).
      const file = federated[clientId];
      if (!file || fs.readFileSync(file, 'utf8').trim() !== form.get('client_assertion')) {
        return aadError(res, 401, 'invalid_client', 'AADSTS700024: Client assertion is not within its valid time range.');
      }
      call.kind = 'client_assertion';
    } else {
      return aadError(res, 401, 'invalid_client', 'AADSTS7000216: client_assertion or client_secret is required.');
    }
    const life = lifetimeS(clientId);
    sendJson(res, 200, tokenAnswer(issuer.issue(`${call.tenant}/${clientId}`, life), life));
  });
  return { ...srv, calls };
}

export async function startManagedIdentity({ issuer, identityHeader = 'app-service-identity-header', lifetimeS = 86399 }) {
  const calls = [];
  const srv = await startServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const q = Object.fromEntries(url.searchParams);
    const call = { path: url.pathname, query: q, headers: { ...req.headers } };
    calls.push(call);
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'invalid_request' });
    const nowS = Math.floor(Date.now() / 1000);
    if (url.pathname === '/metadata/identity/oauth2/token') {
      if (req.headers.metadata !== 'true') return sendJson(res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
      if (q['api-version'] !== '2018-02-01' || q.resource !== RESOURCE) return sendJson(res, 400, { error: 'invalid_request', error_description: 'bad api-version or resource' });
      const token = issuer.issue(`imds/${q.client_id ?? 'system'}`, lifetimeS);
      return sendJson(res, 200, {
        access_token: token, client_id: q.client_id ?? 'system-assigned', expires_in: String(lifetimeS),
        expires_on: String(nowS + lifetimeS), ext_expires_in: String(lifetimeS), not_before: String(nowS),
        resource: RESOURCE, token_type: 'Bearer',
      });
    }
    if (url.pathname === '/msi/token') {
      if (req.headers['x-identity-header'] !== identityHeader) return sendJson(res, 401, { statusCode: 401, message: 'Unauthorized' });
      if (q['api-version'] !== '2019-08-01' || q.resource !== RESOURCE) return sendJson(res, 400, { statusCode: 400, message: 'bad api-version or resource' });
      const token = issuer.issue(`appservice/${q.client_id ?? 'system'}`, lifetimeS);
      // App Service: expires_on only, epoch seconds as a string.
      return sendJson(res, 200, { access_token: token, expires_on: String(nowS + lifetimeS), resource: RESOURCE, token_type: 'Bearer', client_id: q.client_id ?? 'system-assigned' });
    }
    sendJson(res, 404, { error: 'not_found' });
  });
  return { ...srv, calls };
}

export const CONTENT_FILTER_ERROR = {
  message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
  type: null,
  param: 'prompt',
  code: 'content_filter',
  status: 400,
  innererror: {
    code: 'ResponsibleAIPolicyViolation',
    content_filter_result: {
      hate: { filtered: false, severity: 'safe' },
      jailbreak: { filtered: false, detected: false },
      self_harm: { filtered: false, severity: 'safe' },
      sexual: { filtered: false, severity: 'safe' },
      violence: { filtered: true, severity: 'medium' },
    },
  },
};

export async function startAzureOpenAI({ issuer, name = 'azure' }) {
  const requests = [];
  const srv = await startServer(async (req, res, raw) => {
    const url = new URL(req.url, 'http://x');
    const rec = { path: url.pathname, apiVersion: url.searchParams.get('api-version'), headers: { ...req.headers }, status: 0 };
    requests.push(rec);
    const reply = (status, obj) => {
      rec.status = status;
      sendJson(res, status, obj);
    };
    const m = url.pathname.match(/^\/openai\/deployments\/([^/]+)\/chat\/completions$/);
    if (req.method !== 'POST' || !m || !rec.apiVersion) return reply(404, { error: { code: '404', message: 'Resource not found' } });
    if (req.headers['api-key'] !== undefined) {
      return reply(403, { error: { code: 'AuthenticationTypeDisabled', message: 'Key based authentication is disabled for this resource.' } });
    }
    const auth = req.headers.authorization ?? '';
    const why = auth.startsWith('Bearer ') ? issuer.problem(auth.slice(7)) : 'no bearer token';
    if (why) {
      rec.refused = why;
      return reply(401, { error: { code: '401', message: 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.' } });
    }
    rec.token = auth.slice(7);
    const body = JSON.parse(raw.toString('utf8'));
    const deployment = decodeURIComponent(m[1]);
    if (deployment.includes('content-filter')) return reply(400, { error: CONTENT_FILTER_ERROR });
    const text = replyText(name, deployment);
    const prompt = promptTokensFor(body.messages);
    const completion = wordsOf(text).length;
    const id = `chatcmpl-az${crypto.randomUUID().slice(0, 8)}`;
    const created = Math.floor(Date.now() / 1000);
    rec.status = 200;
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Azure's first chunk carries prompt_filter_results and no choices.
      res.write(`data: ${JSON.stringify({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] })}\n\n`);
      const chunk = (delta, finish, usage) => ({ id, object: 'chat.completion.chunk', created, model: deployment, choices: delta ? [{ index: 0, delta, finish_reason: finish }] : [], ...(usage ? { usage } : {}) });
      res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }, null))}\n\n`);
      res.write(`data: ${JSON.stringify(chunk({ content: text }, null))}\n\n`);
      res.write(`data: ${JSON.stringify(chunk({}, 'stop'))}\n\n`);
      if (body.stream_options?.include_usage) {
        res.write(`data: ${JSON.stringify(chunk(null, null, { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }))}\n\n`);
      }
      res.end('data: [DONE]\n\n');
      return;
    }
    sendJson(res, 200, {
      id, object: 'chat.completion', created, model: deployment,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    });
  });
  return { ...srv, requests };
}
