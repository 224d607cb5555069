// Shared helpers for the emulators. Independent of the gateway's code: plain node:http.
import http from 'node:http';

export function readBody(req, limit = 64 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res, status, obj, headers = {}) {
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, ...headers });
  res.end(body);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts an http server on 127.0.0.1 with an ephemeral port. `handler(req, res, body)`.
// Tracks sockets so close() never hangs on keep-alive or stalled connections.
export async function startServer(handler) {
  const sockets = new Set();
  const server = http.createServer(async (req, res) => {
    let body;
    try {
      body = await readBody(req);
    } catch {
      return;
    }
    try {
      await handler(req, res, body);
    } catch (e) {
      if (!res.headersSent) {
        sendJson(res, 500, { error: { message: `emulator bug: ${e && e.stack}` } });
      } else {
        res.destroy();
      }
    }
  });
  server.keepAliveTimeout = 30000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(() => r()));
    },
  };
}

// A deterministic token count for a request, so different prompts give different usage.
export function promptTokensFor(obj) {
  const s = JSON.stringify(obj ?? '');
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return 5 + Math.floor(s.length / 16) + (h % 7);
}

// A deterministic input token count for a token-counting request (Anthropic count_tokens, Bedrock
// CountTokens, Vertex count-tokens): system, messages and tools all count.
export function countTokensFor(body) {
  return promptTokensFor({ system: body.system ?? null, messages: body.messages, tools: body.tools ?? [] });
}

// Fields a count_tokens body may hold (the Messages fields that affect input, no generation ones).
export const COUNT_TOKENS_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'output_config', 'output_format', 'context_management', 'mcp_servers'];

export function wordsOf(text) {
  return text.split(/(?<= )/); // keeps the spaces, "a b c" -> ["a ", "b ", "c"]
}

// Split a string into n roughly equal fragments (at least one).
export function fragments(s, n = 3) {
  if (s.length === 0) return [''];
  const size = Math.max(1, Math.ceil(s.length / n));
  const out = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

// Text the emulators reply with; tests compare against it.
export function replyText(provider, model) {
  return `Hello from the ${provider} emulator, model ${model}.`;
}

export const TOOL_ARGS = [
  { city: 'Paris', unit: 'celsius' },
  { city: 'Tokyo', unit: 'celsius' },
];

// The behaviour of an emulator for a request is chosen by the upstream model name, so that one
// emulator can serve many scenarios at once without shared mutable state:
//   fail-500, fail-503, fail-529, rate-429, drop (socket destroyed before headers), stall (never
//   answers), midstream-drop (stream starts, then the socket is destroyed), midstream-error (an
//   in-stream error event), start-overloaded, start-then-overloaded, start-then-drop (Anthropic
//   only: the stream's opening, then an error event or a dropped connection before any content),
//   stream-invalid (Anthropic only: a 200 stream that opens with an invalid_request_error event),
//   slow (streams slowly: 100 ms between events), anything else: success.
export function behaviourOf(model) {
  const m = String(model ?? '');
  for (const b of ['fail-500', 'fail-503', 'fail-529', 'rate-429', 'midstream-drop', 'midstream-error', 'start-overloaded',
    'start-then-overloaded', 'start-then-drop', 'stream-invalid',
    'no-done', 'echo-auth', 'pause-mid', 'late-end', 'drop', 'stall', 'slow', 'badsig', 'refuse']) {
    if (m.includes(b)) return b;
  }
  return 'ok';
}

// Decides whether an Anthropic-shaped request should be answered with tool_use blocks: when it
// offers tools and the last user turn is not a tool_result.
export function anthropicWantsTools(body) {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return false;
  const last = body.messages?.[body.messages.length - 1];
  if (last && Array.isArray(last.content) && last.content.some((b) => b.type === 'tool_result')) {
    return false;
  }
  return true;
}

// Builds an Anthropic Message (non-streamed) and the matching SSE event list for a request body.
// `opts`: {provider, model, idPrefix, cache: {read, write}}.
export function anthropicReply(body, opts) {
  const { provider, model, idPrefix = 'msg_emu_', toolPrefix = 'toolu_emu_' } = opts;
  const id = `${idPrefix}${Math.random().toString(36).slice(2, 12)}`;
  const text = replyText(provider, model);
  const tools = anthropicWantsTools(body) ? body.tools.slice(0, 2) : [];
  const content = [];
  if (tools.length) content.push({ type: 'text', text: 'Let me check.' });
  else content.push({ type: 'text', text });
  tools.forEach((t, i) => {
    content.push({ type: 'tool_use', id: `${toolPrefix}${i}_${id.slice(-6)}`, name: t.name, input: TOOL_ARGS[i] });
  });
  const usage = {
    input_tokens: promptTokensFor(body.messages),
    cache_creation_input_tokens: opts.cache?.write ?? 0,
    cache_read_input_tokens: opts.cache?.read ?? 0,
    output_tokens: tools.length ? 20 * tools.length + 3 : wordsOf(text).length,
  };
  const stop_reason = tools.length ? 'tool_use' : 'end_turn';
  const message = { id, type: 'message', role: 'assistant', model, content, stop_reason, stop_sequence: null, usage };

  const events = [];
  events.push({
    type: 'message_start',
    message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) events.push({ type: 'ping' });
      for (const w of wordsOf(block.text)) {
        events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: w } });
      }
    } else {
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const f of fragments(JSON.stringify(block.input), 4)) {
        events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: f } });
      }
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  events.push({ type: 'message_stop' });
  return { message, events, usage, text, tools };
}

export function sseEvent(ev) {
  return `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
}

// Writes a list of pieces to a response, optionally with a delay between them, stopping quietly if
// the peer went away.
export async function writePieces(res, pieces, delayMs = 0) {
  for (const p of pieces) {
    if (res.destroyed || res.writableEnded) return false;
    res.write(p);
    if (delayMs) await sleep(delayMs);
  }
  return true;
}

// The vector an embeddings emulator (bedrock.mjs, vertex.mjs) gives a text: deterministic, and of
// full double precision (not float32 values), so a test can check that what reaches the client is
// each number's nearest float32.
export function embeddingFor(text, dims) {
  const seed = [...String(text)].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 1000003, 7);
  return Array.from({ length: dims }, (_, i) => Math.sin(seed + i * 1.618) / (3 + (i % 5)));
}

// Tokens an embeddings emulator says a text holds: its words.
export function embeddingTokensFor(text) {
  return wordsOf(String(text)).length || 1;
}
