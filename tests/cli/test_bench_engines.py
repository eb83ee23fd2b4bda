"""`heard bench engines`: each engine at each worker count on the same conversations, the
targets' ratios judged, JSON for scripts, the docs section written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.bench.engines import engine_targets
from heard.cli.bench_engines import engine_rows
from heard.cli.main import app

runner = CliRunner()


def run(engine: str, workers: int, speed: float) -> dict[str, object]:
    return {
        "engine": engine,
        "workers": workers,
        "conversations": 100,
        "start_seconds": 1.0,
        "seconds": 100 / speed,
        "conversations_per_s": speed,
        "worker_peak_rss_mb": 300.0,
        "load_average": [0.5, 1.5],
    }


def test_engine_targets_judge_speed_up_and_ray_against_local() -> None:
    runs = [run("local", 1, 50.0), run("local", 2, 90.0), run("ray", 1, 45.0)]
    runs.append(run("ray", 2, 72.0))
    assert engine_targets(runs) == [
        {"measure": "local 2 workers / 1 worker", "figure": 1.8, "target": None, "met": None},
        {"measure": "ray 2 workers / 1 worker", "figure": 1.6, "target": 1.7, "met": False},
        {"measure": "ray / local at 1 worker", "figure": 0.9, "target": 0.85, "met": True},
        {"measure": "ray / local at 2 workers", "figure": 0.8, "target": 0.85, "met": False},
    ]
    result = {
        "file": "star.jsonl",
        "format": "star",
        "conversations": 100,
        "distinct_conversations": 40,
        "turns": 1500,
        "batch": 256,
        "runs": runs,
        "targets": engine_targets(runs),
        "machine": {"cpu": "x", "cores": 2, "memory_gib": 1, "os": "y", "python": "3"},
    }
    result["machine"]["heard"] = result["machine"]["date"] = "z"  # type: ignore[index]
    rows = dict(engine_rows(result))
    assert rows["ray 2 workers / 1 worker"] == "1.6 × (target ≥ 1.7: missed)"
    assert rows["local 2 workers / 1 worker"] == "1.8 × (no target)"
    assert rows["targets"] == (
        "1 of 3 met; met: ray / local at 1 worker 0.9 ≥ 0.85; missed: ray 2 workers / 1 worker "
        "1.6 < 1.7, ray / local at 2 workers 0.8 < 0.85"
    )
    assert rows["data"].endswith("100 conversations with both parties (40 distinct), 1,500 turns")


def test_engine_targets_need_both_figures() -> None:
    assert engine_targets([run("ray", 2, 72.0), run("local", 1, 50.0)]) == []
    (ratio,) = engine_targets([run("ray", 1, 40.0), run("ray", 2, 80.0)])
    assert ratio == {
        "measure": "ray 2 workers / 1 worker",
        "figure": 2.0,
        "target": 1.7,
        "met": True,
    }


def test_bench_engines_runs_each_worker_count_on_the_same_conversations(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extract = tmp_path / "star.jsonl"
    with (shared_data / "star" / "star.jsonl").open("rb") as handle:
        extract.write_bytes(b"".join(next(handle) for _ in range(12)))
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs" / "performance.md"
    docs.parent.mkdir()
    analysis = "<!-- begin bench-analyze -->\nsingle-process figures\n<!-- end bench-analyze -->\n"
    docs.write_text("# Perf\n\n" + analysis)
    args = ["bench", "engines", "--data", str(extract), "--n", "16", "--engine", "local"]
    result = runner.invoke(app, [*args, "--json", "--write-docs"])
    assert result.exit_code == 0, result.output
    measured = json.loads(result.stdout)
    assert measured["conversations"] == 16 and measured["distinct_conversations"] <= 12
    one, two = measured["runs"]
    assert [(one["engine"], one["workers"]), (two["engine"], two["workers"])] == [
        ("local", 1),
        ("local", 2),
    ]
    for each in (one, two):
        assert each["conversations"] == 16 and each["conversations_per_s"] > 0
        assert each["worker_peak_rss_mb"] > 50 and len(each["load_average"]) == 2
    (speed_up,) = measured["targets"]
    assert speed_up["measure"] == "local 2 workers / 1 worker" and speed_up["target"] is None
    text = docs.read_text()
    assert analysis in text  # the analysis section is left as it was
    assert "## Engines (`heard bench engines`)" in text
    command = "heard bench engines --data star.jsonl --n 16 --engine local --workers 1 --workers 2"
    assert f"Command: `{command} --write-docs`" in text
    assert "| local engine, 2 workers | " in text and "| targets | none judged: " in text
    unknown = runner.invoke(app, [*args, "--engine", "spark"])
    assert unknown.exit_code == 2
    assert "--engine: unknown engine 'spark'" in unknown.output
