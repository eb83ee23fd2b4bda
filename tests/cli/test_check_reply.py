"""`heard check-reply`: exact output on literal conversations and drafts; exit codes 0 (no
issues), 1 (issues), 2 (bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.cli.main import app

runner = CliRunner()

CONVERSATION = (
    "Customer: Hi, I have two questions about order W48213377.\n"
    "Customer: Can I change the delivery address to 12 Elm Street?\n"
    "Customer: Also, when will the refund for the broken lamp come through?\n"
)
SKIPS = (
    "Hi! I've changed the delivery address on order W48213377 to 12 Elm Street. We'll "
    "email you an RMA form.\n"
)
BOTH = (
    "Hi! I've changed the delivery address on order W48213377 to 12 Elm Street, and the "
    "refund for the broken lamp will reach your card within 3 working days.\n"
)
QUESTION = "Also, when will the refund for the broken lamp come through?"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "conversation": CONVERSATION,
        "skips": SKIPS,
        "both": BOTH,
        "empty": " \n",
        "two": "\n".join(
            json.dumps(
                {"id": name, "channel": "chat", "turns": [{"role": "customer", "text": "Hi?"}]}
            )
            for name in ("c-1", "c-2")
        ),
    }
    for name, text in paths.items():
        (tmp_path / f"{name}.txt").write_text(text)
    return {name: tmp_path / f"{name}.txt" for name in paths}


def run(*args: str | Path):
    return runner.invoke(app, ["check-reply", *map(str, args)], env={"COLUMNS": "200"})


def test_issues_are_listed_with_suggestions(files) -> None:
    result = run("--conversation", files["conversation"], "--draft", files["skips"])
    assert result.exit_code == 1, result.output
    assert result.output == (
        "2 issues in the draft:\n"
        f"1. unaddressed_concern: They asked “{QUESTION}” — this reply doesn't answer it.\n"
        "   → Answer that question directly — or, if you can't yet, say when you will.\n"
        "2. jargon (characters 94–97): “RMA” is jargon the customer never used.\n"
        "   → Say “return label” instead.\n"
    )


def test_a_draft_answering_both_questions_passes(files) -> None:
    result = run("--conversation", files["conversation"], "--draft", files["both"])
    assert result.exit_code == 0, result.output
    assert result.output == "✓ No issues: the draft reads well.\n"


COMPOUND = (
    "Customer: My order 48213 arrived with a cracked screen.\n"
    "Customer: Can I get a replacement, and will I be refunded the express shipping I paid for?\n"
)
SECOND = "will I be refunded the express shipping I paid for?"


def test_the_unanswered_second_request_of_a_sentence_is_named(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text(COMPOUND)
    (tmp_path / "d.txt").write_text(
        "I'm sorry about the cracked screen. I've sent a replacement for order 48213 and it "
        "arrives on Thursday.\n"
    )
    result = run("--conversation", tmp_path / "c.txt", "--draft", tmp_path / "d.txt", "--json")
    assert result.exit_code == 1, result.output
    issues = json.loads(result.stdout)["issues"]
    assert [i["concern"] for i in issues if i["kind"] == "unaddressed_concern"] == [SECOND]


def test_a_draft_answering_both_requests_of_a_sentence_passes(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text(COMPOUND)
    (tmp_path / "d.txt").write_text(
        "I'm sorry about the cracked screen. I've sent a replacement for order 48213 and it "
        "arrives on Thursday, and I've refunded the express shipping you paid for.\n"
    )
    result = run("--conversation", tmp_path / "c.txt", "--draft", tmp_path / "d.txt", "--json")
    assert result.exit_code in (0, 1), result.output
    kinds = [i["kind"] for i in json.loads(result.stdout)["issues"]]
    assert "unaddressed_concern" not in kinds, result.stdout


def test_json(files) -> None:
    result = run(
        "--conversation",
        files["conversation"],
        "--draft",
        files["skips"],
        "--format",
        "text",
        "--json",
    )
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout) == {
        "issues": [
            {
                "kind": "unaddressed_concern",
                "message": f"They asked “{QUESTION}” — this reply doesn't answer it.",
                "suggestion": "Answer that question directly — or, if you can't yet, say when "
                "you will.",
                "concern": QUESTION,
                "span": None,
            },
            {
                "kind": "jargon",
                "message": "“RMA” is jargon the customer never used.",
                "suggestion": "Say “return label” instead.",
                "concern": None,
                "span": {"start": 94, "end": 97},
            },
        ],
        "ok": False,
    }


def test_the_draft_from_stdin(files) -> None:
    result = runner.invoke(
        app,
        ["check-reply", "--conversation", str(files["conversation"]), "--draft", "-"],
        input=BOTH,
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output


def test_several_conversations_need_an_id(files) -> None:
    result = run("--conversation", files["two"], "--draft", files["both"], "--format", "jsonl")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error {files['two']}: holds 2 conversations (expected the id of one of them: c-1, c-2)\n"
    )
    result = run(
        "--conversation",
        files["two"],
        "--draft",
        files["both"],
        "--format",
        "jsonl",
        "--id",
        "c-2",
    )
    assert result.exit_code in (0, 1), result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--draft", "empty"), "{empty}: the draft is empty (expected the reply's text)"),
        (("--draft", "missing"), "{missing}: cannot read the draft"),
        (("--conversation", "missing"), "{missing}: no such file (expected a readable file)"),
    ],
)
def test_bad_input_exits_2(files, tmp_path: Path, args, message: str) -> None:
    paths = {**files, "missing": tmp_path / "missing.txt"}
    given = {"--conversation": files["conversation"], "--draft": files["both"]}
    given[args[0]] = paths[args[1]]
    result = run(*[part for pair in given.items() for part in pair])
    assert result.exit_code == 2
    assert result.stderr.startswith("error " + message.format(**paths)), result.stderr


def test_an_unknown_format_exits_2(files) -> None:
    result = run(
        "--conversation", files["conversation"], "--draft", files["both"], "--format", "fax"
    )
    assert result.exit_code == 2
    assert "unknown format 'fax'" in result.output
