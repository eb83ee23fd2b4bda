"""Silero voice activity (the ONNX model faster-whisper bundles) run once per channel: the
model's speech probabilities, and from them both the unpadded stretches of speech that word
times snap to and the padded chunks Whisper reads. faster-whisper's own voice-activity filter
would run the model a second time on the same channel for its chunks (~0.15 s of CPU a minute
of channel); cutting both from one run gives the same chunks, sample for sample."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heard.audio.decode import SAMPLE_RATE

WINDOW = 512
"""Samples (at 16 kHz) the model reads at a time: one probability per 32 ms."""
THRESHOLD = 0.5
"""A window at least this likely to be speech starts (or continues) a stretch of speech."""
NEGATIVE_THRESHOLD = THRESHOLD - 0.15
"""Below this a window is silence; between the two it continues a stretch already started."""


@dataclass(frozen=True, slots=True)
class Cutting:
    """How stretches of speech are cut from the probabilities (Silero's rules, as
    faster_whisper.vad.get_speech_timestamps applies them, with no longest stretch)."""

    min_silence_ms: int
    """A stretch ends at a silence at least this long."""
    min_speech_ms: int
    """Stretches this short or shorter are dropped."""
    pad_ms: int
    """Each stretch is widened by this much either side (by half the gap when two would
    meet)."""


BOUNDARIES = Cutting(min_silence_ms=150, min_speech_ms=60, pad_ms=0)
"""The stretches word times snap to (turn boundaries): unpadded, cut at pauses of 150 ms."""
WHISPER_CHUNKS = Cutting(min_silence_ms=2000, min_speech_ms=0, pad_ms=400)
"""The chunks Whisper reads, joined end to end: faster-whisper's own filter's defaults
(`VadOptions()`), so recognition reads exactly what its `vad_filter=True` gave it."""


def probabilities(audio: np.ndarray) -> np.ndarray:
    """The model's speech probability for each 512-sample window of a 16 kHz channel (the last
    window padded with zeros, as faster-whisper pads it)."""
    from faster_whisper.vad import get_vad_model

    padded = np.pad(audio.astype(np.float32, copy=False), (0, WINDOW - len(audio) % WINDOW))
    return np.asarray(get_vad_model()(padded), dtype=np.float32).reshape(-1)


def stretches(probs: np.ndarray, samples: int, cutting: Cutting) -> list[tuple[int, int]]:
    """(start, end) samples of the stretches of speech in a channel of `samples` samples whose
    window probabilities are `probs`, cut by `cutting`."""
    min_silence = SAMPLE_RATE * cutting.min_silence_ms / 1000
    min_speech = SAMPLE_RATE * cutting.min_speech_ms / 1000
    pad = SAMPLE_RATE * cutting.pad_ms / 1000
    found: list[list[int]] = []
    start: int | None = None
    silence_from = 0
    for i, p in enumerate(probs):  # float32, compared as faster-whisper compares them
        at = WINDOW * i
        if p >= THRESHOLD:
            silence_from = 0
            if start is None:
                start = at
            continue
        if start is None or p >= NEGATIVE_THRESHOLD:
            continue
        if not silence_from:
            silence_from = at
        if at - silence_from >= min_silence:
            if silence_from - start > min_speech:
                found.append([start, silence_from])
            start, silence_from = None, 0
    if start is not None and samples - start > min_speech:
        found.append([start, samples])
    for i, span in enumerate(found):
        if i == 0:
            span[0] = int(max(0, span[0] - pad))
        if i + 1 < len(found):
            gap = found[i + 1][0] - span[1]
            if gap < 2 * pad:
                span[1] += int(gap // 2)
                found[i + 1][0] = int(max(0, found[i + 1][0] - gap // 2))
            else:
                span[1] = int(min(samples, span[1] + pad))
                found[i + 1][0] = int(max(0, found[i + 1][0] - pad))
        else:
            span[1] = int(min(samples, span[1] + pad))
    return [(s, e) for s, e in found]


@dataclass(frozen=True, slots=True)
class SpeechActivity:
    """One channel's voice activity from one run of the model."""

    boundaries: list[tuple[float, float]]
    """(start, end) seconds of speech, unpadded (BOUNDARIES)."""
    chunks: list[tuple[int, int]]
    """(start, end) samples Whisper reads (WHISPER_CHUNKS)."""


def speech_activity(audio: np.ndarray) -> SpeechActivity:
    """A 16 kHz channel's stretches of speech and Whisper chunks, from one run of the model."""
    if not len(audio):
        return SpeechActivity([], [])
    probs = probabilities(audio)
    return SpeechActivity(
        boundaries=[
            (s / SAMPLE_RATE, e / SAMPLE_RATE) for s, e in stretches(probs, len(audio), BOUNDARIES)
        ],
        chunks=stretches(probs, len(audio), WHISPER_CHUNKS),
    )
