"""`heard generate`: writes the demo team as heard JSON Lines that `heard import` reads back."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from heard.cli.main import app
from heard.demo import generate_team
from heard.model import Conversation

runner = CliRunner()
SMALL = ["--weeks", "2", "--per-agent-per-week", "1", "--agents-per-team", "2"]


def test_generate_writes_the_team_as_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "team.jsonl"
    args = ["generate", *SMALL, "--seed", "3", "--start", "2026-01-05", "--out", str(out)]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 8  # 4 agents × 2 weeks × 1
    written = [Conversation.model_validate_json(line) for line in lines]
    team = generate_team(
        seed=3,
        weeks=2,
        agents_per_team=2,
        per_agent_per_week=1,
        start=written[0].started_at.date(),
    )
    assert len(team.agents) == 4
    assert written == team.conversations
    assert result.output.splitlines()[-1] == (
        f"8 conversations ({_channels(written)}) over 2 weeks from 2026-01-05, seed 3; "
        f"written to {out}"
    )
    imported = runner.invoke(app, ["import", "--json", str(out)])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["conversations"] == 8


def _channels(conversations: list[Conversation]) -> str:
    counts: dict[str, int] = {}
    for conversation in conversations:
        counts[conversation.channel.value] = counts.get(conversation.channel.value, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def test_generate_n_with_json_summary(tmp_path: Path) -> None:
    out = tmp_path / "n.jsonl"
    args = ["generate", "--n", "25", "--seed", "7", "--start", "2026-01-05", "--out", str(out)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["conversations"] == 25
    assert sum(summary["channels"].values()) == 25
    assert summary["start"] == "2026-01-05" and summary["weeks"] == 8
    assert [a["trend"] for a in summary["agents"]].count("star") == 1
    assert len(out.read_text().splitlines()) == 25


def test_generate_to_stdout(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", *SMALL, "--start", "2026-01-05", "--out", "-"])
    assert result.exit_code == 0
    assert len([json.loads(line) for line in result.output.splitlines()]) == 8


def test_bad_start_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--start", "5 Jan", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "'5 Jan' is not a date; expected YYYY-MM-DD" in result.output
    assert not (tmp_path / "x").exists()


def test_json_and_stdout_conflict() -> None:
    result = runner.invoke(app, ["generate", "--json", "--out", "-"])
    assert result.exit_code == 2
    assert "both write to standard output" in result.output
