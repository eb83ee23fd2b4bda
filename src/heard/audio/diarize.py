"""Who spoke when in a mono two-party call, offline and without a trained model: voice activity
cut into pieces of about a second, each piece described by its cepstra (MFCC, in numpy), the
pieces clustered bottom-up by the Bayesian information criterion until two speakers are left
(the classic speaker-clustering recipe of Chen & Gopalakrishnan 1998), a lone piece of one
speaker between two of the other in one stretch of speech given to the other, and adjacent
pieces of a speaker joined into turns. See docs/audio.md, "Mono recordings", for why no
speaker-embedding model is used and what it measures."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from heard.audio.speakers import SpeakerTurn

SPEAKER_LABELS = ("speaker_1", "speaker_2")
"""The diarizer's speakers, in order of their first speech."""
RATE = 8_000
"""Recordings at 16, 32 or 48 kHz are read at 8 kHz (low-passed, then decimated), so that a call
is split the same way whether it was read for speech recognition (16 kHz) or for timing only
(telephone audio at its own 8 kHz)."""
FRAME_SECONDS = 0.025
HOP_SECONDS = 0.01
MEL_BANDS = 40
LOW_HZ, HIGH_HZ = 60.0, 3_800.0
"""The mel filterbank's span: what a telephone line carries, so that 8 kHz and 16 kHz
recordings of a call give the same features."""
CEPSTRA = 12
"""MFCCs 1–12 (energy, c0, left out). Chosen among 8, 10, 12, 14, 16 and 20 on the six Harper
Valley Bank calls' mono mixes (`heard eval --audio`), whose figures are therefore in-sample:
fewer blur the speakers, more make the per-piece covariances too noisy."""
PIECE_SECONDS = 1.0
"""Stretches of speech are cut into equal pieces of about this length (1, 1.5 and 2 s tried:
1 s was best; a piece is the smallest unit given to one speaker)."""
PENALTY = 1.0
"""The weight λ of the BIC's model-size penalty, as in the original recipe."""
REGULARISER = 1e-4
"""Added to each covariance's diagonal so that a short piece's stays invertible."""


@dataclass(slots=True)
class _Cluster:
    """A cluster's sufficient statistics: frame count, sum and sum of outer products."""

    pieces: list[int]
    count: int
    total: np.ndarray
    outer: np.ndarray


def diarize(
    samples: np.ndarray, rate: int, *, speech: list[tuple[float, float]] | None = None
) -> list[SpeakerTurn]:
    """Two speakers' turns in a mono recording (float samples in [-1, 1] at `rate`); `speech`
    is its voice activity (default: heard.audio.activity.voice_activity, which needs `rate` to
    be 8, 16, 32 or 48 kHz). Speakers are `speaker_1` (the first to speak) and `speaker_2`;
    one speaker only when there is less than two pieces of speech or the BIC finds them
    alike."""
    if rate != RATE and rate % RATE == 0:
        from scipy.signal import resample_poly

        samples, rate = resample_poly(samples, 1, rate // RATE).astype(np.float32), RATE
    if speech is None:
        from heard.audio.activity import voice_activity

        speech = voice_activity(samples, rate)
    features = cepstra(samples, rate)
    pieces, stretch_of = _pieces(speech, len(features))
    if not pieces:
        return []
    labels = _cluster(features, pieces)
    labels = _smooth(labels, stretch_of)
    return _turns(pieces, labels)


def cepstra(samples: np.ndarray, rate: int) -> np.ndarray:
    """MFCCs 1–CEPSTRA of each 25 ms frame every 10 ms (pre-emphasis 0.97, Hamming window,
    MEL_BANDS mel bands between LOW_HZ and HIGH_HZ, log, DCT-II)."""
    from scipy.fft import dct

    window = int(rate * FRAME_SECONDS)
    hop = int(rate * HOP_SECONDS)
    if len(samples) < window:
        return np.zeros((0, CEPSTRA), dtype=np.float32)
    size = 1 << (window - 1).bit_length()
    x = np.asarray(samples, dtype=np.float32)
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])
    count = 1 + (len(x) - window) // hop
    frames = np.lib.stride_tricks.sliding_window_view(x, window)[::hop][:count]
    power = np.abs(np.fft.rfft(frames * np.hamming(window).astype(np.float32), size)) ** 2
    bands = np.log(power @ _mel_filters(size, rate).T + 1e-10)
    return dct(bands, type=2, norm="ortho", axis=1)[:, 1 : CEPSTRA + 1].astype(np.float64)


def _mel_filters(size: int, rate: int) -> np.ndarray:
    def mel(hz: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)

    scale = np.linspace(mel(LOW_HZ), mel(min(HIGH_HZ, rate / 2)), MEL_BANDS + 2)
    edges = 700.0 * (10 ** (scale / 2595.0) - 1.0)
    freqs = np.fft.rfftfreq(size, 1.0 / rate)
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None, :] - low) / (centre - low)
    falling = (high - freqs[None, :]) / (high - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None).astype(np.float32)


def _pieces(
    speech: list[tuple[float, float]], frames: int
) -> tuple[list[tuple[int, int]], list[int]]:
    """(first frame, end frame) of each piece, and the stretch of speech each belongs to."""
    pieces: list[tuple[int, int]] = []
    stretch_of: list[int] = []
    length = round(PIECE_SECONDS / HOP_SECONDS)
    for index, (start, end) in enumerate(speech):
        first, last = round(start / HOP_SECONDS), min(frames, round(end / HOP_SECONDS))
        if last - first < 2:
            continue
        count = max(1, round((last - first) / length))
        cuts = np.linspace(first, last, count + 1).round().astype(int)
        for a, b in pairwise(cuts):
            pieces.append((int(a), int(b)))
            stretch_of.append(index)
    return pieces, stretch_of


def _cluster(features: np.ndarray, pieces: list[tuple[int, int]]) -> list[int]:
    """Each piece's cluster (0 or 1): pieces merged two clusters at a time, always the pair
    whose merge raises the BIC most (costs least), until two are left, or one when even that
    last merge raises it (the two sound alike)."""
    clusters = []
    for index, (a, b) in enumerate(pieces):
        x = features[a:b]
        clusters.append(_Cluster([index], len(x), x.sum(0), x.T @ x))
    if len(clusters) == 1:
        return [0]
    dims = features.shape[1]
    penalty = PENALTY * 0.5 * (dims + dims * (dims + 1) / 2)
    own = np.array([_spread(c.count, c.total, c.outer) for c in clusters])
    costs = np.full((len(clusters), len(clusters)), np.inf)
    for i in range(len(clusters)):
        costs[i, i + 1 :] = _merge_costs(clusters, own, i, range(i + 1, len(clusters)), penalty)
    while len(clusters) > 2:
        i, j = np.unravel_index(np.argmin(costs), costs.shape)
        i, j = int(min(i, j)), int(max(i, j))
        a, b = clusters[i], clusters[j]
        clusters[i] = _Cluster(
            a.pieces + b.pieces, a.count + b.count, a.total + b.total, a.outer + b.outer
        )
        own[i] = _spread(clusters[i].count, clusters[i].total, clusters[i].outer)
        del clusters[j]
        own = np.delete(own, j)
        costs = np.delete(np.delete(costs, j, axis=0), j, axis=1)
        others = [k for k in range(len(clusters)) if k != i]
        merged = _merge_costs(clusters, own, i, others, penalty)
        for k, cost in zip(others, merged, strict=True):
            costs[min(i, k), max(i, k)] = cost
    labels = [0] * len(pieces)
    if costs[0, 1] < 0:  # the two that are left are better told as one speaker
        return labels
    for piece in clusters[1].pieces:
        labels[piece] = 1
    return labels


def _spread(count: int, total: np.ndarray, outer: np.ndarray) -> float:
    """count × log-determinant of the maximum-likelihood covariance."""
    mean = total / count
    covariance = outer / count - np.outer(mean, mean) + REGULARISER * np.eye(len(mean))
    return count * float(np.linalg.slogdet(covariance)[1])


def _merge_costs(
    clusters: list[_Cluster], own: np.ndarray, i: int, others: range | list[int], penalty: float
) -> np.ndarray:
    """ΔBIC of merging cluster i with each of `others`: negative when one Gaussian explains
    both better than two, after the penalty for the second one's parameters."""
    others = list(others)
    if not others:
        return np.zeros(0)
    a = clusters[i]
    count = np.array([a.count + clusters[k].count for k in others], dtype=np.float64)
    total = np.stack([a.total + clusters[k].total for k in others])
    outer = np.stack([a.outer + clusters[k].outer for k in others])
    mean = total / count[:, None]
    dims = mean.shape[1]
    covariance = (
        outer / count[:, None, None]
        - mean[:, :, None] * mean[:, None, :]
        + REGULARISER * np.eye(dims)[None]
    )
    joint = count * np.linalg.slogdet(covariance)[1]
    return 0.5 * (joint - own[i] - own[others]) - penalty * np.log(count)


def _smooth(labels: list[int], stretch_of: list[int]) -> list[int]:
    """A lone piece of one speaker between two of the other in the same stretch of speech is
    theirs: voice activity bridges pauses of 0.15 s at most, and two people rarely swap the
    floor and back that fast."""
    smoothed = list(labels)
    for k in range(1, len(labels) - 1):
        same_stretch = stretch_of[k - 1] == stretch_of[k] == stretch_of[k + 1]
        if same_stretch and labels[k - 1] == labels[k + 1] != labels[k]:
            smoothed[k] = labels[k - 1]
    return smoothed


def _turns(pieces: list[tuple[int, int]], labels: list[int]) -> list[SpeakerTurn]:
    """Adjacent pieces of one speaker joined; speakers named in order of first speech."""
    first = labels[0]
    joined: list[list[int]] = []
    for (a, b), label in zip(pieces, labels, strict=True):
        if joined and joined[-1][2] == label and joined[-1][1] == a:
            joined[-1][1] = b
        else:
            joined.append([a, b, label])
    return [
        SpeakerTurn(
            start=round(a * HOP_SECONDS, 3),
            end=round(b * HOP_SECONDS, 3),
            speaker=SPEAKER_LABELS[0 if label == first else 1],
        )
        for a, b, label in joined
    ]
