"""Tone of voice per turn, measured from a party's channel: pitch (YIN, in numpy), loudness
(dBFS and LUFS), speaking rate, and each one's change against the speaker's own baseline (their
median over the call). Cheap enough to run on every call: no model, no extra dependency (scipy,
already installed with scikit-learn, filters for LUFS). See docs/audio.md, "Tone"."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from heard.model import Conversation, Tone, Turn

PITCH_RATE = 8_000
"""Pitch is tracked at 8 kHz: speech's fundamental (60–400 Hz) is far below 4 kHz, and half
the samples halve the cost."""
FRAME_SECONDS = 0.03
"""YIN's integration window (30 ms: at least two periods of the lowest pitch sought)."""
HOP_SECONDS = 0.01
MIN_PITCH_HZ = 60.0
MAX_PITCH_HZ = 400.0
YIN_THRESHOLD = 0.2
"""A frame is voiced when YIN's normalised difference dips below this at some lag (de Cheveigné
and Kawahara 2002 use 0.1–0.15; 0.2 finds twice the voiced frames of 0.1 in espeak-ng speech
with the same median, within 0.5 Hz); unvoiced frames and silence give no pitch."""
ACTIVE_DB = 25.0
"""Frames more than this far below the turn's loud frames (its 95th percentile) are pauses and
breaths, left out of its loudness and pitch (an active speech level, in the spirit of ITU-T
P.56)."""
PAUSE_SECONDS = 0.5
"""Gaps of at least this between a turn's words are pauses, not speaking time, in its rate."""
QUIET_DB = 35.0
"""Frames this far below the channel's loudest (its 99th percentile) are not searched for pitch."""
MIN_VOICED_SECONDS = 0.3
"""A turn with less voiced speech than this gets no pitch (a "yes" or a cough)."""
MIN_BASELINE_TURNS = 3
"""A speaker needs this many measured turns for a baseline; with fewer, no change is given."""
LOW_PERCENTILE, HIGH_PERCENTILE = 10, 90
"""A turn's pitch range runs between these percentiles of its voiced frames (robust to the odd
octave error at the edges of voicing)."""


@dataclass(frozen=True, slots=True)
class Measured:
    """One turn's raw measurements, before baselines."""

    pitch_median_hz: float | None
    pitch_low_hz: float | None
    pitch_high_hz: float | None
    loudness_dbfs: float | None
    loudness_lufs: float | None
    words_per_second: float | None
    voiced_seconds: float


def pitch_track(
    samples: np.ndarray, rate: int, spans: Sequence[tuple[float, float]] | None = None
) -> np.ndarray:
    """Pitch in Hz every HOP_SECONDS of `samples` (float in [-1, 1] at `rate`), 0 where the
    frame is unvoiced (or outside `spans`, seconds, when given): YIN's cumulative-mean-
    normalised difference, computed for all frames at once through FFT cross-correlation, with
    parabolic interpolation of the chosen lag."""
    x = _at_pitch_rate(samples, rate)
    rate = PITCH_RATE if rate % PITCH_RATE == 0 else rate
    window = int(rate * FRAME_SECONDS)
    hop = int(rate * HOP_SECONDS)
    tau_min = max(2, int(rate / MAX_PITCH_HZ))
    tau_max = math.ceil(rate / MIN_PITCH_HZ)
    span = window + tau_max
    count = 1 + (len(x) - span) // hop if len(x) >= span else 0
    if count <= 0:
        return np.zeros(0, dtype=np.float32)
    starts = hop * np.arange(count)
    # only frames loud enough to be speech are searched (silence is half of a party's channel)
    power = np.add.reduceat(x[: count * hop].astype(np.float64) ** 2, starts) / hop
    level = 10 * np.log10(power + 1e-12)
    wanted = (level >= np.percentile(level, 99) - QUIET_DB) & (level > -70.0)
    if spans is not None:
        inside = np.zeros(count, dtype=bool)
        for start, end in spans:
            inside[int(start / HOP_SECONDS) : int(np.ceil(end / HOP_SECONDS))] = True
        wanted &= inside
    keep = np.flatnonzero(wanted)
    pitch = np.zeros(count, dtype=np.float32)
    if len(keep):
        pitch[keep] = _yin(x.astype(np.float32), starts[keep], rate, window, tau_min, tau_max)
    return pitch


def _yin(
    x: np.ndarray, starts: np.ndarray, rate: int, window: int, tau_min: int, tau_max: int
) -> np.ndarray:
    """YIN's pitch (Hz, 0 when unvoiced) of the frames of `x` starting at `starts`."""
    span = window + tau_max
    index = np.arange(span)[None, :] + starts[:, None]
    frames = x[np.minimum(index, len(x) - 1)]  # (count, span)
    count = len(starts)
    size = 1 << (span - 1).bit_length()  # lags ≤ tau_max never wrap round: span ≤ size
    head = np.fft.rfft(frames[:, :window], size)
    whole = np.fft.rfft(frames, size)
    corr = np.fft.irfft(np.conj(head) * whole, size)[:, : tau_max + 1]  # r(τ), τ = 0..tau_max
    energy = np.concatenate(
        [np.zeros((count, 1), dtype=np.float32), np.cumsum(frames**2, axis=1)], axis=1
    )  # energy[:, k] = Σ x[0:k]²
    lags = np.arange(tau_max + 1)
    shifted = energy[:, lags + window] - energy[:, lags]  # Σ x[τ:τ+W]²
    diff = np.maximum(energy[:, [window]] + shifted - 2 * corr, 0.0)
    running = np.cumsum(diff[:, 1:], axis=1)
    cmnd = np.ones_like(diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        cmnd[:, 1:] = np.where(running > 0, diff[:, 1:] * lags[1:] / running, 1.0)
    window_of = cmnd[:, tau_min : tau_max + 1]
    below = window_of < YIN_THRESHOLD
    voiced = below.any(axis=1)
    first = np.argmax(below, axis=1)
    # from the first lag under the threshold, walk down to its local minimum
    rising = np.concatenate(
        [window_of[:, 1:] > window_of[:, :-1], np.ones((count, 1), dtype=bool)], axis=1
    )
    after = np.arange(window_of.shape[1])[None, :] >= first[:, None]
    best = np.argmax(rising & after, axis=1)
    tau = best + tau_min
    rows = np.arange(count)
    left = cmnd[rows, np.maximum(tau - 1, 0)]
    mid = cmnd[rows, tau]
    right = cmnd[rows, np.minimum(tau + 1, tau_max)]
    bend = left - 2 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(np.abs(bend) > 1e-12, 0.5 * (left - right) / bend, 0.0)
    period = tau + np.clip(offset, -1, 1)
    pitch = np.where(voiced & (period > 0), rate / np.maximum(period, 1e-9), 0.0)
    pitch[(pitch < MIN_PITCH_HZ * 0.9) | (pitch > MAX_PITCH_HZ * 1.1)] = 0.0
    return pitch


def _at_pitch_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    """The samples at 8 kHz when `rate` is a multiple of it (low-passed, then decimated)."""
    if rate == PITCH_RATE or rate % PITCH_RATE:
        return samples
    from scipy.signal import resample_poly

    return resample_poly(samples, 1, rate // PITCH_RATE)


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """The ITU-R BS.1770-4 K-weighting (a high shelf, then a high-pass) at any sample rate, with
    the filter designs pyloudnorm uses (MIT)."""
    from scipy.signal import lfilter

    out = samples.astype(np.float64)
    for gain, q, fc, kind in ((4.0, 1 / math.sqrt(2), 1500.0, "shelf"), (0.0, 0.5, 38.0, "hp")):
        a_gain = 10 ** (gain / 40)
        w0 = 2 * math.pi * fc / rate
        alpha = math.sin(w0) / (2 * q)
        cos = math.cos(w0)
        if kind == "shelf":
            root = 2 * math.sqrt(a_gain) * alpha
            b = [
                a_gain * ((a_gain + 1) + (a_gain - 1) * cos + root),
                -2 * a_gain * ((a_gain - 1) + (a_gain + 1) * cos),
                a_gain * ((a_gain + 1) + (a_gain - 1) * cos - root),
            ]
            a = [
                (a_gain + 1) - (a_gain - 1) * cos + root,
                2 * ((a_gain - 1) - (a_gain + 1) * cos),
                (a_gain + 1) - (a_gain - 1) * cos - root,
            ]
        else:
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            a = [1 + alpha, -2 * cos, 1 - alpha]
        out = lfilter(np.array(b) / a[0], np.array(a) / a[0], out)
    return out


def measure_turn(
    samples: np.ndarray,
    weighted: np.ndarray | None,
    pitch: np.ndarray,
    rate: int,
    start: float,
    end: float,
    words: Sequence[tuple[float, float]] | None,
) -> Measured:
    """Pitch, loudness and rate of one turn from its party's channel (`samples`), the channel
    K-weighted (`weighted`, None for no LUFS) and its pitch track; `words` are the turn's
    (start, end) word times, None for a call read for timing only (no rate then)."""
    frame = int(rate * HOP_SECONDS)
    first, last = (
        int(start / HOP_SECONDS),
        max(int(start / HOP_SECONDS) + 1, int(end / HOP_SECONDS)),
    )
    piece = samples[first * frame : last * frame]
    count = len(piece) // frame
    if not count:
        return Measured(None, None, None, None, None, None, 0.0)
    power = np.mean(piece[: count * frame].astype(np.float64).reshape(count, frame) ** 2, axis=1)
    level = 10 * np.log10(power + 1e-12)
    active = level >= np.percentile(level, 95) - ACTIVE_DB
    active &= level > -70.0  # digital silence is never speech
    if not active.any():
        return Measured(None, None, None, None, None, None, 0.0)
    dbfs = 10 * math.log10(float(np.mean(power[active])) + 1e-12)
    lufs = None
    if weighted is not None:
        kw = weighted[first * frame : (first + count) * frame].reshape(count, frame)
        lufs = -0.691 + 10 * math.log10(float(np.mean(kw[active] ** 2)) + 1e-12)
    track = pitch[first : first + count]
    voiced = track[active[: len(track)] & (track[: len(active)] > 0)]
    voiced_seconds = len(voiced) * HOP_SECONDS
    median = low = high = None
    if voiced_seconds >= MIN_VOICED_SECONDS:
        low, median, high = (
            float(v) for v in np.percentile(voiced, [LOW_PERCENTILE, 50, HIGH_PERCENTILE])
        )
    return Measured(
        pitch_median_hz=median,
        pitch_low_hz=low,
        pitch_high_hz=high,
        loudness_dbfs=dbfs,
        loudness_lufs=lufs,
        words_per_second=speaking_rate(words) if words is not None else None,
        voiced_seconds=voiced_seconds,
    )


def speaking_rate(words: Sequence[tuple[float, float]]) -> float | None:
    """Words a second of speaking time: from the first word's start to the last one's end,
    less pauses of PAUSE_SECONDS or more between words; None for fewer than 3 words."""
    if len(words) < 3:
        return None
    spoken = words[-1][1] - words[0][0]
    for (_, end), (start, _) in itertools.pairwise(words):
        if start - end >= PAUSE_SECONDS:
            spoken -= start - end
    return len(words) / spoken if spoken > 0 else None


def semitones(high: float, low: float) -> float:
    return 12 * math.log2(high / low)


def tone_of(turn: Turn, measured: Measured, baseline: dict[str, float | None]) -> Tone:
    """The turn's Tone: its measurements and their change against the speaker's baseline."""
    m = measured
    range_st = (
        semitones(m.pitch_high_hz, m.pitch_low_hz) if m.pitch_high_hz and m.pitch_low_hz else None
    )
    base_pitch, base_range = baseline.get("pitch_median_hz"), baseline.get("pitch_range_semitones")
    base_db, base_rate = baseline.get("loudness_dbfs"), baseline.get("words_per_second")
    return Tone(
        pitch_median_hz=_round(m.pitch_median_hz, 1),
        pitch_range_hz=_round(
            m.pitch_high_hz - m.pitch_low_hz if m.pitch_high_hz and m.pitch_low_hz else None, 1
        ),
        pitch_range_semitones=_round(range_st, 2),
        loudness_dbfs=_round(m.loudness_dbfs, 1),
        loudness_lufs=_round(m.loudness_lufs, 1),
        words_per_second=_round(m.words_per_second, 2),
        voiced_seconds=round(m.voiced_seconds, 2),
        pitch_change_semitones=_round(
            semitones(m.pitch_median_hz, base_pitch) if m.pitch_median_hz and base_pitch else None,
            2,
        ),
        pitch_range_change_semitones=_round(
            range_st - base_range if range_st is not None and base_range is not None else None, 2
        ),
        loudness_change_db=_round(
            m.loudness_dbfs - base_db
            if m.loudness_dbfs is not None and base_db is not None
            else None,
            1,
        ),
        rate_change_ratio=_round(
            m.words_per_second / base_rate if m.words_per_second and base_rate else None, 2
        ),
    )


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def baselines(
    measured: dict[int, Measured], speakers: dict[int, str]
) -> dict[str, dict[str, float | None]]:
    """Each speaker's median over their measured turns of pitch, pitch range (semitones),
    loudness and rate; a value needs MIN_BASELINE_TURNS turns that have it, else None."""
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for index, m in measured.items():
        mine = values[speakers[index]]
        if m.pitch_median_hz is not None and m.pitch_low_hz and m.pitch_high_hz:
            mine["pitch_median_hz"].append(m.pitch_median_hz)
            mine["pitch_range_semitones"].append(semitones(m.pitch_high_hz, m.pitch_low_hz))
        if m.loudness_dbfs is not None:
            mine["loudness_dbfs"].append(m.loudness_dbfs)
        if m.words_per_second is not None:
            mine["words_per_second"].append(m.words_per_second)
    return {
        speaker: {
            key: round(float(np.median(found)), 2) if len(found) >= MIN_BASELINE_TURNS else None
            for key, found in kinds.items()
        }
        for speaker, kinds in values.items()
    }


def add_tone(
    conversation: Conversation,
    channels: dict[str, np.ndarray],
    rate: int,
    *,
    pitch: bool = True,
    workers: int = 1,
) -> Conversation:
    """Put each turn's Tone on the conversation (in place, and returned) from the channel of
    its speaker (`channels` by turn.speaker_id), and each speaker's baseline in
    `metadata["tone_baseline"]`. Turns of a speaker without a channel get none. Without
    `pitch` (a call read for timing only, where pitch tracking and K-weighting would cost more
    than all the rest), loudness in dBFS alone. Pitch is only looked for inside turns. Each
    channel's pitch track and K-weighting are made side by side, up to `workers` channels at
    once (heard.audio.channels); the result is the same for any `workers`."""
    from heard.audio.channels import side_by_side

    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for turn in conversation.turns:
        if turn.speaker_id in channels and turn.start is not None and turn.end is not None:
            spans[turn.speaker_id].append((turn.start, turn.end))
    labels = list(channels)
    if pitch:
        measures = side_by_side(
            lambda label: (
                pitch_track(channels[label], rate, spans.get(label, [])),
                k_weighted(channels[label], rate),
            ),
            labels,
            workers=workers,
        )
    else:
        measures = [(np.zeros(0, dtype=np.float32), None) for _ in labels]
    tracks = {label: track for label, (track, _) in zip(labels, measures, strict=True)}
    weighted = {label: k for label, (_, k) in zip(labels, measures, strict=True)}
    measured: dict[int, Measured] = {}
    speakers: dict[int, str] = {}
    for turn in conversation.turns:
        label = turn.speaker_id
        if label not in channels or turn.start is None or turn.end is None:
            continue
        words = [(w.start, w.end) for w in turn.words] if turn.words is not None else None
        measured[turn.index] = measure_turn(
            channels[label], weighted[label], tracks[label], rate, turn.start, turn.end, words
        )
        speakers[turn.index] = turn.role.value
    base = baselines(measured, speakers)
    for index, m in measured.items():
        turn = conversation.turns[index]
        turn.tone = tone_of(turn, m, base.get(speakers[index], {}))
    conversation.metadata["tone_baseline"] = {
        speaker: {k: v for k, v in kinds.items() if v is not None}
        for speaker, kinds in sorted(base.items())
    }
    return conversation
