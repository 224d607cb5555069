// AWS Bedrock Runtime emulator (plain node:http), independent of the gateway's code.
//
//   const emu = await startBedrock({ name: 'aws', region: 'us-east-1', accessKeyId, secretAccessKey, sessionToken });
//   emu.baseUrl -> 'http://127.0.0.1:PORT' (the `bedrock` provider base_url)
//
// `clockOffsetMs`: the emulator's clock runs that far from this machine's (a gateway host whose
// clock drifted); signatures more than 5 minutes off it are refused with AWS's "Signature
// expired" message, and every answer's Date header carries it.
//
// Temporary credentials (issued by an STS, container or IMDS emulator while the test runs): pass
// `credentials: (accessKeyId) => ({ secretAccessKey, sessionToken, expiresAt }) | undefined`
// instead of one fixed key; an unknown key id gets 403 UnrecognizedClientException, a credential
// past its expiresAt (ms) 403 ExpiredTokenException, and a session token that is missing or not
// signed is refused, as AWS does. Each recorded request carries the key id it was signed with.
//
// Routes: POST /model/{modelId}/invoke, /invoke-with-response-stream, /converse, /converse-stream,
// /count-tokens (CountTokens with {"input":{"invokeModel":{"body": base64 of an InvokeModel body}}},
// the inner body checked as InvokeModel checks it; answers {"inputTokens": util.countTokensFor(body)}
// and records {model, input} in `counted`; the converse input variant is not emulated).
// Every request's SigV4 signature is recomputed with AWS's own @smithy/signature-v4 from the
// received method, path (exactly as sent), query, signed headers and body bytes; a mismatch gets 403
// InvalidSignatureException (an unknown key id: 403 UnrecognizedClientException), as AWS does.
// Streams are AWS event-stream frames encoded with @smithy/eventstream-codec: InvokeModel streams
// carry `chunk` events whose payload is {"bytes": base64(Anthropic event JSON), "p": padding};
// ConverseStream sends messageStart/contentBlockStart/contentBlockDelta/contentBlockStop/
// messageStop/metadata events.
//
// Behaviour by model id (util.behaviourOf): rate-429 -> HTTP 429 ThrottlingException (with
// x-amzn-errortype); midstream-error -> HTTP 200 then a throttlingException exception frame;
// start-overloaded (InvokeModel streams) -> HTTP 200 whose first frame is a
// serviceUnavailableException exception frame;
// fail-500 -> InternalServerException; fail-503 -> ServiceUnavailableException; drop; stall; slow.
// InvokeModel is for Anthropic models and the embedding models below (any other model id gets a
// ValidationException, as the real service rejects the Anthropic body for it); Converse serves any
// model id.
//
// Embeddings (InvokeModel), recorded in `embedded` as {model, texts, body}:
//  amazon.titan-embed-text-v2*: {"inputText", "dimensions"? (256|512|1024), "normalize"?,
//    "embeddingTypes"?} -> {"embedding": util.embeddingFor(text, dimensions ?? 1024),
//    "inputTextTokenCount"}; other amazon.titan-embed*: {"inputText"} only, 1536 values;
//  cohere.embed*: {"texts": 1..96, "input_type" (required), "embedding_types"?, "truncate"?} ->
//    {"id","embeddings":{"float":[...]},"response_type":"embeddings_by_type","texts"} (without
//    embedding_types the older {"embeddings":[[...]],"response_type":"embeddings_floats"}), 1024
//    values; tokens in X-Amzn-Bedrock-Input-Token-Count only, unless the model id has "no-count".
// Every answer also carries X-Amzn-Bedrock-Input-Token-Count except as said; extraneous keys and
// malformed values are ValidationExceptions worded as Bedrock's.
import crypto from 'node:crypto';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startServer, sendJson, sleep, anthropicReply, behaviourOf, promptTokensFor, wordsOf, fragments, replyText, TOOL_ARGS, countTokensFor, embeddingFor, embeddingTokensFor } from './util.mjs';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const PAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function eventFrame(eventType, payloadObj) {
  return Buffer.from(codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(payloadObj)),
  }));
}

export function exceptionFrame(exceptionType, message) {
  return Buffer.from(codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  }));
}

function awsError(res, status, name, message) {
  return sendJson(res, status, { message }, {
    'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': crypto.randomUUID(),
  });
}

export function amzDateOf(ms) {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// Verifies a SigV4-signed request with @smithy/signature-v4. Returns null when valid, otherwise
// {status, name, message}.
// `now`: the verifier's clock (ms), which a skewed emulator sets apart from this machine's.
export async function verifySigV4({ method, rawUrl, headers, body }, { accessKeyId, secretAccessKey, sessionToken, region, service = 'bedrock', now = Date.now() }) {
  const auth = headers.authorization || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) {
    return { status: 403, name: 'IncompleteSignatureException', message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${auth.slice(0, 40)}` };
  }
  const [, akid, day, reg, svc, signedList, signature] = m;
  if (akid !== accessKeyId) return { status: 403, name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (reg !== region || svc !== service) return { status: 403, name: 'InvalidSignatureException', message: `Credential should be scoped to a valid region/service (${reg}/${svc}).` };
  const amzDate = headers['x-amz-date'];
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== day) {
    return { status: 403, name: 'IncompleteSignatureException', message: 'missing or inconsistent X-Amz-Date' };
  }
  const when = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  // AWS's own wording, which quotes its current time.
  if (now - when.getTime() > 5 * 60 * 1000) {
    return { status: 403, name: 'InvalidSignatureException', message: `Signature expired: ${amzDate} is now earlier than ${amzDateOf(now - 5 * 60 * 1000)} (${amzDateOf(now)} - 5 min.)` };
  }
  if (when.getTime() - now > 5 * 60 * 1000) {
    return { status: 403, name: 'InvalidSignatureException', message: `Signature not yet current: ${amzDate} is still later than ${amzDateOf(now + 5 * 60 * 1000)} (${amzDateOf(now)} + 5 min.)` };
  }
  const signed = signedList.split(';');
  for (const h of ['host', 'x-amz-date']) {
    if (!signed.includes(h)) return { status: 403, name: 'InvalidSignatureException', message: `header ${h} must be signed` };
  }
  const bodyHash = crypto.createHash('sha256').update(body).digest('hex');
  if (headers['x-amz-content-sha256'] !== undefined && headers['x-amz-content-sha256'] !== bodyHash) {
    return { status: 400, name: 'XAmzContentSHA256Mismatch', message: 'The provided x-amz-content-sha256 header does not match what was computed.' };
  }
  if (sessionToken && headers['x-amz-security-token'] !== sessionToken) {
    return { status: 403, name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  }
  if (sessionToken && !signed.includes('x-amz-security-token')) {
    return { status: 403, name: 'IncompleteSignatureException', message: 'x-amz-security-token must be signed' };
  }
  const toSign = {};
  for (const h of signed) {
    if (headers[h] === undefined) return { status: 403, name: 'InvalidSignatureException', message: `signed header ${h} is missing` };
    toSign[h] = h === 'x-amz-content-sha256' ? bodyHash : headers[h];
  }
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(rawUrl.slice(q + 1))) query[k] = v;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey, sessionToken: signed.includes('x-amz-security-token') ? sessionToken : undefined },
    region, service, sha256: Sha256, applyChecksum: signed.includes('x-amz-content-sha256'),
  });
  const out = await signer.sign(
    { method, protocol: 'http:', hostname: (headers.host || '').split(':')[0], path, query, headers: toSign, body },
    { signingDate: when, signableHeaders: new Set(signed) },
  );
  const mine = /Signature=([0-9a-f]{64})/.exec(out.headers.authorization)[1];
  const mineList = /SignedHeaders=([^,]+)/.exec(out.headers.authorization)[1];
  if (mine !== signature || mineList !== signedList) {
    return { status: 403, name: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.' };
  }
  return null;
}

// Converse request -> reply pieces.
function converseReply(body, { name, modelId }) {
  const msgs = body.messages || [];
  const last = msgs[msgs.length - 1];
  const lastIsToolResult = Array.isArray(last?.content) && last.content.some((b) => b.toolResult);
  const specs = (body.toolConfig?.tools || []).filter((t) => t.toolSpec).map((t) => t.toolSpec);
  const tools = specs.length && !lastIsToolResult ? specs.slice(0, 2) : [];
  const text = tools.length ? 'Let me check.' : replyText(name, modelId);
  const content = [{ text }];
  tools.forEach((t, i) => content.push({ toolUse: { toolUseId: `tooluse_emu${i}${crypto.randomBytes(4).toString('hex')}`, name: t.name, input: TOOL_ARGS[i] } }));
  const usage = {
    inputTokens: promptTokensFor(msgs), outputTokens: tools.length ? 19 * tools.length + 3 : wordsOf(text).length,
    cacheReadInputTokens: 0, cacheWriteInputTokens: 0,
  };
  usage.totalTokens = usage.inputTokens + usage.outputTokens;
  const stopReason = tools.length ? 'tool_use' : 'end_turn';
  return { content, usage, stopReason, text, tools };
}

// Why an InvokeModel body for an Anthropic model would be refused (a ValidationException message),
// or null.
function invokeBodyProblem(modelId, body) {
  if (!/anthropic\./.test(modelId)) {
    return 'Malformed input request: #: required key [inputText] not found';
  }
  for (const k of Object.keys(body)) {
    if (!['anthropic_version', 'anthropic_beta', 'max_tokens', 'messages', 'system', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice', 'thinking', 'metadata', 'output_config'].includes(k)) {
      return `Malformed input request: #: extraneous key [${k}] is not permitted, please reformat your input and try again.`;
    }
  }
  if (body.anthropic_version !== 'bedrock-2023-05-31') {
    return 'Malformed input request: #: required key [anthropic_version] not found';
  }
  if (typeof body.max_tokens !== 'number') return 'Malformed input request: #: required key [max_tokens] not found';
  return null;
}

// Titan's or Cohere's InvokeModel answer (see the header comment), or its ValidationException.
function answerEmbedding(res, modelId, body, embedded) {
  const invalid = (message) => awsError(res, 400, 'ValidationException', `Malformed input request: ${message}, please reformat your input and try again.`);
  const extraneous = (allowed) => Object.keys(body).find((k) => !allowed.includes(k));
  const headers = { 'x-amzn-requestid': crypto.randomUUID() };
  if (/cohere\.embed/.test(modelId)) {
    const extra = extraneous(['texts', 'input_type', 'embedding_types', 'truncate']);
    if (extra) return invalid(`#: extraneous key [${extra}] is not permitted`);
    const { texts } = body;
    if (!Array.isArray(texts) || texts.length < 1 || texts.length > 96 || !texts.every((t) => typeof t === 'string')) {
      return invalid('#/texts: expected an array of 1 to 96 strings');
    }
    if (!['search_document', 'search_query', 'classification', 'clustering'].includes(body.input_type)) {
      return invalid('#: required key [input_type] not found');
    }
    const vectors = texts.map((t) => embeddingFor(t, 1024));
    embedded.push({ model: modelId, texts, body });
    if (!modelId.includes('no-count')) {
      headers['x-amzn-bedrock-input-token-count'] = String(texts.reduce((a, t) => a + embeddingTokensFor(t), 0));
    }
    const reply = body.embedding_types
      ? { id: crypto.randomUUID(), embeddings: { float: vectors }, response_type: 'embeddings_by_type', texts }
      : { id: crypto.randomUUID(), embeddings: vectors, response_type: 'embeddings_floats', texts };
    return sendJson(res, 200, reply, headers);
  }
  const v2 = /amazon\.titan-embed-text-v2/.test(modelId);
  const extra = extraneous(v2 ? ['inputText', 'dimensions', 'normalize', 'embeddingTypes'] : ['inputText']);
  if (extra) return invalid(`#: extraneous key [${extra}] is not permitted`);
  if (typeof body.inputText !== 'string' || body.inputText.length === 0) return invalid('#: required key [inputText] not found');
  if (body.dimensions !== undefined && ![256, 512, 1024].includes(body.dimensions)) return invalid('#/dimensions: must be one of 256, 512, 1024');
  if (body.normalize !== undefined && typeof body.normalize !== 'boolean') return invalid('#/normalize: expected type: Boolean');
  const tokens = embeddingTokensFor(body.inputText);
  embedded.push({ model: modelId, texts: [body.inputText], body });
  headers['x-amzn-bedrock-input-token-count'] = String(tokens);
  return sendJson(res, 200, { embedding: embeddingFor(body.inputText, v2 ? body.dimensions ?? 1024 : 1536), inputTextTokenCount: tokens }, headers);
}

export async function startBedrock({ name = 'bedrock', region = 'us-east-1', accessKeyId, secretAccessKey, sessionToken = undefined, credentials = undefined, clockOffsetMs = 0 } = {}) {
  // The emulator's clock: this machine's + clockOffsetMs, as a Bedrock whose time differs from
  // the gateway host's. Its Date header and the 5-minute signature window follow it.
  const now = () => Date.now() + clockOffsetMs;
  const requests = [];
  const served = [];
  const counted = [];
  const embedded = [];
  const stalled = new Set();
  const srv = await startServer(async (req, res, raw) => {
    const rec = { method: req.method, rawUrl: req.url, headers: { ...req.headers }, body: null, modelId: null, op: null, sigError: null };
    requests.push(rec);
    res.setHeader('date', new Date(now()).toUTCString());
    const m = /^\/model\/([^/?]+)\/(invoke|invoke-with-response-stream|converse|converse-stream|count-tokens)(\?.*)?$/.exec(req.url);
    if (req.method !== 'POST' || !m) {
      return awsError(res, 404, 'UnknownOperationException', `no route ${req.method} ${req.url}`);
    }
    rec.op = m[2];
    rec.modelId = decodeURIComponent(m[1]);
    let keys = { accessKeyId, secretAccessKey, sessionToken };
    if (credentials) {
      rec.accessKeyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization || '')?.[1];
      const found = rec.accessKeyId && credentials(rec.accessKeyId);
      if (!found) {
        rec.sigError = { status: 403, name: 'UnrecognizedClientException' };
        return awsError(res, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      }
      if (found.expiresAt !== undefined && now() >= found.expiresAt) {
        rec.sigError = { status: 403, name: 'ExpiredTokenException' };
        return awsError(res, 403, 'ExpiredTokenException', 'The security token included in the request is expired');
      }
      keys = { accessKeyId: rec.accessKeyId, secretAccessKey: found.secretAccessKey, sessionToken: found.sessionToken };
    }
    const err = await verifySigV4({ method: req.method, rawUrl: req.url, headers: req.headers, body: raw }, { ...keys, region, now: now() });
    if (err) {
      rec.sigError = err;
      return awsError(res, err.status, err.name, err.message);
    }
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return awsError(res, 400, 'ValidationException', 'Malformed input request, please reformat your input and try again.');
    }
    rec.body = body;
    const behaviour = (rec.behaviour = behaviourOf(rec.modelId));
    switch (behaviour) {
      case 'rate-429':
        return awsError(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
      case 'fail-500':
        return awsError(res, 500, 'InternalServerException', 'The server encountered an internal error.');
      case 'fail-503':
        return awsError(res, 503, 'ServiceUnavailableException', 'The service is unavailable. Try again later.');
      case 'drop':
        req.socket.destroy();
        return;
      case 'stall':
        stalled.add(res);
        res.on('close', () => stalled.delete(res));
        return;
      default:
        break;
    }
    const streaming = rec.op.endsWith('stream');
    const delay = behaviour === 'slow' ? 100 : 0;

    if (rec.op === 'count-tokens') {
      const keys = Object.keys(body);
      const inv = body.input?.invokeModel;
      if (keys.length !== 1 || keys[0] !== 'input' || Object.keys(body.input ?? {}).length !== 1 || typeof inv?.body !== 'string' || Object.keys(inv).length !== 1) {
        return awsError(res, 400, 'ValidationException', 'Malformed input request: expected {"input":{"invokeModel":{"body":"<base64>"}}}');
      }
      let inner;
      try {
        const bytes = Buffer.from(inv.body, 'base64');
        if (bytes.toString('base64') !== inv.body) throw new Error('not canonical base64'); // a blob is standard, padded base64
        inner = JSON.parse(bytes.toString('utf8'));
      } catch {
        return awsError(res, 400, 'ValidationException', 'Malformed input request: invokeModel.body is not base64-encoded JSON');
      }
      rec.countBody = inner;
      const problem = invokeBodyProblem(rec.modelId, inner);
      if (problem) return awsError(res, 400, 'ValidationException', problem);
      const input = countTokensFor(inner);
      counted.push({ model: rec.modelId, input });
      return sendJson(res, 200, { inputTokens: input }, { 'x-amzn-requestid': crypto.randomUUID() });
    }

    if (rec.op === 'invoke' && /(^|[./])(amazon\.titan-embed|cohere\.embed)/.test(rec.modelId)) {
      return answerEmbedding(res, rec.modelId, body, embedded);
    }
    if (rec.op === 'invoke' || rec.op === 'invoke-with-response-stream') {
      const problem = invokeBodyProblem(rec.modelId, body);
      if (problem) return awsError(res, 400, 'ValidationException', problem);
      const r = anthropicReply(body, { provider: name, model: rec.modelId, idPrefix: 'msg_bdrk_', toolPrefix: 'toolu_bdrk_' });
      const entry = { emulator: name, op: rec.op, model: rec.modelId, input: r.usage.input_tokens, output: r.usage.output_tokens, cacheRead: 0, cacheWrite: 0, stream: streaming, complete: false };
      if (!streaming) {
        served.push(entry);
        entry.complete = true;
        return sendJson(res, 200, r.message, {
          'x-amzn-requestid': crypto.randomUUID(),
          'x-amzn-bedrock-input-token-count': String(r.usage.input_tokens),
          'x-amzn-bedrock-output-token-count': String(r.usage.output_tokens),
          'x-amzn-bedrock-invocation-latency': '12',
        });
      }
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': crypto.randomUUID(), 'x-amzn-bedrock-content-type': 'application/json' });
      const events = r.events.filter((e) => e.type !== 'ping');
      const last = events[events.length - 1];
      last['amazon-bedrock-invocationMetrics'] = { inputTokenCount: r.usage.input_tokens, outputTokenCount: r.usage.output_tokens, invocationLatency: 40, firstByteLatency: 10 };
      if (behaviour === 'start-overloaded') {
        served.push({ ...entry, output: 0, broken: true });
        res.end(exceptionFrame('serviceUnavailableException', 'Bedrock is unable to process your request.'));
        return;
      }
      if (behaviour === 'midstream-error') {
        served.push({ ...entry, output: 0, broken: true });
        for (const e of events.slice(0, 3)) res.write(eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(e)).toString('base64'), p: PAD.slice(0, 7) }));
        await sleep(50);
        res.end(exceptionFrame('throttlingException', 'Too many requests, please wait before trying again.'));
        return;
      }
      served.push(entry);
      for (const [i, e] of events.entries()) {
        if (res.destroyed) return;
        // Frames are written in odd splits so that frame and HTTP chunk boundaries differ.
        const f = eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(e)).toString('base64'), p: PAD.slice(0, 1 + (i * 7) % PAD.length) });
        const cut = Math.min(f.length - 1, 5 + (i % 9));
        res.write(f.subarray(0, cut));
        res.write(f.subarray(cut));
        if (delay) await sleep(delay);
      }
      entry.complete = true;
      res.end();
      return;
    }

    // Converse / ConverseStream
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return awsError(res, 400, 'ValidationException', '1 validation error detected: Value null at \'messages\' failed to satisfy constraint: Member must not be null');
    }
    for (const k of Object.keys(body)) {
      if (!['messages', 'system', 'inferenceConfig', 'toolConfig', 'additionalModelRequestFields', 'additionalModelResponseFieldPaths', 'guardrailConfig', 'promptVariables', 'requestMetadata', 'performanceConfig', 'serviceTier', 'outputConfig'].includes(k)) {
        return awsError(res, 400, 'ValidationException', `Unexpected field type: ${k}`);
      }
    }
    for (const msg of body.messages) {
      if (!['user', 'assistant'].includes(msg.role) || !Array.isArray(msg.content)) {
        return awsError(res, 400, 'ValidationException', 'A conversation must alternate between user and assistant roles; content must be a list of blocks.');
      }
    }
    const r = converseReply(body, { name, modelId: rec.modelId });
    const entry = { emulator: name, op: rec.op, model: rec.modelId, input: r.usage.inputTokens, output: r.usage.outputTokens, cacheRead: 0, cacheWrite: 0, stream: streaming, complete: false };
    if (!streaming) {
      served.push(entry);
      entry.complete = true;
      return sendJson(res, 200, {
        output: { message: { role: 'assistant', content: r.content } }, stopReason: r.stopReason, usage: r.usage, metrics: { latencyMs: 12 },
      }, { 'x-amzn-requestid': crypto.randomUUID() });
    }
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': crypto.randomUUID() });
    const frames = [eventFrame('messageStart', { p: PAD.slice(0, 3), role: 'assistant' })];
    for (const w of wordsOf(r.text)) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: w }, p: PAD.slice(0, 5) }));
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: 0, p: PAD.slice(0, 2) }));
    r.content.slice(1).forEach((b, i) => {
      const idx = i + 1;
      frames.push(eventFrame('contentBlockStart', { contentBlockIndex: idx, start: { toolUse: { toolUseId: b.toolUse.toolUseId, name: b.toolUse.name } }, p: PAD.slice(0, 4) }));
      for (const f of fragments(JSON.stringify(b.toolUse.input), 3)) {
        frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: idx, delta: { toolUse: { input: f } }, p: PAD.slice(0, 6) }));
      }
      frames.push(eventFrame('contentBlockStop', { contentBlockIndex: idx, p: PAD.slice(0, 2) }));
    });
    frames.push(eventFrame('messageStop', { stopReason: r.stopReason, p: PAD.slice(0, 8) }));
    frames.push(eventFrame('metadata', { usage: r.usage, metrics: { latencyMs: 12 }, p: PAD.slice(0, 9) }));
    if (behaviour === 'midstream-error') {
      served.push({ ...entry, output: 0, broken: true });
      for (const f of frames.slice(0, 3)) res.write(f);
      await sleep(50);
      res.end(exceptionFrame('throttlingException', 'Too many requests, please wait before trying again.'));
      return;
    }
    served.push(entry);
    for (const f of frames) {
      if (res.destroyed) return;
      res.write(f);
      if (delay) await sleep(delay);
    }
    entry.complete = true;
    res.end();
  });
  return {
    name,
    port: srv.port,
    origin: srv.origin,
    baseUrl: srv.origin,
    requests,
    served,
    counted,
    embedded,
    calls: () => requests.filter((r) => r.op && !r.sigError),
    totals(filter = () => true) {
      const t = { requests: 0, input: 0, output: 0 };
      for (const s of served.filter(filter)) {
        t.requests++;
        t.input += s.input;
        t.output += s.output;
      }
      return t;
    },
    async close() {
      for (const r of stalled) r.destroy();
      await srv.close();
    },
  };
}
