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


@pytest.mark.slow
def test_bench_live_audio_streams_calls_to_a_real_server(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two Harper Valley calls at a time, at 4× real time for 12 s, against `heard serve`:
    turns come back for both parties with latencies, and the docs section is written."""
    pytest.importorskip("faster_whisper", reason="needs the audio extra")
    calls = tmp_path / "calls"
    calls.mkdir()
    for name in ("0002f70f7386445b", "0091a706bc604188"):
        (calls / name).symlink_to(shared_data / "audio" / "harper_valley_bank" / name)
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs" / "performance.md"
    docs.parent.mkdir()
    docs.write_text("# Perf\n")
    args = ["bench", "live", "--audio", "--sessions", "2", "--speed", "4", "--duration", "12"]
    result = runner.invoke(app, [*args, "--data", str(calls), "--json", "--write-docs"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["sessions"] == 2 and figures["errors"] == 0
    assert figures["calls_streamed"] >= 2 and figures["calls_ended"] == figures["calls_streamed"]
    customer, agent = figures["customer_turn_ms"], figures["agent_turn_ms"]
    assert customer["n"] >= 2 and agent["n"] >= 2
    assert 0 < customer["p50"] <= customer["p95"] <= customer["max"]
    assert figures["server_metrics"]["phases_ms"]["recognise"]["n"] >= 4
    assert figures["settings"]["live_audio_window"] == 10.0
    text = docs.read_text()
    assert "## Live audio (`heard bench live --audio`)" in text
    assert "end of a customer utterance → its turn" in text and "--sessions 2" in text
