"""The customer-emotion detector with a trained model: lexicon first, model when confident,
and a rubric that selects another model or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.test_detectors import chat
from heard.analysis import Analyzer, load_rubric
from heard.errors import InputError
from heard.learn.classifier import fit
from heard.learn.datasets import Example, Task

DEFAULT_RUBRIC = Path(__file__).parents[2] / "src/heard/analysis/default_rubric.toml"


def emotions(analyzer: Analyzer, text: str) -> dict[str, object]:
    analysis = analyzer.analyze(chat(("agent", "Hello."), ("customer", text)))
    found = [f for f in analysis.scorecard.findings if f.behaviour == "customer_emotion"]
    label = analysis.annotations["customer_emotion"][1]
    return {**label, "source": found[0].data["source"] if found else None}


@pytest.mark.parametrize(
    ("text", "emotion", "source"),
    [
        ("Thank you, this made my day", "satisfaction", "model"),
        ("I hate this company", "anger", "model"),
        ("This is the third time I've asked and it's still broken.", "frustration", "lexicon"),
        ("Can you check the delivery date", "neutral", None),
        ("My order number is 12345", "neutral", None),
        ("ok", "neutral", None),
    ],
)
def test_model_labels_what_the_lexicon_leaves_neutral(text: str, emotion: str, source) -> None:
    got = emotions(Analyzer(), text)
    assert (got["label"], got["source"]) == (emotion, source)
    if source == "model":
        assert 0.6 <= float(got["intensity"]) <= 0.8  # type: ignore[arg-type]


def rubric_with(tmp_path: Path, models: str) -> Path:
    path = tmp_path / "rubric.toml"
    path.write_text(DEFAULT_RUBRIC.read_text().replace("[models]", "[models]\n" + models))
    return path


def test_rubric_can_turn_the_model_off(tmp_path: Path) -> None:
    analyzer = Analyzer(rubric=load_rubric(rubric_with(tmp_path, 'customer_emotion = "none"')))
    assert emotions(analyzer, "I hate this so much")["label"] == "neutral"


def test_rubric_selects_a_trained_model_relative_to_itself(tmp_path: Path) -> None:
    task = Task(
        name="mine",
        dataset="mine",
        file="mine.jsonl",
        title="mine",
        labels=("worry", "neutral"),
        load=lambda _path: [],
    )
    texts = {"worry": ["the parcel", "my parcel", "parcel again"], "neutral": ["hi", "yes", "ok"]}
    train = [
        Example(f"{label}{i}", f"{label}{i}", text, (label,))
        for label, items in texts.items()
        for i, text in enumerate(items * 4)
    ]
    fit(task, train).save(tmp_path / "models" / "mine.json")
    path = rubric_with(tmp_path, 'customer_emotion = "models/mine.json"')
    path.write_text(path.read_text().replace("confidence = 0.8", "confidence = 0.55"))
    rubric = load_rubric(path)
    assert rubric.models["customer_emotion"] == str(tmp_path / "models" / "mine.json")
    got = emotions(Analyzer(rubric=rubric), "where is the parcel")
    assert (got["label"], got["source"]) == ("worry", "model")


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ('customer_emotion = "nowhere.json"', "no model file"),
        ('empathy = "x.json"', "unknown model use 'empathy'"),
    ],
)
def test_bad_model_selection_names_the_field(tmp_path: Path, models: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        load_rubric(rubric_with(tmp_path, models))
    assert "$.models." in str(caught.value)
