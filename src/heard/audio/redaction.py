"""Redacted copies of call recordings: where a word of the transcript was redacted (a card
number, an email, a phone number…), the same stretch of time is silenced, or covered by a
tone, in every channel of the audio, so that the recording can be kept as safely as the
transcript. See docs/audio.md, "Redacted audio"."""

from __future__ import annotations

import io
import os
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from heard.audio.decode import Recording
from heard.model import Conversation
from heard.redact.detect import Kind

PAD_SECONDS = 0.25
"""Silence reaches this far beyond each redacted word: recognised word times drift by up to
a few hundred ms at the edges of speech (docs/audio.md), and a digit half heard is still
heard."""
TONE_HZ = 1_000.0
TONE_LEVEL = 0.1
"""The covering tone's amplitude (-20 dBFS): plainly audible, never startling."""
PLACEHOLDERS = tuple(kind.placeholder for kind in Kind)

Fill = Literal["silence", "tone"]


def redacted_spans(conversation: Conversation) -> list[tuple[float, float]]:
    """(start, end) seconds of every word whose text holds a redaction placeholder, padded by
    PAD_SECONDS and merged where they touch; in time order."""
    spans = sorted(
        (max(0.0, word.start - PAD_SECONDS), word.end + PAD_SECONDS)
        for turn in conversation.turns
        for word in turn.words or ()
        if any(p in word.text for p in PLACEHOLDERS)
    )
    merged: list[tuple[float, float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return [(round(s, 3), round(e, 3)) for s, e in merged]


def redact_channels(
    channels: tuple[np.ndarray, ...],
    rate: int,
    spans: list[tuple[float, float]],
    *,
    fill: Fill = "silence",
) -> tuple[np.ndarray, ...]:
    """Copies of the channels with every span silenced (or covered by a TONE_HZ tone) in all
    of them: a card number said on one party's channel is often heard faintly on the other's."""
    out = tuple(np.array(c, dtype=np.float32, copy=True) for c in channels)
    for start, end in spans:
        first, last = int(start * rate), int(np.ceil(end * rate))
        for channel in out:
            piece = channel[first:last]
            if fill == "tone":
                t = (first + np.arange(len(piece))) / rate
                piece[:] = TONE_LEVEL * np.sin(2 * np.pi * TONE_HZ * t)
            else:
                piece[:] = 0.0
    return out


def wav_bytes(channels: tuple[np.ndarray, ...], rate: int) -> bytes:
    """The channels as a 16-bit PCM WAV file's bytes."""
    pcm = np.stack(channels, axis=1).astype(np.float64) * 32768  # decode's scale: 16-bit input
    frames = np.clip(np.round(pcm), -32768, 32767).astype("<i2")  # comes back sample for sample
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(len(channels))
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(frames.tobytes())
    return out.getvalue()


def write_wav(path: Path, channels: tuple[np.ndarray, ...], rate: int) -> None:
    """16-bit PCM WAV, written atomically (a failed write leaves no half file)."""
    data = wav_bytes(channels, rate)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_redacted(
    recording: Recording,
    conversation: Conversation,
    path: Path,
    *,
    fill: Fill = "silence",
) -> list[tuple[float, float]]:
    """Write `recording` as a WAV with the spans of `conversation`'s redacted words silenced
    (the conversation must have been redacted: heard.redact.redact_conversation); the spans."""
    spans = redacted_spans(conversation)
    write_wav(
        path, redact_channels(recording.channels, recording.rate, spans, fill=fill), recording.rate
    )
    return spans


@dataclass(frozen=True)
class RedactedCopy:
    """A recording's redacted copy in memory, as the team app keeps it (heard.store.recordings)."""

    wav: bytes
    spans: list[tuple[float, float]]
    """(start, end) seconds silenced."""
    seconds: float
    channels: int
    rate: int
    content_type: str = "audio/wav"

    @property
    def silenced_seconds(self) -> float:
        return round(sum(end - start for start, end in self.spans), 2)


def redacted_copy(
    recording: Recording, conversation: Conversation, *, fill: Fill = "silence"
) -> RedactedCopy:
    """`recording` as WAV bytes with the spans of `conversation`'s redacted words silenced
    (the conversation must have been redacted, and recognised: a call read for timing only has
    no words to find personal data in, so no copy of it can be called redacted)."""
    if any(turn.text.strip() and not turn.words for turn in conversation.turns) or (
        conversation.turns and not any(turn.words for turn in conversation.turns)
    ):
        raise ValueError("a call without recognised words cannot be redacted")
    spans = redacted_spans(conversation)
    channels = redact_channels(recording.channels, recording.rate, spans, fill=fill)
    return RedactedCopy(
        wav=wav_bytes(channels, recording.rate),
        spans=spans,
        seconds=round(recording.seconds, 3),
        channels=len(channels),
        rate=recording.rate,
    )
