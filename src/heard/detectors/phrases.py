"""Agent phrases the rubric rewards or penalises, found with the lexicons in data files:
acknowledgement, empathy, reflection of feeling, apology, reassurance, check-understanding,
resolution check, call-back offer; dismissive, blaming and condescending language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import ClassVar

from heard.analysis.context import Context, Sentence
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.language.lexicon import lexicon
from heard.model import Finding, Polarity, Role, Span

# behaviour → (lexicon, component, polarity, explanation)
PHRASES: dict[str, tuple[str, str, Polarity, str]] = {
    "empathy": ("empathy", "empathy", Polarity.POSITIVE, "validates how the customer feels"),
    "reflection_of_feeling": (
        "reflection_of_feeling",
        "reflecting",
        Polarity.POSITIVE,
        "names the customer's feeling back to them",
    ),
    "apology": ("apology", "empathy", Polarity.POSITIVE, "apologises and owns the problem"),
    "reassurance": ("reassurance", "empathy", Polarity.POSITIVE, "reassures the customer"),
    "check_understanding": (
        "check_understanding",
        "reflecting",
        Polarity.POSITIVE,
        "checks it understood the customer",
    ),
    "resolution_check": (
        "resolution_check",
        "digital",
        Polarity.POSITIVE,
        "checks the problem is solved",
    ),
    "callback_offer": ("callback", "digital", Polarity.POSITIVE, "offers a call-back"),
    "dismissive": ("dismissive", "empathy", Polarity.NEGATIVE, "dismisses the customer's concern"),
    "blame": ("blame", "empathy", Polarity.NEGATIVE, "blames the customer"),
    "condescending": ("condescending", "empathy", Polarity.NEGATIVE, "talks down to the customer"),
}
_ACK_WINDOW = 60
"""An acknowledgement counts in the first this-many characters of a reply, or at the start of
its second sentence (after an opening apology: "Sorry, I replied too soon. Thanks for the
extra detail…")."""
_TITLES = r"(?:mr|mrs|ms|miss|mx|dr|sir|madam)\.?"


@register
class AgentPhrases(Detector):
    name: ClassVar[str] = "heard.phrases.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("acknowledgement", "uses_name", *PHRASES)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.WORDS}
    )

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings: list[Finding] = []
        boilerplate = lexicon("apology_boilerplate")
        customer_name = _customer_name(ctx)
        for customer_turns, turn in ctx.replies():
            text = turn.text
            excluded = [m.span() for m in boilerplate.finditer(text)]
            for behaviour, (name, component, polarity, why) in PHRASES.items():
                for match in lexicon(name).finditer(text):
                    if any(s <= match.start() < e for s, e in excluded):
                        continue  # "we apologize for any inconvenience" owns nothing
                    findings.append(
                        ctx.finding(
                            self.name,
                            behaviour,
                            component,
                            polarity,
                            Span(turn=turn.index, start=match.start(), end=match.end()),
                            confidence=0.8,
                            explanation=why,
                        )
                    )
                    break  # one finding per behaviour per turn
            if customer_turns:
                match = _acknowledgement(text, ctx.sentences[turn.index])
                if match:
                    findings.append(
                        ctx.finding(
                            self.name,
                            "acknowledgement",
                            "attentiveness",
                            Polarity.POSITIVE,
                            Span(turn=turn.index, start=match.start(), end=match.end()),
                            confidence=0.7,
                            explanation="acknowledges what the customer said",
                        )
                    )
            named = customer_name.search(text) if customer_name else None
            if named:
                findings.append(
                    ctx.finding(
                        self.name,
                        "uses_name",
                        "attentiveness",
                        Polarity.POSITIVE,
                        Span(turn=turn.index, start=named.start(), end=named.end()),
                        explanation="uses the customer's name",
                    )
                )
        return findings


def _acknowledgement(text: str, sentences: list[Sentence]) -> re.Match[str] | None:
    """An acknowledgement near the start of a reply (see `_ACK_WINDOW`)."""
    match = lexicon("acknowledgement").search(text[:_ACK_WINDOW])
    if match or len(sentences) < 2 or not lexicon("greeting_or_apology").match(sentences[0].text):
        return match
    return lexicon("acknowledgement").match(text, sentences[1].start, sentences[1].end)


def _customer_name(ctx: Context) -> _Name | None:
    """The customer's first name, or a title with their surname ("Mrs. Collins"), to look for."""
    customer = ctx.conversation.customer
    parts = customer.name.split() if customer and customer.name else []
    if not parts:
        return None
    return _Name(parts[0], parts[-1] if len(parts) > 1 else None)


class _Name:
    """The customer's name as a case-insensitive, word-bounded regex, compiled only for a text
    that may hold it: one compile costs more than the rest of a conversation's phrase search,
    and most replies do not name the customer. An ASCII text that holds neither the first name
    nor the surname in any case cannot match (either form needs one of them); other texts go
    to the regex."""

    __slots__ = ("_pattern", "first", "surname")

    def __init__(self, first: str, surname: str | None) -> None:
        self.first = first
        self.surname = surname
        self._pattern: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            self._pattern = _name_pattern(self.first, self.surname)
        return self._pattern

    def search(self, text: str) -> re.Match[str] | None:
        if text.isascii() and self.first.isascii() and (self.surname or "").isascii():
            low = text.lower()
            if self.first.lower() not in low and (
                self.surname is None or self.surname.lower() not in low
            ):
                return None
        return self.pattern.search(text)


@lru_cache(maxsize=1024)
def _name_pattern(first: str, surname: str | None) -> re.Pattern[str]:
    forms = [re.escape(first)]
    if surname is not None:
        forms.insert(0, rf"{_TITLES}\s+{re.escape(surname)}")
    return re.compile(rf"(?<![\w'])(?:{'|'.join(forms)})(?![\w'])", re.IGNORECASE)


@register
class CustomerCues(Detector):
    name: ClassVar[str] = "heard.customer_cues.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("not_heard_cue", "escalation_cue", "vulnerability_cue")
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.CUSTOMER_TURNS, Requirement.WORDS}
    )

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings = []
        for turn in ctx.turns:
            if turn.role != Role.CUSTOMER:
                continue
            for behaviour, name, polarity, component, why in (
                (
                    "not_heard_cue",
                    "not_heard",
                    Polarity.NEGATIVE,
                    "attentiveness",
                    "the customer had to repeat themselves",
                ),
                (
                    "escalation_cue",
                    "escalation",
                    Polarity.NEUTRAL,
                    "empathy",
                    "the customer is escalating",
                ),
                (
                    "vulnerability_cue",
                    "vulnerability",
                    Polarity.NEUTRAL,
                    "empathy",
                    "the customer may be at risk: pause the task and follow your process",
                ),
            ):
                match = lexicon(name).search(turn.text)
                if match:
                    findings.append(
                        ctx.finding(
                            self.name,
                            behaviour,
                            component,
                            polarity,
                            Span(turn=turn.index, start=match.start(), end=match.end()),
                            confidence=0.8,
                            explanation=why,
                        )
                    )
        return findings
