#!/usr/bin/env bash
# User-space instructions per proxied request, counted by callgrind: a figure that, unlike
# requests/s on a shared 2-core VM (±15% between identical runs), repeats to within a percent, so a
# change to the hot path can be judged by it before bench/run.sh measures throughput.
#
#   bench/instructions.sh                 # build/switchyard, plain and stream, top 15 functions
#   TOP=30 REQUESTS_SECONDS=20 bench/instructions.sh
#
# Runs the same nginx upstream and switchyard config as run.sh, with switchyard under
# `valgrind --tool=callgrind`. After a warm-up the counters are zeroed, wrk sends requests for
# REQUESTS_SECONDS, and the counters are dumped: every gateway thread (workers and the ledger
# writer) is counted; the kernel is not. Reports only; asserts nothing.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
BIN="${SWITCHYARD_BIN:-$REPO/build/switchyard}"
LEDGER_SYNC="${LEDGER_SYNC:-strict}"
REQUESTS_SECONDS="${REQUESTS_SECONDS:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
TOP="${TOP:-15}"

for tool in nginx wrk curl valgrind callgrind_control callgrind_annotate; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required (apt-get install nginx wrk curl valgrind)" >&2; exit 2; }
done
[[ -x "$BIN" ]] || { echo "bench: no switchyard binary at $BIN (build it or set SWITCHYARD_BIN)" >&2; exit 2; }

source "$HERE/setup.sh"

nginx -t -q -p "$WORK/up" -c "$WORK/up/nginx.conf"
nginx -p "$WORK/up" -c "$WORK/up/nginx.conf" & PIDS+=($!)
wait_http "http://127.0.0.1:$UP_PORT/health"

for mode in plain sse; do
  s=0; [[ $mode == sse ]] && s=1
  rm -f "$WORK/sy/ledger.db"* "$WORK/cg.out"*
  BENCH_KEY="$BENCH_KEY" BENCH_MASTER="$MASTER" valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" \
    "$BIN" serve --config "$WORK/sy/switchyard.yaml" --listen "127.0.0.1:$SY_PORT" 2>"$WORK/sy/stderr.log" & VG_PID=$!
  PIDS+=("$VG_PID")
  wait_http "http://127.0.0.1:$SY_PORT/health/ready"
  url="http://127.0.0.1:$SY_PORT/v1/chat/completions"
  BENCH_KEY="$BENCH_KEY" BENCH_STREAM="$s" wrk -t1 -c"$CONNECTIONS" -d3s -s "$WORK/post.lua" "$url" >/dev/null
  callgrind_control -z "$VG_PID" >/dev/null
  out="$(BENCH_KEY="$BENCH_KEY" BENCH_STREAM="$s" wrk -t1 -c"$CONNECTIONS" -d"${REQUESTS_SECONDS}s" -s "$WORK/post.lua" "$url")"
  callgrind_control -d "$VG_PID" >/dev/null
  kill "$VG_PID"; wait "$VG_PID" 2>/dev/null || true
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  errors="$(grep '^RESULT' <<<"$out" | awk '{print $5 "/" $6}')"
  dump="$(ls -t "$WORK"/cg.out.* | head -1)"
  callgrind_annotate --inclusive=no --threshold=100 "$dump" >"$WORK/annotate.txt" 2>/dev/null
  total="$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}' "$WORK/annotate.txt")"
  echo "== $mode: $requests requests (errors s/h: $errors), $((total / requests)) instructions per request"
  # Threads: callgrind charges each thread's whole cost to its entry function.
  awk -v n="$requests" '
    /io_context.ipp:gw::Worker::run\(\)/ && !w { c = $1; gsub(",", "", c); printf "%9d  workers (request handling)\n", c / n; w = 1 }
    /(sqlite_ledger|group_commit).cc:std::thread::_State_impl/ && !l { c = $1; gsub(",", "", c); printf "%9d  ledger writer thread\n", c / n; l = 1 }' "$WORK/annotate.txt"
  # Then the most expensive functions by their own (self) cost, per request; the thread entry
  # functions above (whose self cost is their thread's whole cost here) are left out.
  awk -v n="$requests" -v top="$TOP" '
    /file:function/ { body = 1; next }
    body && /%\)/ && !/clone.S|start_thread|_State_impl|Worker::run|libstdc\+\+.so.6.0.30\]$/ && shown < top {
      c = $1; gsub(",", "", c); fn = substr($0, index($0, "%)") + 3)
      printf "%9d  %s\n", c / n, substr(fn, 1, 130); shown++ }' "$WORK/annotate.txt"
done
