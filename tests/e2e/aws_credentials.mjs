// Emulators of the AWS credential sources a gateway on EKS/ECS/EC2 uses (plain node:http,
// independent of the gateway's code): STS AssumeRoleWithWebIdentity, the container credentials
// endpoint (ECS task roles, EKS Pod Identity) and EC2 instance metadata (IMDSv2 only).
//
// Each one issues fresh temporary credentials on every call (key id ASIA<kind><n>) into a shared
// `Issuer`, whose lookup() is what startBedrock({ credentials }) verifies signatures against, so the
// Bedrock emulator accepts exactly the credentials that were issued and refuses them once expired.
//
//   const issuer = new Issuer({ lifetimeMs: 6000 });
//   const sts = await startSts({ issuer, roleArn, tokenFile });   // checks WebIdentityToken == the file now
//   const ctr = await startContainerCredentials({ issuer, authToken: () => '...' });
//   const imds = await startImds({ issuer, role: 'gw-role' });
//   sts.origin / sts.calls / sts.fail = true (answers 500 until cleared)
//   const sts = await startSts({ issuer, roleArn, assumeRole: { accessKeyId, secretAccessKey, region } })
//     also answers AssumeRole (a profile's role_arn + source_profile), whose SigV4 signature
//     (service sts) it verifies with @smithy/signature-v4 against those long-term keys.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { startServer, sendJson } from './util.mjs';
import { verifySigV4 } from './bedrock.mjs';

export class Issuer {
  constructor({ lifetimeMs = 3600_000 } = {}) {
    this.lifetimeMs = lifetimeMs;
    this.issued = [];  // {accessKeyId, secretAccessKey, sessionToken, issuedAt, expiresAt, kind}
  }

  issue(kind) {
    const n = this.issued.length + 1;
    const c = {
      kind,
      accessKeyId: `ASIA${kind.toUpperCase()}${String(n).padStart(4, '0')}`,
      secretAccessKey: `tmpSecret/${kind}/${n}/${crypto.randomBytes(12).toString('base64')}`,
      sessionToken: `IQoJ${kind}Token${n}${crypto.randomBytes(24).toString('base64')}`,
      issuedAt: Date.now(),
      expiresAt: Date.now() + this.lifetimeMs,
    };
    this.issued.push(c);
    return c;
  }

  lookup = (accessKeyId) => this.issued.find((c) => c.accessKeyId === accessKeyId);

  secrets() {
    return this.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]);
  }
}

function xmlEscape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function stsError(res, status, code, message) {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': crypto.randomUUID() });
  res.end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>
  <RequestId>${crypto.randomUUID()}</RequestId>
</ErrorResponse>`);
}

// STS: AssumeRoleWithWebIdentity by POST (form body) or GET (query), unsigned. The token must be
// the token file's content at the time of the call (kubelet rotates it).
export async function startSts({ issuer, roleArn, tokenFile, assumeRole = undefined }) {
  const state = { calls: [], fail: false };
  const srv = await startServer(async (req, res, raw) => {
    const q = req.url.indexOf('?');
    const params = new URLSearchParams(req.method === 'POST' ? raw.toString('utf8') : (q < 0 ? '' : req.url.slice(q + 1)));
    const call = { at: Date.now(), method: req.method, params: Object.fromEntries(params), authorization: req.headers.authorization };
    state.calls.push(call);
    if (state.fail) return stsError(res, 500, 'InternalFailure', 'emulated outage');
    const action = params.get('Action');
    if (params.get('Version') !== '2011-06-15' ||
        !(action === 'AssumeRoleWithWebIdentity' || (action === 'AssumeRole' && assumeRole))) {
      return stsError(res, 400, 'InvalidAction', 'Could not find operation');
    }
    if (action === 'AssumeRole') {
      // Signed with the source profile's long-term keys, for STS in its region.
      const err = await verifySigV4({ method: req.method, rawUrl: req.url, headers: req.headers, body: raw },
        { accessKeyId: assumeRole.accessKeyId, secretAccessKey: assumeRole.secretAccessKey, region: assumeRole.region, service: 'sts' });
      if (err) {
        call.sigError = err;
        return stsError(res, err.status, err.name === 'UnrecognizedClientException' ? 'InvalidClientTokenId' : 'SignatureDoesNotMatch', err.message);
      }
      if (params.get('ExternalId') !== (assumeRole.externalId ?? null)) return stsError(res, 403, 'AccessDenied', 'ExternalId does not match');
    } else {
      if (req.headers.authorization) return stsError(res, 400, 'InvalidRequest', 'AssumeRoleWithWebIdentity is unsigned');
    }
    if (params.get('RoleArn') !== roleArn) return stsError(res, 403, 'AccessDenied', `Not authorized to perform sts:${action}`);
    if (!params.get('RoleSessionName')) return stsError(res, 400, 'ValidationError', 'RoleSessionName is required');
    if (action === 'AssumeRole') {
      const c = issuer.issue('sts');
      call.issued = c.accessKeyId;
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': crypto.randomUUID() });
      return res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>${xmlEscape(roleArn.replace(':role/', ':assumed-role/'))}/${xmlEscape(params.get('RoleSessionName'))}</Arn>
      <AssumedRoleId>AROAEXAMPLE:${xmlEscape(params.get('RoleSessionName'))}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${c.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${xmlEscape(c.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${xmlEscape(c.sessionToken)}</SessionToken>
      <Expiration>${new Date(c.expiresAt).toISOString()}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata>
</AssumeRoleResponse>`);
    }
    if (params.get('WebIdentityToken') !== fs.readFileSync(tokenFile, 'utf8').trim()) {
      return stsError(res, 400, 'InvalidIdentityToken', 'The web identity token is not the current one');
    }
    const c = issuer.issue('sts');
    call.issued = c.accessKeyId;
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': crypto.randomUUID() });
    res.end(`<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:gw:switchyard</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>${xmlEscape(roleArn.replace(':role/', ':assumed-role/'))}/${xmlEscape(params.get('RoleSessionName'))}</Arn>
      <AssumedRoleId>AROAEXAMPLE:${xmlEscape(params.get('RoleSessionName'))}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>${xmlEscape(c.sessionToken)}</SessionToken>
      <SecretAccessKey>${xmlEscape(c.secretAccessKey)}</SecretAccessKey>
      <Expiration>${new Date(c.expiresAt).toISOString()}</Expiration>
      <AccessKeyId>${c.accessKeyId}</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/E2E</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`);
  });
  return Object.assign(state, { origin: srv.origin, close: () => srv.close() });
}

// The container credentials endpoint: GET with `Authorization` equal to authToken().
export async function startContainerCredentials({ issuer, authToken, path = '/v1/credentials' }) {
  const state = { calls: [], fail: false };
  const srv = await startServer(async (req, res) => {
    const call = { at: Date.now(), method: req.method, url: req.url, authorization: req.headers.authorization };
    state.calls.push(call);
    if (req.method !== 'GET' || req.url !== path) return sendJson(res, 404, { code: 'NotFound', message: 'no such path' });
    if (req.headers.authorization !== authToken()) return sendJson(res, 401, { code: 'AccessDeniedException', message: 'bad authorization token' });
    if (state.fail) return sendJson(res, 500, { code: 'InternalError', message: 'emulated outage' });
    const c = issuer.issue('ctr');
    call.issued = c.accessKeyId;
    return sendJson(res, 200, {
      AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken,
      AccountId: '123456789012', Expiration: new Date(c.expiresAt).toISOString(),
    });
  });
  return Object.assign(state, { origin: srv.origin, url: `${srv.origin}${path}`, close: () => srv.close() });
}

// EC2 instance metadata, IMDSv2 only: PUT /latest/api/token (with a TTL header) gives a session
// token that every GET must carry; a GET without it gets 401.
export async function startImds({ issuer, role = 'gw-role' }) {
  const state = { calls: [], tokens: new Set() };
  const srv = await startServer(async (req, res) => {
    state.calls.push({ method: req.method, url: req.url });
    const text = (status, body) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
    if (req.url === '/latest/api/token') {
      if (req.method !== 'PUT') return text(405, '');
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!(ttl >= 1 && ttl <= 21600)) return text(400, '');
      const t = `imds-${crypto.randomBytes(16).toString('hex')}`;
      state.tokens.add(t);
      return text(200, t);
    }
    if (req.method !== 'GET') return text(405, '');
    if (!state.tokens.has(req.headers['x-aws-ec2-metadata-token'])) return text(401, '');
    const base = '/latest/meta-data/iam/security-credentials/';
    if (req.url === base) return text(200, role);
    if (req.url === base + role) {
      const c = issuer.issue('ec2');
      return sendJson(res, 200, {
        Code: 'Success', LastUpdated: new Date().toISOString(), Type: 'AWS-HMAC',
        AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken,
        Expiration: new Date(c.expiresAt).toISOString(),
      });
    }
    return text(404, '');
  });
  return Object.assign(state, { origin: srv.origin, close: () => srv.close() });
}
