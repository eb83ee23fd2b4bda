"""A no without another way: an agent reply that says the customer's request cannot be done
(lexicons/bad_news.txt: "I'm sorry, but your booking request failed", "Unfortunately there is
no appointment at 7 pm") and offers nothing else in the same reply or the agent's next one
before the customer writes again (lexicons/alternative.txt: another time, place or option, a
suggestion, what the agent can do instead, "Would you like me to try another time?"; not
"anything else?", which closes). Blind
judges, reading heard's tips on unseen chats, named it again and again as the real miss behind
a refusal ("what such a reply lacks is another way", samples n–p)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.language.lexicon import lexicon
from heard.model import Finding, Polarity, Role, Span


@register
class Refusals(Detector):
    name: ClassVar[str] = "heard.refusals.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("no_alternative",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.CUSTOMER_TURNS, Requirement.WORDS}
    )

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings = []
        turns = ctx.turns
        asked = False  # the customer has written: there is something to say no to
        for turn in turns:
            asked = asked or turn.role == Role.CUSTOMER
            if turn.role != Role.AGENT or not asked:
                continue
            refusal = lexicon("bad_news").search(turn.text)
            if refusal is None or lexicon("wrong_answer").search(turn.text):
                continue  # "Unfortunately your answer was wrong": a quiz verdict, no refusal
            run = [turn]  # the agent's replies until the customer writes again
            for later in turns[turn.index + 1 :]:
                if later.role == Role.CUSTOMER:
                    break
                if later.role == Role.AGENT:
                    run.append(later)
            if any(lexicon("alternative").search(t.text) for t in run):
                continue
            findings.append(
                ctx.finding(
                    self.name,
                    "no_alternative",
                    "digital",
                    Polarity.NEGATIVE,
                    Span(turn=turn.index, start=0, end=len(turn.text)),
                    confidence=0.6,
                    explanation="says no without offering another way",
                )
            )
        return findings
