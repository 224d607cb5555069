// Vertex providers without credentials_file use Google's Application Default Credentials: the
// GCE/GKE metadata server, gcloud's authorized_user refresh token (its well-known file), and
// workload identity federation (external_account: subject token file -> STS -> impersonation)
// named by GOOGLE_APPLICATION_CREDENTIALS. The Vertex emulator accepts only bearer tokens the
// credential emulator (gcp_credentials.mjs) issued, of the kind each test expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startVertex } from './vertex.mjs';
import { GoogleTokens, startGoogleAuth } from './gcp_credentials.mjs';
import { startGateway, stopCleanly, tempDir, writeConfig, BIN, PRICE, SA_KEY_FILE } from './harness.mjs';
import { replyText, sleep } from './util.mjs';

const KEY = 'sk-e2e-gcp-adc-1';
const CLAUDE = 'claude-sonnet-4@20250514';
const MSG = [{ role: 'user', content: 'Say hello.' }];
const PROJECT = 'e2e-project';
const REGION = 'us-east5';
const AUDIENCE = '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gke/providers/k8s';
const USER = { clientId: '764086051850-e2e.apps.googleusercontent.com', clientSecret: 'd-FL95Q19q7MQmFpd7hHD0Ty', refreshToken: '1//0e2e-refresh-token-never-in-logs' };

// Every variable of the ADC chain unset, so the runner's own environment cannot leak in; HOME is
// set per test to a directory of its own.
const CLEAN_GCP_ENV = { GOOGLE_APPLICATION_CREDENTIALS: undefined, CLOUDSDK_CONFIG: undefined, GCE_METADATA_HOST: undefined };

function gatewayConfig(dir, vx, providers, extraModels = {}) {
  const dep = (provider) => ({ provider, model: CLAUDE, price: PRICE });
  const vertex = (extra = {}) => ({ type: 'vertex', project: PROJECT, region: REGION, base_url: vx.baseUrl, ...extra });
  return {
    ledger: `sqlite://${dir}/ledger.db`,
    workers: 3,
    providers: Object.fromEntries(providers.map((p) => [p.name, vertex(p.extra)])),
    models: {
      ...Object.fromEntries(providers.map((p) => [`claude-${p.name}`, { route: 'priority', deployments: [dep(p.name)] }])),
      ...Object.fromEntries(Object.entries(extraModels).map(([m, names]) => [m, { route: 'priority', deployments: names.map(dep) }])),
    },
    keys: [{ name: 'gcp-adc', key: '${E2E_KEY}' }],
  };
}

const clients = (gw) => ({
  anthropic: new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, timeout: 30000 }),
  openai: new OpenAI({ apiKey: KEY, baseURL: gw.baseURL, maxRetries: 0, timeout: 30000 }),
});

function assertNoSecrets(text, secrets) {
  for (const s of secrets) assert.ok(!text.includes(s), `a secret reached the output: ${s.slice(0, 12)}…`);
}

const lastBearer = (vx) => vx.requests[vx.requests.length - 1].bearer;

async function startAll({ lifetimeS = 3600, kinds, user, sts } = {}) {
  const tokens = new GoogleTokens({ lifetimeS });
  const auth = await startGoogleAuth({ tokens, user, sts });
  const vx = await startVertex({ name: 'gcp', keyFile: SA_KEY_FILE, project: PROJECT, region: REGION, acceptToken: (t) => tokens.accepts(t, kinds) });
  return { tokens, auth, vx, async close() { await vx.close(); await auth.close(); } };
}

test('metadata server: both SDKs, one token for every worker and provider, refreshed at expiry, a 401 retried once', async () => {
  const dir = tempDir();
  const home = path.join(dir, 'home');
  const { tokens, auth, vx, close } = await startAll({ lifetimeS: 4, kinds: ['metadata'] });
  let gw;
  try {
    gw = await startGateway({
      dir,
      env: { ...CLEAN_GCP_ENV, HOME: home, E2E_KEY: KEY, GCE_METADATA_HOST: auth.metadataHost },
      config: gatewayConfig(dir, vx, [{ name: 'gke-a' }, { name: 'gke-b' }]),
    });
    const events = gw.logs.filter((l) => l.msg === 'gcp_credentials');
    for (const p of ['gke-a', 'gke-b']) {
      assert.ok(events.some((l) => l.detail === `provider ${p}: GCE metadata server http://${auth.metadataHost}/computeMetadata/v1/instance/service-accounts/default/token`),
        `start-up names the source: ${JSON.stringify(events)}`);
    }
    const { anthropic, openai } = clients(gw);
    const text = replyText('gcp', CLAUDE);

    // Several requests, through three workers and two providers: one token call.
    const m = await anthropic.messages.create({ model: 'claude-gke-a', max_tokens: 32, messages: MSG });
    assert.equal(m.content[0].text, text);
    const s = await anthropic.messages.stream({ model: 'claude-gke-b', max_tokens: 32, messages: MSG }).finalMessage();
    assert.equal(s.content[0].text, text);
    const all = await Promise.all([1, 2, 3, 4].map((i) => openai.chat.completions.create({ model: i % 2 ? 'claude-gke-a' : 'claude-gke-b', messages: MSG })));
    for (const c of all) assert.equal(c.choices[0].message.content, text);
    assert.equal(auth.ok('metadata').length, 1, `token calls: ${JSON.stringify(auth.calls.map((c) => c.kind))}`);
    assert.equal(auth.calls[0].headers['metadata-flavor'], 'Google');
    const first = tokens.issued[0];
    assert.equal(lastBearer(vx), first.token);

    // Expiry: the token lives 4 s (refresh due at half of it); past its end requests carry a new one.
    while (Date.now() < first.expiresAt + 100) await sleep(50);
    const after = await openai.chat.completions.create({ model: 'claude-gke-a', messages: MSG });
    assert.equal(after.choices[0].message.content, text);
    assert.equal(auth.ok('metadata').length, 2);
    assert.equal(lastBearer(vx), tokens.issued[1].token);

    // Revoked early: Vertex answers 401, the gateway gets a new token and retries once.
    const seen = vx.requests.length;
    tokens.revokeAll();
    const r = await anthropic.messages.create({ model: 'claude-gke-b', max_tokens: 32, messages: MSG });
    assert.equal(r.content[0].text, text);
    const tried = vx.requests.slice(seen);
    assert.deepEqual(tried.map((q) => q.authOk), [false, true], 'one refused call and one retry');
    assert.equal(auth.ok('metadata').length, 3, 'exactly one new token');
  } finally {
    await stopCleanly(gw);
    await close();
  }
  assertNoSecrets(gw.stderr, tokens.secrets());
});

test('authorized_user from gcloud\'s well-known file: refresh-token grant, before the metadata server', async () => {
  const dir = tempDir();
  const home = path.join(dir, 'home');
  const { tokens, auth, vx, close } = await startAll({ kinds: ['user'], user: USER });
  const adcFile = path.join(home, '.config', 'gcloud', 'application_default_credentials.json');
  fs.mkdirSync(path.dirname(adcFile), { recursive: true });
  fs.writeFileSync(adcFile, JSON.stringify({
    type: 'authorized_user', client_id: USER.clientId, client_secret: USER.clientSecret, refresh_token: USER.refreshToken,
    token_uri: `${auth.origin}/token`, quota_project_id: PROJECT,
  }));
  let gw;
  try {
    gw = await startGateway({
      dir,
      env: { ...CLEAN_GCP_ENV, HOME: home, E2E_KEY: KEY, GCE_METADATA_HOST: auth.metadataHost },
      config: gatewayConfig(dir, vx, [{ name: 'dev' }]),
    });
    assert.ok(gw.logs.some((l) => l.msg === 'gcp_credentials' && l.detail === `provider dev: authorized_user refresh token (gcloud application default credentials ${adcFile})`),
      JSON.stringify(gw.logs.filter((l) => /gcp/.test(l.msg))));
    const { anthropic, openai } = clients(gw);
    const c = await openai.chat.completions.create({ model: 'claude-dev', messages: MSG });
    assert.equal(c.choices[0].message.content, replyText('gcp', CLAUDE));
    const m = await anthropic.messages.create({ model: 'claude-dev', max_tokens: 32, messages: MSG });
    assert.equal(m.content[0].text, replyText('gcp', CLAUDE));
    assert.deepEqual(auth.calls.map((k) => k.kind), ['refresh_token'], 'one refresh, and the metadata server not asked');
    assert.deepEqual(auth.calls[0].form, { grant_type: 'refresh_token', client_id: USER.clientId, client_secret: USER.clientSecret, refresh_token: USER.refreshToken });
    assert.equal(lastBearer(vx), tokens.issued[0].token);
    // The file's quota_project_id bills the user's quota project: Vertex refuses user
    // credentials without x-goog-user-project.
    const served = vx.requests.filter((q) => q.authOk);
    assert.ok(served.length >= 2);
    assert.deepEqual([...new Set(served.map((q) => q.headers['x-goog-user-project']))], [PROJECT]);
  } finally {
    await stopCleanly(gw);
    await close();
  }
  assertNoSecrets(gw.stderr, [...tokens.secrets(), USER.refreshToken, USER.clientSecret]);
});

test('external_account from GOOGLE_APPLICATION_CREDENTIALS: subject token file -> STS (-> impersonation)', async () => {
  const dir = tempDir();
  const tokenFile = path.join(dir, 'k8s-token');
  fs.writeFileSync(tokenFile, 'eyJ.k8s-subject-token.one\n');
  const sts = { audience: AUDIENCE, subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt', subjectToken: () => fs.readFileSync(tokenFile, 'utf8').trim() };

  // Federated token used as it is (direct resource access), subject token as text.
  {
    const { tokens, auth, vx, close } = await startAll({ kinds: ['federated'], sts });
    const credFile = path.join(dir, 'wif-direct.json');
    fs.writeFileSync(credFile, JSON.stringify({
      type: 'external_account', audience: AUDIENCE, subject_token_type: sts.subjectTokenType,
      token_url: `${auth.origin}/v1/token`, credential_source: { file: tokenFile, format: { type: 'text' } },
    }));
    let gw;
    try {
      gw = await startGateway({ dir, env: { ...CLEAN_GCP_ENV, HOME: dir, E2E_KEY: KEY, GOOGLE_APPLICATION_CREDENTIALS: credFile }, config: gatewayConfig(dir, vx, [{ name: 'wif' }]) });
      assert.ok(gw.logs.some((l) => l.msg === 'gcp_credentials' && l.detail.includes('external_account') && l.detail.includes(`GOOGLE_APPLICATION_CREDENTIALS file ${credFile}`)));
      const { anthropic } = clients(gw);
      const m = await anthropic.messages.create({ model: 'claude-wif', max_tokens: 32, messages: MSG });
      assert.equal(m.content[0].text, replyText('gcp', CLAUDE));
      assert.deepEqual(auth.calls.map((k) => `${k.kind}:${k.ok}`), ['sts:true']);
      assert.deepEqual(auth.calls[0].form, {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', audience: AUDIENCE,
        scope: 'https://www.googleapis.com/auth/cloud-platform', requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        subject_token: 'eyJ.k8s-subject-token.one', subject_token_type: sts.subjectTokenType,
      });
      assert.equal(lastBearer(vx), tokens.issued[0].token);
    } finally {
      await stopCleanly(gw);
      await close();
    }
    assertNoSecrets(gw.stderr, [...tokens.secrets(), 'k8s-subject-token']);
  }

  // With impersonation (Vertex takes only the service account's token), subject token as JSON;
  // the file is re-read for the next exchange (the kubelet rotates it).
  {
    fs.writeFileSync(tokenFile, JSON.stringify({ id_token: 'eyJ.k8s-subject-token.two' }));
    const jsonSts = { ...sts, subjectToken: () => JSON.parse(fs.readFileSync(tokenFile, 'utf8')).id_token };
    const { tokens, auth, vx, close } = await startAll({ kinds: ['impersonated'], sts: jsonSts, lifetimeS: 3 });
    const credFile = path.join(dir, 'wif-impersonate.json');
    fs.writeFileSync(credFile, JSON.stringify({
      type: 'external_account', audience: AUDIENCE, subject_token_type: sts.subjectTokenType,
      token_url: `${auth.origin}/v1/token`, service_account_impersonation_url: auth.impersonationUrl,
      credential_source: { file: tokenFile, format: { type: 'json', subject_token_field_name: 'id_token' } },
    }));
    let gw;
    try {
      gw = await startGateway({ dir, env: { ...CLEAN_GCP_ENV, HOME: dir, E2E_KEY: KEY, GOOGLE_APPLICATION_CREDENTIALS: credFile }, config: gatewayConfig(dir, vx, [{ name: 'wif' }]) });
      assert.ok(gw.logs.some((l) => l.msg === 'gcp_credentials' && l.detail.includes(`impersonating through ${auth.impersonationUrl}`)));
      const { openai } = clients(gw);
      const c = await openai.chat.completions.create({ model: 'claude-wif', messages: MSG });
      assert.equal(c.choices[0].message.content, replyText('gcp', CLAUDE));
      assert.deepEqual(auth.calls.map((k) => `${k.kind}:${k.ok}`), ['sts:true', 'impersonation:true']);
      assert.equal(auth.calls[1].headers.authorization, `Bearer ${auth.calls[0].issued}`);
      assert.deepEqual(auth.calls[1].body, { scope: ['https://www.googleapis.com/auth/cloud-platform'] });
      assert.equal(lastBearer(vx), auth.calls[1].issued);

      fs.writeFileSync(tokenFile, JSON.stringify({ id_token: 'eyJ.k8s-subject-token.three' }));
      const firstEnd = tokens.issued[1].expiresAt;
      while (Date.now() < firstEnd + 100) await sleep(50);
      const again = await openai.chat.completions.create({ model: 'claude-wif', messages: MSG });
      assert.equal(again.choices[0].message.content, replyText('gcp', CLAUDE));
      assert.deepEqual(auth.calls.map((k) => `${k.kind}:${k.ok}`), ['sts:true', 'impersonation:true', 'sts:true', 'impersonation:true']);
      assert.equal(auth.calls[2].form.subject_token, 'eyJ.k8s-subject-token.three');
      assert.equal(lastBearer(vx), auth.calls[3].issued);
    } finally {
      await stopCleanly(gw);
      await close();
    }
    assertNoSecrets(gw.stderr, [...tokens.secrets(), 'k8s-subject-token']);
  }
});

test('token source down: 502 in each client\'s dialect naming provider and source, no secret; failover to a keyed provider', async () => {
  const dir = tempDir();
  const { tokens, auth, vx, close } = await startAll({ kinds: ['metadata'] });
  const keyFile = vx.writeKeyFile(dir); // the Vertex emulator's own token endpoint
  let gw;
  try {
    gw = await startGateway({
      dir,
      env: { ...CLEAN_GCP_ENV, HOME: dir, E2E_KEY: KEY, GCE_METADATA_HOST: auth.metadataHost },
      config: gatewayConfig(dir, vx, [{ name: 'gce' }, { name: 'keyed', extra: { credentials_file: keyFile } }], { 'claude-ha': ['gce', 'keyed'] }),
    });
    assert.ok(!gw.logs.some((l) => l.msg === 'gcp_credentials' && /provider keyed/.test(l.detail)), 'a provider with credentials_file is not looked up');
    const { anthropic, openai } = clients(gw);
    assert.equal((await openai.chat.completions.create({ model: 'claude-gce', messages: MSG })).choices[0].message.content, replyText('gcp', CLAUDE));
    tokens.revokeAll();
    auth.down = true;
    const sent = vx.requests.length;

    const ae = await anthropic.messages.create({ model: 'claude-gce', max_tokens: 16, messages: MSG }).catch((e) => e);
    assert.ok(ae instanceof Anthropic.APIError, String(ae));
    assert.equal(ae.status, 502);
    assert.equal(ae.error.type, 'error');
    const amsg = ae.error.error.message;
    assert.match(amsg, /provider gce/);
    assert.match(amsg, /could not obtain a Google access token from GCE metadata server/);
    assert.match(amsg, /HTTP 503/);
    const oe = await openai.chat.completions.create({ model: 'claude-gce', messages: MSG }).catch((e) => e);
    assert.ok(oe instanceof OpenAI.APIError, String(oe));
    assert.equal(oe.status, 502);
    assert.match(oe.message, /provider gce: could not obtain a Google access token from GCE metadata server/);
    // The revoked token went out once (401, then no token for the retry); nothing afterwards.
    assert.ok(vx.requests.slice(sent).every((r) => !r.authOk));
    assertNoSecrets(amsg + oe.message, tokens.secrets());

    // A model whose first deployment cannot get a token fails over to the next.
    const ha = await anthropic.messages.create({ model: 'claude-ha', max_tokens: 16, messages: MSG });
    assert.equal(ha.content[0].text, replyText('gcp', CLAUDE));
    assert.ok(vx.tokenRequests.some((r) => r.ok), 'served with the key file\'s token');

    // It comes back: the next request gets a token again.
    auth.down = false;
    const back = await openai.chat.completions.create({ model: 'claude-gce', messages: MSG });
    assert.equal(back.choices[0].message.content, replyText('gcp', CLAUDE));
  } finally {
    await stopCleanly(gw);
    await close();
  }
  assertNoSecrets(gw.stderr, tokens.secrets());
});

test('check accepts a keyless vertex provider without reading the environment; serve names a bad ADC file', async () => {
  const dir = tempDir();
  const { vx, close } = await startAll({ kinds: [] });
  try {
    const file = writeConfig(dir, gatewayConfig(dir, vx, [{ name: 'adc' }]));
    const env = { ...process.env, ...CLEAN_GCP_ENV, E2E_KEY: KEY, HOME: dir, GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'missing.json') };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const check = spawnSync(BIN, ['check', '--config', file], { env, encoding: 'utf8', timeout: 20000 });
    assert.equal(check.status, 0, check.stderr + check.stdout);
    assert.doesNotMatch(check.stderr + check.stdout, /credentials/);

    const gw = await startGateway({ dir, env: { ...CLEAN_GCP_ENV, E2E_KEY: KEY, HOME: dir, GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'missing.json') }, config: gatewayConfig(dir, vx, [{ name: 'adc' }]) });
    try {
      assert.ok(gw.logs.some((l) => l.msg === 'gcp_credentials_unusable' && l.detail.includes(`provider adc: GOOGLE_APPLICATION_CREDENTIALS file ${path.join(dir, 'missing.json')}: cannot be opened`)),
        JSON.stringify(gw.logs.filter((l) => /gcp/.test(l.msg))));
      const { anthropic } = clients(gw);
      const e = await anthropic.messages.create({ model: 'claude-adc', max_tokens: 16, messages: MSG }).catch((x) => x);
      assert.equal(e.status, 502);
      // The file's path is the operator's (in the log above), not the client's (audit F5).
      assert.match(e.error.error.message, /GOOGLE_APPLICATION_CREDENTIALS file \[path withheld\]: cannot be opened/);
      assert.ok(!e.error.error.message.includes(dir), e.error.error.message);
      assert.equal(vx.requests.length, 0, 'nothing sent without a token');
    } finally {
      await stopCleanly(gw);
    }
  } finally {
    await close();
  }
});
