// The gateway's HTTP server against clients that bend HTTP/1.1: oversized or malformed requests,
// HEAD, pipelining. Raw sockets, because every HTTP client library would refuse to send (or would
// hide) what these tests look at. Each answer must be a complete HTTP response in the route's
// dialect, and the gateway must keep serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startOpenAI } from './openai.mjs';
import { startGateway, tempDir, sqlite, PRICE, stopCleanly } from './harness.mjs';
import { replyText, startServer, sleep } from './util.mjs';

const KEY = 'sk-e2e-robust-0001';
const MAX_HEADER = 4096;
let emu;
let bigHead;
let endless;
const endlessSent = [];  // bytes each connection to `endless` got out before the gateway closed it
let gw;
let gwDir;

before(async () => {
  emu = await startOpenAI({ name: 'emu', apiKey: 'sk-upstream' });
  // Answers every request with a response head larger than the gateway reads (64 KiB).
  bigHead = await startServer(async (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-big': 'a'.repeat(70000) });
    res.end('{}');
  });
  // Answers 200 chunked, then a chunk extension that never ends, up to 64 MiB.
  endless = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', async () => {
      const i = endlessSent.push(0) - 1;
      let open = true;
      sock.on('close', () => { open = false; });
      sock.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1;');
      const piece = Buffer.alloc(64 * 1024, 'a');
      while (open && endlessSent[i] < 64 << 20) {
        endlessSent[i] += piece.length;
        if (!sock.write(piece)) await new Promise((r) => { sock.once('drain', r); sock.once('close', r); });
      }
      sock.end();
    });
  });
  await new Promise((r) => endless.listen(0, '127.0.0.1', r));
  const dir = tempDir();
  gwDir = dir;
  gw = await startGateway({
    dir,
    env: { UPSTREAM: 'sk-upstream', KEY },
    config: {
      ledger: `sqlite://${dir}/ledger.db`,
      max_body_bytes: 65536,
      max_header_bytes: MAX_HEADER,
      workers: 1,
      providers: {
        oa: { type: 'openai', base_url: emu.baseUrl, api_key: '${UPSTREAM}' },
        'oa-stall': { type: 'openai', base_url: emu.baseUrl, api_key: '${UPSTREAM}', first_byte_timeout_ms: 800 },
        'big-head': { type: 'openai', base_url: `${bigHead.origin}/v1` },
        endless: { type: 'openai', base_url: `http://127.0.0.1:${endless.address().port}/v1` },
      },
      models: {
        'gpt-ok': { deployments: [{ provider: 'oa', model: 'emu-ok', price: PRICE }] },
        'gpt-stall': { deployments: [{ provider: 'oa-stall', model: 'x-stall', price: PRICE }] },
        'gpt-big-head': { deployments: [{ provider: 'big-head', model: 'big', price: PRICE }] },
        'gpt-endless': { deployments: [{ provider: 'endless', model: 'x', price: PRICE }] },
      },
      keys: [{ name: 'k', key: '${KEY}' }],
    },
  });
});

after(async () => {
  await stopCleanly(gw);
  await emu?.close();
  await bigHead?.close();
  endless?.close();
});

// Writes `bytes` on a fresh connection and collects what comes back until the gateway closes it
// (or `idleMs` passes without a byte). Resolves {data, closed, reset}.
function exchange(bytes, { idleMs = 3000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(gw.port, '127.0.0.1');
    const parts = [];
    let timer;
    const done = (closed, reset) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: Buffer.concat(parts), closed, reset });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => done(false, false), idleMs);
    };
    sock.on('connect', () => {
      sock.write(bytes);
      arm();
    });
    sock.on('data', (d) => {
      parts.push(d);
      arm();
    });
    sock.on('end', () => done(true, false));
    sock.on('error', () => done(true, true));
  });
}

// Splits a byte stream into HTTP responses framed by Content-Length (or none, for HEAD).
function parseResponses(buf, { head = [] } = {}) {
  const out = [];
  let at = 0;
  while (at < buf.length) {
    const end = buf.indexOf('\r\n\r\n', at);
    assert.ok(end >= 0, `incomplete response head: ${JSON.stringify(buf.subarray(at).toString())}`);
    const lines = buf.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    at = end + 4;
    const bodyless = head[out.length] === true;
    const len = bodyless ? 0 : Number(headers['content-length'] ?? 0);
    const body = buf.subarray(at, at + len).toString('utf8');
    at += len;
    let json = null;
    try {
      json = JSON.parse(body);
    } catch { /* not JSON */ }
    out.push({ status, headers, body, json });
  }
  return out;
}

const CHAT = JSON.stringify({ model: 'gpt-ok', messages: [{ role: 'user', content: 'Say hello.' }] });
const MESSAGES = JSON.stringify({ model: 'gpt-ok', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] });

function post(path, body, { extra = '', fill = 0 } = {}) {
  return `POST ${path} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${KEY}\r\ncontent-type: application/json\r\n` +
    (fill ? `x-fill: ${'a'.repeat(fill)}\r\n` : '') + extra + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function assertOpenAIError(r, status) {
  assert.equal(r.status, status, r.body);
  assert.equal(typeof r.json?.error?.message, 'string', r.body);
  assert.equal(typeof r.json?.error?.type, 'string', r.body);
}

function assertAnthropicError(r, status) {
  assert.equal(r.status, status, r.body);
  assert.equal(r.json?.type, 'error', r.body);
  assert.equal(typeof r.json?.error?.type, 'string', r.body);
  assert.equal(typeof r.json?.error?.message, 'string', r.body);
}

async function stillServes() {
  const { data } = await exchange(post('/v1/chat/completions', CHAT, { extra: 'Connection: close\r\n' }));
  const [r] = parseResponses(data);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.choices[0].message.content, replyText('emu', 'emu-ok'));
}

test('a header just under max_header_bytes is served; just over it gets 431 in the route\'s dialect', async () => {
  const under = await exchange(post('/v1/chat/completions', CHAT, { fill: MAX_HEADER - 400, extra: 'Connection: close\r\n' }));
  assert.equal(parseResponses(under.data)[0].status, 200);

  for (const fill of [MAX_HEADER + 100, 4 * MAX_HEADER]) {
    const chat = await exchange(post('/v1/chat/completions', CHAT, { fill }));
    const [c] = parseResponses(chat.data);
    assertOpenAIError(c, 431);
    assert.equal(c.json.error.type, 'invalid_request_error');
    assert.equal(c.headers.connection, 'close');
    assert.ok(chat.closed, 'the connection closes after a 431');

    const msgs = await exchange(post('/v1/messages', MESSAGES, { fill }));
    const [m] = parseResponses(msgs.data);
    assertAnthropicError(m, 431);
    assert.equal(m.json.error.type, 'invalid_request_error');
  }
  // A request line alone longer than the limit: the dialect still comes from its path.
  const long = await exchange(`POST /v1/messages?${'q'.repeat(2 * MAX_HEADER)} HTTP/1.1\r\nHost: gw\r\n\r\n`);
  assertAnthropicError(parseResponses(long.data)[0], 431);
  await stillServes();
});

test('a malformed request gets 400 in the route\'s dialect instead of a silent close', async () => {
  const cases = [
    ['conflicting Content-Length', '/v1/chat/completions',
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${KEY}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n${CHAT}`],
    ['Content-Length with chunked', '/v1/messages',
      `POST /v1/messages HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${KEY}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`],
    ['bad chunk size', '/v1/messages',
      `POST /v1/messages HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${KEY}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${MESSAGES}\r\n0\r\n\r\n`],
    ['bad field', '/v1/chat/completions',
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nBad Field: x\r\nContent-Length: 2\r\n\r\n{}`],
    ['not HTTP at all', '/', 'HELLO\r\n\r\n'],
  ];
  for (const [what, path, bytes] of cases) {
    const got = await exchange(bytes);
    assert.ok(got.data.length > 0, `${what}: closed without an answer`);
    const [r] = parseResponses(got.data);
    if (path === '/v1/messages') {
      assertAnthropicError(r, 400);
      assert.equal(r.json.error.type, 'invalid_request_error', what);
    } else {
      assertOpenAIError(r, 400);
      assert.equal(r.json.error.type, 'invalid_request_error', what);
    }
    assert.match(r.json.error.message, /malformed HTTP request/, what);
    assert.equal(r.headers.connection, 'close', what);
    assert.ok(got.closed, `${what}: the connection closes after the 400`);
  }
  // Requests before a malformed one on the same connection are answered first.
  const pipelined = await exchange(post('/v1/chat/completions', CHAT) + 'GET /health/live HTTP/1.1\r\nHost: gw\r\nContent-Length: x\r\n\r\n');
  const rs = parseResponses(pipelined.data);
  assert.deepEqual(rs.map((r) => r.status), [200, 400]);
  await stillServes();
});

test('a Transfer-Encoding that does not end in chunked is a 400 and a close, so its body is never read as a next request', async () => {
  const smuggled = 'GET /health/ready HTTP/1.1\r\nHost: x\r\nX-Smuggled: 1\r\n\r\n';
  for (const te of ['gzip', 'xchunked', 'chunked, identity']) {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${KEY}\r\nTransfer-Encoding: ${te}\r\n`;
    for (const extra of ['', `Content-Length: ${smuggled.length}\r\n`]) {
      const { data, closed } = await exchange(`${head}${extra}\r\n${smuggled}`);
      const rs = parseResponses(data);
      assert.equal(rs.length, 1, `${te}${extra ? ' + Content-Length' : ''}: one response, got ${rs.map((r) => r.status)}`);
      assertOpenAIError(rs[0], 400);
      assert.ok(closed, 'the connection is closed');
    }
  }
  await stillServes();
});

test('a chunk extension that never ends is a 400, not memory without bound', async () => {
  // 4 MiB with no line end after "1;": the gateway must answer once its buffer limit is passed.
  const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n1;`;
  const { data } = await exchange(head + 'a'.repeat(4 << 20));
  const [r] = parseResponses(data.subarray(0, data.indexOf('\r\n\r\n') + 4 + Number(/content-length: (\d+)/i.exec(data.toString('latin1'))?.[1] ?? 0)));
  assertOpenAIError(r, 400);
  await stillServes();
});

test('an upstream whose chunk extension never ends is cut off after a bounded read, not buffered without end', async () => {
  const { data } = await exchange(post('/v1/chat/completions', JSON.stringify({ model: 'gpt-endless', messages: [{ role: 'user', content: 'hi' }] }), { extra: 'Connection: close\r\n' }), { idleMs: 20000 });
  const [r] = parseResponses(data);
  assert.ok(r.status >= 500, `an upstream failure, got ${r.status} ${r.body}`);
  assert.equal(endlessSent.length, 1);
  assert.ok(endlessSent[0] < 16 << 20, `the gateway read ${endlessSent[0]} bytes of a line that never ends`);
  await stillServes();
});

test('two Authorization or two x-api-key headers are a 400 in the route\'s dialect, never "the first one wins"', async () => {
  for (const [name, path, body, extra, check] of [
    ['two Authorization', '/v1/chat/completions', CHAT, 'Authorization: Bearer sk-other\r\n', assertOpenAIError],
    ['two x-api-key', '/v1/messages', MESSAGES, `x-api-key: ${KEY}\r\nx-api-key: sk-other\r\n`, assertAnthropicError],
  ]) {
    const [r] = parseResponses((await exchange(post(path, body, { extra }))).data);
    check(r, 400);
    assert.match(r.json.error.message, /more than one Authorization or x-api-key/, name);
    assert.ok(r.headers['x-request-id'], name);
  }
  // One of each is no ambiguity: the bearer token is the key (contract.md).
  const [one] = parseResponses((await exchange(post('/v1/chat/completions', CHAT,
    { extra: 'x-api-key: sk-other\r\nConnection: close\r\n' }))).data);
  assert.equal(one.status, 200, one.body);
  await stillServes();
});

test('an unknown model name is quoted back cut to 256 bytes, not echoed whole', async () => {
  const name = 'm'.repeat(255) + '\u00e9' + 'x'.repeat(2000);  // the cut falls inside the é
  const body = JSON.stringify({ model: name, messages: [{ role: 'user', content: 'hi' }] });
  const [r] = parseResponses((await exchange(post('/v1/chat/completions', body))).data);
  assertOpenAIError(r, 404);
  assert.equal(r.json.error.message, `model '${'m'.repeat(255)}\u2026' does not exist`);
  assert.ok(r.body.length < 1024, `error body of ${r.body.length} bytes`);
  await stillServes();
});

test('a target in absolute-form is served as its path (RFC 9112 3.2.2), not a 404', async () => {
  const { data } = await exchange(`POST http://gw:4000/v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${KEY}\r\n` +
    `content-type: application/json\r\nContent-Length: ${Buffer.byteLength(CHAT)}\r\n\r\n${CHAT}` +
    'GET HTTP://gw/health/live?probe=1 HTTP/1.1\r\nHost: gw\r\n\r\n' +
    'GET https://gw HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
  const [chat, live, root] = parseResponses(data);
  assert.equal(chat.status, 200, chat.body);
  assert.equal(chat.json.choices[0].message.content, replyText('emu', 'emu-ok'));
  assert.equal(live.status, 200, live.body);
  assert.equal(root.status, 404, 'the root is no route');
  await stillServes();
});

test('an HTTP/1.1 request without a Host, or any request with two, is a 400 (RFC 9112 3.2)', async () => {
  for (const [name, bytes] of [
    ['no Host', `GET /health/live HTTP/1.1\r\n\r\n`],
    ['two Hosts', `GET /health/live HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`],
    ['two Hosts, HTTP/1.0', `GET /health/live HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n`],
  ]) {
    const [r] = parseResponses((await exchange(bytes)).data);
    assertOpenAIError(r, 400);
    assert.match(r.json.error.message, /Host/, name);
  }
  const [ok] = parseResponses((await exchange('GET /health/live HTTP/1.0\r\n\r\n')).data);
  assert.equal(ok.status, 200, 'HTTP/1.0 may leave Host out');
  await stillServes();
});

test('a reply to HEAD has no body, so the next response on the connection stays framed', async () => {
  const got = await exchange('HEAD /health/live HTTP/1.1\r\nHost: gw\r\n\r\n' +
    'HEAD /v1/messages HTTP/1.1\r\nHost: gw\r\n\r\n' +
    'GET /health/live HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
  const rs = parseResponses(got.data, { head: [true, true] });
  assert.equal(rs.length, 3, got.data.toString());
  assert.equal(rs[0].body, '');
  assert.equal(rs[1].body, '');
  assert.equal(rs[2].status, 200);
  assert.deepEqual(rs[2].json, { status: 'ok' });
  assert.ok(got.closed);
});

test('a request sent upstream but never answered (first-byte timeout, oversized head) is recorded once', async () => {
  for (const [model, status] of [['gpt-stall', 504], ['gpt-big-head', 502]]) {
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(r.status, status, await r.text());
    const id = r.headers.get('x-request-id');
    let rows = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      rows = await sqlite(`${gwDir}/ledger.db`, `SELECT model, status FROM usage WHERE request_id = '${id}'`);
      if (rows.length === 0) await sleep(100);
    }
    assert.deepEqual(rows, [{ model, status }], `${model}: one ledger record`);
  }
  await stillServes();
});

test('SIGTERM past the drain timeout still records the calls that were waiting on an upstream', async () => {
  // An upstream that answers the head (and, streamed, one event) and then says nothing more.
  const up = await startServer(async (req, res, raw) => {
    const body = JSON.parse(raw.toString('utf8'));
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })}\n\n`);
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":');
    }
  });
  const dir = tempDir();
  const g = await startGateway({
    dir,
    env: { KEY },
    config: {
      ledger: `sqlite://${dir}/ledger.db`,
      drain_timeout_ms: 500,
      workers: 1,
      providers: { stall: { type: 'openai', base_url: `${up.origin}/v1`, idle_timeout_ms: 60000 } },
      models: { 'gpt-stall': { deployments: [{ provider: 'stall', model: 'stall', price: PRICE }] } },
      keys: [{ name: 'k', key: '${KEY}' }],
    },
  });
  const ask = (stream) => fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-stall', stream, messages: [{ role: 'user', content: 'hi' }] }),
  }).then((r) => r.text()).catch((e) => e);
  const calls = [ask(true), ask(false)];
  await sleep(500);  // both are now waiting on the upstream
  const exit = await g.stop();
  await Promise.all(calls);
  await up.close();
  assert.equal(exit.code, 0, g.stderr.slice(-2000));
  const rows = await sqlite(`${dir}/ledger.db`, 'SELECT model, stream FROM usage ORDER BY stream');
  assert.deepEqual(rows, [{ model: 'gpt-stall', stream: 0 }, { model: 'gpt-stall', stream: 1 }], g.stderr.slice(-2000));
});

test('a stream to an HTTP/1.0 client is not chunked: the close ends it', async () => {
  const body = JSON.stringify({ model: 'gpt-ok', stream: true, messages: [{ role: 'user', content: 'Say hello.' }] });
  const got = await exchange(`POST /v1/chat/completions HTTP/1.0\r\nHost: gw\r\nAuthorization: Bearer ${KEY}\r\n` +
    `content-type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  assert.ok(got.closed, 'the connection closes at the end of the stream');
  const text = got.data.toString();
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split).toLowerCase();
  const sse = text.slice(split + 4);
  assert.match(head, /^http\/1\.[01] 200/);
  assert.doesNotMatch(head, /transfer-encoding/);
  assert.match(sse, /^data: \{/, 'the body starts with the first event, not a chunk size');
  assert.match(sse, /data: \[DONE\]\n\n$/, 'the body ends with [DONE], not a last chunk');
  let content = '';
  for (const line of sse.split('\n')) {
    if (line.startsWith('data: {')) content += JSON.parse(line.slice(6)).choices[0]?.delta?.content ?? '';
  }
  assert.equal(content, replyText('emu', 'emu-ok'));
});

test('HEAD on a GET route answers as GET would, without the body', async () => {
  const got = await exchange('HEAD /health/live HTTP/1.1\r\nHost: gw\r\n\r\nHEAD /health/ready HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
  const rs = parseResponses(got.data, { head: [true, true] });
  assert.deepEqual(rs.map((r) => r.status), [200, 200], got.data.toString());
  assert.equal(rs[0].headers['content-length'], String('{"status":"ok"}'.length));
});

test('a served route asked with another method is 405 with allow, in the route\'s dialect (the SDKs raise it as such)', async () => {
  const cases = [
    ['GET', '/v1/chat/completions', 'POST', 'openai'],
    ['PUT', '/v1/messages', 'POST', 'anthropic'],
    ['GET', '/v1/messages/count_tokens', 'POST', 'anthropic'],
    ['POST', '/v1/models', 'GET, HEAD', 'openai'],
    ['DELETE', '/health/ready', 'GET, HEAD', 'openai'],
  ];
  for (const [method, path, allow, dialect] of cases) {
    const r = await fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${KEY}` } });
    const body = await r.json();
    assert.equal(r.status, 405, `${method} ${path}`);
    assert.equal(r.headers.get('allow'), allow, `${method} ${path}`);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, new RegExp(`${method} is not allowed on ${path}`));
    if (dialect === 'anthropic') assert.equal(body.type, 'error', 'Anthropic error shape');
  }
  const openai = new OpenAI({ apiKey: KEY, baseURL: gw.baseURL, maxRetries: 0 });
  await assert.rejects(openai.get('/chat/completions'), (e) => e.status === 405);
  const anthropic = new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 });
  await assert.rejects(anthropic.get('/v1/messages'), (e) => e.status === 405 && e.error?.type === 'error');
  // Paths that are not routes at all stay 404.
  const nothing = await fetch(`${gw.url}/v1/nothing`);
  assert.equal(nothing.status, 404);
  const notFound = (await nothing.json()).error;
  assert.equal(notFound.type, 'invalid_request_error');
  assert.equal(notFound.code, null, 'no model is involved: not model_not_found');
  const ok = await openai.chat.completions.create({ model: 'gpt-ok', messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(ok.choices[0].message.content.length > 0, 'still serving');
});
