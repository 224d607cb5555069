// Bedrock SigV4 robustness, as the AWS SDKs have it: a gateway host whose clock is off from AWS's
// corrects itself from AWS's refusal; temporary credentials AWS calls expired or invalid before
// their time are refreshed at once (static keys are not: the client gets a 502); credentials from
// the AWS shared config files (a profile's static keys, or role_arn + source_profile through a
// SigV4-signed STS AssumeRole). The Bedrock and STS emulators (bedrock.mjs, aws_credentials.mjs)
// verify every signature with @smithy/signature-v4, against their own clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startBedrock } from './bedrock.mjs';
import { Issuer, startSts, startContainerCredentials } from './aws_credentials.mjs';
import { startGateway, stopCleanly, tempDir, writeConfig, freePort, BIN, PRICE, logsSettle } from './harness.mjs';
import { replyText, sleep } from './util.mjs';

const KEY = 'sk-e2e-aws-robust-1';
const CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const NOVA = 'amazon.nova-pro-v1:0';
const MSG = [{ role: 'user', content: 'Say hello.' }];
const STATIC = { accessKeyId: 'AKIAE2ESTATIC0000001', secretAccessKey: 'e2eStaticSecret/0123456789abcdefghijklmn' };
const STATIC_CONFIG = { access_key_id: STATIC.accessKeyId, secret_access_key: STATIC.secretAccessKey };

// Nothing of the runner's AWS setup may leak in: every chain variable unset, the shared files
// pointed at paths that do not exist unless a test sets them.
const CLEAN_AWS_ENV = Object.fromEntries([
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION',
  'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_ENDPOINT_URL_STS',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_EC2_METADATA_SERVICE_ENDPOINT',
].map((k) => [k, undefined]).concat([
  ['AWS_EC2_METADATA_DISABLED', 'true'],
  ['AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/switchyard-e2e/credentials'],
  ['AWS_CONFIG_FILE', '/nonexistent/switchyard-e2e/config'],
]));

function gatewayConfig(dir, br, providers) {
  const dep = (provider, model) => ({ provider, model, price: PRICE });
  const models = {};
  for (const [name] of Object.entries(providers)) {
    models[`claude-${name}`] = { route: 'priority', deployments: [dep(name, CLAUDE)] };
    models[`nova-${name}`] = { route: 'priority', deployments: [dep(name, NOVA)] };
  }
  return {
    ledger: `sqlite://${dir}/ledger.db`,
    workers: 3,
    providers: Object.fromEntries(Object.entries(providers).map(([name, extra]) =>
      [name, { type: 'bedrock', region: 'us-east-1', base_url: br.baseUrl, ...extra }])),
    models,
    keys: [{ name: 'aws-robust', key: '${E2E_KEY}' }],
  };
}

const clients = (gw) => ({
  anthropic: new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, timeout: 30000 }),
  openai: new OpenAI({ apiKey: KEY, baseURL: gw.baseURL, maxRetries: 0, timeout: 30000 }),
});

function assertNoSecrets(text, secrets) {
  for (const s of secrets) assert.ok(!text.includes(s), `a secret reached the output: ${s.slice(0, 12)}…`);
}

const since = (br, n) => br.requests.slice(n);

for (const [label, offsetMin, refusal] of [['ahead', 15, /^Signature expired: /], ['behind', -20, /^Signature not yet current: /]]) {
  test(`clock skew (AWS ${offsetMin} min ${label}): the first request succeeds after one internal retry, later ones need none`, async () => {
    const dir = tempDir();
    const br = await startBedrock({ name: 'aws', ...STATIC, clockOffsetMs: offsetMin * 60_000 });
    let gw;
    try {
      gw = await startGateway({ dir, env: { ...CLEAN_AWS_ENV, E2E_KEY: KEY }, config: gatewayConfig(dir, br, { 'aws-skew': STATIC_CONFIG }) });
      const { anthropic, openai } = clients(gw);
      const m = await anthropic.messages.create({ model: 'claude-aws-skew', max_tokens: 32, messages: MSG });
      assert.equal(m.content[0].text, replyText('aws', CLAUDE));
      const first = since(br, 0);
      assert.equal(first.length, 2, `one refusal and one retry: ${JSON.stringify(first.map((r) => r.sigError))}`);
      assert.equal(first[0].sigError?.name, 'InvalidSignatureException');
      assert.match(first[0].sigError.message, refusal);
      assert.equal(first[1].sigError, null);

      // Every worker signs with the corrected time from now on: one request each, no refusal.
      for (let i = 0; i < 4; i++) {
        const n = br.requests.length;
        const c = await openai.chat.completions.create({ model: i % 2 ? 'nova-aws-skew' : 'claude-aws-skew', messages: MSG });
        assert.ok(c.choices[0].message.content.length > 0);
        const sent = since(br, n);
        assert.equal(sent.length, 1, `request ${i}: ${JSON.stringify(sent.map((r) => r.sigError))}`);
        assert.equal(sent[0].sigError, null);
      }
      const n = br.requests.length;
      const stream = anthropic.messages.stream({ model: 'claude-aws-skew', max_tokens: 32, messages: MSG });
      assert.equal((await stream.finalMessage()).content[0].text, replyText('aws', CLAUDE));
      assert.equal(since(br, n).length, 1);

      await logsSettle(gw, (logs) => logs.some((l) => l.msg === 'aws_clock_skew'));
      const adopted = gw.logs.filter((l) => l.msg === 'aws_clock_skew');
      assert.equal(adopted.length, 1, 'the offset is logged once');
      assert.match(adopted[0].detail, new RegExp(`AWS's clock is \\d+ s ${offsetMin > 0 ? 'ahead of' : 'behind'} this machine's \\(provider aws-skew: InvalidSignatureException\\)`));
      assertNoSecrets(gw.stderr, [STATIC.secretAccessKey]);
    } finally {
      await stopCleanly(gw);
      await br.close();
    }
  });
}

test('temporary credentials refused before their time: refreshed at once and the request retried; forced refreshes rate-limited', async () => {
  const dir = tempDir();
  const issuer = new Issuer({ lifetimeMs: 3600_000 });  // no scheduled refresh during the test
  const ctr = await startContainerCredentials({ issuer, authToken: () => 'pod-identity-token' });
  const br = await startBedrock({ name: 'aws', credentials: issuer.lookup });
  let gw;
  try {
    gw = await startGateway({
      dir,
      env: { ...CLEAN_AWS_ENV, E2E_KEY: KEY, AWS_CONTAINER_CREDENTIALS_FULL_URI: ctr.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'pod-identity-token' },
      config: gatewayConfig(dir, br, { 'aws-ctr': {} }),
    });
    const { anthropic, openai } = clients(gw);
    assert.equal((await openai.chat.completions.create({ model: 'claude-aws-ctr', messages: MSG })).choices[0].message.content, replyText('aws', CLAUDE));
    assert.equal(issuer.issued.length, 1);
    const c1 = issuer.issued[0];

    // AWS calls the credential expired well before its Expiration (revoked session): one
    // ExpiredTokenException, one forced fetch, one retry with the new credential.
    c1.expiresAt = Date.now() - 1;
    const calls = ctr.calls.length;
    let n = br.requests.length;
    const m = await anthropic.messages.create({ model: 'claude-aws-ctr', max_tokens: 32, messages: MSG });
    assert.equal(m.content[0].text, replyText('aws', CLAUDE));
    const forcedAt = Date.now();
    let sent = since(br, n);
    assert.equal(sent.length, 2, JSON.stringify(sent.map((r) => r.sigError)));
    assert.equal(sent[0].sigError?.name, 'ExpiredTokenException');
    assert.equal(sent[0].accessKeyId, c1.accessKeyId);
    assert.equal(issuer.issued.length, 2);
    const c2 = issuer.issued[1];
    assert.equal(sent[1].sigError, null);
    assert.equal(sent[1].accessKeyId, c2.accessKeyId);
    assert.equal(sent[1].headers['x-amz-security-token'], c2.sessionToken);
    assert.equal(ctr.calls.length, calls + 1, 'exactly one forced fetch');

    // The new one revoked too, at once: AWS no longer knows it ("The security token included in
    // the request is invalid"). A second forced fetch within 10 s is not made: a 502 in the
    // client's dialect, and Bedrock saw that one request only.
    issuer.issued.splice(1, 1);
    n = br.requests.length;
    const oe = await openai.chat.completions.create({ model: 'claude-aws-ctr', messages: MSG }).catch((e) => e);
    assert.ok(oe instanceof OpenAI.APIError, String(oe));
    assert.equal(oe.status, 502);
    assert.match(oe.message, /aws-ctr/);
    sent = since(br, n);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].sigError?.name, 'UnrecognizedClientException');
    assert.equal(ctr.calls.length, calls + 1);

    // After 10 s the same refusal refreshes again, and the retry succeeds.
    await sleep(Math.max(0, forcedAt + 10_500 - Date.now()));
    n = br.requests.length;
    const later = await openai.chat.completions.create({ model: 'nova-aws-ctr', messages: MSG });
    assert.ok(later.choices[0].message.content.length > 0);
    sent = since(br, n);
    assert.equal(sent.length, 2, JSON.stringify(sent.map((r) => r.sigError)));
    assert.equal(sent[0].sigError?.name, 'UnrecognizedClientException');
    assert.equal(sent[1].sigError, null);
    assert.equal(sent[1].accessKeyId, issuer.issued[issuer.issued.length - 1].accessKeyId);
    assert.equal(ctr.calls.length, calls + 2);

    await logsSettle(gw, (logs) => logs.filter((l) => l.msg === 'aws_credentials_rejected').length >= 2);
    const rejected = gw.logs.filter((l) => l.msg === 'aws_credentials_rejected');
    assert.equal(rejected.length, 2, JSON.stringify(rejected));
    assertNoSecrets(gw.stderr + oe.message, [...issuer.secrets(), 'pod-identity-token']);
  } finally {
    await stopCleanly(gw);
    await ctr.close();
    await br.close();
  }
});

test('static keys AWS calls expired: no retry, 502 in each dialect, no secret', async () => {
  const dir = tempDir();
  const token = 'IQoJstaticSessionToken0123456789abcdefXYZ';
  const br = await startBedrock({
    name: 'aws',
    credentials: (akid) => (akid === STATIC.accessKeyId ? { secretAccessKey: STATIC.secretAccessKey, sessionToken: token, expiresAt: Date.now() - 1000 } : undefined),
  });
  let gw;
  try {
    gw = await startGateway({
      dir,
      env: { ...CLEAN_AWS_ENV, E2E_KEY: KEY },
      config: gatewayConfig(dir, br, { 'aws-static': { ...STATIC_CONFIG, session_token: token } }),
    });
    const { anthropic, openai } = clients(gw);
    let n = br.requests.length;
    const ae = await anthropic.messages.create({ model: 'claude-aws-static', max_tokens: 16, messages: MSG }).catch((e) => e);
    assert.ok(ae instanceof Anthropic.APIError, String(ae));
    assert.equal(ae.status, 502);
    assert.equal(ae.error?.error?.type, 'api_error');
    assert.match(JSON.stringify(ae.error), /aws-static/);
    assert.equal(since(br, n).length, 1, 'not retried');
    assert.equal(since(br, n)[0].sigError?.name, 'ExpiredTokenException');

    n = br.requests.length;
    const oe = await openai.chat.completions.create({ model: 'nova-aws-static', messages: MSG }).catch((e) => e);
    assert.ok(oe instanceof OpenAI.APIError, String(oe));
    assert.equal(oe.status, 502);
    assert.equal(oe.type, 'server_error');
    assert.equal(since(br, n).length, 1, 'not retried');
    assertNoSecrets(JSON.stringify(ae.error) + JSON.stringify(oe.error) + gw.stderr, [STATIC.secretAccessKey, token]);
  } finally {
    await stopCleanly(gw);
    await br.close();
  }
});

test('profile: static keys from a credentials file; a missing profile stops serve naming the provider; check validates the key', async () => {
  const dir = tempDir();
  const credsFile = path.join(dir, 'credentials');
  const token = 'IQoJprofileSessionToken9876543210zyxwv';
  fs.writeFileSync(credsFile, [
    '# written by hand',
    '[default]',
    'aws_access_key_id = AKIAE2EDEFAULTPROFIL',
    'aws_secret_access_key = defaultProfileSecret/abcdefghijklmnopqrstuv',
    '',
    '[team]',
    `aws_access_key_id = ${STATIC.accessKeyId}`,
    `aws_secret_access_key = ${STATIC.secretAccessKey}   ; trailing comment`,
    `aws_session_token = ${token}`,
    '',
  ].join('\n'));
  const br = await startBedrock({ name: 'aws', ...STATIC, sessionToken: token });
  const env = {
    ...CLEAN_AWS_ENV, E2E_KEY: KEY, AWS_SHARED_CREDENTIALS_FILE: credsFile,
    // The provider's profile wins over keys in the environment.
    AWS_ACCESS_KEY_ID: 'AKIAE2EENVIRONMENT00', AWS_SECRET_ACCESS_KEY: 'environmentSecret/abcdefghijklmnopqrstuvw',
  };
  let gw;
  try {
    gw = await startGateway({ dir, env, config: gatewayConfig(dir, br, { 'aws-team': { profile: 'team' } }) });
    const { anthropic, openai } = clients(gw);
    assert.equal((await anthropic.messages.create({ model: 'claude-aws-team', max_tokens: 32, messages: MSG })).content[0].text, replyText('aws', CLAUDE));
    assert.ok((await openai.chat.completions.create({ model: 'nova-aws-team', messages: MSG })).choices[0].message.content.length > 0);
    for (const r of br.requests) {
      assert.equal(r.sigError, null);
      assert.equal(r.headers['x-amz-security-token'], token);
    }
    assert.ok(gw.logs.some((l) => l.msg === 'aws_credentials' && /provider aws-team: shared config profile \(profile team, static keys\)/.test(l.detail)));
    assertNoSecrets(gw.stderr, [STATIC.secretAccessKey, token, 'environmentSecret', 'defaultProfileSecret']);
  } finally {
    await stopCleanly(gw);
  }
  try {
    const run = (args, cfg) => spawnSync(BIN, [...args, '--config', writeConfig(dir, cfg, 'other.yaml')],
      { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20000 });
    const port = await freePort();
    const missing = run(['serve', '--listen', `127.0.0.1:${port}`], gatewayConfig(dir, br, { 'aws-missing': { profile: 'nobody' } }));
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, /provider aws-missing \(bedrock, profile nobody\): profile nobody \(.*credentials.*\): no such profile/);
    assertNoSecrets(missing.stderr, [STATIC.secretAccessKey, token]);

    const wrongType = run(['check'], gatewayConfig(dir, br, { 'aws-list': { profile: ['a', 'b'] } }));
    assert.notEqual(wrongType.status, 0);
    assert.match(wrongType.stdout + wrongType.stderr, /other\.yaml:\d+.*providers\.aws-list\.profile/);
    const ok = run(['check'], gatewayConfig(dir, br, { 'aws-elsewhere': { profile: 'only-on-the-server' } }));
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  } finally {
    await br.close();
  }
});

test('profile with role_arn + source_profile: STS AssumeRole signed with the source keys, its credentials sign Bedrock', async () => {
  const dir = tempDir();
  const ROLE = 'arn:aws:iam::123456789012:role/switchyard-ops';
  const base = { accessKeyId: 'AKIAE2EBASEPROFILE01', secretAccessKey: 'baseProfileSecret/0123456789abcdefghijk' };
  const credsFile = path.join(dir, 'credentials');
  const configFile = path.join(dir, 'config');
  fs.writeFileSync(credsFile, `[base]\naws_access_key_id = ${base.accessKeyId}\naws_secret_access_key = ${base.secretAccessKey}\n`);
  fs.writeFileSync(configFile, [
    '[default]', 'region = eu-west-1', '',
    '[profile ops]', `role_arn = ${ROLE}`, 'source_profile = base', 'role_session_name = switchyard-e2e',
    'external_id = e2e-external', 'region = eu-central-1', '',
  ].join('\n'));
  const issuer = new Issuer({ lifetimeMs: 3600_000 });
  const sts = await startSts({ issuer, roleArn: ROLE, assumeRole: { ...base, region: 'eu-central-1', externalId: 'e2e-external' } });
  const br = await startBedrock({ name: 'aws', credentials: issuer.lookup });
  let gw;
  try {
    gw = await startGateway({
      dir,
      env: { ...CLEAN_AWS_ENV, E2E_KEY: KEY, AWS_SHARED_CREDENTIALS_FILE: credsFile, AWS_CONFIG_FILE: configFile, AWS_ENDPOINT_URL_STS: sts.origin },
      config: gatewayConfig(dir, br, { 'aws-ops': { profile: 'ops' } }),
    });
    assert.equal(sts.calls.length, 1);
    const call = sts.calls[0];
    assert.equal(call.sigError, undefined, JSON.stringify(call.sigError));
    assert.equal(call.params.Action, 'AssumeRole');
    assert.equal(call.params.RoleSessionName, 'switchyard-e2e');
    assert.match(call.authorization, new RegExp(`Credential=${base.accessKeyId}/\\d{8}/eu-central-1/sts/aws4_request`));
    const { anthropic, openai } = clients(gw);
    assert.equal((await openai.chat.completions.create({ model: 'claude-aws-ops', messages: MSG })).choices[0].message.content, replyText('aws', CLAUDE));
    assert.ok((await anthropic.messages.create({ model: 'nova-aws-ops', max_tokens: 32, messages: MSG })).content[0].text.length > 0);
    for (const r of br.requests) {
      assert.equal(r.sigError, null);
      assert.equal(r.accessKeyId, issuer.issued[0].accessKeyId);
      assert.equal(r.headers['x-amz-security-token'], issuer.issued[0].sessionToken);
    }
    assertNoSecrets(gw.stderr, [...issuer.secrets(), base.secretAccessKey]);
  } finally {
    await stopCleanly(gw);
    await sts.close();
    await br.close();
  }
});
