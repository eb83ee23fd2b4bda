#!/usr/bin/env bash
# The README's first command: install heard and run the main job on the bundled examples.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
VENV="${HEARD_VENV:-.venv}"
mkdir -p out
echo "== heard import: the bundled examples, personal data redacted =="
"$VENV/bin/heard" import examples/ --redact --out out/examples.jsonl
echo
echo "== heard show: the first three conversations =="
"$VENV/bin/heard" show out/examples.jsonl --limit 3
