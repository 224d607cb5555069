// Test harness: writes a config in the contract's YAML format, runs `switchyard serve` on a free
// loopback port, waits for /health/ready, collects stderr (JSON log lines), stops it with SIGTERM.
//
//   const gw = await startGateway({ config, env, dir });
//   gw.url / gw.baseURL (…/v1) / gw.logs / gw.stderr
//   await gw.stop()          -> {code, signal}   (SIGTERM; tests assert code 0)
//   gw.kill9()               -> SIGKILL, resolves when the process is gone
//   await gw.restart()       -> a new process on the same config file (and DB)
//   await gw.usage('key,model,provider') / gw.admin(method, path, body)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const VECTORS = path.join(REPO, 'tests', 'fixtures', 'vectors');
export const SA_KEY_FILE = path.join(VECTORS, 'gcp_service_account_TEST_ONLY.json');
export const BIN = process.env.SWITCHYARD_BIN || path.join(REPO, 'build', 'switchyard');
export const MASTER_KEY = 'sk-master-e2e-0123456789';

const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch { /* gone */ }
  }
});

export function tempDir(prefix = 'switchyard-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// --- a small YAML emitter (block style; every string double-quoted, which YAML reads like JSON) ---
function scalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(String(v));
}
function isScalar(v) {
  return v === null || typeof v !== 'object';
}
export function toYaml(obj, indent = 0) {
  const pad = ' '.repeat(indent);
  let out = '';
  if (Array.isArray(obj)) {
    if (obj.length === 0) return `${pad}[]\n`;
    for (const item of obj) {
      if (isScalar(item)) {
        out += `${pad}- ${scalar(item)}\n`;
      } else if (Array.isArray(item)) {
        out += `${pad}- ${JSON.stringify(item)}\n`;
      } else {
        const inner = toYaml(item, indent + 2);
        out += `${pad}- ${inner.slice(indent + 2)}`;
      }
    }
    return out;
  }
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (isScalar(v)) {
      out += `${pad}${k}: ${scalar(v)}\n`;
    } else if (Array.isArray(v) && v.every(isScalar)) {
      out += `${pad}${k}: [${v.map(scalar).join(', ')}]\n`;
    } else if (!Array.isArray(v) && Object.keys(v).length === 0) {
      out += `${pad}${k}: {}\n`;
    } else {
      out += `${pad}${k}:\n${toYaml(v, indent + 2)}`;
    }
  }
  return out;
}

export function writeConfig(dir, config, name = 'switchyard.yaml') {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `# written by tests/e2e/harness.mjs\n${toYaml(config)}`);
  return file;
}

async function waitReady(url, proc, stderrRef, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`switchyard exited early (code ${proc.exitCode}, signal ${proc.signalCode}); stderr:\n${stderrRef.text.slice(-4000)}`);
    }
    try {
      const r = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = String(e.cause?.code || e.message);
    }
    await sleep(100);
  }
  throw new Error(`switchyard not ready after ${timeoutMs} ms (${last}); stderr:\n${stderrRef.text.slice(-4000)}`);
}

function spawnGateway(configFile, port, env) {
  if (!fs.existsSync(BIN)) throw new Error(`no switchyard binary at ${BIN} (build it, or set SWITCHYARD_BIN)`);
  const proc = spawn(BIN, ['serve', '--config', configFile, '--listen', `127.0.0.1:${port}`], {
    // In the test's own directory, so that a default relative path (ledger: sqlite://switchyard.db)
    // lands there and not in the checkout.
    cwd: path.dirname(configFile),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  const stderrRef = { text: '' };
  const logs = [];
  let partial = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    if (stderrRef.text.length < 8 << 20) stderrRef.text += d;
    partial += d;
    let i;
    while ((i = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, i);
      partial = partial.slice(i + 1);
      try {
        logs.push(JSON.parse(line));
      } catch { /* not a JSON line */ }
    }
  });
  proc.stdout.resume();
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    live.delete(proc);
    resolve({ code, signal });
  }));
  return { proc, stderrRef, logs, exited };
}

// config: the object to write as YAML (listen is overridden with --listen). env: extra environment
// (secrets referenced as ${VAR} in the config).
export async function startGateway({ config, env = {}, dir = tempDir(), readyTimeoutMs = 20000 } = {}) {
  const configFile = writeConfig(dir, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let cur = spawnGateway(configFile, port, env);
  await waitReady(url, cur.proc, cur.stderrRef, readyTimeoutMs).catch(async (e) => {
    cur.proc.kill('SIGKILL');
    await cur.exited;
    throw e;
  });

  const gw = {
    dir,
    configFile,
    port,
    url,
    baseURL: `${url}/v1`,
    get proc() { return cur.proc; },
    get logs() { return cur.logs; },
    get stderr() { return cur.stderrRef.text; },
    get exited() { return cur.exited; },
    async stop({ timeoutMs = 40000 } = {}) {
      if (cur.proc.exitCode !== null || cur.proc.signalCode !== null) return cur.exited;
      cur.proc.kill('SIGTERM');
      // A cleared timer: a pending one would keep the test file's process alive for timeoutMs.
      let timer;
      const r = await Promise.race([cur.exited, new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); })]);
      clearTimeout(timer);
      if (r === null) {
        cur.proc.kill('SIGKILL');
        await cur.exited;
        return { code: null, signal: 'SIGKILL', timedOut: true };
      }
      return r;
    },
    async kill9() {
      cur.proc.kill('SIGKILL');
      return cur.exited;
    },
    async restart() {
      if (cur.proc.exitCode === null && cur.proc.signalCode === null) await gw.stop();
      cur = spawnGateway(configFile, port, env);
      await waitReady(url, cur.proc, cur.stderrRef, readyTimeoutMs);
      return gw;
    },
    async admin(method, p, body, key = MASTER_KEY) {
      const r = await fetch(`${url}${p}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(15000),
      });
      const text = await r.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch { /* not JSON */ }
      return { status: r.status, headers: r.headers, text, json };
    },
    async usage(groupBy = 'key,model,provider', extra = '') {
      const r = await gw.admin('GET', `/admin/usage?group_by=${groupBy}${extra}`);
      if (r.status !== 200) throw new Error(`GET /admin/usage: ${r.status} ${r.text}`);
      return r.json.rows;
    },
  };
  return gw;
}

// Plain HTTP call to the gateway (for cases the SDKs would hide: raw status, headers, error bodies).
export async function call(gw, p, { method = 'POST', key, body, raw, headers = {}, timeoutMs = 30000 } = {}) {
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  if (body !== undefined || raw !== undefined) h['content-type'] = 'application/json';
  const r = await fetch(`${gw.url}${p}`, {
    method, headers: h, body: raw !== undefined ? raw : (body !== undefined ? JSON.stringify(body) : undefined), signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, text, json };
}

// Routing headers every proxied response must carry.
export function routing(headers) {
  const get = (n) => (typeof headers.get === 'function' ? headers.get(n) : headers[n]);
  return { provider: get('x-switchyard-provider'), model: get('x-switchyard-model'), requestId: get('x-request-id') };
}

// Runs `fn` over items with at most `limit` in flight.
export async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function sqlite(dbFile, sql) {
  return new Promise((resolve, reject) => {
    const p = spawn('sqlite3', ['-json', dbFile, sql], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out.trim() ? JSON.parse(out) : []) : reject(new Error(`sqlite3: ${err}`))));
  });
}

// Finds every request id recorded in a SQLite ledger without knowing its schema: the values of any
// column named like request_id in any table. Returns {table, column, ids}.
export async function ledgerRequestIds(dbFile) {
  const tables = await sqlite(dbFile, "SELECT name FROM sqlite_master WHERE type='table'");
  const found = [];
  for (const { name } of tables) {
    const cols = await sqlite(dbFile, `PRAGMA table_info("${name}")`);
    const col = cols.find((c) => /^request_?id$/i.test(c.name));
    if (col) {
      const rows = await sqlite(dbFile, `SELECT "${col.name}" AS id FROM "${name}"`);
      found.push({ table: name, column: col.name, ids: rows.map((r) => String(r.id)) });
    }
  }
  // Prefer the table that looks like the ledger (an outbox may hold the same ids, drained or not).
  found.sort((a, b) => (/usage|ledger|record/i.test(b.table) - /usage|ledger|record/i.test(a.table)) || (b.ids.length - a.ids.length));
  return found[0] ?? null;
}

// Log lines reach stderr in batches, about 20 ms after what they tell (common/log_sink.h): waits
// until `ready(gw.logs)` holds, for at most `timeoutMs`. The caller's own assertion then says what
// is missing if it never did.
export async function logsSettle(gw, ready, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!ready(gw.logs) && Date.now() < deadline) {
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

// switchyard_upstream_errors_total for `provider` from /metrics, summed over its error codes.
export async function upstreamErrors(gw, provider) {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    const m = /^switchyard_upstream_errors_total\{([^}]*)\} (\d+)$/.exec(line);
    if (m && m[1].split(',').includes(`provider="${provider}"`)) n += Number(m[2]);
  }
  return n;
}

// Stops a gateway (SIGTERM) and asserts that it drained and exited 0, with its stderr tail if not.
// Does nothing for a gateway that never started.
export async function stopCleanly(gw) {
  if (!gw) return;
  const r = await gw.stop();
  assert.equal(r.code, 0, `switchyard exit ${JSON.stringify(r)}; stderr tail:\n${gw.stderr.slice(-2000)}`);
}

// Deployments for the contract's YAML: price in USD per million tokens.
export const PRICE = { input: 1.0, output: 2.0 };
