"""`heard analyze`: every report format through the real console script, --out, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from conftest import EXAMPLES
from heard.cli.main import app
from heard.model import Scorecard

runner = CliRunner()
HEARD = Path(sys.executable).with_name("heard")
WELL = str(EXAMPLES / "02-chat-angry-handled-well.json")
BADLY = str(EXAMPLES / "03-chat-angry-handled-badly.json")


def heard(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HEARD), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )


def test_analyze_json_gives_a_scorecard_per_conversation() -> None:
    result = heard("analyze", "--format", "json", WELL, BADLY)
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert [sorted(r) for r in reports] == [["file", "scorecard", "skipped"]] * 2
    assert [r["file"] for r in reports] == [WELL, BADLY]
    cards = [Scorecard.model_validate(r["scorecard"]) for r in reports]
    assert cards[0].listening_score > cards[1].listening_score
    assert [e.turn for e in cards[1].emotions] == [0, 2, 4, 6, 8, 10]
    assert reports[0]["skipped"]["heard.call_timing.v1"].startswith("needs start and end times")


@pytest.mark.parametrize(
    ("format", "start", "contains"),
    [
        ("text", "─", "Tip 1 Dismissive language at turn 3: “calm down”"),
        (
            "markdown",
            "# heard listening report\n",
            "1. **Dismissive language at turn 3: “calm down”**",
        ),
        ("html", "<!doctype html>\n", "Dismissive language at turn 3: “calm down”"),
        ("json", "[\n", '"conversation_id": "ex-03-chat-angry-handled-badly"'),
    ],
)
def test_each_format_on_stdout(format, start, contains) -> None:
    result = heard("analyze", "-f", format, BADLY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(start)
    assert contains in result.stdout
    assert "\x1b[" not in result.stdout


def test_text_report_shows_moments_scorecard_emotion_and_tips() -> None:
    result = heard("analyze", BADLY)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    score = re.search(r"agent Marcus Lee · Listening Score (\d+)/100", out)
    assert score and int(score.group(1)) < 40  # the badly handled chat scores low
    for expected in (
        "⟨dismissive⟩",
        "⟨customer_emotion=anger⟩",
        "Scorecard",
        "✗ missed acknowledgement,",
        "Metrics",
        "Customer emotion  anger → anger; peak anger",
        "try: Drop phrases like",
    ):
        assert expected in out, expected
    assert "Summary" not in out  # only with several conversations


def test_text_report_of_several_ends_with_a_summary() -> None:
    result = heard("analyze", WELL, BADLY)
    assert result.returncode == 0, result.stderr
    summary = result.stdout[result.stdout.index("Summary") :]
    assert (
        "ex-02-chat-angry-handled-well" in summary and "ex-03-chat-angry-handled-badly" in summary
    )


@pytest.mark.parametrize("format", ["html", "markdown", "text", "json"])
def test_out_writes_the_report_to_a_file(tmp_path, format) -> None:
    out = tmp_path / "reports" / f"report.{format}"
    result = heard("analyze", "--format", format, "--out", str(out), WELL, BADLY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {format} report of 2 conversations to {out}" in " ".join(result.stderr.split())
    text = out.read_text(encoding="utf-8")
    assert "ex-02-chat-angry-handled-well" in text and "ex-03-chat-angry-handled-badly" in text
    assert "\x1b[" not in text
    assert out.stat().st_mode & 0o044  # readable like any new file, not mkstemp's 0600
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left


def test_html_out_is_one_document_for_several_files(tmp_path) -> None:
    out = tmp_path / "report.html"
    result = heard("analyze", "-f", "html", "-o", str(out), str(EXAMPLES))
    assert result.returncode == 0, result.stderr
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    examples = sorted(EXAMPLES.glob("*.json"))
    assert len(soup.select("article.conversation")) == len(examples)
    assert len(soup.select("#summary-h ~ table tbody tr")) == len(examples)
    assert "http://" not in str(soup) and "https://" not in str(soup)


def test_unreadable_file_is_reported_and_the_rest_still_analysed(tmp_path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "x", "channel": "chat", "turns": [')
    out = tmp_path / "report.html"
    result = heard("analyze", "-f", "html", "-o", str(out), BADLY, str(broken))
    assert result.returncode == 1
    assert "broken.json" in result.stderr
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    assert len(soup.select("article.conversation")) == 1
    assert "broken.json" in soup.select_one(".errors li").get_text()


def test_input_format_chooses_the_importer(tmp_path) -> None:
    text = tmp_path / "chat.txt"
    text.write_text("Customer: My parcel never came. I'm furious.\nAgent: Please calm down.\n")
    result = heard("analyze", "--input-format", "text", "-f", "json", str(text))
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)[0]["scorecard"]
    assert "dismissive" in {f["behaviour"] for f in card["findings"]}
    wrong = heard("analyze", "--input-format", "csv", "-f", "json", BADLY)
    assert wrong.returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf", BADLY], "'pdf' is not one of"),
        (["--input-format", "nope", BADLY], "unknown format 'nope'"),
        (["-o", "json", BADLY], "looks like a report format"),
        (["--out", ".", BADLY], "is a folder"),
    ],
)
def test_usage_errors_exit_2(args, message) -> None:
    result = runner.invoke(app, ["analyze", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_analyze_bad_rubric_is_a_usage_error(tmp_path) -> None:
    rubric = tmp_path / "r.toml"
    rubric.write_text("name = ")
    result = heard("analyze", "--rubric", str(rubric), str(EXAMPLES / "09-chat-happy-short.json"))
    assert result.returncode == 2
    assert "malformed TOML" in result.stderr


def test_documented_json_matches_the_output() -> None:
    """The JSON example in docs/analysis.md has the keys `heard analyze -f json` prints."""
    import re

    from conftest import ROOT

    docs = (ROOT / "docs" / "analysis.md").read_text()
    documented = json.loads(re.search(r"### JSON.*?```json\n(.*?)```", docs, re.DOTALL).group(1))
    result = heard("analyze", "-f", "json", BADLY)
    printed = json.loads(result.stdout)
    assert [sorted(r) for r in documented] == [sorted(r) for r in printed]
    assert sorted(documented[0]["scorecard"]) == sorted(printed[0]["scorecard"])
    Scorecard.model_validate(documented[0]["scorecard"])
    for key in ("findings", "tips", "emotions", "checklist", "components"):
        assert sorted(documented[0]["scorecard"][key][0]) == sorted(
            printed[0]["scorecard"][key][0]
        ), key


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
    together = runner.invoke(app, ["analyze", "-f", "json", *files])
    alone = runner.invoke(app, ["analyze", "-f", "json", files[0]])
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


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("HEARD_EMBED_MODEL", "large", "expected one of small, minilm"),
        ("HEARD_EMBED_VARIANT", "int4", "expected fp32 or int8"),
        ("HEARD_EMBED_BACKEND", "gpu", "expected auto, onnx or numpy"),
    ],
)
def test_an_unknown_embedding_setting_is_a_clear_error_before_any_work(
    variable: str, value: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    result = runner.invoke(app, ["analyze", WELL])
    assert result.exit_code == 2
    assert f"error: {variable}={value!r}: {expected}" in result.output
    assert "Traceback" not in result.output
