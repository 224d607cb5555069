#!/usr/bin/env bash
# A throwaway redis-server for tests: no persistence, loopback only, its state in one directory.
#   redis.sh start DIR [PORT]   start one (on a free port unless PORT is given); prints its URL
#   redis.sh url DIR            the URL of the one started in DIR
#   redis.sh stop DIR           stop it and remove DIR
# REDIS_PASSWORD, when set at start, makes it require that password (the URL then carries it).
set -euo pipefail

usage() { echo "usage: $0 start DIR [PORT] | url DIR | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2

url() {
  local port
  port=$(cat "$dir/port")
  if [ -s "$dir/password" ]; then
    echo "redis://:$(cat "$dir/password")@127.0.0.1:$port"
  else
    echo "redis://127.0.0.1:$port"
  fi
}

# Starts redis-server on $1 and waits until it answers; fails if it cannot bind or never answers.
try_start() {
  local port=$1
  rm -f "$dir/redis.pid"
  local args=(--port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir"
              --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log")
  if [ -n "${REDIS_PASSWORD:-}" ]; then
    args+=(--requirepass "$REDIS_PASSWORD")
  fi
  redis-server "${args[@]}" || return 1
  for _ in $(seq 1 100); do
    # The server answering must be this one, not another that already held the port.
    local pid
    pid=$(REDISCLI_AUTH="${REDIS_PASSWORD:-}" redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null |
          tr -d '\r' | sed -n 's/^process_id://p')
    if [ -n "$pid" ] && [ -s "$dir/redis.pid" ] && [ "$pid" = "$(cat "$dir/redis.pid")" ]; then
      echo "$port" >"$dir/port"
      printf '%s' "${REDIS_PASSWORD:-}" >"$dir/password"
      return 0
    fi
    # A daemon that could not bind exits: stop waiting for it.
    if [ -s "$dir/redis.pid" ] && ! kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
      return 1
    fi
    sleep 0.05
  done
  return 1
}

case "$cmd" in
  start)
    command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
    mkdir -p "$dir"
    if [ $# -ge 3 ]; then
      try_start "$3" || { echo "redis-server did not start on port $3:" >&2; tail -5 "$dir/redis.log" >&2 || true; exit 1; }
    else
      started=0
      for _ in $(seq 1 20); do
        if try_start $((20000 + RANDOM % 30000)); then started=1; break; fi
      done
      [ $started = 1 ] || { echo "redis-server did not start:" >&2; tail -5 "$dir/redis.log" >&2 || true; exit 1; }
    fi
    url
    ;;
  url)
    url
    ;;
  stop)
    if [ -s "$dir/redis.pid" ]; then
      pid=$(cat "$dir/redis.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
