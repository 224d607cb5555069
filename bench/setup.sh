# Shared by run.sh and instructions.sh (sourced, not run): a temporary prefix, free ports, the
# nginx upstream's and proxy's configs, switchyard's config and wrk's request script.
# Expects BIN and LEDGER_SYNC; sets WORK, UP_PORT, PROXY_PORT, SY_PORT, BENCH_KEY, MASTER and PIDS,
# and defines wait_http and an EXIT trap that stops everything in PIDS and removes WORK.

WORK="$(mktemp -d /tmp/switchyard-bench.XXXXXX)"   # root-owned temp prefix; no system config is read
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
UP_PORT="$(free_port)"; PROXY_PORT="$(free_port)"; SY_PORT="$(free_port)"
while [[ "$PROXY_PORT" == "$UP_PORT" ]]; do PROXY_PORT="$(free_port)"; done
while [[ "$SY_PORT" == "$UP_PORT" || "$SY_PORT" == "$PROXY_PORT" ]]; do SY_PORT="$(free_port)"; done

# ---- fixed upstream bodies ----
JSON_BODY='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! This is a fixed benchmark reply from nginx.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":11,"total_tokens":23}}'
chunk() { printf 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}],"usage":null}\\n\\n' "$1" "$2"; }
SSE_BODY="$(chunk '{"role":"assistant","content":""}' null)"
for w in Hello "!" " This" " is" " a" " fixed" " benchmark" " stream" " from" " nginx" "."; do
  SSE_BODY+="$(chunk "{\"content\":\"$w\"}" null)"
done
SSE_BODY+="$(chunk '{}' '"stop"')"
SSE_BODY+='data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":11,"total_tokens":23}}\n\ndata: [DONE]\n\n'

nginx_common() { # $1 = prefix dir
  cat <<EOF
daemon off;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/client_body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
EOF
}

# PROXY_LOG=1: the nginx proxy also writes a JSON line per request, buffered as switchyard's log
# sink is (switchyard must log every request; nginx's default would log too, unbuffered). Off by
# default, so that figures stay comparable with earlier runs.
proxy_access_log() {
  [[ "${PROXY_LOG:-0}" == 1 ]] || return 0
  if [[ "$1" == format ]]; then
    cat <<'EOF2'
  log_format json escape=json '{"ts":"$time_iso8601","msg":"request","request_id":"$request_id","method":"$request_method","path":"$uri","status":$status,"latency_ms":$request_time,"upstream":"$upstream_addr"}';
EOF2
  else
    echo "    access_log $WORK/proxy/access.log json buffer=64k flush=1s;"
  fi
}

mkdir -p "$WORK/up" "$WORK/proxy" "$WORK/sy"
{
  nginx_common "$WORK/up"
  cat <<EOF
  server {
    listen 127.0.0.1:$UP_PORT;
    location = /plain/v1/chat/completions { default_type application/json; return 200 '$JSON_BODY'; }
    location = /sse/v1/chat/completions { default_type text/event-stream; return 200 '$SSE_BODY'; }
    location = /health { return 200 'ok'; }
  }
}
EOF
} >"$WORK/up/nginx.conf"
{
  nginx_common "$WORK/proxy"
  cat <<EOF
  upstream backend { server 127.0.0.1:$UP_PORT; keepalive 1024; }  # idle pool >= CONNECTIONS: no churn
$(proxy_access_log format)
  server {
$(proxy_access_log directive)
    listen 127.0.0.1:$PROXY_PORT;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
} >"$WORK/proxy/nginx.conf"

BENCH_KEY="sk-bench-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
MASTER="sk-bench-master-$RANDOM$RANDOM"
cat >"$WORK/sy/switchyard.yaml" <<EOF
listen: 127.0.0.1:$SY_PORT
master_key: "\${BENCH_MASTER}"
ledger: "sqlite://$WORK/sy/ledger.db"
ledger_sync: $LEDGER_SYNC
${WORKERS:+workers: $WORKERS}
providers:
  nginx-plain:
    type: openai
    base_url: "http://127.0.0.1:$UP_PORT/plain/v1"
    api_key: "sk-upstream-unused"
  nginx-sse:
    type: openai
    base_url: "http://127.0.0.1:$UP_PORT/sse/v1"
    api_key: "sk-upstream-unused"
models:
  bench-plain:
    route: priority
    deployments:
      - provider: nginx-plain
        model: bench
        price: { input: 1.0, output: 2.0 }
  bench-sse:
    route: priority
    deployments:
      - provider: nginx-sse
        model: bench
        price: { input: 1.0, output: 2.0 }
keys:
  - name: bench
    key: "\${BENCH_KEY}"
EOF
wait_http() { # url
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench: $1 did not come up" >&2
  tail -20 "$WORK/sy/stderr.log" >&2 || true
  exit 1
}
cat >"$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
local stream = os.getenv("BENCH_STREAM") == "1"
if stream then
  wrk.body = '{"model":"bench-sse","stream":true,"messages":[{"role":"user","content":"Hello"}]}'
else
  wrk.body = '{"model":"bench-plain","messages":[{"role":"user","content":"Hello"}]}'
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
EOF

