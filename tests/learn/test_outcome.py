"""The outcome model: STAR labels and split, fitting and files, the shipped model's
predictions, and the scorecard field."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import heard.analysis.analyzer as analyzer_module
from heard.analysis import Analyzer
from heard.importers import read_file
from heard.learn.datasets import in_holdout
from heard.learn.outcome import OUTPUTS, OutcomeModel, default_outcome_model
from heard.learn.outcome_fit import fit_outcome, split, star_outcomes
from heard.model import Channel, Conversation, Role, Turn
from heard.report.content import outcome_text

CALM_Q = "Did the assistant stay calm and helpful throughout the dialogue?"
ANNOYED_Q = (
    "Did the user become aggressive or annoyed during the dialogue? "
    "(Note: some users may be instructed to be annoying.)"
)
HAPPY = [
    ("customer", "Hi, I'd like to check the balance of my savings account please."),
    ("agent", "Of course! Could I get your name and account number, please?"),
    ("customer", "Sure, it's Maria Lopez, account 4471."),
    ("agent", "Thank you Maria. Your savings balance is $2,340. Anything else I can help with?"),
    ("customer", "No, that's perfect, thank you so much for your help!"),
    ("agent", "You're welcome, have a great day!"),
]
ANGRY = [
    ("customer", "I've asked THREE times already, where is my ride?? This is ridiculous!"),
    ("agent", "Could I get your name, please?"),
    ("customer", "I already told you my name!! Are you even reading what I write? Useless."),
    ("agent", "Could I get your name, please?"),
    ("customer", "Forget it. Worst service ever, I'm done with this stupid app."),
]


def star_row(dialogue: str, turns: list[tuple[str, str]], calm: bool | None, annoyed: bool):
    original: dict[str, object] = {
        "DialogueID": int(dialogue),
        "WizardQuestionnaire": [{"Question": ANNOYED_Q, "Answer": annoyed}],
    }
    if calm is not None:
        original["UserQuestionnaire"] = [{"Question": CALM_Q, "Answer": calm}]
    return {
        "id": dialogue,
        "turns": [
            {"role": role, "text": text, "unix_time": 1_600_000_000 + 20 * i}
            for i, (role, text) in enumerate(turns)
        ],
        "original": original,
    }


@pytest.fixture
def star_dir(tmp_path: Path) -> Path:
    """40 STAR-like chats: happy ones answered calm/not annoyed, angry ones the other way."""
    rows = []
    for i in range(40):
        happy = i % 3 != 0
        calm = None if i == 7 else happy
        rows.append(star_row(str(i + 1), HAPPY if happy else ANGRY, calm, not happy))
    path = tmp_path / "star" / "star.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path


def conversation(turns: list[tuple[str, str]]) -> Conversation:
    return Conversation(
        id="c",
        channel=Channel.CHAT,
        turns=[Turn(index=i, role=Role(role), text=text) for i, (role, text) in enumerate(turns)],
    )


def test_labels_and_split_keep_conversations_apart(star_dir: Path) -> None:
    items = star_outcomes(star_dir)
    assert len(items) == 40
    by_id = {i.group: i for i in items}
    assert by_id["1"].felt_heard is False and by_id["1"].annoyed is True
    assert by_id["2"].felt_heard is True and by_id["2"].annoyed is False
    assert by_id["8"].felt_heard is None  # not asked
    train, test = split(items)
    assert {i.group for i in train}.isdisjoint({i.group for i in test})
    assert len(train) + len(test) == len(items) and test
    assert all(in_holdout(i.group) for i in test) and not any(in_holdout(i.group) for i in train)
    assert [i.group for i in split(items)[1]] == [i.group for i in test]  # stable


def test_fit_save_load_predicts_the_same(star_dir: Path, tmp_path: Path) -> None:
    items = star_outcomes(star_dir)
    analyzer = Analyzer(outcome=False)
    cards = [analyzer.analyze(i.conversation).scorecard for i in items]
    model = fit_outcome(items, cards, c_values=(1.0,), weights=(0.5,))
    model.save(tmp_path / "m.json")
    loaded = OutcomeModel.load(tmp_path / "m.json")
    pairs = list(zip([i.conversation for i in items], cards, strict=True))
    p = loaded.probabilities(pairs)
    assert np.allclose(p, model.probabilities(pairs), atol=1e-5)
    assert ((p >= 0) & (p <= 1)).all()
    happy = np.array([i.annoyed is False for i in items])
    assert p[happy, 0].mean() > p[~happy, 0].mean()
    assert p[~happy, 1].mean() > p[happy, 1].mean()
    assert loaded.name.startswith("star-outcome-") and len(loaded.name) == len("star-outcome-") + 12
    (tmp_path / "m.npz").write_bytes(b"changed")
    with pytest.raises(ValueError):
        OutcomeModel.load(tmp_path / "m.json")


def test_shipped_model_reads_a_calm_chat_and_an_annoyed_one() -> None:
    model = default_outcome_model()
    assert isinstance(model, OutcomeModel), model
    assert model.metadata["data_sha256"] and model.metadata["licence"].startswith("MIT")
    analyzer = Analyzer()
    happy, angry = conversation(HAPPY), conversation(ANGRY)
    p = model.probabilities(
        [(happy, analyzer.analyze(happy).scorecard), (angry, analyzer.analyze(angry).scorecard)]
    )
    assert ((p >= 0) & (p <= 1)).all()
    felt_heard, annoyed = OUTPUTS.index("felt_heard"), OUTPUTS.index("annoyed")
    assert p[0, felt_heard] > p[1, felt_heard]
    assert p[1, annoyed] > p[0, annoyed]


def test_every_scorecard_carries_the_prediction_with_its_validity() -> None:
    card = Analyzer().analyze(conversation(HAPPY)).scorecard
    assert card.outcome is not None
    assert 0 <= card.outcome.felt_heard <= 1 and 0 <= card.outcome.annoyed <= 1
    assert card.outcome.model.startswith("star-outcome-")
    assert set(card.outcome.validity) == {"felt_heard_auc", "annoyed_auc"}
    assert "outcome" in json.loads(card.model_dump_json())


def test_star_chats_read_from_file_get_a_prediction(star_dir: Path) -> None:
    _, chats = read_file(star_dir / "star" / "star.jsonl", format="star")
    analyzer = Analyzer()
    together = [a.scorecard.outcome for a in analyzer.analyze_many(chats[:4])]
    apart = [analyzer.analyze(c).scorecard.outcome for c in chats[:4]]
    assert all(o is not None for o in together)
    for a, b in zip(together, apart, strict=True):  # one batch predicts what one by one does
        assert a is not None and b is not None
        assert a.felt_heard == pytest.approx(b.felt_heard, abs=1e-4)
        assert a.annoyed == pytest.approx(b.annoyed, abs=1e-4)


def test_without_the_model_file_the_scorecard_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyzer_module, "_outcome_model", lambda: "no outcome model (test)")
    analysis = Analyzer().analyze(conversation(HAPPY))
    assert analysis.scorecard.outcome is None
    assert analysis.skipped[analyzer_module.OUTCOME] == "no outcome model (test)"


def test_reports_show_the_prediction_beside_its_validity() -> None:
    card = Analyzer().analyze(conversation(HAPPY)).scorecard
    text = outcome_text(card)
    assert text is not None and text.startswith("predicted: felt heard ")
    assert card.outcome is not None and card.outcome.model in text and "held-out AUC" in text
    assert outcome_text(card.model_copy(update={"outcome": None})) is None
