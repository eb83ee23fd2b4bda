"""Written replies: a template (canned text with nothing of this customer's case in it) or a
personalised reply (names the specifics the customer gave: their numbers, items, dates)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.detectors._details import SPECIFIC, keyed
from heard.detectors._words import content_words, stem, tokens
from heard.language.lexicon import clauses, lexicon
from heard.language.phrasing import misspelt
from heard.model import Channel, Finding, Polarity, Role, Span

MIN_GIVEN = 3
"""A reply can only ignore the customer's specifics once they have given this many."""
MAX_SPANS = 6
SIGN_OFF_WORDS = 12
"""A last agent reply this short whose canned phrase is a goodbye only signs off."""


@register
class WrittenReplies(Detector):
    name: ClassVar[str] = "heard.replies.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("template_reply", "personalised_reply")
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.CUSTOMER_TURNS, Requirement.WORDS}
    )
    assigns: ClassVar[tuple[str, ...]] = ("unused_details",)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        if ctx.conversation.channel == Channel.CALL:
            return []
        ctx.annotations["unused_details"] = unused_details(ctx)
        findings = []
        customer = ctx.conversation.customer
        name = content_words(customer.name) if customer and customer.name else set()
        given: set[str] = set()  # words the customer brought into the conversation
        used: set[str] = set()  # words anyone had used
        needed = ctx.rubric.thresholds.personalised_specifics
        signed_off = False  # the customer's last turn said they are done
        last_agent = max((t.index for t in ctx.turns if t.role == Role.AGENT), default=-1)
        for turn in ctx.turns:
            words = content_words(turn.text)
            if turn.role == Role.CUSTOMER:
                given |= (words - used) - name
                signed_off = bool(lexicon("customer_done").search(turn.text))
            elif turn.role == Role.AGENT and len(given) >= MIN_GIVEN:
                specifics = words & given
                # a canned goodbye to the customer's own goodbye ("That would be all" → "Have
                # a great day!") is a courtesy, not a template (3 of 3 judged wrong as one)
                template = None if signed_off else lexicon("template").search(turn.text)
                if (
                    template
                    and turn.index == last_agent
                    and len(turn.text.split()) <= SIGN_OFF_WORDS
                    and lexicon("closing").search(template[0])
                ):
                    template = None  # a short last "Have a great day!" is a sign-off
                if len(specifics) >= needed:
                    spans = [
                        Span(turn=turn.index, start=m.start(), end=m.end())
                        for m in tokens(turn.text)
                        if stem(m.group(0).strip(".,:").lower()) in specifics
                    ][:MAX_SPANS]
                    findings.append(
                        ctx.finding(
                            self.name,
                            "personalised_reply",
                            "digital",
                            Polarity.POSITIVE,
                            spans,
                            confidence=min(1.0, 0.5 + 0.1 * len(specifics)),
                            explanation="uses the customer's specifics: "
                            + ", ".join(sorted(specifics)[:8]),
                            specifics=sorted(specifics),
                        )
                    )
                elif template:
                    findings.append(
                        ctx.finding(
                            self.name,
                            "template_reply",
                            "digital",
                            Polarity.NEGATIVE,
                            Span(turn=turn.index, start=template.start(), end=template.end()),
                            confidence=0.7,
                            explanation="canned text that names almost nothing the customer wrote",
                        )
                    )
            used |= words
        return findings


MAX_DETAILS = 4
_LONG_NUMBER = re.compile(r"\d{6,}")
"""An account or card number: never a detail to write back into a chat."""


_BARE_NUMBER = re.compile(r"\d+(?:st|nd|rd|th)")
"""An ordinal alone ("2nd"): meaningless written back without what it counts (judged so by
both judges, sample o; an amount, "632" or "300", was usable)."""


def _joined(details: list[str], turns: list[int], ctx: Context) -> list[str]:
    """Neighbouring names joined as the customer wrote them ("Broadway" and "Main" →
    "Broadway and Main")."""
    said = " ".join(ctx.turns[i].text for i in turns)
    out: list[str] = []
    for detail in details:
        if out and out[-1][:1].isupper() and detail[:1].isupper():
            for link in (" and ", " & "):
                if f"{out[-1]}{link}{detail}" in said:
                    out[-1] = f"{out[-1]}{link}{detail}"
                    break
            else:
                out.append(detail)
        else:
            out.append(detail)
    return out


def _detail(text: str, run: list[tuple[int, int]]) -> str:
    """The words of a run of specifics, with a currency sign right before it ("$300")."""
    start = run[0][0]
    if start and text[start - 1] in "$£€":
        start -= 1
    return text[start : run[-1][1]].strip(".,;:!?")


def _apostrophe_lost(detail: str, texts: list[str]) -> bool:
    """Whether `detail` is a name's possessive typed without its apostrophe ("Jennys wedding")
    in one of `texts`: written back, the customer's typo reads as the agent's (judged
    ungrammatical, sample t)."""
    if " " in detail or not detail.endswith("s") or detail.endswith("ss"):
        return False
    if not misspelt(detail.lower()):
        return False  # "Mondays", "Hopkins"? a word the dictionary knows
    possessive = re.compile(rf"\b{re.escape(detail)}\s+[a-z]")
    return any(possessive.search(text) for text in texts)


def unused_details(ctx: Context) -> dict[int, list[str]]:
    """Agent turn → the customer's specifics (numbers, dates, names of places and things, each
    run of them as one: "North Heights Venue", "4 pm") from the turns it answers that it does
    not name: what a tip can tell the agent to put in, in the customer's own spelling."""
    keys = keyed(ctx)
    number_unit = lexicon("number_unit").pattern
    found: dict[int, list[str]] = {}
    waiting: list[int] = []
    identity = False  # the agent's last turn asked for what verifies the customer
    for turn in ctx.turns:
        if turn.role == Role.CUSTOMER:
            if not identity:  # credentials are no specifics to write back
                waiting.append(turn.index)
            continue
        if turn.role != Role.AGENT:
            continue
        used = {key for key, _ in keys[turn.index]}
        details: list[str] = []
        for index in waiting:
            text = ctx.turns[index].text
            # credentials given unasked ("My date of birth is 25/03/1998, … my childhood pet is
            # Charlie"): no details to write back (a security misstep to both judges, sample s)
            secret = clauses(text, lexicon("identity_ask"))
            run: list[tuple[int, int]] = []
            for (key, weight), token in zip(keys[index], ctx.tokens[index], strict=True):
                fresh = (
                    weight >= SPECIFIC
                    and key not in used
                    and not any(s <= token.start < e for s, e in secret)
                )
                between = text[run[-1][1] : token.start] if run else ""
                unit = bool(run) and number_unit.fullmatch(token.text) is not None
                joined = between.strip() == "" or (
                    between.strip().lower() in ("and", "&")
                    and text[run[-1][0]].isupper()
                    and token.text[:1].isupper()
                )
                if run and joined and (fresh or (unit and between.strip() == "")):
                    run.append((token.start, token.end))  # "North Heights Venue", "4 pm"
                    continue
                if run:
                    details.append(_detail(text, run))
                run = [(token.start, token.end)] if fresh else []
            if run:
                details.append(_detail(text, run))
        unique = list(
            dict.fromkeys(
                d
                for d in _joined(details, waiting, ctx)
                if d
                and not _LONG_NUMBER.search(d)
                and not _BARE_NUMBER.fullmatch(d)
                and not _apostrophe_lost(d, [ctx.turns[i].text for i in waiting])
            )
        )
        if unique:
            found[turn.index] = unique[:MAX_DETAILS]
        waiting = []
        identity = bool(lexicon("identity_ask").search(turn.text))
    return found
