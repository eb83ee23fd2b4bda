"""`heard bench analyze` / `import`: figures printed, JSON for scripts, docs section written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from heard import embed
from heard.cli.main import app

runner = CliRunner()
HEARD = Path(sys.executable).parent / "heard"


@pytest.fixture
def star_extract(shared_data: Path, tmp_path: Path) -> Path:
    path = tmp_path / "star.jsonl"
    with (shared_data / "star" / "star.jsonl").open("rb") as handle:
        path.write_bytes(b"".join(next(handle) for _ in range(60)))
    return path


def test_bench_analyze_prints_throughput_latency_and_memory(star_extract: Path) -> None:
    done = subprocess.run(
        [str(HEARD), "bench", "analyze", "--data", str(star_extract), "--n", "40", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["format"] == "star" and result["conversations"] == 40
    assert result["conversations_per_s"] > 0 and result["turns"] > 40
    latency = result["latency_ms"]
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert result["workers"] >= 1 and result["peak_rss_mb"] > 0
    assert result["torch_loaded"] is False
    assert "heard.questions.v1" in result["detector_ms_per_conversation"]
    assert result["skipped"]["heard.call_timing.v1"] == 40  # chats have no timings
    assert result["machine"]["cores"] >= 1


def test_bench_analyze_table_and_docs_section(
    star_extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs" / "performance.md"
    docs.parent.mkdir()
    stale = "<!-- begin bench-analyze -->\nstale figures\n<!-- end bench-analyze -->\n"
    docs.write_text("# Perf\n\n" + stale)
    args = ["bench", "analyze", "--data", str(star_extract), "--n", "20", "--workers", "1"]
    result = runner.invoke(app, [*args, "--write-docs"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "conversations/s" in result.output and "p99" in result.output
    text = docs.read_text()
    assert "stale figures" not in text and text.count("<!-- begin bench-analyze -->") == 1
    assert "## Analysis (`heard bench analyze`)" in text and "heard.questions.v1" in text
    assert f"sentence encoder {embed.identity()}" in text  # the figures name the encoder


def test_bench_analyze_on_a_heard_json_example() -> None:
    example = str(EXAMPLES / "02-chat-angry-handled-well.json")
    result = runner.invoke(app, ["bench", "analyze", "--data", example, "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["conversations"] == 1


def test_bench_analyze_without_usable_conversations_is_an_error(tmp_path: Path) -> None:
    lonely = tmp_path / "lonely.txt"
    lonely.write_text("Agent: Hello, how can I help?\n")
    args = ["bench", "analyze", "--data", str(lonely), "--workers", "1"]
    result = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "no conversation with both an agent and a customer turn" in result.output
    assert str(lonely) in result.output
