"""The next step: an agent reply that tells the customer what happens next, who does it and by
when, or commits to a follow-up ("I'll email you the label within the hour"; "you should see the
refund in 3–5 working days"; "let me check that"). Found with lexicons/next_step.txt, one
finding per agent turn; a conversation with no such reply misses the behaviour."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.detectors._lexicon import lexicon
from heard.model import Finding, Polarity, Role, Span


@register
class NextStep(Detector):
    name: ClassVar[str] = "heard.next_step.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("next_step",)
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.AGENT_TURNS})

    def detect(self, ctx: Context) -> Iterable[Finding]:
        cue = lexicon("next_step")
        findings = []
        for turn in ctx.turns:
            if turn.role != Role.AGENT:
                continue
            match = cue.search(turn.text)
            if match:
                findings.append(
                    ctx.finding(
                        self.name,
                        "next_step",
                        "digital",
                        Polarity.POSITIVE,
                        Span(turn=turn.index, start=match.start(), end=match.end()),
                        confidence=0.7,
                        explanation="tells the customer what happens next",
                    )
                )
        return findings
