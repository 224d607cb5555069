// Azure OpenAI providers without api_key authenticate with Microsoft Entra ID, as the Azure SDKs'
// DefaultAzureCredential does: a service principal (client secret), workload identity (a
// federated token file) or managed identity (instance metadata, App Service). The Azure OpenAI
// emulator accepts only bearer tokens the Entra emulators issued and refuses api-key (azure.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { EntraIssuer, startEntra, startManagedIdentity, startAzureOpenAI, SCOPE, RESOURCE, CONTENT_FILTER_ERROR } from './azure.mjs';
import { startGateway, stopCleanly, tempDir, writeConfig, freePort, call, BIN, PRICE } from './harness.mjs';
import { replyText, sleep } from './util.mjs';

const KEY = 'sk-e2e-azure-entra-1';
const MSG = [{ role: 'user', content: 'Say hello.' }];
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SECRET = 'sp-secret-value-0123456789';
const FED_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.federated-signature-1';

// Every variable of the chain unset, so the runner's own environment cannot leak in.
const CLEAN_AZURE_ENV = Object.fromEntries([
  'AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_AUTHORITY_HOST', 'AZURE_FEDERATED_TOKEN_FILE',
  'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IMDS_ENDPOINT', 'AZURE_POD_IDENTITY_AUTHORITY_HOST',
].map((k) => [k, undefined]));

const azureProvider = (az, extra = {}) => ({ type: 'azure_openai', base_url: az.origin, api_version: '2024-10-21', ...extra });

function gatewayConfig(dir, providers, models) {
  return {
    ledger: `sqlite://${dir}/ledger.db`,
    workers: 3,
    providers,
    models: Object.fromEntries(Object.entries(models).map(([name, deps]) => [name, {
      route: 'priority', deployments: deps.map(([provider, model]) => ({ provider, model, price: PRICE })),
    }])),
    keys: [{ name: 'azure-entra', key: '${E2E_KEY}' }],
  };
}

const openai = (gw) => new OpenAI({ apiKey: KEY, baseURL: gw.baseURL, maxRetries: 0, timeout: 30000 });

async function chat(gw, model, stream = false) {
  if (!stream) {
    const { data, response } = await openai(gw).chat.completions.create({ model, messages: MSG }).withResponse();
    return { text: data.choices[0].message.content, provider: response.headers.get('x-switchyard-provider') };
  }
  const s = await openai(gw).chat.completions.create({ model, messages: MSG, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage = null;
  for await (const c of s) {
    text += c.choices[0]?.delta?.content ?? '';
    usage = c.usage ?? usage;
  }
  return { text, usage };
}

function assertNoSecrets(text, secrets) {
  for (const s of secrets) assert.ok(!text.includes(s), `a secret leaked: ${s.slice(0, 12)}…`);
}

// The last request Azure answered 200 carried one of the issuer's tokens, and no api-key.
function lastServed(az) {
  const ok = az.requests.filter((r) => r.status === 200);
  const r = ok[ok.length - 1];
  assert.ok(r, 'Azure served a request');
  assert.equal(r.headers['api-key'], undefined);
  assert.match(r.headers.authorization, /^Bearer eyJ/);
  return r;
}

test('client secret: a token is obtained, used, cached across requests and workers, refreshed after a 401', async () => {
  const issuer = new EntraIssuer();
  const entra = await startEntra({ issuer, apps: { 'app-1': SECRET } });
  const az = await startAzureOpenAI({ issuer });
  const dir = tempDir();
  const gw = await startGateway({
    dir,
    config: gatewayConfig(dir, {
      'az-sp': azureProvider(az, { tenant_id: TENANT, client_id: 'app-1', client_secret: '${AZ_SECRET}', authority_host: entra.origin }),
    }, { gpt: [['az-sp', 'gpt-4o']] }),
    env: { ...CLEAN_AZURE_ENV, E2E_KEY: KEY, AZ_SECRET: SECRET },
  });
  try {
    for (let i = 0; i < 6; i++) {
      const r = await chat(gw, 'gpt', i % 2 === 1);
      assert.equal(r.text, replyText('azure', 'gpt-4o'));
    }
    // One exchange for the process (at start-up), whatever worker served each request.
    assert.equal(entra.calls.length, 1, JSON.stringify(entra.calls.map((c) => c.kind)));
    const c = entra.calls[0];
    assert.equal(c.tenant, TENANT);
    assert.equal(c.kind, 'client_secret');
    assert.deepEqual(Object.keys(c.form).sort(), ['client_id', 'client_secret', 'grant_type', 'scope']);
    assert.equal(c.form.scope, SCOPE);
    const first = lastServed(az).token;
    assert.ok(az.requests.every((r) => r.token === undefined || r.token === first));

    // The token is revoked upstream: Azure answers 401, the gateway drops it, gets a new one and
    // retries once, invisibly to the client.
    issuer.revokeAll();
    const before = az.requests.length;
    const r = await chat(gw, 'gpt');
    assert.equal(r.text, replyText('azure', 'gpt-4o'));
    assert.deepEqual(az.requests.slice(before).map((q) => q.status), [401, 200]);
    assert.equal(entra.calls.length, 2);
    assert.notEqual(lastServed(az).token, first);
    await chat(gw, 'gpt', true);
    assert.equal(entra.calls.length, 2, 'the new token is cached too');

    assertNoSecrets(gw.stderr, [SECRET, first]);
    assert.ok(gw.logs.some((l) => l.msg === 'azure_credentials' && /client secret/.test(l.detail)));
  } finally {
    await stopCleanly(gw);
    await az.close();
    await entra.close();
  }
});

// Audit (vertex_azure.md F4): Azure's content-filter 400 reached OpenAI clients with code null
// and without its innererror, so a filtered prompt looked like any other 400.
test('content filter: OpenAI clients get code content_filter and innererror as Azure sent them', async () => {
  const issuer = new EntraIssuer();
  const entra = await startEntra({ issuer, apps: { 'app-1': SECRET } });
  const az = await startAzureOpenAI({ issuer });
  const dir = tempDir();
  const gw = await startGateway({
    dir,
    config: gatewayConfig(dir, {
      'az-sp': azureProvider(az, { tenant_id: TENANT, client_id: 'app-1', client_secret: '${AZ_SECRET}', authority_host: entra.origin }),
    }, { 'gpt-cf': [['az-sp', 'gpt-content-filter']] }),
    env: { ...CLEAN_AZURE_ENV, E2E_KEY: KEY, AZ_SECRET: SECRET },
  });
  try {
    for (const stream of [false, true]) {
      const err = await openai(gw).chat.completions.create({ model: 'gpt-cf', messages: MSG, stream }).catch((e) => e);
      assert.ok(err instanceof OpenAI.BadRequestError, `stream ${stream}: ${err}`);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'content_filter');
      assert.equal(err.param, 'prompt');
      assert.equal(err.error.message, CONTENT_FILTER_ERROR.message);
      assert.deepEqual(err.error.innererror, CONTENT_FILTER_ERROR.innererror);
    }
    // Anthropic clients: a plain invalid_request_error with Azure's explanation.
    const r = await call(gw, '/v1/messages', { key: KEY, body: { model: 'gpt-cf', max_tokens: 10, messages: MSG } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json?.type, 'error');
    assert.equal(r.json?.error?.type, 'invalid_request_error');
    assert.equal(r.json?.error?.message, CONTENT_FILTER_ERROR.message);
  } finally {
    await stopCleanly(gw);
    await az.close();
    await entra.close();
  }
});

test('an expired token is refreshed before it is sent', async () => {
  const issuer = new EntraIssuer();
  // Three-second tokens: refreshed once half their life has passed.
  const entra = await startEntra({ issuer, apps: { 'app-short': SECRET }, lifetimeS: () => 3 });
  const az = await startAzureOpenAI({ issuer });
  const dir = tempDir();
  const gw = await startGateway({
    dir,
    config: gatewayConfig(dir, {
      'az-short': azureProvider(az, { tenant_id: TENANT, client_id: 'app-short', client_secret: SECRET, authority_host: entra.origin }),
    }, { gpt: [['az-short', 'gpt-4o']] }),
    env: { ...CLEAN_AZURE_ENV, E2E_KEY: KEY },
  });
  try {
    await chat(gw, 'gpt');
    const first = lastServed(az).token;
    await sleep(3200); // the start-up token has expired: Azure would refuse it
    const before = az.requests.length;
    assert.equal((await chat(gw, 'gpt')).text, replyText('azure', 'gpt-4o'));
    assert.deepEqual(az.requests.slice(before).map((q) => q.status), [200], 'no expired token was sent');
    assert.notEqual(lastServed(az).token, first);
    assert.equal(entra.calls.length, 2);
  } finally {
    await stopCleanly(gw);
    await az.close();
    await entra.close();
  }
});

test('workload identity: the federated token file is read for every exchange', async () => {
  const issuer = new EntraIssuer();
  const dir = tempDir();
  const tokenFile = path.join(dir, 'azure-identity-token');
  fs.writeFileSync(tokenFile, `${FED_TOKEN}\n`);
  const entra = await startEntra({ issuer, federated: { 'app-wi': tokenFile } });
  const az = await startAzureOpenAI({ issuer });
  const gw = await startGateway({
    dir,
    config: gatewayConfig(dir, { 'az-wi': azureProvider(az) }, { gpt: [['az-wi', 'gpt-4o']] }),
    env: {
      ...CLEAN_AZURE_ENV, E2E_KEY: KEY,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_CLIENT_ID: 'app-wi', AZURE_TENANT_ID: TENANT, AZURE_AUTHORITY_HOST: `${entra.origin}/`,
    },
  });
  try {
    assert.equal((await chat(gw, 'gpt')).text, replyText('azure', 'gpt-4o'));
    assert.equal(entra.calls.length, 1);
    assert.equal(entra.calls[0].kind, 'client_assertion');
    assert.equal(entra.calls[0].form.client_assertion, FED_TOKEN);
    assert.equal(entra.calls[0].form.scope, SCOPE);

    // The kubelet rotates the file; the next exchange (after a 401 here) sends the new content.
    const rotated = FED_TOKEN.replace('signature-1', 'signature-2');
    fs.writeFileSync(tokenFile, rotated);
    issuer.revokeAll();
    assert.equal((await chat(gw, 'gpt', true)).text, replyText('azure', 'gpt-4o'));
    assert.equal(entra.calls.length, 2);
    assert.equal(entra.calls[1].form.client_assertion, rotated);
    assertNoSecrets(gw.stderr, [FED_TOKEN, rotated]);
  } finally {
    await stopCleanly(gw);
    await az.close();
    await entra.close();
  }
});

test('managed identity: instance metadata (user-assigned) and App Service', async () => {
  const issuer = new EntraIssuer();
  const mi = await startManagedIdentity({ issuer, identityHeader: 'app-service-header-secret' });
  const az = await startAzureOpenAI({ issuer });
  try {
    for (const [kind, env, path_] of [
      ['imds', { AZURE_POD_IDENTITY_AUTHORITY_HOST: mi.origin, AZURE_CLIENT_ID: 'mi-user-1' }, '/metadata/identity/oauth2/token'],
      ['app service', { IDENTITY_ENDPOINT: `${mi.origin}/msi/token`, IDENTITY_HEADER: 'app-service-header-secret' }, '/msi/token'],
    ]) {
      const dir = tempDir();
      const callsBefore = mi.calls.length;
      const gw = await startGateway({
        dir,
        config: gatewayConfig(dir, { 'az-mi': azureProvider(az) }, { gpt: [['az-mi', 'gpt-4o']] }),
        env: { ...CLEAN_AZURE_ENV, E2E_KEY: KEY, ...env },
      });
      try {
        assert.equal((await chat(gw, 'gpt')).text, replyText('azure', 'gpt-4o'), kind);
        assert.equal((await chat(gw, 'gpt', true)).text, replyText('azure', 'gpt-4o'), kind);
        const calls = mi.calls.slice(callsBefore);
        assert.equal(calls.length, 1, `${kind}: one token for the process`);
        assert.equal(calls[0].path, path_);
        assert.equal(calls[0].query.resource, RESOURCE);
        if (kind === 'imds') {
          assert.equal(calls[0].headers.metadata, 'true');
          assert.equal(calls[0].query['api-version'], '2018-02-01');
          assert.equal(calls[0].query.client_id, 'mi-user-1');
        } else {
          assert.equal(calls[0].query['api-version'], '2019-08-01');
          assertNoSecrets(gw.stderr, ['app-service-header-secret']);
        }
        assert.match(lastServed(az).token, /^eyJ/);
      } finally {
        await stopCleanly(gw);
      }
    }
  } finally {
    await az.close();
    await mi.close();
  }
});

test('token endpoint down: a 502 in the OpenAI shape naming the provider, and failover to the next deployment', async () => {
  const issuer = new EntraIssuer();
  const entra = await startEntra({ issuer, apps: { 'app-1': SECRET } });
  const az = await startAzureOpenAI({ issuer });
  const closed = await freePort();
  const dir = tempDir();
  const gw = await startGateway({
    dir,
    config: gatewayConfig(dir, {
      'az-down': azureProvider(az, { tenant_id: TENANT, client_id: 'app-1', client_secret: SECRET, authority_host: `http://127.0.0.1:${closed}` }),
      'az-up': azureProvider(az, { tenant_id: TENANT, client_id: 'app-1', client_secret: SECRET, authority_host: entra.origin }),
    }, { gpt: [['az-down', 'gpt-down'], ['az-up', 'gpt-4o']], lonely: [['az-down', 'gpt-down']] }),
    env: { ...CLEAN_AZURE_ENV, E2E_KEY: KEY },
  });
  try {
    // Failover: the first deployment cannot get a token, the second serves.
    const r = await chat(gw, 'gpt');
    assert.equal(r.provider, 'az-up');
    assert.equal(r.text, replyText('azure', 'gpt-4o'));
    assert.ok(az.requests.every((q) => !q.path.includes('gpt-down')), 'nothing was sent without a token');

    // Alone, it is a 502 that says why, in OpenAI's error shape, through the SDK too.
    const raw = await call(gw, '/v1/chat/completions', { key: KEY, body: { model: 'lonely', messages: MSG } });
    assert.equal(raw.status, 502, raw.text);
    assert.equal(typeof raw.json.error.message, 'string');
    assert.ok('type' in raw.json.error && 'code' in raw.json.error, raw.text);
    assert.match(raw.json.error.message, /az-down/);
    assert.match(raw.json.error.message, /Microsoft Entra ID token/);
    assertNoSecrets(raw.text, [SECRET]);
    await assert.rejects(openai(gw).chat.completions.create({ model: 'lonely', messages: MSG }), (e) => {
      assert.equal(e.status, 502);
      assert.match(e.message, /az-down/);
      return true;
    });
    assertNoSecrets(gw.stderr, [SECRET]);
    assert.ok(gw.logs.some((l) => l.msg === 'azure_credentials_unavailable'), 'the start-up failure is logged');
  } finally {
    await stopCleanly(gw);
    await az.close();
    await entra.close();
  }
});

test('serve refuses to start without any source, naming the provider; check reports incomplete keys with their line', async () => {
  const dir = tempDir();
  const az = await startAzureOpenAI({ issuer: new EntraIssuer() });
  try {
    const file = writeConfig(dir, gatewayConfig(dir, { 'az-none': azureProvider(az) }, { gpt: [['az-none', 'gpt-4o']] }));
    const port = await freePort();
    const closed = await freePort();
    const run = (args, env) => spawnSync(BIN, args, { env: { ...process.env, ...CLEAN_AZURE_ENV, E2E_KEY: KEY, ...env }, encoding: 'utf8', timeout: 20000 });

    // No keys, nothing in the environment, and no instance metadata answering (not on Azure).
    const t0 = Date.now();
    const none = run(['serve', '--config', file, '--listen', `127.0.0.1:${port}`], { AZURE_POD_IDENTITY_AUTHORITY_HOST: `http://127.0.0.1:${closed}` });
    assert.equal(none.status, 1, none.stderr);
    assert.match(none.stderr, /provider az-none/);
    assert.match(none.stderr, /no Microsoft Entra ID credentials found/);
    assert.ok(Date.now() - t0 < 10000, 'no long wait off Azure');

    // Half a workload identity is a mistake, not a reason to try the next source.
    const half = run(['serve', '--config', file, '--listen', `127.0.0.1:${port}`], { AZURE_FEDERATED_TOKEN_FILE: '/nonexistent/token' });
    assert.equal(half.status, 1, half.stderr);
    assert.match(half.stderr, /provider az-none/);
    assert.match(half.stderr, /AZURE_FEDERATED_TOKEN_FILE is set but AZURE_CLIENT_ID and AZURE_TENANT_ID not/);

    // check looks at the config, not at the environment a later serve will have.
    assert.equal(run(['check', '--config', file], {}).status, 0);

    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, [
      'providers:',
      '  az-half:',
      '    type: azure_openai',
      `    base_url: ${az.origin}`,
      '    api_version: 2024-10-21',
      '    client_id: app-1',
      'models:',
      '  gpt: { deployments: [ { provider: az-half, model: gpt-4o, price: { input: 1, output: 1 } } ] }',
      '',
    ].join('\n'));
    const checked = run(['check', '--config', bad], {});
    assert.equal(checked.status, 1, checked.stdout + checked.stderr);
    const out = checked.stdout + checked.stderr;
    assert.match(out, /bad\.yaml:2.*providers\.az-half\.tenant_id/);
    assert.match(out, /bad\.yaml:2.*providers\.az-half\.client_secret/);
  } finally {
    await az.close();
  }
});
