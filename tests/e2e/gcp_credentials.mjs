// Google credential emulators for Application Default Credentials (plain node:http), independent
// of the gateway's code. One server plays every token source a keyless Vertex provider may use:
//
//   const tokens = new GoogleTokens({ lifetimeS: 3600 });
//   const auth = await startGoogleAuth({ tokens, ... });
//   auth.origin                       -> 'http://127.0.0.1:PORT'
//   auth.metadataHost                 -> '127.0.0.1:PORT' (the GCE_METADATA_HOST value)
//   auth.calls                        -> every call: {kind, ok, error, headers, form, body, issued, at}
//   auth.down = true                  -> every endpoint answers 503 until set back
//   tokens.accepts(token, kinds)      -> whether Vertex should take it (issued, of one of `kinds`, unexpired)
//   tokens.revokeAll()                -> every issued token stops working (as a revocation does)
//
// GET  /computeMetadata/v1/instance/service-accounts/default/token: requires `Metadata-Flavor:
//      Google` (403 otherwise, as GCE does) -> {access_token, expires_in, token_type}.
// POST /token: grant_type=refresh_token with the configured client_id, client_secret and
//      refresh_token (gcloud's authorized_user) -> {access_token, expires_in, scope, token_type};
//      else 400/401 {error, error_description}.
// POST /v1/token: STS token exchange (RFC 8693): grant_type token-exchange, the configured
//      audience, scope cloud-platform, requested_token_type access_token, the configured
//      subject_token_type and the subject token currently in the file -> a federated token.
// POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken: Bearer a federated token,
//      JSON {"scope": [..cloud-platform..]} -> {accessToken, expireTime (RFC 3339)}; Google's
//      error shape otherwise.
import crypto from 'node:crypto';
import { startServer, sendJson } from './util.mjs';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export class GoogleTokens {
  constructor({ lifetimeS = 3600 } = {}) {
    this.lifetimeS = lifetimeS;
    this.issued = []; // {token, kind, issuedAt, expiresAt}
    this.byToken = new Map();
  }

  issue(kind) {
    const t = { token: `ya29.${kind}-${crypto.randomBytes(12).toString('hex')}`, kind, issuedAt: Date.now() };
    t.expiresAt = t.issuedAt + this.lifetimeS * 1000;
    this.issued.push(t);
    this.byToken.set(t.token, t);
    return t;
  }

  accepts(token, kinds) {
    const t = this.byToken.get(token);
    return !!t && kinds.includes(t.kind) && Date.now() < t.expiresAt;
  }

  revokeAll() {
    this.byToken.clear();
  }

  secrets() {
    return this.issued.map((t) => t.token);
  }
}

function googleError(res, code, status, message) {
  return sendJson(res, code, { error: { code, message, status } });
}

export async function startGoogleAuth({
  tokens,
  user = null, // {clientId, clientSecret, refreshToken}
  sts = null, // {audience, subjectTokenType, subjectToken: () => string}
  serviceAccount = 'vertex-caller@e2e-project.iam.gserviceaccount.com',
} = {}) {
  const calls = [];
  const auth = { calls, down: false };
  const srv = await startServer(async (req, res, raw) => {
    const url = new URL(req.url, 'http://x');
    const rec = { kind: null, ok: false, error: null, method: req.method, path: url.pathname, headers: { ...req.headers }, form: null, body: null, issued: null, at: Date.now() };
    calls.push(rec);
    const fail = (status, error, desc) => {
      rec.error = `${error}: ${desc}`;
      return sendJson(res, status, { error, error_description: desc });
    };
    const ok = (t, body) => {
      rec.ok = true;
      rec.issued = t.token;
      return sendJson(res, 200, body);
    };
    if (auth.down) {
      rec.kind = 'down';
      return sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'The service is currently unavailable.' });
    }

    if (req.method === 'GET' && url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
      rec.kind = 'metadata';
      if (req.headers['metadata-flavor'] !== 'Google') {
        rec.error = 'missing Metadata-Flavor';
        res.writeHead(403, { 'content-type': 'text/html' });
        return res.end('Missing required header: Metadata-Flavor');
      }
      const t = tokens.issue('metadata');
      return ok(t, { access_token: t.token, expires_in: tokens.lifetimeS, token_type: 'Bearer' });
    }

    if (req.method === 'POST' && url.pathname === '/token') {
      rec.kind = 'refresh_token';
      const form = new URLSearchParams(raw.toString('utf8'));
      rec.form = Object.fromEntries(form);
      if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] || '')) return fail(400, 'invalid_request', 'bad content type');
      if (form.get('grant_type') !== 'refresh_token') return fail(400, 'unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type')}`);
      if (!user || form.get('client_id') !== user.clientId || form.get('client_secret') !== user.clientSecret) return fail(401, 'invalid_client', 'The OAuth client was not found.');
      if (form.get('refresh_token') !== user.refreshToken) return fail(400, 'invalid_grant', 'Bad Request');
      const t = tokens.issue('user');
      return ok(t, { access_token: t.token, expires_in: tokens.lifetimeS, scope: CLOUD_PLATFORM, token_type: 'Bearer' });
    }

    if (req.method === 'POST' && url.pathname === '/v1/token') {
      rec.kind = 'sts';
      const form = new URLSearchParams(raw.toString('utf8'));
      rec.form = Object.fromEntries(form);
      if (!sts) return fail(400, 'invalid_request', 'no pool configured');
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange') return fail(400, 'unsupported_grant_type', 'Invalid grant_type');
      if (form.get('audience') !== sts.audience) return fail(400, 'invalid_target', 'The target service indicated by the "audience" parameters is invalid.');
      if (!String(form.get('scope') || '').split(' ').includes(CLOUD_PLATFORM)) return fail(400, 'invalid_scope', 'Invalid scope');
      if (form.get('requested_token_type') !== 'urn:ietf:params:oauth:token-type:access_token') return fail(400, 'invalid_request', 'Invalid requested_token_type');
      if (form.get('subject_token_type') !== sts.subjectTokenType) return fail(400, 'invalid_request', 'Invalid subject_token_type');
      if (form.get('subject_token') !== sts.subjectToken()) return fail(400, 'invalid_grant', 'The subject token is invalid or expired.');
      const t = tokens.issue('federated');
      return ok(t, { access_token: t.token, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: tokens.lifetimeS });
    }

    const imp = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(url.pathname);
    if (req.method === 'POST' && imp) {
      rec.kind = 'impersonation';
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization || '')?.[1];
      if (!bearer || !tokens.accepts(bearer, ['federated'])) {
        rec.error = 'bad bearer';
        return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      }
      if (decodeURIComponent(imp[1]) !== serviceAccount) {
        rec.error = 'unknown account';
        return googleError(res, 403, 'PERMISSION_DENIED', `Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).`);
      }
      let body;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
      }
      rec.body = body;
      if (!Array.isArray(body.scope) || !body.scope.includes(CLOUD_PLATFORM)) return googleError(res, 400, 'INVALID_ARGUMENT', 'Scope required.');
      const t = tokens.issue('impersonated');
      return ok(t, { accessToken: t.token, expireTime: new Date(t.expiresAt).toISOString().replace(/\.\d+Z$/, 'Z') });
    }

    rec.kind = 'unknown';
    return sendJson(res, 404, { error: 'not_found', error_description: url.pathname });
  });
  return Object.assign(auth, {
    origin: srv.origin,
    metadataHost: `127.0.0.1:${srv.port}`,
    impersonationUrl: `${srv.origin}/v1/projects/-/serviceAccounts/${serviceAccount}:generateAccessToken`,
    ok: (kind) => calls.filter((c) => c.kind === kind && c.ok),
    close: () => srv.close(),
  });
}
