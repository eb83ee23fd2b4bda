"""The next step: an agent reply that tells the customer what happens next, who does it and by
when, or commits to a follow-up ("I'll email you the label within the hour"; "you should see the
refund in 3–5 working days"; "let me check that"). Found with lexicons/next_step.txt, one
finding per agent turn; a conversation with no such reply misses the behaviour. The detector
also notes the last agent turn that left something to happen later ("your report has been
submitted", lexicons/pending.txt) as `pending_action`: where a missed next step is called for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.language.lexicon import lexicon
from heard.model import Finding, Polarity, Role, Span


@register
class NextStep(Detector):
    name: ClassVar[str] = "heard.next_step.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("next_step",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.WORDS}
    )
    assigns: ClassVar[tuple[str, ...]] = ("pending_action",)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        cue = lexicon("next_step")
        pending = lexicon("pending")
        findings = []
        ctx.annotations["pending_action"] = None
        for turn in ctx.turns:
            if turn.role != Role.AGENT:
                continue
            if pending.search(turn.text) and not cue.search(turn.text):
                # something left to happen later: a time ("…at 11 am") or a commitment ("we will
                # contact you") says what happens next; a turn with neither calls for one
                said = lexicon("time_given").search(turn.text) or lexicon("commits").search(
                    turn.text
                )
                if said:
                    findings.append(
                        ctx.finding(
                            self.name,
                            "next_step",
                            "digital",
                            Polarity.POSITIVE,
                            Span(turn=turn.index, start=said.start(), end=said.end()),
                            confidence=0.6,
                            explanation="says what will happen with what was left pending",
                        )
                    )
                    continue
                ctx.annotations["pending_action"] = turn.index
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
