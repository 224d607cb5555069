#!/usr/bin/env bash
# Configures and builds switchyard and its tests into build/ (Release with debug info).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys relative to the checkout, so a fresh clone elsewhere on the same machine (CI) reuses
# what an earlier build compiled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHYARD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)"
