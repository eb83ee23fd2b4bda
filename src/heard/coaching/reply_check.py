"""The reply checker: an agent's draft chat or email reply read as if it were sent, so the
agent hears what it misses before the customer does.

The draft is appended to the conversation as an agent turn and the batch detectors run over
the whole (no second implementation of any behaviour); what they find in the draft, and what
the concern tracker still holds open after it, becomes a list of issues, each with a concrete
suggestion built from the customer's own words. Nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, computed_field

from heard.analysis import Analyzer
from heard.analysis.context import Context
from heard.analysis.moments import answers_risk
from heard.analysis.scoring import render_tip
from heard.detectors._details import SPECIFIC, keyed
from heard.detectors._words import content_words
from heard.errors import InputError, Location
from heard.language.examples import EASE, SAFETY_ADVICE, join_words
from heard.language.lexicon import lexicon
from heard.language.phrasing import quoted, say_back
from heard.live.nudges import plain_words
from heard.model import (
    ACKNOWLEDGE_FIRST,
    Concern,
    Conversation,
    Finding,
    Polarity,
    Role,
    Scorecard,
    Span,
    Turn,
    calls_for_care,
    read_by_model,
)

UPSET_CUES = ("not_heard_cue", "escalation_cue")
"""Customer cues that call for an acknowledgement before anything else, as the emotions of
`ACKNOWLEDGE_FIRST` do: they had to repeat themselves, or they are escalating."""
FEELING = ("empathy", "reflection_of_feeling", "apology", "reassurance")
"""Agent behaviours that acknowledge how the customer feels (as heard.premature_solution.v1
counts them)."""
PERSONAL = ("personalised_reply", "uses_details", "uses_name")
"""Agent behaviours that show a reply was written for this customer."""
LONG_REPLY_WORDS = 40
"""A draft this long that uses nothing of the customer's is template-like even without canned
phrases."""
ORDER = (
    "vulnerable_customer",
    "dismissive",
    "blame",
    "unaddressed_concern",
    "missing_acknowledgement",
    "condescending",
    "repeat_ask",
    "ignores_last_turn",
    "premature_solution",
    "rushing",
    "jargon",
    "template",
    "no_next_step",
    "hard_to_read",
)
"""Issue kinds by importance: what hurts the customer most first; other kinds follow."""
HANDLED = frozenset({"jargon", "template_reply", "unaddressed_concern"})
"""Negative behaviours reported as issues of their own kind, not as themselves."""
_FEELING_WORDS = {
    "anger": "I understand why you're upset",
    "frustration": "I can see how frustrating that is",
    "worry": "I can see why that's worrying",
    "sadness": EASE,
    "not_heard_cue": "you shouldn't have had to tell us twice",
    "escalation_cue": "I understand you want this sorted now",
}


class DraftSpan(BaseModel):
    """Character offsets [start, end) in the draft."""

    model_config = ConfigDict(extra="forbid")

    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]


class ReplyIssue(BaseModel):
    """One thing to fix in a draft, with how to fix it."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        description="unaddressed_concern, missing_acknowledgement, jargon, template, "
        "no_next_step, or a negative rubric behaviour found in the draft (dismissive, blame, "
        "condescending, hard_to_read, repeat_ask, …)"
    )
    message: str
    suggestion: str
    concern: str | None = Field(
        default=None, description="the customer's words, when the issue is about a concern"
    )
    span: DraftSpan | None = Field(default=None, description="where in the draft, when it is")


class ReplyCheck(BaseModel):
    """The issues of a draft, most important first."""

    model_config = ConfigDict(extra="forbid")

    issues: list[ReplyIssue] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        """True when the draft has no issue."""
        return not self.issues


def pick_conversation(
    conversations: list[Conversation], conversation_id: str | None, *, where: Location
) -> Conversation:
    """The one conversation of a file to check a draft against: the only one, or the one
    `conversation_id` names (errors name the ids there are)."""
    if not conversations:
        raise InputError(
            "holds no conversation", where=where, expected="one conversation", code="empty"
        )
    if conversation_id is not None:
        found = [c for c in conversations if conversation_id in (c.id, c.external_id)]
        if found:
            return found[0]
        problem = f"no conversation with id {conversation_id!r}"
    elif len(conversations) == 1:
        return conversations[0]
    else:
        problem = f"holds {len(conversations)} conversations"
    ids = ", ".join(c.id for c in conversations[:20]) + (", …" if len(conversations) > 20 else "")
    raise InputError(
        problem, where=where, expected=f"the id of one of them: {ids}", code="invalid_value"
    )


def with_draft(conversation: Conversation, draft: str) -> Conversation:
    """The conversation with the draft appended as the agent's next turn."""
    if not draft.strip():
        raise InputError(
            "the draft is empty",
            where=Location(path="$.draft"),
            expected="the text of the agent's reply",
            code="empty",
        )
    turns = list(conversation.turns)
    sent: datetime | None = None
    if turns and all(t.sent_at is not None for t in turns):
        sent = max(t.sent_at for t in turns if t.sent_at is not None)
    turns.append(Turn(index=len(turns), role=Role.AGENT, text=draft, sent_at=sent))
    return conversation.model_copy(update={"turns": turns})


def check_reply(conversation: Conversation, draft: str, *, analyzer: Analyzer) -> ReplyCheck:
    """The issues of `draft` as the agent's next reply in `conversation`."""
    whole = with_draft(conversation, draft)
    card = analyzer.analyze(whole).scorecard
    ctx = analyzer.context(whole)
    reply = len(whole.turns) - 1
    mine = [f for f in card.findings if any(s.turn == reply for s in f.spans)]
    issues = [*_jargon(ctx, mine, reply), *_template(ctx, mine, reply)]
    if not _signed_off(ctx, reply):
        # a customer who has said goodbye or "that's all" is not asked to be acknowledged,
        # promised a next step or reminded of a concern the tracker thinks is still open
        issues += [
            *_unaddressed(ctx, card.concerns, reply),
            *_acknowledgement(ctx, card, reply),
            *_next_step(ctx, card, mine, reply),
        ]
    issues += _negative(ctx, analyzer, mine, reply)
    at_risk = list(_vulnerable(ctx, card, reply))
    if at_risk:  # personalising a reply is not the point with a customer at risk
        issues = [*at_risk, *(i for i in issues if i.kind != "template")]
    if any(i.kind == "missing_acknowledgement" for i in issues):
        issues = [i for i in issues if i.kind != "premature_solution"]
    rank = {kind: n for n, kind in enumerate(ORDER)}
    issues.sort(key=lambda i: rank.get(i.kind, len(ORDER)))
    return ReplyCheck(issues=issues)


def _span(finding: Finding, reply: int) -> DraftSpan:
    span = next(s for s in finding.spans if s.turn == reply)
    return DraftSpan(start=span.start, end=span.end)


def _asks(ctx: Context, reply: int) -> list[str]:
    """The draft's questions to the customer (not a stock "anything else?"), and its requests
    for information ("Please provide the name of the lock manufacturer.")."""
    return [
        s.text
        for s in ctx.sentences[reply]
        if (s.text.endswith("?") or lexicon("asks").search(s.text))
        and not lexicon("anything_else").search(s.text)
    ]


def _answering(ctx: Context, reply: int) -> list[int]:
    """The customer turns the draft answers: those since the agent's previous reply (when
    the draft follows the agent's own message, those before that run of agent messages)."""
    turns: list[int] = []
    for turn in reversed(ctx.turns[:reply]):
        if turn.role == Role.AGENT:
            if turns:
                break
            continue
        if turn.role == Role.CUSTOMER:
            turns.append(turn.index)
    return turns[::-1]


def _signed_off(ctx: Context, reply: int) -> bool:
    """Whether the customer's last message before the draft says goodbye or that they have
    everything ("Thank you.", "Ok. Goodbye.", "No, thanks that's it")."""
    answering = _answering(ctx, reply)
    return bool(answering) and bool(lexicon("customer_done").search(ctx.turns[answering[-1]].text))


def _closes(ctx: Context, reply: int) -> bool:
    """Whether the draft closes the conversation ("anything else?", "goodbye")."""
    text = ctx.turns[reply].text
    return bool(lexicon("anything_else").search(text) or lexicon("closing").search(text))


def _unaddressed(ctx: Context, concerns: list[Concern], reply: int) -> Iterator[ReplyIssue]:
    """Concerns the draft leaves open: those raised in the messages it answers, unless it asks
    the customer something (taking a request starts with questions: "May I have your name?")
    — a question they asked still wants its answer — and, when the draft closes the
    conversation, any the customer had to raise again. A concern from before the agent's
    previous reply was that reply's to answer (whether a later reply answered it in other
    words the tracker cannot always tell: "I need a ride" long since booked)."""
    answering = set(_answering(ctx, reply))
    asks = _asks(ctx, reply)
    questions = [content_words(q) for q in asks]
    closes = _closes(ctx, reply)
    for concern in concerns:
        if concern.addressed is not None:
            continue
        if not (
            concern.span.turn in answering
            or set(concern.raised_again) & answering
            or (closes and concern.raised_again)
        ):
            continue
        if asks and concern.kind != "question":
            continue  # the draft is working on the request: it asks what it needs for it
        words = content_words(concern.quote)
        if any(words & asked for asked in questions):
            continue  # the draft is working on it: it asks the customer about it
        if concern.kind == "question":
            message = f"They asked “{concern.quote}” — this reply doesn't answer it."
            suggestion = "Answer that question directly — or, if you can't yet, say when you will."
        else:
            message = f"They wrote “{concern.quote}” — this reply doesn't address it."
            words = say_back([concern.quote])
            example = quoted(
                f"You told me {words} — here's what I'll do about that"
                if words
                else "Here's what I'll do about that"
            )
            suggestion = f"Say what you'll do about it: {example} Or, if you can't yet, say when."
        yield ReplyIssue(
            kind="unaddressed_concern",
            message=message,
            suggestion=suggestion,
            concern=concern.quote,
        )


def _acknowledgement(ctx: Context, card: Scorecard, reply: int) -> Iterator[ReplyIssue]:
    """An upset customer whom no reply since has acknowledged."""
    upset: dict[int, tuple[str, str]] = {}  # turn → (what, the customer's words showing it)
    for finding in card.findings:
        span = finding.spans[0]
        if (
            finding.behaviour == "customer_emotion"
            and finding.data.get("emotion") in ACKNOWLEDGE_FIRST
            and calls_for_care(str(finding.data["emotion"]), finding.data.get("source"))
        ):
            upset.setdefault(span.turn, (str(finding.data["emotion"]), _sentence(ctx, span)))
        elif finding.behaviour in UPSET_CUES:
            upset.setdefault(span.turn, (finding.behaviour, _sentence(ctx, span)))
    # an upset older than the message before the agent's previous reply has had its reply
    answering = _answering(ctx, reply)
    upset = {t: u for t, u in upset.items() if answering and t >= answering[0] - 2}
    if not upset:
        return
    last = max(upset)
    if any(f.behaviour in FEELING and f.spans[0].turn > last for f in card.findings):
        return
    what, cue = upset[last]
    sounds = {
        "anger": "sounds angry",
        "frustration": "sounds frustrated",
        "worry": "sounds worried",
        "sadness": "sounds sad",
        "not_heard_cue": "feels unheard",
        "escalation_cue": "is escalating",
    }[what]
    since = (
        "this reply doesn't acknowledge it"
        if last == reply - 1
        else ("nothing since has acknowledged it")
    )
    words = say_back([ctx.turns[last].text])
    sorry = f"I'm sorry — {words}" if words else "I'm sorry"
    yield ReplyIssue(
        kind="missing_acknowledgement",
        message=f"The customer {sounds} (“{cue}”) and {since}.",
        suggestion=f"Acknowledge it before solving: {quoted(sorry, _FEELING_WORDS[what])}",
    )


def _vulnerable(ctx: Context, card: Scorecard, reply: int) -> Iterator[ReplyIssue]:
    """A customer who may be at risk ("easy to jump out of", "I don't want to live any more")
    in the turns this draft answers, and a draft that goes on with the task without asking
    whether they are safe or pointing them to help (`answers_risk`)."""
    answering = set(_answering(ctx, reply))
    cues = [
        f
        for f in card.findings
        if f.behaviour == "vulnerability_cue" and f.spans[0].turn in answering
    ]
    if not cues:
        return
    if answers_risk(ctx.turns[reply].text):
        return
    span = cues[-1].spans[0]
    yield ReplyIssue(
        kind="vulnerable_customer",
        message=f"The customer may be at risk (“{_sentence(ctx, span)}”) and this reply goes on "
        "with the task.",
        suggestion=SAFETY_ADVICE,
    )


def _sentence(ctx: Context, span: Span, limit: int = 120) -> str:
    """The customer's sentence holding a cue."""
    found = ctx.sentence_at(span.turn, span.start)
    text = found.text if found else ctx.turns[span.turn].text[span.start : span.end].strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jargon(ctx: Context, mine: list[Finding], reply: int) -> Iterator[ReplyIssue]:
    """Each jargon term of the draft once, with the plain words when the glossary has them."""
    seen: set[str] = set()
    text = ctx.turns[reply].text
    for finding in mine:
        if finding.behaviour != "jargon":
            continue
        for span in finding.spans:
            term = text[span.start : span.end]
            if span.turn != reply or term.lower() in seen:
                continue
            seen.add(term.lower())
            plain = plain_words().get(term.lower())
            yield ReplyIssue(
                kind="jargon",
                message=f"“{term}” is jargon the customer never used.",
                suggestion=f"Say “{plain}” instead."
                if plain
                else f"Explain “{term}” in everyday words, or leave it out.",
                span=DraftSpan(start=span.start, end=span.end),
            )


def _template(ctx: Context, mine: list[Finding], reply: int) -> Iterator[ReplyIssue]:
    """Canned text, or a long draft with nothing of this customer's in it."""
    canned = next((f for f in mine if f.behaviour == "template_reply"), None)
    personal = any(f.behaviour in PERSONAL for f in mine)
    words = len(ctx.words[reply])
    if canned is None and (personal or words < LONG_REPLY_WORDS):
        return
    details = _details(ctx, reply)
    if canned is None and not details:
        return  # the customer gave nothing specific to mention
    mention = _mention(ctx, details, reply)
    if canned is not None:
        span = _span(canned, reply)
        quote = ctx.turns[reply].text[span.start : span.end]
        message = f"“{quote}” reads like a template."
    else:
        span = None
        message = f"This {words}-word reply uses none of the customer's details."
    yield ReplyIssue(
        kind="template",
        message=message,
        suggestion=f"Personalise: mention {mention}." if mention else "Personalise it.",
        span=span,
    )


def _details(ctx: Context, reply: int) -> list[str]:
    """The customer's specifics (numbers, dates, names of things, then other content words),
    most recent message first, that the draft does not use."""
    keys = keyed(ctx)
    used = {key for key, _ in keys[reply]}
    found: dict[str, tuple[int, int, str]] = {}
    customer = [t for t in ctx.turns[:reply] if t.role == Role.CUSTOMER]
    for age, turn in enumerate(reversed(customer)):
        for (key, weight), token in zip(keys[turn.index], ctx.tokens[turn.index], strict=True):
            if weight and key not in used and key not in found:
                found[key] = (-weight, age, token.text)
    ranked = sorted(found.values(), key=lambda v: (v[0], v[1]))
    return [text for weight, _, text in ranked if -weight >= SPECIFIC] or [
        text for _, _, text in ranked
    ]


def _mention(ctx: Context, details: list[str], reply: int) -> str:
    shown = [f"“{d}”" for d in details[:3]]
    customer = ctx.conversation.customer
    if customer and customer.name:
        first = customer.name.split()[0]
        if first.lower() not in ctx.turns[reply].text.lower():
            shown.insert(0, f"their name ({first})")
    return join_words(shown)


def _next_step(
    ctx: Context, card: Scorecard, mine: list[Finding], reply: int
) -> Iterator[ReplyIssue]:
    """A draft that says nothing of what happens next to a customer who has just raised a
    problem or asked for something to be done, or who is upset; not when it asks the customer
    something (their answer is the next step) or the customer has just thanked the agent."""
    if any(f.behaviour == "next_step" for f in mine) or _asks(ctx, reply):
        return
    if lexicon("done_statement").search(ctx.turns[reply].text):
        return  # "Yes, that is confirmed for the two of you.": done is what happens
    emotions = {e.turn: e.label for e in card.emotions}
    customer = [t.index for t in ctx.turns[:reply] if t.role == Role.CUSTOMER]
    if customer and emotions.get(customer[-1]) == "satisfaction":
        return  # thanks: the conversation is closing
    answering = set(_answering(ctx, reply))
    modelled = read_by_model(card.findings)
    upset = any(
        emotions.get(t) in ACKNOWLEDGE_FIRST
        and calls_for_care(emotions[t], "model" if t in modelled else "lexicon")
        for t in answering
    )
    open_ = [
        c
        for c in card.concerns
        if c.kind != "question"
        and c.confirmed is None
        and c.span.turn in answering
        and not lexicon("ask_to_know").search(c.quote)
    ]
    if not upset and not open_:
        # a question answered needs no next step, nor does "I want to know the weather";
        # a problem or a request for something to be done does
        return
    about = next(
        (c for c in reversed(card.concerns) if c.addressed == reply and c.kind == "problem"),
        None,
    )
    words = say_back([about.quote]) if about else None
    example = quoted(
        *([f"You told me {words}"] if words else []),
        "I'll [the next step], and you'll hear from me by [when]",
    )
    yield ReplyIssue(
        kind="no_next_step",
        message="The reply doesn't say what happens next.",
        suggestion=f"Tell them what happens next and by when: {example}",
    )


def _negative(
    ctx: Context, analyzer: Analyzer, mine: list[Finding], reply: int
) -> Iterator[ReplyIssue]:
    """The draft's other negative findings (dismissive, blame, condescending, hard to read,
    asking again, …), each once."""
    seen: set[str] = set()
    for finding in mine:
        name = finding.behaviour
        if finding.polarity != Polarity.NEGATIVE or name in HANDLED or name in seen:
            continue
        seen.add(name)
        span = _span(finding, reply)
        behaviour = analyzer.rubric.behaviour(name)
        label = behaviour.label if behaviour else name.replace("_", " ")
        quote = ctx.turns[reply].text[span.start : span.end].strip()
        if len(quote) > 80:
            quote = quote[:79] + "…"
        tip = behaviour.tip if behaviour else None
        suggestion = finding.suggestion or (
            render_tip(tip, ctx, reply) if tip else "Rephrase this part."
        )
        yield ReplyIssue(
            kind=name,
            # a quoted sentence keeps its own end: “…for you?”, never “…for you?”.
            message=f"{label}: “{quote}”" + ("" if quote.endswith(("?", "!", ".", "…")) else "."),
            suggestion=suggestion,
            span=span,
        )
