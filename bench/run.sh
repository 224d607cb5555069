#!/usr/bin/env bash
# Macro benchmark: switchyard versus nginx as a plain reverse proxy, same upstream, same run.
#
#   bench/run.sh                     # uses build/switchyard (or $SWITCHYARD_BIN)
#   DURATION=5 CONNECTIONS=16 bench/run.sh
#   PERF_OUT=/tmp/prof bench/run.sh  # also `perf record -g` the gateway during its runs
#   PROXY_LOG=1 bench/run.sh         # the nginx proxy logs every request too, as switchyard does
#
# Upstream: nginx answering POST …/chat/completions with a fixed OpenAI chat.completion JSON
# (/plain/v1) or a fixed SSE stream (/sse/v1). Measured with wrk (POST, JSON body, Authorization)
# against: the upstream directly, a second nginx as a reverse proxy to it, and switchyard (auth on,
# deployment pointing at the nginx upstream). Prints requests/s, p50 and p99 for each, the
# switchyard / nginx-proxy ratios, and switchyard's RSS. Reports only; asserts nothing.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
BIN="${SWITCHYARD_BIN:-$REPO/build/switchyard}"
DURATION="${DURATION:-10}"          # seconds per measurement (6 measurements + short warm-ups)
WARMUP="${WARMUP:-2}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
ROUNDS="${ROUNDS:-1}"               # proxy and switchyard measured alternately this many times
LEDGER_SYNC="${LEDGER_SYNC:-strict}"

for tool in nginx wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required (apt-get install nginx wrk curl)" >&2; exit 2; }
done
[[ -x "$BIN" ]] || { echo "bench: no switchyard binary at $BIN (build it or set SWITCHYARD_BIN)" >&2; exit 2; }

source "$HERE/setup.sh"

nginx -t -q -p "$WORK/up" -c "$WORK/up/nginx.conf"
nginx -t -q -p "$WORK/proxy" -c "$WORK/proxy/nginx.conf"
nginx -p "$WORK/up" -c "$WORK/up/nginx.conf" & PIDS+=($!)
nginx -p "$WORK/proxy" -c "$WORK/proxy/nginx.conf" & PIDS+=($!); PROXY_PID=$!

BENCH_KEY="$BENCH_KEY" BENCH_MASTER="$MASTER" "$BIN" serve --config "$WORK/sy/switchyard.yaml" --listen "127.0.0.1:$SY_PORT" 2>"$WORK/sy/stderr.log" & SY_PID=$!
PIDS+=("$SY_PID")

wait_http "http://127.0.0.1:$UP_PORT/health"
wait_http "http://127.0.0.1:$PROXY_PORT/health"
wait_http "http://127.0.0.1:$SY_PORT/health/ready"

# sanity: each target answers the request wrk will send
for url in "http://127.0.0.1:$UP_PORT/plain/v1/chat/completions" "http://127.0.0.1:$PROXY_PORT/plain/v1/chat/completions" "http://127.0.0.1:$SY_PORT/v1/chat/completions"; do
  code="$(curl -sS -o "$WORK/probe.out" -w '%{http_code}' -X POST "$url" -H 'content-type: application/json' \
    -H "authorization: Bearer $BENCH_KEY" -d '{"model":"bench-plain","messages":[{"role":"user","content":"Hello"}]}')"
  [[ "$code" == 200 ]] || { echo "bench: $url answered $code: $(head -c 300 "$WORK/probe.out")" >&2; exit 1; }
done
for url in "http://127.0.0.1:$UP_PORT/sse/v1/chat/completions" "http://127.0.0.1:$SY_PORT/v1/chat/completions"; do
  curl -sS -N -X POST "$url" -H 'content-type: application/json' -H "authorization: Bearer $BENCH_KEY" \
    -d '{"model":"bench-sse","stream":true,"messages":[{"role":"user","content":"Hello"}]}' >"$WORK/probe.out"
  grep -q '^data: \[DONE\]' "$WORK/probe.out" || { echo "bench: $url did not stream to [DONE]: $(head -c 300 "$WORK/probe.out")" >&2; exit 1; }
done
[[ -n "${BENCH_SHOW:-}" ]] && cat "$WORK/probe.out"

# CPU time (user+system, clock ticks) of a process and its children (nginx: master and worker).
cpu_ticks() {
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))

declare -A RPS P50 P99 ERR CPU_US
measure() { # name url stream
  local name="$1" url="$2" stream="$3" out
  BENCH_KEY="$BENCH_KEY" BENCH_STREAM="$stream" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$WORK/post.lua" "$url" >/dev/null 2>&1 || true
  local perf_pid=""
  if [[ -n "${PERF_OUT:-}" && "$name" == switchyard-* ]]; then   # profile the gateway during its own runs
    perf record -F 999 -g -p "$SY_PID" -o "$PERF_OUT/$name.perf.data" -- sleep "$DURATION" >/dev/null 2>&1 & perf_pid=$!
  fi
  local who=""
  case "$name" in proxy-*) who="$PROXY_PID" ;; switchyard-*) who="$SY_PID" ;; esac
  local c0=0; [[ -n "$who" ]] && c0="$(cpu_ticks "$who")"
  out="$(BENCH_KEY="$BENCH_KEY" BENCH_STREAM="$stream" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/post.lua" "$url" 2>&1)"
  local c1=0; [[ -n "$who" ]] && c1="$(cpu_ticks "$who")"
  [[ -n "$perf_pid" ]] && wait "$perf_pid"
  read -r _ RPS[$name] P50[$name] P99[$name] sockerr staterr < <(grep '^RESULT' <<<"$out")
  ERR[$name]="$sockerr/$staterr"
  # The proxy's own CPU per request: steadier than requests/s on a machine whose cores the load
  # generator and the upstream share (the proxy that needs less CPU leaves them more).
  [[ -n "$who" ]] && CPU_US[$name]="$(awk -v t="$((c1 - c0))" -v us="$TICK_US" -v r="${RPS[$name]}" -v d="$DURATION" \
    'BEGIN { printf "%.0f", (r > 0) ? t * us / (r * d) : 0 }')"
  return 0
}

median() { # [printf format] < space-separated values
  tr ' ' '\n' | grep -v '^$' | sort -g | awk -v f="${1:-%.2f}" '{ v[NR] = $1 }
    END { if (NR == 0) { print "?"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf f "\n", m }'
}

echo "switchyard bench: ${DURATION}s per run, $ROUNDS round(s), $THREADS threads, $CONNECTIONS connections, ledger_sync=$LEDGER_SYNC, $(nproc) CPUs${PROXY_LOG:+, PROXY_LOG=$PROXY_LOG}"
# Per target, the values of every round (space-separated); per mode, each round's ratios. The host's
# speed drifts between runs, so proxy and switchyard are measured back to back within a round and
# the ratio is taken per round; with ROUNDS > 1 the table shows medians.
declare -A ALL_RPS ALL_P50 ALL_P99 ALL_CPU R_TPUT R_P50 R_P99 R_CPU
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
for mode in plain sse; do
  s=0; [[ $mode == sse ]] && s=1
  measure "direct-$mode" "http://127.0.0.1:$UP_PORT/$mode/v1/chat/completions" "$s"
  ALL_RPS[direct-$mode]="${RPS[direct-$mode]}"; ALL_P50[direct-$mode]="${P50[direct-$mode]}"; ALL_P99[direct-$mode]="${P99[direct-$mode]}"
  for ((round = 1; round <= ROUNDS; round++)); do
    measure "proxy-$mode" "http://127.0.0.1:$PROXY_PORT/$mode/v1/chat/completions" "$s"
    measure "switchyard-$mode" "http://127.0.0.1:$SY_PORT/v1/chat/completions" "$s"
    for t in proxy switchyard; do
      k="$t-$mode"
      ALL_RPS[$k]+=" ${RPS[$k]}"; ALL_P50[$k]+=" ${P50[$k]}"; ALL_P99[$k]+=" ${P99[$k]}"; ALL_CPU[$k]+=" ${CPU_US[$k]}"
    done
    R_TPUT[$mode]+=" $(ratio "${RPS[switchyard-$mode]}" "${RPS[proxy-$mode]}")"
    R_P50[$mode]+=" $(ratio "${P50[switchyard-$mode]}" "${P50[proxy-$mode]}")"
    R_P99[$mode]+=" $(ratio "${P99[switchyard-$mode]}" "${P99[proxy-$mode]}")"
    R_CPU[$mode]+=" $(ratio "${CPU_US[switchyard-$mode]}" "${CPU_US[proxy-$mode]}")"
  done
done

rss_kb="$(awk '/^VmRSS/ {print $2}' "/proc/$SY_PID/status" 2>/dev/null || echo 0)"
hwm_kb="$(awk '/^VmHWM/ {print $2}' "/proc/$SY_PID/status" 2>/dev/null || echo 0)"

printf '\n%-20s %12s %10s %10s %14s %12s\n' target "requests/s" "p50 ms" "p99 ms" "errors s/h" "CPU us/req"
for mode in plain sse; do
  for t in direct proxy switchyard; do
    k="$t-$mode"
    cpu="-"; [[ -n "${ALL_CPU[$k]:-}" ]] && cpu="$(median %.0f <<<"${ALL_CPU[$k]}")"
    printf '%-20s %12s %10s %10s %14s %12s\n' "$k" "$(median %.1f <<<"${ALL_RPS[$k]:-}")" "$(median %.3f <<<"${ALL_P50[$k]:-}")" \
      "$(median %.3f <<<"${ALL_P99[$k]:-}")" "${ERR[$k]:-?}" "$cpu"
  done
done
echo
for mode in plain sse; do
  printf 'switchyard/nginx-proxy %-5s  throughput x%s   p50 x%s   p99 x%s   CPU per request x%s\n' "$mode" \
    "$(median <<<"${R_TPUT[$mode]}")" "$(median <<<"${R_P50[$mode]}")" "$(median <<<"${R_P99[$mode]}")" "$(median <<<"${R_CPU[$mode]}")"
  if ((ROUNDS > 1)); then
    echo "  rounds: throughput x${R_TPUT[$mode]# } | CPU per request x${R_CPU[$mode]# }"
  fi
done
awk -v a="$rss_kb" -v b="$hwm_kb" 'BEGIN { printf "switchyard RSS: %.1f MiB now, %.1f MiB peak\n", a / 1024, b / 1024 }'
# Where a request's time inside the gateway goes, from its own /metrics (every run above): with a
# closed loop of CONNECTIONS clients, time spent waiting for the ledger's group commit (strict) is
# time that connection sends nothing, so this says how much of the throughput gap is that wait.
curl -fsS "http://127.0.0.1:$SY_PORT/metrics" | awk '
  /^switchyard_request_duration_seconds_sum/ { rs += $2 } /^switchyard_request_duration_seconds_count/ { rc += $2 }
  /^switchyard_ledger_wait_seconds_sum/ { ls += $2 }      /^switchyard_ledger_wait_seconds_count/ { lc += $2 }
  /^switchyard_ledger_records_total/ { lr = $2 }            /^switchyard_ledger_commits_total/ { lm = $2 }
  END { if (rc > 0 && lc > 0) printf "switchyard mean time per request: %.2f ms in the gateway, of which %.2f ms waiting for its ledger record (%.0f%%)\n",
          rs / rc * 1000, ls / lc * 1000, 100 * (ls / lc) / (rs / rc)
        if (lm > 0) printf "switchyard ledger: %d records in %d commits (%.1f per commit)\n", lr, lm, lr / lm }'
echo "(errors s/h: socket errors / non-2xx responses, last round; CPU us/req: the proxy's own"
echo " user+system time per request, switchyard's ledger thread included; with several rounds, medians;"
echo " ratios only, nothing is asserted)"
