"""Engines: every engine gives the same scorecards byte for byte, in input order; the choice
by name and HEARD_ENGINE; progress; cancel; a clear message when Ray is not installed."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import heard
from heard.analysis import Analyzer
from heard.demo import iter_conversations
from heard.engines import PART_SIZE, EngineError, cut, engine_name, open_engine, score_part
from heard.model import Conversation

SRC = str(Path(heard.__file__).resolve().parents[1])


def conversations(n: int) -> list[Conversation]:
    return list(iter_conversations(n, seed=11, weeks=2, start=date(2026, 1, 5)))


@pytest.fixture(scope="module")
def sample() -> list[Conversation]:
    # with a reply copied between conversations of one batch, across parts: a template hint
    found = conversations(150)
    found[100] = found[100].model_copy(
        update={
            "turns": [*found[100].turns[:1], found[3].turns[1].model_copy(), *found[100].turns[2:]]
        }
    )
    return found


def batches_of(items: list[Conversation], size: int) -> list[list[Conversation]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@pytest.fixture(scope="module")
def in_process(sample) -> list[str]:
    """What analysing each batch's parts in this process gives: the reference."""
    analyzer = Analyzer()
    return [
        scored.scorecard_json
        for batch in batches_of(sample, 120)
        for part in cut(analyzer, batch)
        for scored in score_part(analyzer, part)
    ]


def test_cut_gives_fixed_parts_with_their_hints() -> None:
    analyzer = Analyzer()
    batch = conversations(PART_SIZE + 10)
    copied = batch[PART_SIZE + 2].model_copy(deep=True)
    copied.turns[1] = batch[0].turns[1].model_copy()
    batch[PART_SIZE + 2] = copied
    parts = cut(analyzer, batch)
    assert [len(p.bodies) for p in parts] == [PART_SIZE, 10]
    hints = analyzer.template_hints(batch)
    assert hints, "the copied reply is a near-duplicate"
    assert sum(len(p.hints) for p in parts) == len(hints)
    assert all(h.conversation < 10 for h in parts[1].hints)


@pytest.mark.parametrize("workers", [1, 2])
def test_local_engine_streams_batches_in_order_as_in_process(sample, in_process, workers) -> None:
    finished: list[int] = []
    with open_engine("local", workers=workers) as engine:
        results = list(engine.score(batches_of(sample, 120), progress=finished.append))
    assert [len(r) for r in results] == [120, 30]
    flat = [s for batch in results for s in batch]
    assert [s.conversation_id for s in flat] == [c.id for c in sample]
    assert [s.scorecard_json for s in flat] == in_process
    assert sum(finished) == len(sample)
    assert any("template_reply" in s.scorecard_json for s in flat)


@pytest.mark.slow
def test_ray_engine_on_a_local_cluster_gives_the_same_bytes(sample, in_process) -> None:
    try:
        import ray
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("ray is not installed; scripts/test.sh installs the ray extra")
        pytest.skip("pip install 'heard[ray]' (CI installs it)")
    with open_engine("ray", workers=2) as engine:
        assert engine.workers == 2
        flat = [s for batch in engine.score(batches_of(sample, 120)) for s in batch]
        assert all(rss > 50 for rss in engine.peak_rss_mb())  # type: ignore[attr-defined]
    assert [s.scorecard_json for s in flat] == in_process
    assert [s.conversation_id for s in flat] == [c.id for c in sample]
    assert not ray.is_initialized(), "the cluster started for the run is stopped"


def test_cancel_stops_streaming() -> None:
    items = conversations(40)
    with open_engine("local", workers=1) as engine:
        stream = engine.score(batches_of(items, 4))
        first = next(stream)
        engine.cancel()
        rest = list(stream)
    assert len(first) == 4
    assert len(rest) < 9


def test_engine_name_from_option_or_environment(monkeypatch) -> None:
    monkeypatch.delenv("HEARD_ENGINE", raising=False)
    assert engine_name() == "local"
    monkeypatch.setenv("HEARD_ENGINE", "Ray")
    assert engine_name() == "ray"
    assert engine_name("local") == "local"
    monkeypatch.setenv("HEARD_ENGINE", "spark")
    with pytest.raises(EngineError, match=r"HEARD_ENGINE: unknown engine 'spark'; use one of"):
        engine_name()
    with pytest.raises(EngineError, match="--engine: unknown engine 'dask'") as caught:
        engine_name("dask")
    assert caught.value.usage


def test_ray_address_only_with_ray() -> None:
    with pytest.raises(EngineError, match="--ray-address is for --engine ray"):
        open_engine("local", ray_address="auto")


BLOCK_RAY = """
import sys
class NoRay:
    def find_spec(self, name, path=None, target=None):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
sys.meta_path.insert(0, NoRay())
sys.argv = ["heard", *sys.argv[1:]]
from heard.cli.main import run
run()
"""


def test_ray_engine_without_ray_says_how_to_install(tmp_path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text("".join(c.to_json() + "\n" for c in conversations(2)))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            BLOCK_RAY,
            "analyze",
            str(data),
            "--engine",
            "ray",
            "--out",
            str(tmp_path / "out.jsonl"),
        ],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin", "COLUMNS": "200", "NO_COLOR": "1"},
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "the ray engine needs Ray, which is not installed here" in result.stderr
    assert "pip install 'heard[ray]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.jsonl").exists()
