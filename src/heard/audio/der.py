"""Diarization error rate (DER): how much of the speech a diarization gets wrong — speech it
missed, speech it invented, and speech it gave to the wrong speaker — as a share of the
reference's speech, scored the way NIST's md-eval scores it: a forgiveness collar around each
reference boundary, overlapped speech counted once per speaker, and the hypothesis's speakers
matched one to one to the reference's so that they agree the longest (Hungarian assignment)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

COLLAR_SECONDS = 0.25
"""Time either side of each reference boundary left out of the scoring (NIST's usual collar):
people do not agree on where speech starts to better than this."""


class Spoken(Protocol):
    """A stretch of one speaker's speech."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def speaker(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DiarizationError:
    """The parts of a diarization error rate, in seconds of scored speech."""

    scored: float
    """Reference speech scored (overlapped speech counts once per speaker)."""
    missed: float
    """Reference speech with no hypothesis speaker."""
    false_alarm: float
    """Hypothesis speech where the reference has none (or fewer speakers)."""
    confusion: float
    """Speech given to a speaker other than the one matched to the reference's."""

    @property
    def rate(self) -> float:
        """(missed + false alarm + confusion) / scored; 0 when nothing was scored."""
        return (
            (self.missed + self.false_alarm + self.confusion) / self.scored if self.scored else 0.0
        )

    def __add__(self, other: DiarizationError) -> DiarizationError:
        return DiarizationError(
            scored=self.scored + other.scored,
            missed=self.missed + other.missed,
            false_alarm=self.false_alarm + other.false_alarm,
            confusion=self.confusion + other.confusion,
        )


NONE = DiarizationError(0.0, 0.0, 0.0, 0.0)


def diarization_error(
    reference: Iterable[Spoken],
    hypothesis: Iterable[Spoken],
    *,
    collar: float = COLLAR_SECONDS,
) -> DiarizationError:
    """The diarization error of `hypothesis` against `reference`. Speaker names need not
    agree: each hypothesis speaker is matched to at most one reference speaker so that their
    shared speech is the longest, and the rest is confusion."""
    ref = _by_speaker(reference)
    hyp = _by_speaker(hypothesis)
    if collar > 0:
        edges = sorted({t for spans in ref.values() for span in spans for t in span})
        unscored = _union([(t - collar, t + collar) for t in edges])
    else:
        unscored = []
    pieces = _pieces(ref, hyp, unscored)
    ref_names, hyp_names = sorted(ref), sorted(hyp)
    shared = [[0.0] * len(hyp_names) for _ in ref_names]
    for length, here_ref, here_hyp in pieces:
        for r in here_ref:
            for h in here_hyp:
                shared[ref_names.index(r)][hyp_names.index(h)] += length
    mapping = _best_mapping(shared)
    matched = {hyp_names[h]: ref_names[r] for r, h in mapping}
    scored = missed = false_alarm = confusion = 0.0
    for length, here_ref, here_hyp in pieces:
        n_ref, n_hyp = len(here_ref), len(here_hyp)
        correct = sum(1 for h in here_hyp if matched.get(h) in here_ref)
        scored += length * n_ref
        missed += length * max(0, n_ref - n_hyp)
        false_alarm += length * max(0, n_hyp - n_ref)
        confusion += length * (min(n_ref, n_hyp) - correct)
    return DiarizationError(
        scored=round(float(scored), 6),
        missed=round(float(missed), 6),
        false_alarm=round(float(false_alarm), 6),
        confusion=round(float(confusion), 6),
    )


def _by_speaker(turns: Iterable[Spoken]) -> dict[str, list[tuple[float, float]]]:
    found: dict[str, list[tuple[float, float]]] = {}
    for turn in turns:
        if turn.end > turn.start:
            found.setdefault(turn.speaker, []).append((turn.start, turn.end))
    return {speaker: _union(spans) for speaker, spans in found.items()}


def _union(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping or touching spans merged, in order."""
    merged: list[list[float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _pieces(
    ref: dict[str, list[tuple[float, float]]],
    hyp: dict[str, list[tuple[float, float]]],
    unscored: list[tuple[float, float]],
) -> list[tuple[float, frozenset[str], frozenset[str]]]:
    """The timeline cut at every boundary: (length, reference speakers, hypothesis speakers)
    of each scored piece in which someone speaks."""
    cuts = {t for spans in (*ref.values(), *hyp.values(), unscored) for span in spans for t in span}
    times = sorted(cuts)
    pieces = []
    for start, end in pairwise(times):
        middle = (start + end) / 2
        if _inside(unscored, middle):
            continue
        here_ref = frozenset(s for s, spans in ref.items() if _inside(spans, middle))
        here_hyp = frozenset(s for s, spans in hyp.items() if _inside(spans, middle))
        if here_ref or here_hyp:
            pieces.append((end - start, here_ref, here_hyp))
    return pieces


def _inside(spans: list[tuple[float, float]], t: float) -> bool:
    """Whether t falls in one of the sorted, disjoint spans."""
    low, high = 0, len(spans)
    while low < high:
        mid = (low + high) // 2
        if spans[mid][1] <= t:
            low = mid + 1
        else:
            high = mid
    return low < len(spans) and spans[low][0] <= t


def _best_mapping(shared: list[list[float]]) -> list[tuple[int, int]]:
    """(reference, hypothesis) index pairs, one to one, with the most shared time."""
    if not shared or not shared[0]:
        return []
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(shared, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if shared[r][c] > 0]
