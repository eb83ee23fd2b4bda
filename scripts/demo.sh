#!/usr/bin/env bash
# The README's first command: install heard, run the main job on the bundled examples, then
# serve the team app on a fresh demo store (heard demo) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
VENV="${HEARD_VENV:-.venv}"
mkdir -p out
echo "== heard import: the bundled examples, personal data redacted =="
"$VENV/bin/heard" import examples/ --redact --out out/examples.jsonl
echo
echo "== heard show: the first conversation =="
"$VENV/bin/heard" show out/examples.jsonl --limit 1
echo
echo "== heard analyze: an angry chat handled badly, and one handled well =="
"$VENV/bin/heard" analyze examples/03-chat-angry-handled-badly.json examples/02-chat-angry-handled-well.json
echo
echo "== heard analyze --format html: every example in one self-contained report =="
"$VENV/bin/heard" analyze examples/ --format html --out out/report.html
echo "open out/report.html in a browser"
echo
echo "== heard demo: the team app on the examples and a generated team (Ctrl-C stops it) =="
"$VENV/bin/heard" demo --host "${HEARD_DEMO_HOST:-127.0.0.1}" --port "${HEARD_DEMO_PORT:-8000}"
