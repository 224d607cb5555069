// Bedrock providers without static keys take temporary credentials from the AWS default chain:
// web identity (EKS IRSA) through STS, the container credentials endpoint (ECS, EKS Pod Identity)
// and EC2 instance metadata (IMDSv2), refreshed before they expire. The Bedrock emulator accepts
// only credentials the credential emulators issued (aws_credentials.mjs), checks the signed
// x-amz-security-token, and refuses a credential once it has expired.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startBedrock } from './bedrock.mjs';
import { Issuer, startSts, startContainerCredentials, startImds } from './aws_credentials.mjs';
import { startGateway, stopCleanly, tempDir, writeConfig, freePort, BIN, PRICE, logsSettle } from './harness.mjs';
import { replyText, sleep } from './util.mjs';

const KEY = 'sk-e2e-aws-creds-1';
const CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const NOVA = 'amazon.nova-pro-v1:0';
const MSG = [{ role: 'user', content: 'Say hello.' }];
const ROLE_ARN = 'arn:aws:iam::123456789012:role/switchyard-bedrock';

// Every variable of the chain unset, and the shared config files pointed away from the runner's
// ~/.aws, so the runner's own environment cannot leak in.
const CLEAN_AWS_ENV = Object.fromEntries([
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION',
  'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_ENDPOINT_URL_STS',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_EC2_METADATA_DISABLED', 'AWS_EC2_METADATA_SERVICE_ENDPOINT',
].map((k) => [k, undefined]).concat([
  ['AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/switchyard-e2e/credentials'],
  ['AWS_CONFIG_FILE', '/nonexistent/switchyard-e2e/config'],
]));

function gatewayConfig(dir, br, providers) {
  const dep = (provider, model) => ({ provider, model, price: PRICE });
  const models = {};
  for (const p of providers) {
    models[`claude-${p}`] = { route: 'priority', deployments: [dep(p, CLAUDE)] };
    models[`nova-${p}`] = { route: 'priority', deployments: [dep(p, NOVA)] };
  }
  return {
    ledger: `sqlite://${dir}/ledger.db`,
    workers: 3,
    providers: Object.fromEntries(providers.map((p) => [p, { type: 'bedrock', region: 'us-east-1', base_url: br.baseUrl }])),
    models,
    keys: [{ name: 'aws-creds', key: '${E2E_KEY}' }],
  };
}

const clients = (gw) => ({
  anthropic: new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, timeout: 30000 }),
  openai: new OpenAI({ apiKey: KEY, baseURL: gw.baseURL, maxRetries: 0, timeout: 30000 }),
});

async function waitFor(what, f, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (f()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

// The last request the Bedrock emulator received was valid and signed with `cred`.
function assertSignedWith(br, cred) {
  const r = br.requests[br.requests.length - 1];
  assert.equal(r.sigError, null, `signature refused: ${JSON.stringify(r.sigError)}`);
  assert.equal(r.accessKeyId, cred.accessKeyId);
  assert.equal(r.headers['x-amz-security-token'], cred.sessionToken);
  assert.match(r.headers.authorization, /SignedHeaders=[^,]*x-amz-security-token/);
}

// The same for whichever issued credential it carries (a refresh may have just replaced one).
function assertSignedWithIssued(br, issuer) {
  const cred = issuer.lookup(br.requests[br.requests.length - 1].accessKeyId);
  assert.ok(cred, 'signed with an issued credential');
  assertSignedWith(br, cred);
  return cred;
}

function assertNoSecrets(text, secrets) {
  for (const s of secrets) assert.ok(!text.includes(s), `a secret reached the output: ${s.slice(0, 12)}…`);
}

test('web identity (EKS IRSA): STS credentials, refreshed ahead of expiry once per process, token file re-read', async () => {
  const dir = tempDir();
  const tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, 'eyJ.web-identity-token.one\n');
  const issuer = new Issuer({ lifetimeMs: 8000 });
  const sts = await startSts({ issuer, roleArn: ROLE_ARN, tokenFile });
  const br = await startBedrock({ name: 'aws', credentials: issuer.lookup });
  let gw;
  try {
    gw = await startGateway({
      dir,
      env: { ...CLEAN_AWS_ENV, E2E_KEY: KEY, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE_ARN, AWS_ENDPOINT_URL_STS: sts.origin },
      config: gatewayConfig(dir, br, ['aws-a', 'aws-b']),
    });
    // Fetched before the gateway was ready (the first refresh is due only 4 s later).
    assert.ok(sts.calls.length >= 1);
    assert.match(sts.calls[0].params.RoleSessionName, /^switchyard-\d+$/);
    assert.equal(sts.calls[0].method, 'POST');
    assert.equal(sts.calls[0].params.WebIdentityToken, 'eyJ.web-identity-token.one');
    const { anthropic, openai } = clients(gw);

    const m = await anthropic.messages.create({ model: 'claude-aws-a', max_tokens: 32, messages: MSG });
    assert.equal(m.content[0].text, replyText('aws', CLAUDE));
    assertSignedWithIssued(br, issuer);
    const c = await openai.chat.completions.create({ model: 'nova-aws-b', messages: MSG });
    assert.equal(c.choices[0].message.content, replyText('aws', NOVA));
    const old = assertSignedWithIssued(br, issuer);

    // kubelet rotates the projected token; the refresh (due at half the 8 s life) sends the new one.
    const n = issuer.issued.length;
    fs.writeFileSync(tokenFile, 'eyJ.web-identity-token.two\n');
    await waitFor('the refresh', () => issuer.issued.length > n);
    const renewed = issuer.issued[n];
    assert.ok(renewed.issuedAt < issuer.issued[n - 1].expiresAt, 'refreshed before the credential expired');
    assert.equal(sts.calls.find((k) => k.issued === renewed.accessKeyId).params.WebIdentityToken, 'eyJ.web-identity-token.two');

    // The old credential expires (the emulator would refuse it): requests carry a refreshed one.
    await waitFor('the old credential to expire', () => Date.now() > old.expiresAt + 50);
    const s = await anthropic.messages.stream({ model: 'claude-aws-b', max_tokens: 32, messages: MSG }).finalMessage();
    assert.equal(s.content[0].text, replyText('aws', CLAUDE));
    assert.notEqual(assertSignedWithIssued(br, issuer), old, 'signed with a refreshed credential');
    const o = await openai.chat.completions.create({ model: 'claude-aws-a', messages: MSG });
    assert.equal(o.choices[0].message.content, replyText('aws', CLAUDE));
    assertSignedWithIssued(br, issuer);

    // One STS call per refresh for the whole process: three workers and two providers refreshing
    // on their own would call STS several times at once.
    assert.ok(sts.calls.every((k) => k.issued), 'every STS call succeeded');
    for (let i = 1; i < sts.calls.length; i++) {
      assert.ok(sts.calls[i].at - sts.calls[i - 1].at > 2000, `STS calls ${sts.calls.map((k) => k.at - sts.calls[0].at).join(', ')} ms`);
    }

    const events = gw.logs.filter((l) => String(l.msg || '').startsWith('aws_credentials'));
    assert.ok(events.some((l) => l.msg === 'aws_credentials' && /web identity/.test(l.detail) && l.detail.includes(ROLE_ARN)),
      `start-up names the source: ${JSON.stringify(events)}`);
    assert.ok(events.some((l) => l.msg === 'aws_credentials_refreshed'));
  } finally {
    await stopCleanly(gw);
    await sts.close();
    await br.close();
  }
  assertNoSecrets(gw.stderr, [...issuer.secrets(), 'eyJ.web-identity-token']);
});

test('container credentials: Authorization from its file; an expired credential that cannot be refreshed is a 503, then recovers', async () => {
  const dir = tempDir();
  const authFile = path.join(dir, 'eks-pod-identity-token');
  fs.writeFileSync(authFile, 'pod-identity-auth-token-1');
  const issuer = new Issuer({ lifetimeMs: 6000 });
  const ctr = await startContainerCredentials({ issuer, authToken: () => fs.readFileSync(authFile, 'utf8').trim() });
  const br = await startBedrock({ name: 'aws', credentials: issuer.lookup });
  let gw;
  try {
    gw = await startGateway({
      dir,
      env: { ...CLEAN_AWS_ENV, E2E_KEY: KEY, AWS_CONTAINER_CREDENTIALS_FULL_URI: ctr.url, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: authFile },
      config: gatewayConfig(dir, br, ['aws-ctr']),
    });
    assert.ok(ctr.calls.length >= 1);
    assert.equal(ctr.calls[0].authorization, 'pod-identity-auth-token-1');
    const { anthropic, openai } = clients(gw);
    const m = await openai.chat.completions.create({ model: 'claude-aws-ctr', messages: MSG });
    assert.equal(m.choices[0].message.content, replyText('aws', CLAUDE));
    assertSignedWithIssued(br, issuer);

    // The endpoint goes down: refreshes fail while the credential lasts, then requests fail
    // clearly in each client's dialect, without reaching Bedrock.
    ctr.fail = true;
    const k = issuer.issued.length;
    const last = issuer.issued[k - 1];
    await waitFor('the credential to expire', () => Date.now() > last.expiresAt + 50);
    const sentBefore = br.requests.length;
    const oe = await openai.chat.completions.create({ model: 'claude-aws-ctr', messages: MSG }).catch((e) => e);
    assert.ok(oe instanceof OpenAI.APIError, String(oe));
    assert.equal(oe.status, 503);
    assert.match(oe.message, /aws-ctr/);
    assert.match(oe.message, /no valid AWS credentials/);
    const ae = await anthropic.messages.create({ model: 'nova-aws-ctr', max_tokens: 16, messages: MSG }).catch((e) => e);
    assert.ok(ae instanceof Anthropic.APIError, String(ae));
    assert.equal(ae.status, 503);
    assert.match(JSON.stringify(ae.error), /no valid AWS credentials/);
    assert.equal(br.requests.length, sentBefore, 'nothing was sent unsigned or with the expired credential');
    assertNoSecrets(oe.message + JSON.stringify(ae.error), issuer.secrets());

    // It comes back (with a rotated authorization token): the retries pick it up.
    fs.writeFileSync(authFile, 'pod-identity-auth-token-2\n');
    ctr.fail = false;
    await waitFor('a new credential', () => issuer.issued.length > k);
    assert.equal(ctr.calls[ctr.calls.length - 1].authorization, 'pod-identity-auth-token-2');
    const again = await anthropic.messages.create({ model: 'claude-aws-ctr', max_tokens: 32, messages: MSG });
    assert.equal(again.content[0].text, replyText('aws', CLAUDE));
    assertSignedWith(br, issuer.issued[issuer.issued.length - 1]);
    const refreshFailed = (l) => l.msg === 'aws_credentials_refresh_failed' && /HTTP 500/.test(l.detail);
    await logsSettle(gw, (logs) => logs.some(refreshFailed));
    assert.ok(gw.logs.some(refreshFailed), 'refresh failures are logged');
  } finally {
    await stopCleanly(gw);
    await ctr.close();
    await br.close();
  }
  assertNoSecrets(gw.stderr, [...issuer.secrets(), 'pod-identity-auth-token']);
});

test('EC2 instance metadata (IMDSv2): session token first, then the role and its credentials', async () => {
  const dir = tempDir();
  const issuer = new Issuer();
  const imds = await startImds({ issuer, role: 'gw-role' });
  const br = await startBedrock({ name: 'aws', credentials: issuer.lookup });
  let gw;
  try {
    gw = await startGateway({
      dir,
      env: { ...CLEAN_AWS_ENV, E2E_KEY: KEY, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.origin },
      config: gatewayConfig(dir, br, ['aws-ec2']),
    });
    assert.deepEqual(imds.calls.map((c) => `${c.method} ${c.url}`), [
      'PUT /latest/api/token',
      'GET /latest/meta-data/iam/security-credentials/',
      'GET /latest/meta-data/iam/security-credentials/gw-role',
    ]);
    const { anthropic, openai } = clients(gw);
    const s = await anthropic.messages.stream({ model: 'claude-aws-ec2', max_tokens: 32, messages: MSG }).finalMessage();
    assert.equal(s.content[0].text, replyText('aws', CLAUDE));
    assertSignedWith(br, issuer.issued[0]);
    const c = await openai.chat.completions.create({ model: 'nova-aws-ec2', messages: MSG });
    assert.equal(c.choices[0].message.content, replyText('aws', NOVA));
    assertSignedWith(br, issuer.issued[0]);
  } finally {
    await stopCleanly(gw);
    await imds.close();
    await br.close();
  }
  assertNoSecrets(gw.stderr, issuer.secrets());
});

test('no credential source: serve fails at once naming the provider; check still accepts the config', async () => {
  const dir = tempDir();
  const br = await startBedrock({ name: 'aws', credentials: () => undefined });
  try {
    const file = writeConfig(dir, gatewayConfig(dir, br, ['aws-none']));
    const port = await freePort();
    const run = (args, env) => spawnSync(BIN, args, { env: { ...process.env, ...CLEAN_AWS_ENV, E2E_KEY: KEY, ...env }, encoding: 'utf8', timeout: 20000 });

    const disabled = run(['serve', '--config', file, '--listen', `127.0.0.1:${port}`], { AWS_EC2_METADATA_DISABLED: 'true' });
    assert.equal(disabled.status, 1, disabled.stderr);
    assert.match(disabled.stderr, /provider aws-none/);
    assert.match(disabled.stderr, /no AWS credentials/);

    // Instance metadata enabled but nothing answers there (not on EC2): a fast, clear failure.
    const closed = await freePort();
    const t0 = Date.now();
    const absent = run(['serve', '--config', file, '--listen', `127.0.0.1:${port}`], { AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${closed}` });
    assert.equal(absent.status, 1, absent.stderr);
    assert.match(absent.stderr, /provider aws-none/);
    assert.match(absent.stderr, /instance metadata/);
    assert.ok(Date.now() - t0 < 10000, 'no long wait off EC2');

    // check looks at the config, not at the environment a later serve will have.
    const check = run(['check', '--config', file], { AWS_EC2_METADATA_DISABLED: 'true' });
    assert.equal(check.status, 0, check.stderr);
  } finally {
    await br.close();
  }
});
