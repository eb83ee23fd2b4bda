"""`heard import`, `formats`, `schema`, `show`, `--version`: output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard import __version__
from heard.cli.main import app
from heard.importers import importers
from heard.model import Conversation

runner = CliRunner()

GOOD = (
    '{"id": "c1", "channel": "chat", "turns": [{"role": "customer", "text": "Where is my '
    'parcel?"}, {"role": "agent", "text": "Let me check that for you."}]}'
)
BAD = '{"id": "c2", "channel": "chat", "turns": [{"role": "customer"}]}'


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.json"
    good.write_text(GOOD)
    bad = tmp_path / "bad.json"
    bad.write_text(BAD)
    return {"good": good, "bad": bad}


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"heard {__version__}\n"


def test_import_all_good_exits_0_and_summarises(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["import", str(files["good"])], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "1 conversations, 2 turns from 1 of 1 files" in result.output


def test_import_json_summary(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["import", "--json", str(files["good"]), str(files["bad"])])
    assert result.exit_code == 1
    summary = json.loads(result.output)
    assert summary["conversations"] == 1
    assert summary["turns"] == 2
    assert summary["failed"] == 1
    good, bad = summary["files"]
    assert good == {
        "file": str(files["good"]),
        "format": "json",
        "conversations": 1,
        "turns": 2,
        "error": None,
        "warnings": [],
    }
    assert bad["error"]["code"] == "missing_field"
    assert bad["error"]["path"] == "$.turns[0].text"
    assert bad["error"]["file"] == str(files["bad"])


def test_one_bad_file_does_not_stop_the_batch(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        ["import", str(files["bad"]), str(files["good"]), "--out", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1
    assert "$.turns[0].text: required field is missing" in result.output
    lines = out.read_text().splitlines()
    assert [Conversation.model_validate_json(line).id for line in lines] == ["c1"]


def test_out_round_trips_and_redacts(tmp_path: Path) -> None:
    source = tmp_path / "pii.json"
    source.write_text(
        json.dumps(
            {
                "id": "p1",
                "channel": "chat",
                "turns": [
                    {
                        "role": "customer",
                        "text": "My card is 4111 1111 1111 1111, mail me at ann@example.com",
                    }
                ],
            }
        )
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["import", str(source), "--redact", "--out", str(out)])
    assert result.exit_code == 0, result.output
    conversation = Conversation.model_validate_json(out.read_text().splitlines()[0])
    assert conversation.turns[0].text == "My card is [CARD], mail me at [EMAIL]"


def test_out_dash_streams_jsonl(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["import", str(files["good"]), "--out", "-"])
    assert result.exit_code == 0
    assert Conversation.model_validate_json(result.output.strip()).id == "c1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "x.json", "--format", "fax"], "unknown format 'fax'"),
        (["import", "x.json", "--role", "Jane"], "is not KEY=VALUE"),
        (["import", "x.json", "--role", "Jane=boss"], "'boss' is not a role"),
        (["import", "x.json", "--channel", "pigeon"], "'pigeon' is not a channel"),
        (["import"], "Missing argument"),
        (["nonsense"], "No such command"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert message in result.output


def test_formats_lists_every_importer() -> None:
    result = runner.invoke(app, ["formats", "--json"])
    assert result.exit_code == 0
    assert [row["name"] for row in json.loads(result.output)] == sorted(importers())


def test_schema_is_valid_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    conversation = json.loads(GOOD)
    for i, turn in enumerate(conversation["turns"]):
        turn["index"] = i
    jsonschema.validate(conversation, schema)


def test_show_prints_the_transcript(files: dict[str, Path]) -> None:
    result = runner.invoke(app, ["show", str(files["good"])], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert " customer Where is my parcel?" in result.output
    assert "    agent Let me check that for you." in result.output


def test_console_script_never_prints_a_traceback(files: dict[str, Path], tmp_path: Path) -> None:
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\x00\xff\xfe garbage \x80")
    heard = Path(sys.executable).with_name("heard")
    proc = subprocess.run(
        [str(heard), "import", str(files["good"]), str(binary), str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "not valid UTF-8" in proc.stdout
    assert "no such file" in proc.stdout
