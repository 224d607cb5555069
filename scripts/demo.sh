#!/usr/bin/env bash
# Installs, builds and runs the gateway on its embedded defaults (SQLite ledger) in front of the
# built-in emulator, with config/examples/quickstart.yaml. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/switchyard check --config config/examples/quickstart.yaml
./build/switchyard emulate --listen 127.0.0.1:4010 --latency-ms 20 --tokens-per-s 200 &
emu=$!
trap 'kill $emu 2>/dev/null || true' EXIT
cat <<'MSG'

Switchyard is starting on http://127.0.0.1:4000 (upstream: switchyard emulate on :4010). Try:

  curl -si http://127.0.0.1:4000/v1/chat/completions \
    -H 'Authorization: Bearer sk-demo-key' -H 'content-type: application/json' \
    -d '{"model":"demo-gpt","messages":[{"role":"user","content":"Hello"}]}'

  curl -sN http://127.0.0.1:4000/v1/messages -H 'x-api-key: sk-demo-key' \
    -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' \
    -d '{"model":"demo-claude","max_tokens":32,"stream":true,"messages":[{"role":"user","content":"Hi"}]}'

  curl -s http://127.0.0.1:4000/v1/embeddings -H 'Authorization: Bearer sk-demo-key' \
    -H 'content-type: application/json' -d '{"model":"demo-embed","input":"Hi"}'

The x-switchyard-provider / x-switchyard-model headers say which deployment answered.
MSG
./build/switchyard serve --config config/examples/quickstart.yaml
