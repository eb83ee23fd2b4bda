"""How a call's speech reaches Whisper: Silero run once a channel gives both the boundaries and
faster-whisper's chunks (the same, sample for sample, as its own filter), the chunks of every
channel are packed into windows of at most 30 s, and each recognised word goes back to its
channel and time. Fast: no speech model runs here (Silero does, on real audio)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from conftest import require_shared_data
from heard.audio.windows import WINDOW_SAMPLES, Piece, windows

S = 16_000
CALL = "0002f70f7386445b"


def harper_channels(call: str = CALL) -> list[np.ndarray]:
    pytest.importorskip("faster_whisper", reason="needs the audio extra: pip install heard[audio]")
    from heard.audio import decode

    folder = require_shared_data() / "audio" / "harper_valley_bank" / call
    return [
        decode(path.read_bytes(), path.name).channels[0]
        for path in (folder / "agent.wav", folder / "caller.wav")
    ]


def test_one_silero_run_gives_faster_whispers_own_chunks_and_the_boundaries() -> None:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from heard.audio.recognise import speech_segments
    from heard.audio.silero import BOUNDARIES, WHISPER_CHUNKS, probabilities, stretches

    for audio in harper_channels():
        probs = probabilities(audio)
        theirs = get_speech_timestamps(audio, VadOptions())  # what vad_filter=True reads
        assert stretches(probs, len(audio), WHISPER_CHUNKS) == [
            (c["start"], c["end"]) for c in theirs
        ]
        unpadded = VadOptions(
            speech_pad_ms=0, min_silence_duration_ms=150, min_speech_duration_ms=60
        )
        boundaries = stretches(probs, len(audio), BOUNDARIES)
        assert boundaries == [
            (c["start"], c["end"]) for c in get_speech_timestamps(audio, unpadded)
        ]
        assert speech_segments(audio) == [(s / S, e / S) for s, e in boundaries]


def test_stretches_follow_silero_rules_on_hand_made_probabilities() -> None:
    from heard.audio.silero import WINDOW, Cutting, stretches

    # speech in windows 2-5, a dip to 0.4 (between the thresholds: still speech) at 6, silence
    # in windows 8 to 11 (a pause is heard 3 windows, 96 ms, after it starts), speech 12-13
    probs = np.array([0, 0, 0.9, 0.9, 0.9, 0.9, 0.4, 0.9, 0, 0, 0, 0, 0.9, 0.9] + [0] * 10, "f4")
    samples = len(probs) * WINDOW
    at = [WINDOW * i for i in range(len(probs) + 1)]
    assert stretches(probs, samples, Cutting(150, 60, 0)) == [(at[2], at[14])]
    # an 80 ms pause ends a stretch; the second (2 windows, 64 ms) is not above 64 ms
    assert stretches(probs, samples, Cutting(80, 0, 0)) == [(at[2], at[8]), (at[12], at[14])]
    assert stretches(probs, samples, Cutting(80, 64, 0)) == [(at[2], at[8])]
    # padding of 100 ms (1,600 samples): not before 0, half the 2,048-sample gap either side
    assert stretches(probs, samples, Cutting(80, 0, 100)) == [
        (0, at[8] + 1024),
        (at[12] - 1024, at[14] + 1600),
    ]
    # speech to the end of the channel ends with it
    assert stretches(np.array([0, 0.9, 0.9], "f4"), 3 * WINDOW - 100, Cutting(150, 0, 0)) == [
        (WINDOW, 3 * WINDOW - 100)
    ]
    assert stretches(np.zeros(5, "f4"), 5 * WINDOW, Cutting(150, 0, 0)) == []


def seconds(window: list[Piece]) -> float:
    return sum(p.samples for p in window) / S


def test_windows_hold_whole_pieces_in_order_of_time_at_most_30_s_each() -> None:
    agent = [Piece(0, 0, 8 * S), Piece(0, 20 * S, 30 * S), Piece(0, 50 * S, 58 * S)]
    caller = [Piece(1, 9 * S, 17 * S), Piece(1, 31 * S, 45 * S)]
    found = windows(caller + agent)
    assert [p for w in found for p in w] == sorted(agent + caller, key=lambda p: p.start)
    # 48 s of speech: two windows, cut where the halves are nearest equal (26 s and 22 s)
    assert [seconds(w) for w in found] == [26.0, 22.0]
    assert all(seconds(w) <= 30 for w in found)


def test_a_call_with_under_30_s_of_speech_is_one_window_and_none_is_no_window() -> None:
    pieces = [Piece(0, 0, 10 * S), Piece(1, 11 * S, 25 * S), Piece(0, 26 * S, 30 * S)]
    assert windows(pieces) == [pieces]
    assert windows([]) == []


def test_equal_shares_that_would_overflow_a_window_take_one_window_more() -> None:
    # 58 s: two windows of ~29 s cannot be cut at these boundaries (5 + 27 | 26 or 5 | 27 + 26)
    pieces = [Piece(0, 0, 5 * S), Piece(1, 6 * S, 33 * S), Piece(0, 34 * S, 60 * S)]
    found = windows(pieces)
    assert [seconds(w) for w in found] == [5.0, 27.0, 26.0]


def test_a_piece_longer_than_a_window_is_a_window_of_its_own() -> None:
    pieces = [Piece(0, 0, 45 * S), Piece(1, 46 * S, 50 * S)]
    assert windows(pieces) == [[pieces[0]], [pieces[1]]]


def test_the_six_harper_valley_calls_take_nine_windows() -> None:
    from heard.audio.silero import speech_activity

    folder = require_shared_data() / "audio" / "harper_valley_bank"
    calls = sorted(p.name for p in folder.iterdir() if (p / "agent.wav").is_file())
    assert len(calls) == 6
    count = 0
    for call in calls:
        channels = [speech_activity(a).chunks for a in harper_channels(call)]
        pieces = [Piece(k, s, e) for k, chunks in enumerate(channels) for s, e in chunks]
        found = windows(pieces)
        order = lambda p: (p.start, p.channel)  # noqa: E731
        assert sorted((p for w in found for p in w), key=order) == sorted(pieces, key=order)
        assert all(sum(p.samples for p in w) <= WINDOW_SAMPLES for w in found)
        count += len(found)
    assert count == 9  # each channel alone: 14 windows (two channels hold over 30 s)


@dataclass
class Said:
    word: str
    start: float
    end: float
    probability: float = 0.9


@dataclass
class Segment:
    words: list[Said]


class Model:
    """Stands in for faster-whisper's model: 'hears' a word in each piece of the window it is
    given, at a known offset into the joined audio."""

    class model:
        is_multilingual = False

    def __init__(self) -> None:
        self.read: list[int] = []

    def transcribe(self, audio: np.ndarray, **options: object) -> tuple[list[Segment], None]:
        assert options["vad_filter"] is False
        self.read.append(len(audio))
        # the joined audio holds each piece's samples, valued by its channel and start second
        words, at = [], 0
        while at < len(audio):
            value = int(audio[at])
            length = int(np.argmax(audio[at:] != value)) or len(audio) - at
            words.append(Said(f"w{value}", (at + 0.25 * S) / S, (at + 0.75 * S) / S))
            at += length
        return [Segment(words)], None


def test_each_word_goes_back_to_its_channel_and_time(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("faster_whisper", reason="needs the audio extra")
    import heard.audio.recognise as recognise

    model = Model()
    monkeypatch.setattr(recognise, "load_model", lambda recogniser: model)
    recogniser = object.__new__(recognise.Recogniser)
    recogniser.beam_size, recogniser.workers = 5, 2
    # channel k's audio is 100 * k + the second it is at, so each piece is told by its value
    audios = [100 * k + np.repeat(np.arange(40, dtype=np.float32), S) for k in (1, 2)]
    chunks = [[(1 * S, 3 * S), (20 * S, 21 * S)], [(4 * S, 6 * S), (30 * S, 32 * S)]]
    heard = recogniser.call_words([(a, c) for a, c in zip(audios, chunks, strict=True)])
    assert model.read == [7 * S]  # one window: every piece joined in order of time
    assert [(w.text, w.start, w.end) for w in heard[0]] == [
        ("w101", 1.25, 1.75),
        ("w102", 2.25, 2.75),
        ("w120", 20.25, 20.75),
    ]
    assert [(w.text, w.start, w.end) for w in heard[1]] == [
        ("w204", 4.25, 4.75),
        ("w205", 5.25, 5.75),
        ("w230", 30.25, 30.75),
        ("w231", 31.25, 31.75),
    ]
    assert recogniser.call_words([(np.zeros(0, "f4"), None), (audios[0], [])]) == [[], []]


def test_windows_of_a_long_call_are_read_side_by_side(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("faster_whisper", reason="needs the audio extra")
    import heard.audio.recognise as recognise

    model = Model()
    monkeypatch.setattr(recognise, "load_model", lambda recogniser: model)
    recogniser = object.__new__(recognise.Recogniser)
    recogniser.beam_size, recogniser.workers = 5, 2
    audio = np.repeat(np.arange(100, dtype=np.float32), S)
    chunks = [(s * S, (s + 9) * S) for s in range(0, 90, 10)]  # 81 s: three windows of 27 s
    [heard] = recogniser.call_words([(audio, chunks)])
    assert sorted(model.read) == [27 * S] * 3
    assert [w.start for w in heard] == sorted(w.start for w in heard)
    assert len(heard) == 81 and heard[-1].end == 88.75


def test_speech_is_cut_as_faster_whisper_would_on_espeak_speech(tmp_path: Path) -> None:
    from speech import require_tools, say

    require_tools()
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from heard.audio.silero import speech_activity

    one = say("Thank you for calling, how can I help you today?", tmp_path, "one")
    two = say("I would like to close my account.", tmp_path, "two")
    audio = np.concatenate([np.zeros(S), one, np.zeros(3 * S), two, np.zeros(S)])
    audio = (audio / 32768).astype(np.float32)
    activity = speech_activity(audio)
    assert activity.chunks == [
        (c["start"], c["end"]) for c in get_speech_timestamps(audio, VadOptions())
    ]
    assert len(activity.chunks) == 2  # the 3 s pause parts them
    start, end = activity.boundaries[0][0], activity.boundaries[-1][1]
    assert abs(start - 1.0) < 0.1 and abs(end - (1 + (len(one) + 3 * S + len(two)) / S)) < 0.15
