"""`heard analyze`: the text report and the JSON scorecard."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import EXAMPLES
from heard.cli.main import app
from heard.model import Scorecard

runner = CliRunner()


def test_analyze_json_gives_a_scorecard_per_conversation() -> None:
    files = [
        str(EXAMPLES / "02-chat-angry-handled-well.json"),
        str(EXAMPLES / "03-chat-angry-handled-badly.json"),
    ]
    result = runner.invoke(app, ["analyze", "-o", "json", *files])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)
    assert [r["file"] for r in reports] == files
    cards = [Scorecard.model_validate(r["scorecard"]) for r in reports]
    assert cards[0].listening_score > cards[1].listening_score
    assert reports[0]["skipped"]["heard.call_timing.v1"].startswith("needs start and end times")


def test_analyze_text_report_shows_moments_scorecard_and_tips() -> None:
    result = runner.invoke(
        app, ["analyze", str(EXAMPLES / "03-chat-angry-handled-badly.json")], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    assert "Listening Score" in result.output
    assert "⟨dismissive⟩" in result.output
    assert "Tip 1 Dismissive language at turn 3: “calm down”" in result.output


def test_analyze_bad_rubric_is_a_usage_error(tmp_path) -> None:
    rubric = tmp_path / "r.toml"
    rubric.write_text("name = ")
    result = runner.invoke(
        app, ["analyze", "--rubric", str(rubric), str(EXAMPLES / "09-chat-happy-short.json")]
    )
    assert result.exit_code == 2
    assert "malformed TOML" in result.output


def test_analyze_several_files_marks_replies_copied_between_them(tmp_path) -> None:
    canned = (
        "Our team is looking into your request and we will update you by email within two "
        "working days with the outcome of the review."
    )
    files = []
    for name, question in (("a", "Where is my refund for the blender?"), ("b", "Why $249?")):
        path = tmp_path / f"{name}.json"
        path.write_text(
            json.dumps(
                {
                    "id": name,
                    "channel": "email",
                    "turns": [
                        {"role": "customer", "text": question},
                        {"role": "agent", "text": canned},
                    ],
                }
            )
        )
        files.append(str(path))
    together = runner.invoke(app, ["analyze", "-o", "json", *files])
    alone = runner.invoke(app, ["analyze", "-o", "json", files[0]])
    assert together.exit_code == 0 and alone.exit_code == 0, together.output

    def marked(output: str) -> list[dict]:
        return [
            f["data"]
            for report in json.loads(output)
            for f in report["scorecard"]["findings"]
            if f["behaviour"] == "template_reply"
        ]

    assert marked(together.output) == [
        {"near_duplicate_of": {"conversation": "b", "turn": 1}, "similarity": 1.0},
        {"near_duplicate_of": {"conversation": "a", "turn": 1}, "similarity": 1.0},
    ]
    assert marked(alone.output) == []
