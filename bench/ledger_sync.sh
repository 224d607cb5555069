#!/usr/bin/env bash
# Throughput of ledger_sync: strict (every response waits for its group commit's fsync) against
# relaxed (flushed within 100 ms), each measured by bench/run.sh in the same invocation, with the
# nginx baselines re-measured alongside so the two runs can be compared as ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export DURATION="${DURATION:-6}"
for mode in strict relaxed; do
  echo "===== ledger_sync=$mode"
  LEDGER_SYNC=$mode bash bench/run.sh | grep -E '^(target|switchyard|proxy)'
done
