"""Clear language and timing of solutions: jargon and acronyms the customer had not used
(a configurable glossary in lexicons/jargon.txt plus upper-case acronyms not on the plain
list), and a fix offered to an upset customer before any acknowledgement of the feeling."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.language.examples import join_words
from heard.language.lexicon import lexicon, wordlist
from heard.model import Finding, Polarity, Role, Span

ACRONYM = re.compile(r"(?<![\^\w])[A-Z][A-Z0-9]{1,5}\b")
"""Upper-case words of 2–6 characters; not a sign-off like ^DO."""


@register
class Jargon(Detector):
    name: ClassVar[str] = "heard.jargon.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("jargon",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.WORDS}
    )

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings = []
        glossary = lexicon("jargon")
        for turn in ctx.turns:
            if turn.role != Role.AGENT:
                continue
            terms: list[tuple[int, int, str]] = []
            for match in glossary.finditer(turn.text):
                terms.append((match.start(), match.end(), match.group(0)))
            for match in ACRONYM.finditer(turn.text):
                word = match.group(0)
                if (
                    word not in wordlist("plain_acronyms")
                    and not _LAUGH.fullmatch(word)
                    and not _code(turn.text, match)
                ):
                    terms.append((match.start(), match.end(), word))
            # only terms the customer had not used before this turn
            earlier = " ".join(
                t.text for t in ctx.turns[: turn.index] if t.role == Role.CUSTOMER
            ).lower()
            fresh = [t for t in sorted(set(terms)) if t[2].lower() not in earlier]
            if not fresh:
                continue
            names = sorted({t[2] for t in fresh}, key=str.lower)
            findings.append(
                ctx.finding(
                    self.name,
                    "jargon",
                    "clear_language",
                    Polarity.NEGATIVE,
                    [Span(turn=turn.index, start=s, end=e) for s, e, _ in fresh],
                    confidence=0.7,
                    explanation=f"jargon the customer never used: {', '.join(names)}",
                    suggestion="Explain "
                    + join_words(names[:4])
                    + " in everyday words the first time you use "
                    + ("it." if len(names) == 1 else "them."),
                    terms=names,
                )
            )
        return findings


@register
class PrematureSolution(Detector):
    name: ClassVar[str] = "heard.premature_solution.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("premature_solution",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.CUSTOMER_TURNS, Requirement.WORDS}
    )
    needs: ClassVar[tuple[str, ...]] = ("customer_emotion",)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        emotions = ctx.annotations["customer_emotion"]
        feeling = [
            lexicon(n) for n in ("empathy", "reflection_of_feeling", "apology", "reassurance")
        ]
        upset_since = None
        for customer_turns, reply in ctx.replies():
            if upset_since is None and any(
                emotions.get(t.index, {}).get("label") in {"anger", "frustration", "worry"}
                for t in customer_turns
            ):
                upset_since = reply.index
            if upset_since is None:
                continue
            if any(p.search(reply.text) for p in feeling):
                return []  # acknowledged the feeling first: nothing premature
            fix = next(
                (
                    m
                    for m in lexicon("solution").finditer(reply.text)
                    if not _asks_where(ctx, reply.index, m.start())
                ),
                None,
            )
            if fix:
                return [
                    ctx.finding(
                        self.name,
                        "premature_solution",
                        "empathy",
                        Polarity.NEGATIVE,
                        Span(turn=reply.index, start=fix.start(), end=fix.end()),
                        confidence=0.7,
                        explanation="offers a fix to an upset customer before acknowledging how "
                        "they feel",
                    )
                ]
        return []


_WH = re.compile(r"^\W*(?:where|what|when|which|who|how)\b", re.IGNORECASE)


def _asks_where(ctx: Context, turn: int, at: int) -> bool:
    """Whether position `at` of the turn is inside a wh-question ("Where do you need to go?"
    gathers a detail; it offers no fix)."""
    found = ctx.sentence_at(turn, at)
    return found is not None and found.text.endswith("?") and bool(_WH.match(found.text))


_LAUGH = re.compile(r"(?=[HA]*A)(?=[HA]*H)[HA]{4,}|(?:HE){2,}|(?:HI){2,}|L+O+L+|L+M+A+O+")
"""Laughter in capitals ("HAHHAH!!!"), not an acronym."""
_NEXT_TO_NUMBER = re.compile(r"[\s-]*\d")


def _code(text: str, match: re.Match[str]) -> bool:
    """An upper-case token that is part of a code, not an acronym: it holds a digit, or a
    number stands right next to it (a licence plate "NGA 123", a booking "EAS-4471")."""
    word = match.group(0)
    if any(c.isdigit() for c in word):
        return True
    after = _NEXT_TO_NUMBER.match(text, match.end()) is not None
    before = re.search(r"\d[\s-]*$", text[: match.start()]) is not None
    return after or before
