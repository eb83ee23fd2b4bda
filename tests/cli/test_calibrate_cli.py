"""`heard calibrate`: errors and exit codes, and a rubric fitted on a store's own survey
answers that `heard analyze --rubric` takes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.analysis.calibrate import MIN_ANSWERS
from heard.analysis.rubric import load_rubric
from heard.cli.main import app
from heard.store import surveys
from teamdata import conversation, ingest, open_store

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "02-chat-angry-handled-well.json"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    monkeypatch.setenv("HEARD_DATABASE_URL", url)
    monkeypatch.setenv("HEARD_SECRET_KEY", "cli-test-key")
    return url


def _answered(url: str, good: int, bad: int) -> None:
    """`good` conversations whose customer felt heard (4 or 5) and `bad` who did not (1–3);
    one in five of each kind is the other kind's conversation, so the answer is not all
    in the words."""
    store = open_store(url)
    try:
        ids = []
        for k in range(good + bad):
            felt = k < good
            looks_good = felt != (k % 5 == 4)
            ids.append(ingest(store, [conversation(f"c-{k}", good=looks_good)]).items[0].id)
        for k, conversation_id in enumerate(ids):
            surveys.submit_feedback(
                store, conversation_id, csat=3, felt_heard=5 - k % 2 if k < good else 1 + k % 3
            )
    finally:
        store.close()


def test_a_missing_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["calibrate", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r.toml")]
    )
    assert result.exit_code == 2
    assert "no such data folder" in result.output and "nowhere" in result.output
    assert not (tmp_path / "r.toml").exists()


def test_a_data_folder_without_star_names_the_file_it_needs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["calibrate", "--data", str(tmp_path), "--out", "r.toml"])
    assert result.exit_code == 2
    assert "star/star.jsonl" in result.output


def test_one_source_of_outcomes_is_needed(tmp_path: Path, database: str) -> None:
    neither = runner.invoke(app, ["calibrate", "--out", str(tmp_path / "r.toml")])
    both = runner.invoke(
        app,
        ["calibrate", "--data", str(tmp_path), "--from-store", "--out", str(tmp_path / "r.toml")],
    )
    for result in (neither, both):
        assert result.exit_code == 2
        assert "either --data DIR" in result.output


def test_a_bad_base_rubric_names_its_file(tmp_path: Path, database: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 1\n")
    result = runner.invoke(
        app,
        ["calibrate", "--from-store", "--rubric", str(bad), "--out", str(tmp_path / "r.toml")],
    )
    assert result.exit_code == 2 and "bad.toml" in result.output


def test_too_few_store_answers_say_so_and_write_nothing(tmp_path: Path, database: str) -> None:
    _answered(database, good=MIN_ANSWERS + 5, bad=MIN_ANSWERS - 3)
    out = tmp_path / "r.toml"
    result = runner.invoke(app, ["calibrate", "--from-store", "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "too few answers to calibrate on" in result.output
    assert f"{MIN_ANSWERS + 5:,} conversations where the customer felt heard" in result.output
    assert f"{MIN_ANSWERS - 3:,} where they did not" in result.output
    assert not out.exists()


def test_a_rubric_fitted_on_store_answers_is_one_analyze_takes(
    tmp_path: Path, database: str
) -> None:
    _answered(database, good=MIN_ANSWERS + 4, bad=MIN_ANSWERS + 1)
    out = tmp_path / "team.toml"
    result = runner.invoke(
        app,
        ["calibrate", "--from-store", "--name", "team", "--out", str(out), "--workers", "1"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    base = load_rubric()
    assert text.startswith(f"# heard listening rubric team@{base.version}-calibrated")
    assert "heard calibrate --from-store --name team --out" in text
    assert "the store's surveyed conversations" in text
    assert f"{2 * MIN_ANSWERS + 5} conversations" in text
    assert "cross-validated" in text
    assert load_rubric(out).ref == f"team@{base.version}-calibrated"
    summary = runner.invoke(
        app, ["calibrate", "--from-store", "--out", str(out), "--workers", "1", "--json"]
    )
    figures = json.loads(summary.output)
    assert (figures["examples"], figures["positives"]) == (2 * MIN_ANSWERS + 5, MIN_ANSWERS + 4)
    assert figures["data"].startswith("sha256 ")
    assert figures["rubric"] == f"{base.ref}-calibrated" and figures["base"] == base.ref
    analysed = runner.invoke(
        app, ["analyze", str(EXAMPLE), "--rubric", str(out), "--format", "json"]
    )
    assert analysed.exit_code == 0, analysed.output
    assert json.loads(analysed.output)[0]["scorecard"]["rubric"] == f"{base.ref}-calibrated"
