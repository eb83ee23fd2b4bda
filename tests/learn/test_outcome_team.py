"""`heard train --task outcome --database URL`: the outcome model refitted on a team's own survey
answers, on a real store (SQLite and PostgreSQL).

The store is seeded with real STAR chats (MIT) from the held-out part the shipped model never
trained on, each with a survey answer made from its user's own answer to "did the assistant
stay calm and helpful?" (yes → 4 or 5 on "did you feel heard?", no → 1 to 3).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import require_shared_data
from databases import database_url
from heard.analysis import Analyzer
from heard.cli.main import app
from heard.importers import read_file
from heard.ingest import analysis_version
from heard.learn import OUTCOME_MODEL_ENV
from heard.learn.datasets import in_holdout
from heard.learn.outcome import OutcomeModel, default_outcome_model, default_outcome_path
from heard.learn.outcome_team import MIN_ANSWERS, MIN_EACH, YES_FROM, too_few
from heard.model import Conversation
from heard.store import Store, surveys
from teamdata import ingest, open_store

__all__ = ["database_url"]

runner = CliRunner()
CALM = re.compile(r"stay calm and helpful", re.IGNORECASE)


def _calm(row: dict) -> bool | None:
    for entry in row.get("original", {}).get("UserQuestionnaire") or []:
        if CALM.search(str(entry.get("Question", ""))) and isinstance(entry.get("Answer"), bool):
            return entry["Answer"]
    return None


@pytest.fixture(scope="module")
def star_chats(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Conversation, bool]]:
    """60 held-out STAR chats with their calm-and-helpful answer: 20 no, 40 yes."""
    shared = require_shared_data()
    no, yes = [], []
    for line in (shared / "star" / "star.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        answer = _calm(row)
        if answer is None or not row.get("turns") or not in_holdout(str(row["id"])):
            continue
        (yes if answer else no).append(line)
        if len(no) >= 20 and len(yes) >= 40:
            break
    no, yes = no[:20], yes[:40]
    assert len(no) == 20, "the held-out STAR part has fewer 'no' answers"
    path = tmp_path_factory.mktemp("star") / "star.jsonl"
    path.write_text("\n".join(no + yes) + "\n", "utf-8")
    _, conversations = read_file(path, format="star")
    return [(c, k >= 20) for k, c in enumerate(conversations)]


def _key(conversation: Conversation) -> str:
    return conversation.external_id or conversation.id


def _seed(store: Store, chats: list[tuple[Conversation, bool]]) -> dict[str, int]:
    """Stores the chats and answers each one's survey; the rating given to each."""
    report = ingest(store, [c for c, _ in chats])
    ratings = {}
    for k, (item, (conversation, calm)) in enumerate(zip(report.items, chats, strict=True)):
        rating = (YES_FROM + k % 2) if calm else 1 + k % 3
        surveys.submit_feedback(store, item.id, csat=3, felt_heard=rating)
        ratings[_key(conversation)] = rating
    return ratings


def _train(url: str, out: Path, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["train", "--task", "outcome", "--database", url, "--out", str(out), *extra]
    )
    return result.exit_code, result.stdout, result.stderr.replace("\n", " ")


@pytest.mark.slow
def test_refit_on_the_stores_answers_prints_held_out_figures_and_is_used(
    database_url: str,
    star_chats: list[tuple[Conversation, bool]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store(database_url)
    try:
        ratings = _seed(store, star_chats)
        # an answer without the rating and a csat-only survey are not training examples
        extra = ingest(
            store,
            [star_chats[0][0].model_copy(update={"id": "no-rating", "external_id": "no-rating"})],
        )
        surveys.submit_feedback(store, extra.items[0].id, csat=4, felt_heard=None)
        answers = surveys.felt_heard_answers(store)
    finally:
        store.close()
    assert {_key(c): rating for c, _, rating in answers} == ratings
    assert all(card is not None for _, card, _ in answers)
    out = tmp_path / "team" / "outcome.json"
    as_json = database_url.startswith("sqlite")  # one fit a store: JSON on one, text on the other
    code, printed, err = _train(database_url, out, *(["--json"] if as_json else []))
    assert code == 0, err
    assert out.is_file() and out.with_suffix(".npz").is_file()
    held = OutcomeModel.load(out).metadata["held_out"]["felt_heard"]
    assert held["n"] == 60 and held["positives"] == 40
    assert 0.0 <= held["auc"] <= 1.0 and 0.0 <= held["shipped_auc"] <= 1.0
    if as_json:
        result = json.loads(printed)
        assert result["held_out"] == held and result["model"] == str(out)
    else:
        text = printed.replace("\n", "")
        assert f"cross-validated AUC {held['auc']:.3f} on n 60 answers (40 felt heard)" in text
        assert f"the shipped model on the same answers: AUC {held['shipped_auc']:.3f}" in text
        assert f"export {OUTCOME_MODEL_ENV}={out}" in text

    # the team's model fills scorecards' felt_heard; annoyed stays the shipped model's
    shipped_version = analysis_version(Analyzer())
    assert analysis_version(Analyzer(outcome=False)) == shipped_version  # as before this change
    monkeypatch.setenv(OUTCOME_MODEL_ENV, str(out))
    assert analysis_version(Analyzer()) != shipped_version  # `heard rescore` refills outcome
    assert analysis_version(Analyzer(outcome=False)) == shipped_version
    team = default_outcome_model()
    assert isinstance(team, OutcomeModel) and team.name.startswith("team-outcome-")
    assert team.metadata["held_out"]["felt_heard"]["auc"] == held["auc"]
    shipped = OutcomeModel.load(default_outcome_path())
    conversation = star_chats[0][0]
    card = Analyzer().analyze(conversation).scorecard
    assert card.outcome is not None and card.outcome.model == team.name
    plain = Analyzer(outcome=False).analyze(conversation).scorecard
    assert card.outcome.annoyed == shipped.predict(conversation, plain).annoyed
    assert card.outcome.felt_heard != shipped.predict(conversation, plain).felt_heard
    assert card.outcome.validity["felt_heard_auc"] == held["auc"]


def test_too_few_answers_are_refused_saying_how_many_are_needed(
    database_url: str, star_chats: list[tuple[Conversation, bool]], tmp_path: Path
) -> None:
    store = open_store(database_url)
    try:
        _seed(store, star_chats[15:27])  # 5 no, 7 yes
    finally:
        store.close()
    out = tmp_path / "outcome.json"
    code, _, err = _train(database_url, out)
    assert code == 3
    assert "too few" in err and "12 (7 yes, 5 no" in err
    assert f"at least {MIN_ANSWERS} are needed" in err and not out.exists()


def test_enough_means_both_answers_too() -> None:
    assert too_few([5] * MIN_ANSWERS) is not None
    assert too_few([5] * (MIN_ANSWERS - MIN_EACH) + [1] * MIN_EACH) is None
    assert too_few([5] * (MIN_ANSWERS - MIN_EACH) + [1] * (MIN_EACH - 1)) is not None


def test_a_missing_outcome_model_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(OUTCOME_MODEL_ENV, str(tmp_path / "nope.json"))
    result = runner.invoke(app, ["analyze", "--help"])
    assert result.exit_code == 2
    assert f"{OUTCOME_MODEL_ENV}={tmp_path / 'nope.json'}: no such file" in result.stderr
