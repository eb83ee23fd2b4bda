"""Redacted copies of call recordings: the time span of each redacted word silenced (or covered
by a tone) in every channel, everything else sample for sample as recorded; on hand-built
words, and end to end on an espeak-ng call where the customer reads out a card number."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from heard.audio.redaction import (
    PAD_SECONDS,
    TONE_LEVEL,
    redact_channels,
    redacted_spans,
    write_wav,
)
from heard.model import Channel, Conversation, Role, Turn, Word
from speech import RATE, card_call, require_tools
from speech import write_wav as write_test_wav

"""A Luhn-valid Visa number read out digit by digit (tiny.en writes "4539, 1726, 0528, 3919")."""


def words_turn() -> Conversation:
    words = [
        Word(text="my", start=1.0, end=1.2),
        Word(text="card", start=1.2, end=1.5),
        Word(text="is", start=1.5, end=1.6),
        Word(text="[CARD],", start=2.0, end=3.0),
        Word(text="[CARD]", start=3.1, end=4.0),
        Word(text="thanks", start=6.0, end=6.5),
        Word(text="[EMAIL].", start=7.0, end=7.5),
    ]
    turn = Turn(index=0, role=Role.CUSTOMER, text="…", start=1.0, end=7.5, words=words)
    return Conversation(id="c", channel=Channel.CALL, turns=[turn])


def read_channels(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as handle:
        frames = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
        return frames.reshape(-1, handle.getnchannels()).T, handle.getframerate()


def test_spans_of_redacted_words_are_padded_and_merged() -> None:
    assert redacted_spans(words_turn()) == [
        (2.0 - PAD_SECONDS, 4.0 + PAD_SECONDS),  # the two card words are one span
        (7.0 - PAD_SECONDS, 7.5 + PAD_SECONDS),
    ]
    assert redacted_spans(Conversation(id="e", channel=Channel.CALL)) == []


def test_the_spans_are_silenced_in_every_channel_and_nothing_else_changes(tmp_path) -> None:
    rng = np.random.default_rng(7)
    channels = tuple(rng.integers(-8000, 8000, 9 * RATE).astype(np.float32) / 32768 for _ in "lr")
    spans = redacted_spans(words_turn())
    silenced = redact_channels(channels, RATE, spans)
    toned = redact_channels(channels, RATE, spans, fill="tone")
    inside = np.zeros(9 * RATE, dtype=bool)
    for start, end in spans:
        inside[int(start * RATE) : int(np.ceil(end * RATE))] = True
    for before, after, beep in zip(channels, silenced, toned, strict=True):
        assert not after[inside].any()
        assert np.array_equal(after[~inside], before[~inside])
        assert np.sqrt(np.mean(beep[inside] ** 2)) == pytest.approx(TONE_LEVEL / np.sqrt(2), 0.01)
    assert channels[0][inside].any()  # the input is left as it was
    path = tmp_path / "copy.wav"
    write_wav(path, silenced, RATE)
    pcm, rate = read_channels(path)
    assert rate == RATE and pcm.shape == (2, 9 * RATE)
    assert np.array_equal(pcm[0], np.round(silenced[0] * 32768).astype(np.int16))


def test_timing_only_cannot_make_a_redacted_copy(tmp_path) -> None:
    from heard.cli.main import app

    result = CliRunner().invoke(
        app,
        ["import", str(tmp_path / "call.wav"), "--timing-only", "--redacted-audio", "x.wav"],
    )
    assert result.exit_code == 2
    assert "recognises no words" in result.output


@pytest.mark.slow
def test_a_card_number_read_out_is_silent_in_the_redacted_copy(tmp_path) -> None:
    from heard.cli.main import app

    require_tools()
    left, right, placed = card_call(tmp_path)
    path, copy, out = tmp_path / "call.wav", tmp_path / "kept" / "call.wav", tmp_path / "c.jsonl"
    write_test_wav(path, [left, right])

    result = CliRunner().invoke(
        app, ["import", str(path), "--redacted-audio", str(copy), "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    [written] = summary["redacted_audio"]
    assert summary["redacted"] is True and written["out"] == str(copy)
    [conversation] = [json.loads(line) for line in out.read_text().splitlines()]
    assert "[CARD]" in conversation["turns"][1]["text"]
    assert "4539" not in out.read_text()

    [(start, end)] = written["silenced"]
    card = placed[1]
    assert card.start <= start and end <= card.end + PAD_SECONDS + 0.05  # (voice activity: 30 ms)
    assert end - start >= 0.6 * (card.end - card.start)  # the digits are most of the turn
    pcm, rate = read_channels(copy)
    assert rate == RATE and pcm.shape == (2, len(left))
    inside = slice(int(start * RATE), int(np.ceil(end * RATE)))
    assert np.sqrt(np.mean(pcm[1][inside].astype(np.float64) ** 2)) < 1.0  # silent
    assert np.sqrt(np.mean(right[inside].astype(np.float64) ** 2)) > 300  # it was speech
    outside = np.ones(len(left), dtype=bool)
    outside[inside] = False
    assert np.array_equal(pcm[0][outside], left[outside])
    assert np.array_equal(pcm[1][outside], right[outside])
    first = placed[0]
    greeting = slice(int(first.start * RATE), int(first.end * RATE))
    assert np.array_equal(pcm[0][greeting], left[greeting])  # the agent's speech untouched
