#!/usr/bin/env bash
# The README's second command: install what the tests need and run them (CI runs this too).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
VENV="${HEARD_VENV:-.venv}"
echo "== ruff =="
"$VENV/bin/ruff" check src tests
"$VENV/bin/ruff" format --check src tests
echo "== pytest =="
set +e
"$VENV/bin/pytest" -n "${HEARD_TEST_WORKERS:-2}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$status"
