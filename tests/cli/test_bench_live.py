"""`heard bench live`: a real `heard serve` subprocess fed by concurrent WebSocket sessions;
figures printed as JSON, a table, and a docs section."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.bench.live import cpu_seconds, memory_mb, percentile
from heard.cli.main import app

runner = CliRunner()


@pytest.fixture
def star_extract(shared_data: Path, tmp_path: Path) -> Path:
    path = tmp_path / "star.jsonl"
    with (shared_data / "star" / "star.jsonl").open("rb") as handle:
        path.write_bytes(b"".join(next(handle) for _ in range(20)))
    return path


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile(values, 1.0)) == (
        50.0,
        99.0,
        100.0,
    )
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.99) == 7.0


def test_process_figures_come_from_proc() -> None:
    rss, peak = memory_mb(os.getpid())
    assert 0 < rss <= peak
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(300_000))
    assert cpu_seconds(os.getpid()) > before


def test_bench_live_runs_sessions_against_a_real_server(
    star_extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs" / "performance.md"
    docs.parent.mkdir()
    docs.write_text("# Perf\n\n<!-- begin bench-live-3 -->\nstale\n<!-- end bench-live-3 -->\n")
    args = ["bench", "live", "--sessions", "3", "--speed", "40", "--duration", "12"]
    result = runner.invoke(
        app, [*args, "--conversations", str(star_extract), "--json", "--write-docs"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["sessions"] == 3 and figures["errors"] == 0
    assert figures["events"] > 20 and figures["conversations_ended"] >= 1
    ack = figures["ack_ms"]
    assert ack["n"] == figures["events"]
    assert 0 < ack["p50"] <= ack["p95"] <= ack["p99"] <= ack["max"]
    assert figures["state_ms"]["n"] > 0
    steady = figures["steady_ack_ms"]  # once all three run (they start over the first 6 s)
    assert 0 < figures["steady_s"] < 12 and 0 < steady["n"] < ack["n"]
    assert figures["server_cpu_percent"] > 0 and figures["server_rss_mb"] > 50
    assert figures["cpu_pressure_percent"] is None or 0 <= figures["cpu_pressure_percent"] <= 100
    text = docs.read_text()
    assert "stale" not in text and "## Live coaching (`heard bench live`)" in text
    assert "event → nudge, all 3 sessions running" in text
    assert "event → ack" in text and "--sessions 3" in text and "CPU pressure" in text
