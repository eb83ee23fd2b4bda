"""The one table of names: every value a filter takes, and every kind of live nudge, has its
human name there, and the customer's strongest emotion is the peak the reports show."""

from __future__ import annotations

from typing import get_args

import pytest

from heard.language import names
from heard.live.nudges import KINDS
from heard.model import EMOTIONS, TurnEmotion, strongest_emotion
from heard.report import trajectory
from heard.store.paging import ORDERS
from heard.store.records import OUTCOME_BANDS, EmotionChoice, OutcomeBand, SurveyChoice


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("emotion", get_args(EmotionChoice)),
        ("survey", get_args(SurveyChoice)),
        ("outcome", get_args(OutcomeBand)),
        ("order", ORDERS),
        ("yes_no", ("yes", "no")),
        ("nudge", KINDS),
    ],
)
def test_every_value_of_a_filter_has_a_name(kind: str, values: tuple[str, ...]) -> None:
    assert sorted(value for value, _ in names.choices(kind)) == sorted(values)
    assert all(names.name(kind, value) and "_" not in names.name(kind, value) for value in values)


def test_the_emotions_and_bands_are_the_ones_read() -> None:
    assert set(get_args(EmotionChoice)) == {*EMOTIONS, "upset"}
    assert list(OUTCOME_BANDS) == list(get_args(OutcomeBand))
    assert names.name("emotion", "no_such") == "no such"


def e(turn: int, label: str, intensity: float) -> TurnEmotion:
    return TurnEmotion(turn=turn, label=label, intensity=intensity)


@pytest.mark.parametrize(
    ("emotions", "strongest"),
    [
        ([], None),
        ([e(0, "neutral", 0.0), e(2, "neutral", 0.0)], "neutral"),
        ([e(0, "satisfaction", 0.9), e(2, "worry", 0.4)], "worry"),  # upset outranks
        ([e(0, "anger", 0.6), e(2, "frustration", 0.8)], "frustration"),
        ([e(0, "anger", 0.7), e(2, "frustration", 0.7)], "anger"),  # the earliest of equals
        ([e(0, "neutral", 0.0), e(2, "satisfaction", 0.6)], "satisfaction"),
    ],
)
def test_the_strongest_emotion_is_the_reports_peak(
    emotions: list[TurnEmotion], strongest: str | None
) -> None:
    assert strongest_emotion(emotions) == strongest
    peak = trajectory(emotions).peak
    assert (peak.label if peak else ("neutral" if emotions else None)) == strongest
