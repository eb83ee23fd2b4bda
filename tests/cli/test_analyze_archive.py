"""`heard analyze --out results.jsonl|.parquet`: archives streamed through an engine, results
written as they come, bad rows reported and skipped, resumed after Ctrl-C and after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import heard
from conftest import EXAMPLES
from heard.demo import iter_conversations

SRC = str(Path(heard.__file__).resolve().parents[1])
ENV = {"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin", "COLUMNS": "200", "NO_COLOR": "1"}
WELL = EXAMPLES / "02-chat-angry-handled-well.json"
BADLY = EXAMPLES / "03-chat-angry-handled-badly.json"


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "heard", "analyze", *map(str, args)]


def heard_analyze(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), capture_output=True, text=True, env=ENV, check=False)


def write_generated(path: Path, n: int) -> Path:
    with path.open("w") as handle:
        for conversation in iter_conversations(n, seed=5, weeks=2, start=date(2026, 1, 5)):
            handle.write(conversation.to_json() + "\n")
    return path


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_archive_rows_are_the_report_scorecards(tmp_path) -> None:
    out = tmp_path / "results.jsonl"
    result = heard_analyze(WELL, BADLY, "--out", out, "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert "analysed 2 conversations" in result.stderr
    found = rows(out)
    assert [sorted(r) for r in found] == [
        ["conversation_id", "file", "index", "line", "scorecard", "skipped"]
    ] * 2
    assert [(r["file"], r["line"], r["index"]) for r in found] == [
        (str(WELL), None, 0),
        (str(BADLY), None, 0),
    ]
    report = json.loads(heard_analyze("-f", "json", WELL, BADLY).stdout)
    assert [r["scorecard"] for r in found] == [r["scorecard"] for r in report]
    assert [r["skipped"] for r in found] == [r["skipped"] for r in report]


def test_bad_rows_are_named_and_skipped_and_the_rest_analysed(tmp_path) -> None:
    good = [c.to_json() for c in iter_conversations(3, seed=5, weeks=1, start=date(2026, 1, 5))]
    data = tmp_path / "archive.jsonl"
    broken_role = json.loads(good[2])
    broken_role["turns"][0]["role"] = "wizard of oz"
    data.write_text(
        "\n".join([good[0], '{"id": "x", "turns": [', "", good[1], json.dumps(broken_role)]) + "\n"
    )
    out = tmp_path / "results.jsonl"
    result = heard_analyze(data, "--out", out, "--json")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["analysed"] == 2
    assert summary["bad_rows"] == 2
    assert [(e["file"], e["line"], e["code"]) for e in summary["errors"]] == [
        (str(data), 2, "malformed"),
        (str(data), 5, "invalid_value"),
    ]
    assert f"{data}, line 2: malformed JSON" in result.stderr
    assert f"{data}, line 5, $.turns[0].role" in result.stderr
    assert "Traceback" not in result.stderr
    assert [(r["line"], r["index"]) for r in rows(out)] == [(1, 0), (4, 2)]


def test_parquet_results_resume_and_overwrite(tmp_path) -> None:
    data = write_generated(tmp_path / "archive.jsonl", 40)
    out = tmp_path / "results.parquet"
    first = heard_analyze(data, "--out", out, "--workers", "1", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["analysed"] == 40
    table = pq.read_table(out)
    assert table.num_rows == 40
    assert table.column("line").to_pylist() == list(range(1, 41))
    card = json.loads(table.column("scorecard")[0].as_py())
    assert card["listening_score"] == table.column("listening_score")[0].as_py()

    again = heard_analyze(data, "--out", out, "--workers", "1", "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["analysed"], summary["resumed"]) == (0, 40)

    fresh = heard_analyze(data, "--out", out, "--workers", "1", "--json", "--overwrite")
    assert json.loads(fresh.stdout)["analysed"] == 40
    assert pq.read_table(out).num_rows == 40


def test_resuming_with_other_inputs_is_refused(tmp_path) -> None:
    data = write_generated(tmp_path / "a.jsonl", 3)
    out = tmp_path / "results.jsonl"
    assert heard_analyze(data, "--out", out, "--workers", "1").returncode == 0
    other = write_generated(tmp_path / "b.jsonl", 3)
    result = heard_analyze(other, "--out", out, "--workers", "1")
    assert result.returncode == 2
    assert f"the results to resume end at {data}, which is not among the inputs" in result.stderr
    assert "--overwrite" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "parquet"], "parquet results need --out FOLDER"),
        (["--format", "jsonl", "--json"], "--json and jsonl results both write"),
        (["--json"], "--json is for jsonl and parquet results"),
        (["--out", "x.jsonl", "--engine", "spark"], "--engine: unknown engine 'spark'"),
    ],
)
def test_archive_usage_errors_exit_2(args, message, tmp_path) -> None:
    result = subprocess.run(
        command(WELL, *args), capture_output=True, text=True, env=ENV, cwd=tmp_path, check=False
    )
    assert result.returncode == 2, result.stderr
    assert message in " ".join(result.stderr.split())


def _wait_for_rows(path: Path, at_least: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= at_least:
            return
        assert process.poll() is None, "the run ended before it could be stopped"
        time.sleep(0.05)
    pytest.fail(f"{path} did not reach {at_least} rows")


@pytest.mark.slow
def test_interrupted_and_killed_runs_resume_losing_and_repeating_nothing(tmp_path) -> None:
    n = 240
    data = write_generated(tmp_path / "archive.jsonl", n)
    options = ["--workers", "1", "--batch", "16"]
    reference = tmp_path / "reference.jsonl"
    assert heard_analyze(data, "--out", reference, *options).returncode == 0
    out = tmp_path / "results.jsonl"

    # Ctrl-C: what is written stays, exit 130, a message saying how to go on
    run = subprocess.Popen(
        command(data, "--out", out, *options),
        env=ENV,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _wait_for_rows(out, 32, run)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert "interrupted: run the same command again" in stderr
    stopped = out.read_bytes().count(b"\n")
    assert 32 <= stopped < n

    # a crash: the resumed run is killed outright, mid-way, and leaves half a row behind
    run = subprocess.Popen(
        command(data, "--out", out, *options),
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_rows(out, stopped + 32, run)
    run.kill()
    run.wait(timeout=30)
    killed = out.read_bytes().count(b"\n")
    assert killed < n
    with out.open("ab") as handle:
        handle.write(b'{"file": "half a row')

    result = heard_analyze(data, "--out", out, *options, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["resumed"] == killed
    assert summary["analysed"] == n - killed
    found = rows(out)
    assert [r["line"] for r in found] == list(range(1, n + 1))  # nothing lost, nothing twice
    assert out.read_bytes() == reference.read_bytes()  # the same batches as one run


def test_killed_run_leaves_no_worker_behind(tmp_path) -> None:
    data = write_generated(tmp_path / "archive.jsonl", 120)
    out = tmp_path / "results.jsonl"
    run = subprocess.Popen(
        command(data, "--out", out, "--workers", "2", "--batch", "8"),
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_rows(out, 8, run)
    children = [
        int(pid) for pid in Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text().split()
    ]
    run.kill()
    run.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in children):
        time.sleep(0.1)
    alive = []
    for pid in children:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
            os.kill(pid, signal.SIGKILL)
    assert not alive
