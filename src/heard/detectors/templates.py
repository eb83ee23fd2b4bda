"""Written replies: a template (canned text with nothing of this customer's case in it) or a
personalised reply (names the specifics the customer gave: their numbers, items, dates)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.detectors._words import content_words, stem, tokens
from heard.language.lexicon import lexicon
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

    def detect(self, ctx: Context) -> Iterable[Finding]:
        if ctx.conversation.channel == Channel.CALL:
            return []
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
