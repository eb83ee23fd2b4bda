"""Voice activity without speech recognition: the stretches of a channel that hold speech, by
WebRTC's voice-activity detector (webrtcvad-wheels: a small Gaussian-mixture model in C on
30 ms frames, no model file), cheap enough for timing-only calls at thousands of times real
time. See docs/audio.md, "Timing only"."""

from __future__ import annotations

import numpy as np

from heard.audio.decode import missing_extra
from heard.errors import Location

RATES = (16_000, 8_000, 32_000, 48_000)
"""The sample rates WebRTC's detector reads; a recording at another rate is resampled to 16 kHz."""
FRAME_SECONDS = 0.03
AGGRESSIVENESS = 3
"""WebRTC's mode, 0 (keeps most as speech) to 3 (drops most noise). This and the three below
were chosen among 24 combinations (mode 2 or 3, QUIET_DB 25/35/45, BRIDGE_SECONDS 0.15/0.3,
MIN_SPEECH_SECONDS 0.09/0.2) on the six Harper Valley Bank calls of the shared data: talk
ratio, overlap count and dead air against their human timings (`heard eval --audio`, whose
figures are therefore in-sample)."""
BRIDGE_SECONDS = 0.15
"""Speech frames this close together are one stretch (as the Silero boundaries use 150 ms)."""
MIN_SPEECH_SECONDS = 0.2
"""A stretch shorter than this is a click, a breath or line noise, not speech (a short "hi" in
the Harper Valley calls lasts 0.3 s)."""
QUIET_DB = 25.0
"""A frame this far below the channel's loudest speech is silence whatever the detector says
(a party's faint echo of the other on their own channel)."""


def voice_activity(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """(start, end) seconds of speech in one channel of float samples in [-1, 1] at `rate`
    (one of RATES)."""
    try:
        import webrtcvad
    except ImportError as exc:
        raise missing_extra(Location(file="webrtcvad")) from exc
    frame = int(rate * FRAME_SECONDS)
    count = len(samples) // frame
    if not count:
        return []
    pcm = (np.clip(samples[: count * frame], -1.0, 1.0) * 32767).astype(np.int16)
    frames = pcm.reshape(count, frame)
    energy = 10 * np.log10(np.mean(frames.astype(np.float32) ** 2, axis=1) + 1.0)
    loud = energy >= np.percentile(energy, 99) - QUIET_DB
    vad = webrtcvad.Vad(AGGRESSIVENESS)
    raw = frames.tobytes()
    step = frame * 2
    speech = np.fromiter(
        (
            bool(loud[i]) and vad.is_speech(raw[i * step : (i + 1) * step], rate)
            for i in range(count)
        ),
        dtype=bool,
        count=count,
    )
    return _stretches(speech)


def _stretches(speech: np.ndarray) -> list[tuple[float, float]]:
    """Runs of speech frames, bridged over short gaps, without the shortest bursts."""
    edges = np.diff(np.concatenate(([0], speech.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    joined: list[list[float]] = []
    for start, end in zip(starts * FRAME_SECONDS, ends * FRAME_SECONDS, strict=True):
        if joined and start - joined[-1][1] < BRIDGE_SECONDS + 1e-9:
            joined[-1][1] = end
        else:
            joined.append([start, end])
    return [(round(s, 3), round(e, 3)) for s, e in joined if e - s >= MIN_SPEECH_SECONDS - 1e-9]
