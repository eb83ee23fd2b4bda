"""Diarization error rate on cases worked out by hand."""

from __future__ import annotations

import pytest

from heard.audio.der import diarization_error
from heard.audio.speakers import SpeakerTurn as S

REFERENCE = [S(0.0, 10.0, "agent"), S(10.0, 20.0, "caller")]


def test_the_same_turns_under_other_names_have_no_error() -> None:
    error = diarization_error(REFERENCE, [S(0.0, 10.0, "spk1"), S(10.0, 20.0, "spk0")], collar=0)
    assert (error.scored, error.rate) == (20.0, 0.0)


def test_nothing_heard_is_all_missed_and_invented_speech_is_false_alarm() -> None:
    assert diarization_error(REFERENCE, [], collar=0).rate == 1.0
    error = diarization_error(REFERENCE, [*REFERENCE, S(25.0, 30.0, "agent")], collar=0)
    assert (error.false_alarm, error.rate) == (5.0, 0.25)


def test_speech_given_to_the_wrong_speaker_is_confusion() -> None:
    # spk A holds 0–12 (10 s matched to the agent, 2 s of the caller's), spk B 12–20
    error = diarization_error(REFERENCE, [S(0.0, 12.0, "A"), S(12.0, 20.0, "B")], collar=0)
    assert (error.confusion, error.missed, error.false_alarm) == (2.0, 0.0, 0.0)
    assert error.rate == pytest.approx(0.1)


def test_one_speaker_for_both_is_confused_on_the_shorter() -> None:
    reference = [S(0.0, 15.0, "agent"), S(15.0, 20.0, "caller")]
    error = diarization_error(reference, [S(0.0, 20.0, "one")], collar=0)
    assert error.confusion == 5.0 and error.rate == pytest.approx(0.25)


def test_the_collar_forgives_boundaries_only() -> None:
    # the hypothesis starts 0.2 s late and ends 0.2 s early on each turn: all inside the collar
    late = [S(0.2, 9.8, "a"), S(10.2, 19.8, "b")]
    error = diarization_error(REFERENCE, late)
    assert error.rate == 0.0
    # collars 0.25 s either side of the boundaries 0, 10, 20: 20 s less 0.25 + 0.5 + 0.25
    assert error.scored == pytest.approx(19.0)
    assert diarization_error(REFERENCE, late, collar=0).missed == pytest.approx(0.8)


def test_overlapped_speech_counts_once_per_speaker() -> None:
    reference = [S(0.0, 6.0, "agent"), S(4.0, 10.0, "caller")]  # 2 s of both
    error = diarization_error(reference, [S(0.0, 5.0, "x"), S(5.0, 10.0, "y")], collar=0)
    # scored: 6 + 6 = 12; in 4–6 one speaker is heard where two spoke: 2 s missed;
    # 4–5 x is the agent (right), 5–6 y is the caller (right): no confusion
    assert (error.scored, error.missed, error.confusion) == (12.0, 2.0, 0.0)


def test_errors_add_up_over_calls() -> None:
    one = diarization_error(REFERENCE, [], collar=0)
    two = diarization_error(REFERENCE, REFERENCE, collar=0)
    assert (one + two).rate == pytest.approx(0.5)
