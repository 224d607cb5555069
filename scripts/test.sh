#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test: GoogleTest unit, golden and fuzz-corpus
# tests through ctest, then the end-to-end suites (official openai and @anthropic-ai/sdk clients
# against the real binary and independent emulators written in tests/e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh

echo "== unit, golden and fuzz-corpus tests (ctest)"
ctest --test-dir build --output-on-failure -j"$(nproc)"

echo "== end-to-end tests (node:test, official SDKs)"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
SWITCHYARD_BIN="$PWD/build/switchyard" node --test --test-concurrency=1 --test-timeout=180000 tests/e2e/
