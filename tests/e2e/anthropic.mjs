// Anthropic Messages emulator (plain node:http), independent of the gateway's code.
//
//   const emu = await startAnthropic({ name: 'an', apiKey: 'sk-ant-up', cache: {read: 4, write: 2} });
//   emu.baseUrl   -> 'http://127.0.0.1:PORT' (the `anthropic` provider base_url: the host root)
//   emu.requests  -> {method, path, headers, body, model, behaviour, authVia}
//   emu.served    -> {model, input, output, cacheRead, cacheWrite, stream, complete}
//   emu.counted   -> {model, input} for each POST /v1/messages/count_tokens answered with a count
//
// Checks the credential (x-api-key, or Authorization: Bearer, both accepted by the real API) and
// requires an anthropic-version header. Behaviour by upstream model name (util.behaviourOf):
// fail-529 (overloaded_error), rate-429 (retry-after: 1), fail-500, drop, stall,
// midstream-error (event: error after a few deltas), midstream-drop, start-overloaded (message_start
// and an overloaded_error event in one write, as the real API does when it sheds load at once),
// start-then-overloaded / start-then-drop (message_start, content_block_start and ping in separate
// writes, then an overloaded_error event or a dropped connection, before any delta), stream-invalid
// (a 200 stream whose first event is an invalid_request_error), slow; otherwise success with
// the full event sequence, a ping, and tool_use blocks streamed as input_json_delta fragments.
// POST /v1/messages/count_tokens: same credential and version checks; a body field that count_tokens
// does not take (max_tokens, stream, temperature, ...) is a 400 "Extra inputs are not permitted", as
// the real API answers; fail-500/fail-529/rate-429 behave as above; otherwise
// {"input_tokens": util.countTokensFor(body)}.
import { startServer, sendJson, sleep, anthropicReply, sseEvent, behaviourOf, writePieces, countTokensFor, COUNT_TOKENS_FIELDS } from './util.mjs';

export function anthropicError(res, status, type, message, headers = {}) {
  return sendJson(res, status, { type: 'error', error: { type, message }, request_id: `req_emu${Math.random().toString(36).slice(2, 10)}` }, headers);
}

// Answers one Anthropic-shaped request (also used by the Bedrock and Vertex emulators after their
// own envelope checks). Returns nothing; records into `served`.
export async function answerAnthropic(res, req, body, { name, model, stream, served, cache, idPrefix, toolPrefix, stalled }) {
  const behaviour = behaviourOf(model);
  switch (behaviour) {
    case 'fail-529':
      return anthropicError(res, 529, 'overloaded_error', 'Overloaded');
    case 'fail-500':
      return anthropicError(res, 500, 'api_error', 'Internal server error');
    case 'fail-503':
      return anthropicError(res, 503, 'api_error', 'Service unavailable');
    case 'rate-429':
      return anthropicError(res, 429, 'rate_limit_error', "This request would exceed your account's rate limit. Please try again later.", { 'retry-after': '1' });
    case 'drop':
      req.socket.destroy();
      return;
    case 'stall':
      stalled?.add(res);
      res.on('close', () => stalled?.delete(res));
      return;
    default:
      break;
  }
  const r = anthropicReply(body, { provider: name, model, cache, idPrefix, toolPrefix });
  const entry = {
    emulator: name, model, input: r.usage.input_tokens, output: r.usage.output_tokens,
    cacheRead: r.usage.cache_read_input_tokens, cacheWrite: r.usage.cache_creation_input_tokens, stream: !!stream, complete: false,
  };
  if (!stream) {
    served.push(entry);
    entry.complete = true;
    return sendJson(res, 200, r.message, { 'request-id': `req_${r.message.id}` });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': `req_${r.message.id}` });
  const pieces = r.events.map(sseEvent);
  if (behaviour === 'start-overloaded') {
    served.push({ ...entry, output: 0, broken: true });
    res.end(pieces[0] + sseEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    return;
  }
  if (behaviour === 'stream-invalid') {
    served.push({ ...entry, output: 0, broken: true });
    res.end(sseEvent({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }));
    return;
  }
  // A stream that breaks: after its opening (before the first delta) or after a few deltas, with
  // an overloaded_error event or a dropped connection.
  const broken = { 'start-then-overloaded': 'error', 'start-then-drop': 'drop', 'midstream-error': 'error', 'midstream-drop': 'drop' }[behaviour];
  if (broken) {
    served.push({ ...entry, output: 0, broken: true });
    const cut = behaviour.startsWith('start-then-') ? r.events.findIndex((e) => e.type === 'content_block_delta') : 4;
    await writePieces(res, pieces.slice(0, cut), 20);
    await sleep(50);
    if (broken === 'error') {
      res.end(sseEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    } else {
      res.socket?.destroy();
    }
    return;
  }
  served.push(entry);
  entry.complete = await writePieces(res, pieces, behaviour === 'slow' ? 100 : 0);
  res.end();
}

// Answers a token count request whose envelope the caller checked: behaviour by `model`, then
// {[field]: count}. Records into `counted`.
export function answerCount(res, body, { model, counted, field = 'input_tokens', error = anthropicError }) {
  switch (behaviourOf(model)) {
    case 'fail-529':
      return error(res, 529, 'overloaded_error', 'Overloaded');
    case 'fail-500':
      return error(res, 500, 'api_error', 'Internal server error');
    case 'rate-429':
      return error(res, 429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': '1' });
    default:
      break;
  }
  const input = countTokensFor(body);
  counted.push({ model, input });
  return sendJson(res, 200, { [field]: input });
}

export async function startAnthropic({ name = 'anthropic', apiKey = null, cache = { read: 0, write: 0 } } = {}) {
  const requests = [];
  const served = [];
  const counted = [];
  const stalled = new Set();
  const srv = await startServer(async (req, res, raw) => {
    const url = new URL(req.url, 'http://x');
    const rec = { method: req.method, path: url.pathname, headers: { ...req.headers }, body: null, model: null };
    requests.push(rec);
    const counting = url.pathname === '/v1/messages/count_tokens';
    if (req.method !== 'POST' || (url.pathname !== '/v1/messages' && !counting)) {
      return anthropicError(res, 404, 'not_found_error', `Not found: ${req.method} ${url.pathname}`);
    }
    const bearer = (req.headers.authorization || '').replace(/^Bearer /, '');
    rec.authVia = req.headers['x-api-key'] !== undefined ? 'x-api-key' : (req.headers.authorization ? 'bearer' : 'none');
    const given = req.headers['x-api-key'] ?? bearer;
    if (apiKey !== null && given !== apiKey) {
      return anthropicError(res, 401, 'authentication_error', 'invalid x-api-key');
    }
    if (!req.headers['anthropic-version']) {
      return anthropicError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    }
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return anthropicError(res, 400, 'invalid_request_error', 'There was an error parsing the body of your request.');
    }
    rec.body = body;
    rec.model = body.model;
    rec.behaviour = behaviourOf(body.model);
    if (typeof body.model !== 'string') return anthropicError(res, 400, 'invalid_request_error', 'model: Field required');
    if (counting) {
      const extra = Object.keys(body).find((k) => !COUNT_TOKENS_FIELDS.includes(k));
      if (extra) return anthropicError(res, 400, 'invalid_request_error', `${extra}: Extra inputs are not permitted`);
      if (!Array.isArray(body.messages)) return anthropicError(res, 400, 'invalid_request_error', 'messages: Field required');
      return answerCount(res, body, { model: body.model, counted });
    }
    if (typeof body.max_tokens !== 'number') return anthropicError(res, 400, 'invalid_request_error', 'max_tokens: Field required');
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return anthropicError(res, 400, 'invalid_request_error', 'messages: Field required');
    }
    return answerAnthropic(res, req, body, { name, model: body.model, stream: !!body.stream, served, cache, stalled });
  });
  return {
    name,
    port: srv.port,
    origin: srv.origin,
    baseUrl: srv.origin,
    requests,
    served,
    counted,
    messageRequests: () => requests.filter((r) => r.path === '/v1/messages' && r.body),
    totals(filter = () => true) {
      const t = { requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
      for (const s of served.filter(filter)) {
        t.requests++;
        t.input += s.input;
        t.output += s.output;
        t.cacheRead += s.cacheRead;
        t.cacheWrite += s.cacheWrite;
      }
      return t;
    },
    async close() {
      for (const r of stalled) r.destroy();
      await srv.close();
    },
  };
}
