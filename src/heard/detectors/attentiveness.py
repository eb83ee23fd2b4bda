"""Attentiveness from the conversation's own words: the agent re-using details the customer gave
(uses_details), and the agent asking for something the customer already said (repeat_ask)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from heard.analysis.context import Context, Sentence, Token
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.detectors._details import PLACEHOLDER, SPECIFIC, keyed
from heard.language.lexicon import Lexicon, clauses, lexicon
from heard.model import Finding, Polarity, Role, Span

_JOIN = re.compile(r"[\s,.'’-]{0,3}")
"""What may stand between two matched words for them to show as one span."""


@register
class UsesDetails(Detector):
    """An agent turn that re-uses specifics the customer gave first: numbers, dates, amounts,
    names of places and things, the customer's own words ("my rent" → "your rent")."""

    name: ClassVar[str] = "heard.uses_details.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("uses_details",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.CUSTOMER_TURNS, Requirement.WORDS}
    )
    assigns: ClassVar[tuple[str, ...]] = ("customer_details",)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        needed = ctx.rubric.thresholds.uses_details_weight
        keys = keyed(ctx)
        # key → (customer turn that gave it first, its weight there); None: the company said it
        origin: dict[str, tuple[int, int] | None] = {}
        owned: set[str] = set()  # keys the customer said as "my X"
        specific = 0
        findings = []
        for turn in ctx.turns:
            text = turn.text
            tokens = ctx.tokens[turn.index]
            if turn.role == Role.CUSTOMER:
                for i, (key, weight) in enumerate(keys[turn.index]):
                    if not weight:
                        continue
                    specific += weight == SPECIFIC
                    origin.setdefault(key, (turn.index, weight))
                    if i and tokens[i - 1].text.lower() == "my":
                        owned.add(key)
                continue
            matched: dict[str, tuple[int, int]] = {}  # key → (weight, customer turn)
            hits: list[Token] = []
            for i, (key, weight) in enumerate(keys[turn.index]):
                if not weight:
                    continue
                source = origin.setdefault(key, None)
                if source is None or turn.role != Role.AGENT:
                    continue
                given, weight = source  # as specific as it was when the customer said it
                if key in owned and i and tokens[i - 1].text.lower() == "your":
                    weight = SPECIFIC
                if weight > matched.get(key, (0, 0))[0]:
                    matched[key] = (weight, given)
                hits.append(tokens[i])
            if sum(w for w, _ in matched.values()) < needed:
                continue
            spans = _joined(text, hits, turn.index)
            words = [text[s.start : s.end] for s in spans]
            findings.append(
                ctx.finding(
                    self.name,
                    "uses_details",
                    "attentiveness",
                    Polarity.POSITIVE,
                    spans,
                    confidence=0.7,
                    explanation="re-uses details the customer gave: " + "; ".join(words[:6]),
                    details=words,
                    customer_turns=sorted({t for _, t in matched.values()}),
                )
            )
        ctx.annotations["customer_details"] = specific
        return findings


def _joined(text: str, tokens: list[Token], turn: int) -> list[Span]:
    """Spans over the tokens, neighbours joined when only spaces or punctuation part them."""
    spans: list[Span] = []
    for token in tokens:
        if spans and _JOIN.fullmatch(text, spans[-1].end, token.start):
            spans[-1] = Span(turn=turn, start=spans[-1].start, end=token.end)
        else:
            spans.append(Span(turn=turn, start=token.start, end=token.end))
    return spans


# --- repeat-ask ---------------------------------------------------------------------------

_ID = re.compile(r"(?<![\w$£€.])(?=[A-Za-z-]*\d)(?=(?:[^\d\s]*\d){4})[A-Za-z0-9][A-Za-z0-9-]{4,}\b")
"""An order, account or ticket number: five or more characters, four or more digits."""
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\[EMAIL\]")
_PHONE = re.compile(r"\+?\(?\d[\d ().-]{8,}\d|\[PHONE\]")
_CARD = re.compile(r"\b(?:\d{4}[ -]?){3}\d{1,4}\b|\[CARD\]|ending (?:in )?\d{4}")
_STREET = re.compile(
    r"\b\d+[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:St|Street|Ave|Avenue|Rd|Road|Ln|Lane|Ct|Court|Dr|Drive|Blvd|Boulevard|Way|Pl|Place|"
    r"Close|Crescent|Terrace|Square|Sq)\b|\[ADDRESS\]"
)
_POSTCODE = re.compile(r"\b\d{5}(?:-\d{4})?\b|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b|\[POSTCODE\]")
_DATE = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Z][a-z]+\s+\d{4}"
    r"|\b[A-Z][a-z]+\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b|\[DATE\]",
)
_FULL = re.compile(r"\b(?:full|last|sur) ?name\b", re.IGNORECASE)
_INTRO = re.compile(r"^.*?\b(?:my name is|my name's|this is|i'm|i am|name is)\s+", re.I)
_TWO_NAMES = re.compile(r"[A-Z][a-z'’-]+\s+[A-Z][a-z'’-]+|\[NAME\]|\[PERSON\]")
_WHO = ("name", "email", "phone", "date_of_birth", "address", "postcode")
"""Items that say who the customer is, not which booking they mean."""
_NAME = re.compile(
    r"\b(?:[Mm]y name is|[Mm]y name's|[Tt]his is|[Ii]'m|[Ii] am|"
    r"(?<!maiden )(?<!pet's )(?<!dog's )(?<!cat's )(?<!son's )(?<!daughter's )[Nn]ame is)\s+"
    r"[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+)?|\[NAME\]|\[PERSON\]"
)
_SIGN_OFF = re.compile(r"\n\s*([A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){0,2})\s*$")
_CONFIRM = re.compile(
    r"\b(?:confirm|verify|still|correct|ending in|on file|same|new|different|another|other|"
    r"alternative|updated|best)\b|@|\d{3}",
    re.IGNORECASE,
)
_MASKED = {
    "card": re.compile(r"\b(?:card|visa|mastercard|amex)\b", re.IGNORECASE),
    "email": re.compile(r"\be-?mail\b", re.IGNORECASE),
    "phone": re.compile(r"\b(?:phone|mobile|cell|call|text)\b", re.IGNORECASE),
}
"""Words that say what a masked placeholder ([XXXXXXXX]) stood for."""
_AUX_START = re.compile(
    r"^(?:and |so |ok(?:ay)?,? )?(?:is|are|was|were|do|does|did|has|have|will|would|should)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Item:
    """A piece of information an agent may ask for, and how to see that the customer gave it."""

    label: str
    asked: re.Pattern[str]
    value: re.Pattern[str] | None
    cue: re.Pattern[str] | None = None
    """When set, a value only counts in a turn that also names the item (an ID for 'order')."""


_I = re.IGNORECASE
ITEMS: dict[str, Item] = {
    "email": Item("email address", re.compile(r"\be-?mail(?: address)?\b", _I), _EMAIL),
    "phone": Item(
        "phone number",
        re.compile(r"\b(?:phone|mobile|cell|telephone|contact|callback) (?:number|no)\b", _I),
        _PHONE,
    ),
    "card": Item(
        "card number",
        re.compile(r"\b(?:card number|long number on the card|last (?:four|4) digits)\b", _I),
        _CARD,
    ),
    "order": Item(
        "order number",
        re.compile(r"\border (?:number|no|id|reference|ref)\b", _I),
        _ID,
        re.compile(r"\border", _I),
    ),
    "account": Item(
        "account number",
        re.compile(r"\baccount (?:number|no|id)\b", _I),
        _ID,
        re.compile(r"\baccount", _I),
    ),
    "reference": Item(
        "reference number",
        re.compile(
            r"\b(?:ticket|case|reference|booking|confirmation|tracking) (?:number|no|id|code)\b",
            _I,
        ),
        _ID,
        re.compile(r"\b(?:ticket|case|reference|booking|confirmation|tracking)\b", _I),
    ),
    "date_of_birth": Item(
        "date of birth",
        re.compile(r"\b(?:date of birth|birth ?date|dob)\b", _I),
        _DATE,
        re.compile(r"\b(?:born|birth|dob)\b", _I),
    ),
    "postcode": Item(
        "postcode", re.compile(r"\b(?:post ?code|zip(?: code)?|postal code)\b", _I), _POSTCODE
    ),
    "address": Item(
        "address",
        re.compile(
            r"(?<!e-mail )(?<!email )\b(?:(?:home|delivery|shipping|postal|street|billing) )?"
            r"address\b",
            _I,
        ),
        _STREET,
    ),
    "name": Item(
        "name",
        re.compile(
            r"\b(?:your|the account holder's) (?:full |first |last |sur)?name\b"
            r"|\b(?:full|first|last|sur) ?name\b",
            _I,
        ),
        _NAME,
    ),
}


_ANY_ITEM = Lexicon("|".join(f"(?:{i.asked.pattern})" for i in ITEMS.values()), bounded=False)
"""A cheap first check: does the sentence name anything an agent might ask for?"""
_MAY_GIVE = re.compile(r"[\d@\[]|name|this is|\bi'm|\bi am|\n", _I)
"""A cheap first check: can the customer turn give an item at all (without a prior ask)?"""


_SHORT_ANSWER = 5
"""Words at most in a reply that counts as the answer to the agent's ask ("Margaret Collins.")."""


@dataclass(frozen=True)
class Given:
    """Where the customer gave an item: the turn and the words."""

    turn: int
    start: int
    end: int


@register
class RepeatAsk(Detector):
    """The agent asks for information (order number, email, name…) the customer already gave;
    a confirmation ("is that still…", "ending in 4471?") is not a repeat-ask."""

    name: ClassVar[str] = "heard.repeat_ask.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("repeat_ask",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.CUSTOMER_TURNS, Requirement.WORDS}
    )

    def detect(self, ctx: Context) -> Iterable[Finding]:
        given: dict[str, Given] = {}
        last_asked: list[str] = []
        findings = []
        for turn in ctx.turns:
            if turn.role == Role.CUSTOMER:
                if other := lexicon("another_one").search(turn.text):
                    # "Can you check on another ride ID": the old booking's details no longer
                    # do (who the customer is still does, unless it is about another person)
                    keep = () if re.search(r"person|friend", other.group(0), re.I) else _WHO
                    given = {item: g for item, g in given.items() if item in keep}
                _note_given(turn.index, turn.text, last_asked, given)
                last_asked = []
                continue
            if turn.role != Role.AGENT:
                continue
            last_asked = []
            for sentence in ctx.sentences[turn.index]:
                for item, span in asks(sentence):
                    last_asked.append(item)
                    if item not in given:
                        continue
                    source = given[item]
                    value = ctx.turns[source.turn].text[source.start : source.end]
                    if (
                        item == "name"
                        and _FULL.search(sentence.text)
                        and not _TWO_NAMES.search(_INTRO.sub("", value))
                    ):
                        continue  # "I'm John" gave no full name: asking for it is no repeat
                    findings.append(
                        ctx.finding(
                            self.name,
                            "repeat_ask",
                            "attentiveness",
                            Polarity.NEGATIVE,
                            [span, Span(turn=source.turn, start=source.start, end=source.end)],
                            confidence=0.75,
                            explanation=f"asks for the {ITEMS[item].label} the customer already "
                            f"gave in turn {source.turn}",
                            suggestion=f"You already have it (turn {source.turn}: “{value}”): "
                            "use it, or confirm it, instead of asking again.",
                            item=item,
                            customer_turn=source.turn,
                            value=value,
                        )
                    )
        return findings


def asks(sentence: Sentence) -> list[tuple[str, Span]]:
    """The items an agent sentence asks for, each with the span of the ask."""
    text = sentence.text
    if not _ANY_ITEM.search(text) or _CONFIRM.search(text):
        return []
    ask = lexicon("asks").search(text)
    if ask is None and not (text.endswith("?") and not _AUX_START.match(text)):
        return []
    found = []
    taken: list[tuple[int, int]] = []
    for item, spec in ITEMS.items():
        match = spec.asked.search(text)
        if match is None or any(s < match.end() and match.start() < e for s, e in taken):
            continue
        if item == "name" and lexicon("someone_elses_name").search(text):
            continue  # "the name of the host": not the customer's own
        taken.append(match.span())
        start = min(ask.start(), match.start()) if ask else match.start()
        end = max(ask.end(), match.end()) if ask else match.end()
        found.append(
            (item, Span(turn=sentence.turn, start=sentence.start + start, end=sentence.start + end))
        )
    return found


_WORDY_ITEMS = frozenset({"name", "address", "email"})
"""Items a customer gives in words; the others are numbers and dates."""


def _names_other(item: str, answer: str) -> bool:
    """Whether a short answer to the ask for `item` names another detail instead: a security
    detail ("My mother's name is Miller" when the date of birth was asked for: judged a wrong
    repeat-ask, sample n) or another item."""
    return bool(lexicon("security_detail").search(answer)) or any(
        spec.asked.search(answer) for other, spec in ITEMS.items() if other != item
    )


def _without_others_names(text: str) -> str:
    """`text` with each clause that gives another person's name blanked (same length): "Yes
    his name is John" gives the host's, not the customer's (judged a wrong repeat-ask, sample
    s); "…, and my name is Sarah Brown" still gives theirs."""
    for start, stop in clauses(text, lexicon("someone_elses_name")):
        text = text[:start] + " " * (stop - start) + text[stop:]
    return text


def _note_given(turn: int, text: str, last_asked: list[str], given: dict[str, Given]) -> None:
    """Record the items a customer turn gives (first mention wins)."""
    if not last_asked and not _MAY_GIVE.search(text):
        return
    stripped = text.strip()
    answer = bool(stripped) and not stripped.endswith("?")
    for item, spec in ITEMS.items():
        if item in given:
            continue
        seen = _without_others_names(text) if item == "name" else text
        match = spec.value.search(seen) if spec.value else None
        if match and (spec.cue is None or spec.cue.search(text) or item in last_asked):
            given[item] = Given(turn, match.start(), match.end())
        elif (
            item in last_asked
            and answer
            and len(stripped.split()) <= _SHORT_ANSWER
            and not lexicon("cannot_give").search(stripped)
            and not _names_other(item, stripped)
            # "Are we both users" asks back, with or without its question mark (sample o)
            and not lexicon("question_opener").match(stripped)
            # a number's item needs a digit: "I was born long ago" gives no date (sample p)
            and (
                item in _WORDY_ITEMS
                or any(c.isdigit() for c in stripped)
                or bool(lexicon("digit_word").search(stripped))
            )
        ):
            offset = len(text) - len(text.lstrip())
            given[item] = Given(turn, offset, offset + len(stripped))
    if "name" not in given:
        sign_off = _SIGN_OFF.search(text)
        if sign_off and text.count("\n") >= 2:
            given["name"] = Given(turn, sign_off.start(1), sign_off.end(1))
    for match in PLACEHOLDER.finditer(text):
        if match.group(0).strip("[]X"):
            continue  # a typed placeholder ([EMAIL]) is found by its item's own pattern
        for item, cue in _MASKED.items():  # a masked one counts for the item the turn names
            if item not in given and cue.search(text):
                given[item] = Given(turn, match.start(), match.end())
