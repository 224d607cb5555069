#!/usr/bin/env bash
# A throw-away PostgreSQL server (15, else the highest version installed) for the tests: its own
# cluster in a temp dir, a free loopback port, fsync on (the ledger's durability is what the tests
# check), removed again by `stop`.
#
#   tests/servers/postgres.sh start STATE   starts one; writes STATE (dir=…, url=…), prints the URL
#   tests/servers/postgres.sh url STATE     prints the URL: postgres://switchyard:PASSWORD@127.0.0.1:PORT/postgres
#   tests/servers/postgres.sh stop STATE    stops it and removes its dir and STATE (missing STATE: no-op)
#
# The URL's user is a superuser with a random password (scram-sha-256 over TCP), so tests can
# create a database each and terminate backends. initdb and postgres refuse to run as root: as
# root they run as the `postgres` system user (Debian's postgresql package creates it).
set -euo pipefail

# 15 if installed, else the highest version there is (Debian installs each under its number).
default_bin() {
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    echo /usr/lib/postgresql/15/bin
    return
  fi
  local highest
  highest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  echo "${highest:-/usr/lib/postgresql/15/bin}"
}
BIN=${POSTGRES_BIN:-$(default_bin)}

die() { echo "postgres.sh: $*" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

state_value() { sed -n "s/^$2=//p" "$1"; }

start() {
  local state=$1
  stop "$state"  # a server a crashed run left behind
  [ -x "$BIN/initdb" ] || die "no $BIN/initdb (install Debian's postgresql package: scripts/install-deps.sh)"
  [ "$(id -u)" -ne 0 ] || id postgres >/dev/null 2>&1 || die "running as root and there is no postgres user"
  local dir password
  # As root, under /tmp: the postgres user must reach it, which a private TMPDIR may not allow.
  local base=${TMPDIR:-/tmp}
  [ "$(id -u)" -ne 0 ] || base=/tmp
  dir=$(mktemp -d "$base/switchyard-pg.XXXXXX")
  chmod 755 "$dir"
  cd "$dir"  # the postgres user may not be allowed into the caller's working directory
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/pwfile"
  mkdir "$dir/data" "$dir/socket"
  [ "$(id -u)" -ne 0 ] || chown -R postgres: "$dir"
  if ! as_owner "$BIN/initdb" -D "$dir/data" -U switchyard --pwfile="$dir/pwfile" -E UTF8 \
      --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    die "initdb failed"
  fi
  rm -f "$dir/pwfile"
  local port tries=0
  while :; do
    tries=$((tries + 1))
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" && continue
    if as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=on -c max_connections=200" \
        >/dev/null 2>&1; then
      break
    fi
    # pg_ctl gave up waiting, but the server may still come up (or be half up) on this data dir:
    # stop it before trying another port or removing the directory under it.
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    if [ "$tries" -ge 5 ]; then
      tail -n 30 "$dir/server.log" >&2 || true
      rm -rf "$dir"
      die "postgres did not start"
    fi
  done
  local url="postgres://switchyard:${password}@127.0.0.1:${port}/postgres"
  printf 'dir=%s\nurl=%s\n' "$dir" "$url" >"$state"
  echo "$url"
}

stop() {
  local state=$1
  [ -f "$state" ] || return 0
  local dir
  dir=$(state_value "$state" dir)
  if [ -n "$dir" ] && [ -d "$dir/data" ]; then
    cd "$dir"
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$dir" in
    */switchyard-pg.*) rm -rf "$dir" ;;
  esac
  rm -f "$state"
}

[ $# -eq 2 ] || die "usage: $0 start|url|stop STATE"
state_file=$(realpath -m "$2")  # absolute: start and stop change directory
case "$1" in
  start) start "$state_file" ;;
  url) [ -f "$state_file" ] || die "no server state at $2 (start one first)"; state_value "$state_file" url ;;
  stop) stop "$state_file" ;;
  *) die "usage: $0 start|url|stop STATE" ;;
esac
