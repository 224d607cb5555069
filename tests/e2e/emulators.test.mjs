// Self-test of the emulators, without the gateway: the official SDKs (and AWS's own signer and
// event-stream codec) talk to them directly. If these fail, the gateway suites cannot be trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { SignatureV4 } from '@smithy/signature-v4';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startOpenAI } from './openai.mjs';
import { startAnthropic } from './anthropic.mjs';
import { startBedrock } from './bedrock.mjs';
import { startVertex } from './vertex.mjs';
import { SA_KEY_FILE, tempDir } from './harness.mjs';
import { replyText, TOOL_ARGS } from './util.mjs';

const TOOLS = [{ type: 'function', function: { name: 'a', parameters: { type: 'object' } } }, { type: 'function', function: { name: 'b', parameters: { type: 'object' } } }];

test('openai emulator speaks what the openai SDK expects', async () => {
  const emu = await startOpenAI({ name: 'e', apiKey: 'k' });
  try {
    const c = new OpenAI({ apiKey: 'k', baseURL: emu.baseUrl, maxRetries: 0 });
    const r = await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.choices[0].message.content, replyText('e', 'm'));
    const f = await c.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: TOOLS, stream_options: { include_usage: true } }).finalChatCompletion();
    assert.deepEqual(f.choices[0].message.tool_calls.map((t) => JSON.parse(t.function.arguments)), TOOL_ARGS);
    assert.equal(f.usage.completion_tokens, emu.served.at(-1).output);
    await assert.rejects(c.chat.completions.create({ model: 'x-fail-500', messages: [{ role: 'user', content: 'hi' }] }), (e) => e.status === 500);
    await assert.rejects(c.chat.completions.create({ model: 'x-drop', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.APIConnectionError);
    const s = await c.chat.completions.create({ model: 'x-midstream-drop', messages: [{ role: 'user', content: 'hi' }], stream: true });
    await assert.rejects(async () => { for await (const _ of s) { /* drain */ } });
  } finally {
    await emu.close();
  }
});

test('anthropic emulator speaks what the anthropic SDK expects', async () => {
  const emu = await startAnthropic({ name: 'e', apiKey: 'k', cache: { read: 1, write: 2 } });
  try {
    const c = new Anthropic({ apiKey: 'k', baseURL: emu.baseUrl, maxRetries: 0 });
    const m = await c.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(m.content[0].text, replyText('e', 'm'));
    const f = await c.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'a', input_schema: { type: 'object' } }, { name: 'b', input_schema: { type: 'object' } }] }).finalMessage();
    assert.deepEqual(f.content.filter((b) => b.type === 'tool_use').map((b) => b.input), TOOL_ARGS);
    assert.equal(f.usage.cache_read_input_tokens, 1);
    await assert.rejects(c.messages.create({ model: 'x-fail-529', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (e) => e.status === 529);
    await assert.rejects(c.messages.stream({ model: 'x-midstream-error', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).finalMessage());
    await assert.rejects(new Anthropic({ apiKey: 'bad', baseURL: emu.baseUrl, maxRetries: 0 }).messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), Anthropic.AuthenticationError);
  } finally {
    await emu.close();
  }
});

async function signedFetch(emu, creds, path, body) {
  const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 'bedrock', sha256: Sha256 });
  const host = `127.0.0.1:${emu.port}`;
  const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: emu.port, path, query: {}, headers: { host, 'content-type': 'application/json' }, body });
  const { host: _h, ...headers } = req.headers;
  return fetch(`${emu.origin}${path}`, { method: 'POST', headers, body });
}

function decodeFrames(buf) {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const out = [];
  let off = 0;
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const msg = codec.decode(new Uint8Array(buf.subarray(off, off + len)));
    out.push({ headers: Object.fromEntries(Object.entries(msg.headers).map(([k, v]) => [k, v.value])), body: JSON.parse(toUtf8(msg.body)) });
    off += len;
  }
  return out;
}

test('bedrock emulator: SigV4 verified with @smithy/signature-v4, event-stream frames decode', async () => {
  const creds = { accessKeyId: 'AKIDE2E', secretAccessKey: 'secret/e2e+KEY', sessionToken: 'sess-tok' };
  const emu = await startBedrock({ name: 'aws', ...creds });
  try {
    const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const ok = await signedFetch(emu, creds, '/model/us.anthropic.claude-x-v1%3A0/invoke', body);
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal((await ok.json()).content[0].text, replyText('aws', 'us.anthropic.claude-x-v1:0'));
    const bad = await signedFetch(emu, { ...creds, secretAccessKey: 'wrong' }, '/model/us.anthropic.claude-x-v1%3A0/invoke', body);
    assert.equal(bad.status, 403);
    assert.match(bad.headers.get('x-amzn-errortype'), /^InvalidSignatureException/);
    const st = await signedFetch(emu, creds, '/model/us.anthropic.claude-x-v1:0/invoke-with-response-stream', body);
    assert.equal(st.status, 200);
    const frames = decodeFrames(Buffer.from(await st.arrayBuffer()));
    const events = frames.map((f) => JSON.parse(Buffer.from(f.body.bytes, 'base64').toString()));
    assert.equal(events[0].type, 'message_start');
    assert.equal(events.at(-1).type, 'message_stop');
    const cv = await signedFetch(emu, creds, '/model/amazon.nova-pro-v1%3A0/converse-stream', JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hi' }] }], toolConfig: { tools: [{ toolSpec: { name: 'a', inputSchema: { json: {} } } }] } }));
    const cf = decodeFrames(Buffer.from(await cv.arrayBuffer()));
    assert.deepEqual(cf.map((f) => f.headers[':event-type']).slice(-2), ['messageStop', 'metadata']);
    const th = await signedFetch(emu, creds, '/model/x-rate-429/converse', JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] }));
    assert.equal(th.status, 429);
    assert.match(th.headers.get('x-amzn-errortype'), /^ThrottlingException/);
  } finally {
    await emu.close();
  }
});

test('vertex emulator: JWT-bearer exchange verified, bearer required', async () => {
  const emu = await startVertex({ name: 'gcp', keyFile: SA_KEY_FILE, project: 'p1', region: 'us-east5' });
  try {
    const key = JSON.parse(fs.readFileSync(emu.writeKeyFile(tempDir()), 'utf8'));
    assert.equal(key.token_uri, emu.tokenUri);
    const now = Math.floor(Date.now() / 1000);
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iss: key.client_email, scope: 'https://www.googleapis.com/auth/cloud-platform', aud: key.token_uri, iat: now, exp: now + 3600 })}`;
    const jwt = `${input}.${crypto.sign('RSA-SHA256', Buffer.from(input), key.private_key).toString('base64url')}`;
    const tr = await fetch(emu.tokenUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }) });
    assert.equal(tr.status, 200);
    const tok = await tr.json();
    assert.equal(tok.token_type, 'Bearer');
    const forged = await fetch(emu.tokenUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${input}.${Buffer.from('x'.repeat(256)).toString('base64url')}` }) });
    assert.equal(forged.status, 400);
    const url = `${emu.origin}/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-x@2025:rawPredict`;
    const body = JSON.stringify({ anthropic_version: 'vertex-2023-10-16', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const no = await fetch(url, { method: 'POST', body });
    assert.equal(no.status, 401);
    const yes = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${tok.access_token}` }, body });
    assert.equal(yes.status, 200);
    assert.equal((await yes.json()).content[0].text, replyText('gcp', 'claude-x@2025'));
  } finally {
    await emu.close();
  }
});
