// OpenAI Chat Completions emulator (plain node:http), independent of the gateway's code.
//
//   const emu = await startOpenAI({ name: 'oa-a', apiKey: 'sk-up-a' });
//   emu.baseUrl          -> 'http://127.0.0.1:PORT/v1' (the `openai` provider base_url)
//   emu.requests         -> every request: {method, path, headers, body, model, behaviour}
//   emu.served           -> usage the emulator reported for each successful reply:
//                           {model, input, output, cached, stream, includeUsageAsked, usageSent}
//   emu.totals(filter)   -> sums of `served`
//
// Behaviour is chosen by the upstream model name (see util.behaviourOf): fail-500, fail-503,
// rate-429 (retry-after: 1), drop, stall, midstream-drop, midstream-error, slow, pause-mid (a stream
// falls silent for 1.5 s after its first word), late-end (the first words, the rest of the text
// 300 ms later in one write, the end 1.2 s after that), echo-auth (a 400
// quoting the request's Authorization header), no-done (a stream
// ends after its finish_reason: no usage chunk, no [DONE]; a whole reply has no usage), refuse (the reply
// is a refusal: message.refusal, streamed as delta.refusal, as structured outputs do); otherwise
// success.
// A request carrying `tools` (and not ending with a tool result) gets tool calls back: two parallel
// calls when two or more tools are offered; streamed arguments come in several fragments.
import {
  startServer, sendJson, sleep, promptTokensFor, wordsOf, fragments, replyText, behaviourOf, TOOL_ARGS, writePieces,
} from './util.mjs';

export async function startOpenAI({ name = 'openai', apiKey = null, cachedTokens = 0 } = {}) {
  const requests = [];
  const served = [];
  const stalled = new Set();

  const srv = await startServer(async (req, res, raw) => {
    const url = new URL(req.url, 'http://x');
    const rec = { method: req.method, path: url.pathname, headers: { ...req.headers }, body: null, model: null };
    requests.push(rec);

    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: [] });
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
      return sendJson(res, 404, { error: { message: `no route ${req.method} ${url.pathname}`, type: 'invalid_request_error', param: null, code: null } });
    }
    if (apiKey !== null && req.headers.authorization !== `Bearer ${apiKey}`) {
      return sendJson(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    }
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null } });
    }
    rec.body = body;
    rec.model = body.model;
    const behaviour = (rec.behaviour = behaviourOf(body.model));
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return sendJson(res, 400, { error: { message: "'messages' is required", type: 'invalid_request_error', param: 'messages', code: null } });
    }

    switch (behaviour) {
      case 'echo-auth':  // a server whose errors quote the request's headers back
        return sendJson(res, 400, { error: { message: `bad request; you sent authorization: ${req.headers.authorization}`, type: 'invalid_request_error', param: null, code: null } });
      case 'fail-500':
        return sendJson(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } });
      case 'fail-503':
        return sendJson(res, 503, { error: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', param: null, code: null } });
      case 'rate-429':
        return sendJson(res, 429, { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': '1' });
      case 'drop':
        req.socket.destroy();
        return;
      case 'stall':
        stalled.add(res);
        res.on('close', () => stalled.delete(res));
        return; // never answers; close() destroys the socket
      default:
        break;
    }

    const id = `chatcmpl-emu${Math.random().toString(36).slice(2, 12)}`;
    const created = Math.floor(Date.now() / 1000);
    const lastMsg = body.messages[body.messages.length - 1];
    const wantsTools = Array.isArray(body.tools) && body.tools.length > 0 && lastMsg?.role !== 'tool';
    const tools = wantsTools ? body.tools.slice(0, 2) : [];
    const text = replyText(name, body.model);
    const calls = tools.map((t, i) => ({
      id: `call_emu${i}_${id.slice(-6)}`, type: 'function', function: { name: t.function?.name ?? t.name, arguments: JSON.stringify(TOOL_ARGS[i]) },
    }));
    const prompt = promptTokensFor(body.messages) + cachedTokens;
    const completion = calls.length ? 17 * calls.length : wordsOf(text).length;
    const usage = {
      prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
    const finish = calls.length ? 'tool_calls' : 'stop';
    const refuses = behaviour === 'refuse';
    const entry = { emulator: name, model: body.model, input: prompt, output: completion, cached: cachedTokens, stream: !!body.stream, includeUsageAsked: !!body.stream_options?.include_usage, usageSent: false, complete: false };
    rec.reply = entry;

    if (!body.stream) {
      served.push(entry);
      entry.usageSent = behaviour !== 'no-done';  // no-done answers without usage, as some servers do
      entry.complete = true;
      return sendJson(res, 200, {
        id, object: 'chat.completion', created, model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: calls.length || refuses ? null : text, refusal: refuses ? text : null, annotations: [], ...(calls.length ? { tool_calls: calls } : {}) }, logprobs: null, finish_reason: finish }],
        ...(behaviour === 'no-done' ? {} : { usage }), service_tier: 'default', system_fingerprint: 'fp_emu',
      }, { 'x-request-id': `req_${id}` });
    }

    const includeUsage = entry.includeUsageAsked;
    const chunk = (delta, finish_reason = null) => {
      const c = { id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_emu', choices: [{ index: 0, delta, logprobs: null, finish_reason }] };
      if (includeUsage) c.usage = null;
      return `data: ${JSON.stringify(c)}\n\n`;
    };
    const pieces = [];
    if (calls.length) {
      pieces.push(chunk({ role: 'assistant', content: null }));
      calls.forEach((c, i) => {
        pieces.push(chunk({ tool_calls: [{ index: i, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }));
        for (const f of fragments(c.function.arguments, 3)) {
          pieces.push(chunk({ tool_calls: [{ index: i, function: { arguments: f } }] }));
        }
      });
    } else {
      pieces.push(chunk(refuses ? { role: 'assistant', content: null, refusal: '' } : { role: 'assistant', content: '', refusal: null }));
      for (const w of wordsOf(text)) pieces.push(chunk(refuses ? { refusal: w } : { content: w }));
    }
    pieces.push(chunk({}, finish));
    // no-done: the body ends after the finish_reason chunk, with neither usage nor [DONE], as some
    // compatible servers end (protocols.md 1.6).
    if (includeUsage && behaviour !== 'no-done') {
      pieces.push(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_emu', choices: [], usage })}\n\n`);
    }
    if (behaviour !== 'no-done') pieces.push('data: [DONE]\n\n');

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': `req_${id}` });
    if (behaviour === 'midstream-drop' || behaviour === 'midstream-error') {
      // The upstream accepted the request and started answering: it may have billed the prompt.
      served.push({ ...entry, output: 0, complete: false, broken: true });
      await writePieces(res, pieces.slice(0, 3), 20);
      await sleep(50);
      if (behaviour === 'midstream-error') {
        res.end(`data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })}\n\n`);
      } else {
        res.socket?.destroy();
      }
      return;
    }
    served.push(entry);
    if (behaviour === 'pause-mid') {
      // A model that starts, then thinks in silence for a while (reasoning) before the rest.
      await writePieces(res, pieces.slice(0, 2));
      await sleep(1500);
      pieces.splice(0, 2);
    }
    if (behaviour === 'late-end') {
      // The first words; 300 ms later the rest of the text in one write; 1.2 s later the end.
      const end = pieces.findIndex((p) => p.includes('"finish_reason":"'));
      await writePieces(res, pieces.slice(0, 2));
      await sleep(300);
      await writePieces(res, [pieces.slice(2, end).join('')]);
      await sleep(1200);
      pieces.splice(0, end);
    }
    const ok = await writePieces(res, pieces, behaviour === 'slow' ? 100 : 0);
    entry.usageSent = includeUsage && behaviour !== 'no-done';
    entry.complete = ok;
    res.end();
  });

  return {
    name,
    port: srv.port,
    origin: srv.origin,
    baseUrl: `${srv.origin}/v1`,
    requests,
    served,
    chatRequests: () => requests.filter((r) => r.path === '/v1/chat/completions' && r.body),
    totals(filter = () => true) {
      const t = { requests: 0, input: 0, output: 0, cached: 0 };
      for (const s of served.filter(filter)) {
        t.requests++;
        t.input += s.input;
        t.output += s.output;
        t.cached += s.cached;
      }
      return t;
    },
    reset() {
      requests.length = 0;
      served.length = 0;
    },
    async close() {
      for (const r of stalled) r.destroy();
      await srv.close();
    },
  };
}
