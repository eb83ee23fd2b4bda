"""Agent questions: open or closed, one counted per turn (the first real question in it)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.detectors._lexicon import lexicon
from heard.model import Finding, Polarity, Role

OPEN = re.compile(
    r"^(?:(?:and|so|okay|ok|great|right|now|also|then|sure),?\s+)*"
    r"(?:what|how|why|which|when|where|who|whose|tell me|describe|walk me through|"
    r"could you (?:tell|describe|walk|explain)|can you (?:tell|describe|walk|explain)|"
    r"would you (?:tell|describe|walk|explain))\b",
    re.IGNORECASE,
)
CLOSED = re.compile(
    r"^(?:(?:and|so|okay|ok|great|right|now|also|then|sure|perfect),?\s+)*"
    r"(?:do|does|did|is|are|was|were|can|could|would|will|have|has|had|should|shall|may|"
    r"am|isn't|aren't|don't|doesn't|didn't|won't|wouldn't|haven't|hasn't)\b",
    re.IGNORECASE,
)


@register
class Questions(Detector):
    name: ClassVar[str] = "heard.questions.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("open_question", "closed_question")
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.AGENT_TURNS})

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings = []
        checks = (lexicon("check_understanding"), lexicon("resolution_check"))
        for turn in ctx.turns:
            if turn.role != Role.AGENT:
                continue
            for sentence in ctx.sentences[turn.index]:
                if not sentence.text.endswith("?"):
                    continue
                if any(c.search(sentence.text) for c in checks):
                    continue  # "is that right?" checks understanding; it is not a question
                if OPEN.search(sentence.text):
                    kind, polarity, why = "open_question", Polarity.POSITIVE, "open question"
                elif CLOSED.search(sentence.text):
                    kind, polarity, why = "closed_question", Polarity.NEUTRAL, "yes/no question"
                else:
                    continue
                findings.append(
                    ctx.finding(
                        self.name,
                        kind,
                        "clarification",
                        polarity,
                        sentence.span,
                        confidence=0.8,
                        explanation=why,
                    )
                )
                break  # one question counted per turn
        return findings
