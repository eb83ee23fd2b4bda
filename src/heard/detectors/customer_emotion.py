"""Customer emotion per turn from a phrase lexicon: anger, frustration, worry, confusion,
satisfaction or neutral, with an intensity; assigns `customer_emotion` for other detectors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.detectors._lexicon import lexicon
from heard.model import Finding, Polarity, Role, Span

EMOTIONS = ("anger", "frustration", "worry", "confusion", "satisfaction")
_SHOUT = re.compile(r"\b[A-Z]{3,}\b")


def emotion_of(text: str) -> tuple[str, float, tuple[int, int] | None]:
    """(label, intensity 0–1, character span of the strongest cue) for one customer turn."""
    hits: dict[str, list[re.Match[str]]] = {
        e: list(lexicon(f"emotion_{e}").finditer(text)) for e in EMOTIONS
    }
    shouting = len(_SHOUT.findall(text)) + text.count("!") // 2
    if shouting:
        hits["anger"] += []  # shouting alone adds intensity, not a label
    scores = {e: len(m) for e, m in hits.items()}
    # negative emotions outrank thanks in the same turn ("thanks, but this is ridiculous")
    order = ["anger", "frustration", "worry", "confusion", "satisfaction"]
    label = max(order, key=lambda e: (scores[e], -order.index(e)))
    if scores[label] == 0:
        return "neutral", 0.0, None
    if label == "satisfaction" and any(scores[e] for e in order[:4]):
        label = max(order[:4], key=lambda e: (scores[e], -order.index(e)))
    intensity = min(1.0, 0.4 + 0.2 * scores[label] + (0.2 if shouting and label == "anger" else 0))
    first = hits[label][0]
    return label, round(intensity, 2), (first.start(), first.end())


@register
class CustomerEmotion(Detector):
    name: ClassVar[str] = "heard.customer_emotion.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("customer_emotion",)
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.CUSTOMER_TURNS})
    assigns: ClassVar[tuple[str, ...]] = ("customer_emotion",)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        per_turn: dict[int, dict[str, object]] = {}
        findings = []
        for turn in ctx.turns:
            if turn.role != Role.CUSTOMER:
                continue
            label, intensity, cue = emotion_of(turn.text)
            per_turn[turn.index] = {"label": label, "intensity": intensity}
            if cue is not None:
                findings.append(
                    ctx.finding(
                        self.name,
                        "customer_emotion",
                        "empathy",
                        Polarity.NEUTRAL,
                        Span(turn=turn.index, start=cue[0], end=cue[1]),
                        confidence=intensity,
                        explanation=f"customer sounds {label}",
                        emotion=label,
                        intensity=intensity,
                    )
                )
        ctx.annotations["customer_emotion"] = per_turn
        labels = [v["label"] for v in per_turn.values()]
        if labels:
            metrics = ctx.annotations.setdefault("metrics", {})
            metrics["customer_emotion_start"] = labels[0]
            metrics["customer_emotion_end"] = labels[-1]
        return findings
