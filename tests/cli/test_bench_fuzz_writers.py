"""`heard bench fuzz` and `heard bench writers` with small numbers: figures as JSON, a marked
section of docs/security.md, and exit code 0 only when nothing answered 500."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from databases import POSTGRES_SERVER, _server_answers
from heard.cli.main import app

runner = CliRunner()


@pytest.mark.slow
def test_bench_fuzz_writes_its_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["bench", "fuzz", "--cases", "1", "--role", "anonymous", "--role", "agent"]
    result = runner.invoke(app, [*args, "--json", "--write-docs"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["server_errors"] == 0
    (sqlite,) = figures["results"]
    assert sqlite["database"] == "sqlite" and set(sqlite["roles"]) == {"anonymous", "agent"}
    text = (tmp_path / "docs" / "security.md").read_text()
    assert "<!-- begin fuzz -->" in text and "server errors (5xx or an exception) | **0**" in text


def test_bench_fuzz_refuses_an_unknown_role() -> None:
    result = runner.invoke(app, ["bench", "fuzz", "--role", "root"])
    assert result.exit_code == 2
    assert "unknown role 'root'" in result.output


@pytest.mark.slow
def test_bench_writers_on_both_databases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["bench", "writers", "--clients", "4", "--conversations", "12", "--batch", "4"]
    if _server_answers(POSTGRES_SERVER):
        args += ["--postgres", POSTGRES_SERVER + "postgres"]
    result = runner.invoke(app, [*args, "--json", "--write-docs"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert not figures["failed"]
    for found in figures["results"]:
        assert found["server_errors"] == 0 and found["consistent"], found
        assert found["checks"]["conversations"] == 12
        # Every client's every batch got through in the end.
        assert found["statuses"]["200"] == 4 * 3 and not found["failed_batches"]
    text = (tmp_path / "docs" / "security.md").read_text()
    assert "<!-- begin writers -->" in text and "**consistent**" in text
