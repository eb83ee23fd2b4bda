"""`heard bench audio` on a small espeak-ng call folder laid out like the shared data's audio:
the figures it prints as JSON and the section it writes into docs/performance.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from speech import place, require_tools, say, write_wav


@pytest.mark.slow
def test_bench_audio_times_both_paths_and_writes_its_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tools()
    from heard.cli.main import app

    greeting = say("Good morning, you are through to the bank.", tmp_path, "a")
    answer = say("Hello, I would like to check my balance.", tmp_path, "c", voice="en-us+f3")
    agent, customer, _ = place([(0, "", 0.3, greeting), (1, "", 3.2, answer)])
    call = tmp_path / "audio" / "harper_valley_bank" / "call1"
    call.mkdir(parents=True)
    write_wav(call / "agent.wav", [agent])
    write_wav(call / "caller.wav", [customer])
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = ["bench", "audio", "--data", str(tmp_path / "audio"), "--repeat", "1"]
    result = runner.invoke(app, [*args, "--json", "--beam-size", "1"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    [timed] = figures["calls"]
    assert timed["call"] == "call1" and timed["seconds"] > 5
    assert 0 < timed["timing_only_seconds"] < timed["full_seconds"]
    assert timed["full_cpu_seconds"] > 0 and figures["full_times_real_time_per_cpu_second"] > 0
    assert figures["settings"]["beam_size"] == 1 and figures["settings"]["threads"] == 2
    assert figures["settings"]["windows_at_once"] == 2
    assert figures["timing_only_times_real_time"] > figures["full_times_real_time"] > 0
    assert figures["peak_rss_mb"] > 0 and "dense" not in figures  # no AWS sample here
    dense = tmp_path / "audio" / "aws_pca_sample"  # a mono call: both parties in one channel
    dense.mkdir()
    write_wav(dense / "mono.wav", [agent + customer])
    result = runner.invoke(app, [*args, "--write-docs", "--beam-size", "1"])
    assert result.exit_code == 0, result.output
    docs = (tmp_path / "docs" / "performance.md").read_text()
    assert "full pipeline, dense speech (AWS sample, mono: decode, diarizer" in docs
    assert "recognition alone, dense speech (AWS sample, mono)" in docs
    assert "<!-- begin bench-audio -->" in docs and "× real time" in docs
    assert "timing only (decode, voice activity, timed detectors)" in docs
    assert "full pipeline, CPU time (user + system, every thread)" in docs


def test_bench_audio_without_calls_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper", reason="needs the audio extra")
    from heard.cli.main import app

    result = CliRunner().invoke(app, ["bench", "audio", "--data", str(tmp_path)])
    assert result.exit_code == 1 and "no call folders to time" in result.output
