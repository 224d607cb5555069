// route: commitment through the real binary, with the official OpenAI SDK: traffic goes to the
// cloud whose spending commitment is not met yet, ahead of the deployment listed first, until the
// ledger's spend there reaches the commitment; after a restart the spend is read back from the
// ledger, so a met commitment stays met. /metrics shows the burn-down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startOpenAI } from './openai.mjs';
import { startGateway, tempDir, MASTER_KEY, stopCleanly } from './harness.mjs';

const KEY = 'sk-e2e-commitments-0001';
const COMMITTED_USD = 0.0001;
let direct;
let aws;
let gw;

before(async () => {
  direct = await startOpenAI({ name: 'direct' });
  aws = await startOpenAI({ name: 'aws' });
  const dir = tempDir();
  const price = { input: 1.0, output: 2.0 };
  gw = await startGateway({
    dir,
    env: { E2E_MASTER_KEY: MASTER_KEY, KEY },
    config: {
      master_key: '${E2E_MASTER_KEY}',
      ledger: `sqlite://${dir}/ledger.db`,
      providers: {
        direct: { type: 'openai', base_url: direct.baseUrl },
        aws: { type: 'openai', base_url: aws.baseUrl },
      },
      // A year: a test run never straddles the period's end, except at New Year's midnight UTC.
      commitments: { 'aws-edp': { usd: COMMITTED_USD, period: 'year', providers: ['aws'] } },
      models: {
        chat: {
          route: 'commitment',
          deployments: [
            { provider: 'direct', model: 'direct-model', price },  // first by priority
            { provider: 'aws', model: 'aws-model', price },
          ],
        },
      },
      keys: [{ name: 'commitments', key: '${KEY}' }],
    },
  });
});

after(async () => {
  await stopCleanly(gw);
  await direct?.close();
  await aws?.close();
});

async function ask(client) {
  const { data, response } = await client.chat.completions
    .create({ model: 'chat', messages: [{ role: 'user', content: 'Say hello to the commitment.' }] })
    .withResponse();
  assert.ok(data.choices[0].message.content.length > 0);
  return response.headers.get('x-switchyard-provider');
}

async function gauge(name) {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name}\\{commitment="aws-edp"\\} (\\S+)$`, 'm'));
  assert.ok(m, `${name} is on /metrics`);
  return Number(m[1]);
}

async function awsSpend() {
  const rows = await gw.usage('provider');
  const row = rows.find((r) => r.provider === 'aws');
  return { requests: row?.requests ?? 0, usd: Number(row?.cost_usd ?? 0) };
}

test('requests go to the committed cloud until its commitment is met, then back to priority order', async () => {
  const client = new OpenAI({ apiKey: KEY, baseURL: gw.baseURL, maxRetries: 0 });
  assert.equal(await gauge('switchyard_commitment_usd'), COMMITTED_USD);
  assert.equal(await gauge('switchyard_commitment_spent_usd'), 0);
  const served = [];
  for (let i = 0; i < 20 && !served.includes('direct'); i++) served.push(await ask(client));
  const first = served.indexOf('direct');
  assert.ok(first > 0, `aws first, then direct: ${served.join(',')}`);
  assert.deepEqual(served.slice(0, first), Array(first).fill('aws'));

  // The switch came with the request that met the commitment, as the ledger prices it.
  const spent = await awsSpend();
  assert.equal(spent.requests, first);
  const perRequest = spent.usd / spent.requests;
  assert.ok(spent.usd >= COMMITTED_USD - 1e-12, `aws spend ${spent.usd} reached ${COMMITTED_USD}`);
  assert.ok(spent.usd - perRequest < COMMITTED_USD, `one request fewer (${spent.usd - perRequest}) was still short`);
  assert.ok(Math.abs((await gauge('switchyard_commitment_spent_usd')) - spent.usd) < 1e-12);
  assert.equal(await ask(client), 'direct', 'stays on priority order once met');
  assert.equal(aws.requests.length, first, 'the met cloud got nothing more');
});

test('after a restart the spend is read back from the ledger: the met commitment stays met', async () => {
  const before = await awsSpend();
  await gw.restart();
  assert.ok(Math.abs((await gauge('switchyard_commitment_spent_usd')) - before.usd) < 1e-12,
    'the gauge starts from the ledger, not from zero');
  const client = new OpenAI({ apiKey: KEY, baseURL: gw.baseURL, maxRetries: 0 });
  assert.equal(await ask(client), 'direct');
  assert.equal((await awsSpend()).requests, before.requests);
});
