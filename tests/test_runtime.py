"""heard's own processes run the garbage collector with heard's thresholds."""

from __future__ import annotations

import gc
import subprocess
import sys

from heard.analysis import Analyzer
from heard.ingest.pool import AnalysisPool
from heard.runtime import GC_THRESHOLDS, SERVING_GC_THRESHOLDS, serving_gc_while


def test_the_heard_command_sets_the_thresholds() -> None:
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('thresholds', *gc.get_threshold()))\n"
        "sys.argv = ['heard', '--version']\n"
        "from heard.cli.main import run\n"
        "run()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert f"thresholds {' '.join(map(str, GC_THRESHOLDS))}" in out


def test_analysis_workers_set_the_thresholds() -> None:
    pool = AnalysisPool(Analyzer(only=["heard.phrases.v1"]), workers=1)
    try:
        assert pool._pool.submit(gc.get_threshold).result(timeout=120) == GC_THRESHOLDS
    finally:
        pool.close()


def test_serving_settings_last_for_the_block_and_are_undone() -> None:
    before = gc.get_threshold()
    kept = [object()]  # alive when the block starts: frozen inside it
    with serving_gc_while():
        assert gc.get_threshold() == SERVING_GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # out of the collector's sight
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert any(o is kept for o in gc.get_objects())
