#!/usr/bin/env bash
# Installs every build, test and benchmark dependency from Debian 12's packages.
# Idempotent; run as root on a fresh Debian 12 machine.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(
  build-essential cmake pkg-config ninja-build
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  libyaml-cpp-dev libssl-dev libsqlite3-dev sqlite3 libpq-dev postgresql libfmt-dev libcli11-dev libsimdjson-dev libmimalloc-dev ca-certificates
  libhiredis-dev redis-server
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  nginx wrk curl procps ccache valgrind
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js (20 or newer) comes with the machine on our images; Debian's own nodejs
# conflicts with that install, so only fall back to it where no node exists at all.
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
