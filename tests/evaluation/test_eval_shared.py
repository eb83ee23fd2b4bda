"""The real `heard eval` console script on the shared data, as CI runs it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import require_shared_data
from heard.evaluation.validity import VALIDITY
from heard.learn.datasets import TASKS


def _installed(module: str, attribute: str | None = None) -> bool:
    try:
        imported = __import__(module, fromlist=["_"])
    except ImportError:
        return False
    return attribute is None or hasattr(imported, attribute)


def _sane_report(entry: dict, labels: tuple[str, ...]) -> None:
    assert entry["n"] > 100
    assert set(entry["labels"]) == set(labels)
    assert 0 <= entry["macro_f1"] <= 1 and 0 <= entry["accuracy"] <= 1
    assert sum(v["support"] for v in entry["labels"].values()) >= entry["n"]
    for v in entry["labels"].values():
        assert all(0 <= v[k] <= 1 for k in ("precision", "recall", "f1"))


@pytest.mark.slow
def test_heard_eval_json_on_shared_data() -> None:
    data = require_shared_data()
    heard = Path(sys.executable).with_name("heard")
    started = time.perf_counter()
    done = subprocess.run(
        # the trained models' fits (two thirds of the run) are tested on small folders in
        # test_eval_test_data.py; `heard eval --write-docs` runs them on all of the data
        [str(heard), "eval", "--data", str(data), "--json", "--no-trained"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-2000:]
    printed = json.loads(done.stdout)
    shipped = _installed("heard.learn", "default_model")
    for task in TASKS.values():
        entry = printed[task.dataset][task.name]
        if "skipped" in entry:
            assert task.name == "goemotions.ekman" and not shipped, entry
        else:
            _sane_report(entry, task.labels)
        assert "--no-trained" in printed[task.dataset][task.name + ".trained"]["skipped"]
        # every shared task has its simplest rule scored on the same test part
        rule = printed[task.dataset][task.name + ".baseline"]
        _sane_report(rule, task.labels)
        assert rule["n"] == entry.get("n", rule["n"])
    for task in VALIDITY.values():
        entry = printed[task.dataset][task.name]
        value = entry[task.statistic]
        assert value is not None and -1 <= value <= 1 and not math.isnan(value)
        assert entry["ci_low"] <= value <= entry["ci_high"]
        assert entry["n"] >= (10 if task.dataset == "harper_valley_bank" else 500)
    assert seconds < 600
