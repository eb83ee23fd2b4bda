"""Cutting a channel into utterances as it arrives (heard.audio.utterances): espeak-ng speech
with pauses placed at known times, fed a frame at a time, cut where the pauses are."""

from __future__ import annotations

import numpy as np
import pytest

from heard.audio.utterances import MAX_UTTERANCE_SECONDS, UtteranceCutter
from speech import RATE, require_tools, say

FIRST = "Thank you for calling the bank, how can I help you today?"
SECOND = "I would like to check the balance of my savings account."


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, np.ndarray]:
    require_tools()
    folder = tmp_path_factory.mktemp("utterances")
    return say(FIRST, folder, "first"), say(SECOND, folder, "second")


def channel(*pieces: tuple[float, np.ndarray], tail: float = 1.0) -> np.ndarray:
    """Silence with each clip at its start time (seconds)."""
    length = max(int(at * RATE) + len(clip) for at, clip in pieces) + int(tail * RATE)
    audio = np.zeros(length, dtype=np.int16)
    for at, clip in pieces:
        audio[int(at * RATE) : int(at * RATE) + len(clip)] = clip
    return audio


def feed(cutter: UtteranceCutter, audio: np.ndarray, step: int = 1600) -> list:
    """Push `audio` in frames of `step` samples (100 ms); the cuts as they close."""
    cuts = []
    for at in range(0, len(audio), step):
        cuts += [(at + step, cut) for cut in cutter.push(audio[at : at + step])]
    return cuts


def test_a_pause_closes_each_utterance_at_its_speech(clips) -> None:
    first, second = clips
    second_at = 0.5 + len(first) / RATE + 1.2
    audio = channel((0.5, first), (second_at, second))
    cuts = feed(UtteranceCutter(), audio)
    assert len(cuts) == 2
    (closed_first, a), (closed_second, b) = cuts
    first_end = 0.5 + len(first) / RATE
    assert abs(a.start - 0.5) <= 0.06 and abs(a.end - first_end) <= 0.15
    assert (
        abs(b.start - second_at) <= 0.06 and abs(b.end - (second_at + len(second) / RATE)) <= 0.15
    )
    # closed by the pause: within the pause and one frame of audio after the speech ended
    assert 0.5 <= closed_first / RATE - a.end <= 0.5 + 0.1 + 0.03
    assert closed_second / RATE - b.end <= 0.5 + 0.1 + 0.03
    # the audio handed to recognition is the utterance with a little before and after
    assert a.first <= a.speech_start and a.offset == a.first / RATE
    assert len(a.audio) >= a.speech_end - a.speech_start


def test_a_short_pause_within_a_sentence_does_not_cut(clips) -> None:
    first, second = clips
    audio = channel((0.3, first), (0.3 + len(first) / RATE + 0.25, second))
    cuts = feed(UtteranceCutter(), audio)
    assert len(cuts) == 1
    cutter = UtteranceCutter(pause_seconds=0.2)
    assert len(feed(cutter, audio)) >= 2  # also at the comma of the first


def test_clicks_and_silence_are_no_utterance() -> None:
    cutter = UtteranceCutter()
    audio = np.zeros(3 * RATE, dtype=np.int16)
    audio[RATE : RATE + 80] = 20_000  # a 5 ms click
    assert feed(cutter, audio) == [] and cutter.flush() == []
    assert cutter.position == 3 * RATE and not cutter.speaking


def test_the_end_of_the_call_flushes_the_open_utterance(clips) -> None:
    first, _ = clips
    cutter = UtteranceCutter()
    assert feed(cutter, channel((0.2, first), tail=0.1)) == []
    assert cutter.speaking
    [cut] = cutter.flush()
    assert abs(cut.start - 0.2) <= 0.06 and not cutter.speaking


def test_a_gap_in_the_offsets_is_silence_and_closes_the_utterance(clips) -> None:
    first, _ = clips
    cutter = UtteranceCutter()
    feed(cutter, channel((0.2, first), tail=0.1))
    before = cutter.position
    [cut] = cutter.skip(2 * RATE)
    assert cutter.position == before + 2 * RATE and abs(cut.start - 0.2) <= 0.06


def test_speech_without_a_pause_is_cut_at_the_longest_utterance(clips) -> None:
    first, second = clips
    run = []
    at = 0.0
    while at < MAX_UTTERANCE_SECONDS + 5:
        for clip in (first, second):
            run.append((at, clip))
            at += len(clip) / RATE + 0.1
    cuts = [cut for _, cut in feed(UtteranceCutter(), channel(*run))]
    assert len(cuts) >= 2
    assert cuts[0].end - cuts[0].start == pytest.approx(MAX_UTTERANCE_SECONDS, abs=0.05)
