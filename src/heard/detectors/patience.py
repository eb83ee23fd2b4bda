"""Patience with the customer: rushing them along (closing while a question or an upset is
still open, "let's move on", a curt answer to a long upset turn) and holds (announced, how
long in timed conversations, long ones without a call-back offer)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.language.lexicon import lexicon
from heard.model import Finding, Polarity, Role, Span, Turn

UPSET = {"anger", "frustration", "worry"}
FEELING = ("empathy", "reflection_of_feeling", "apology", "reassurance")
ANSWER_WORDS = 12
"""A reply that closes with fewer words than this besides the closing did not answer."""
_REQUEST = re.compile(r"\b(?:(?:can|could|would|will) you|(?:can|could|may) i)\b", re.IGNORECASE)
"""A customer question that asks for something to be done; "done" answers it."""
MARKER_REACH = 3
"""A system hold marker this many turns after an announcement belongs to it."""


@register
class Rushing(Detector):
    name: ClassVar[str] = "heard.rushing.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("rushing",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.CUSTOMER_TURNS}
    )
    needs: ClassVar[tuple[str, ...]] = ("customer_emotion",)
    assigns: ClassVar[tuple[str, ...]] = ("customer_done",)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        ctx.annotations["customer_done"] = customer_done(ctx)
        emotions = ctx.annotations["customer_emotion"]
        thresholds = ctx.rubric.thresholds
        feeling = [lexicon(n) for n in FEELING]
        findings = []
        upset_open = False  # an upset or complaint the agent has not acknowledged yet
        for customer_turns, reply in ctx.replies():
            upset = [t for t in customer_turns if emotions.get(t.index, {}).get("label") in UPSET]
            if upset or (
                not upset_open
                and any(
                    lexicon(cue).search(t.text)
                    for t in customer_turns
                    for cue in ("not_heard", "escalation", "impatience")
                )
            ):
                upset_open = True
            if upset_open and any(p.search(reply.text) for p in feeling):
                upset_open = False
            why, span = None, None
            push = lexicon("rushing").search(reply.text)
            closing = _closing(ctx, reply)
            if push:
                why, span = "pushes the customer along", (push.start(), push.end())
            elif closing and customer_turns and not _says_done(customer_turns):
                # (the customer closed first: answering their goodbye is not rushing them)
                rest = reply.text[: closing.start()] + reply.text[closing.end() :]
                asked = any(
                    s.text.endswith("?") and not _REQUEST.search(s.text)
                    for t in customer_turns
                    for s in ctx.sentences[t.index]
                )
                if asked and len(rest.split()) < ANSWER_WORDS:
                    why = "moves to close while the customer's question is still open"
                elif upset_open:
                    why = "moves to close before acknowledging the customer's complaint"
                span = (closing.start(), closing.end())
                if why is not None:
                    upset_open = False  # flagged once; a new complaint opens it again
            elif upset and not _overlaps(reply, customer_turns):
                said = sum(len(t.text.split()) for t in customer_turns)
                answer = sum(len(t.text.split()) for t in _agent_run(ctx, reply))
                if (
                    said >= thresholds.rushing_upset_words
                    and answer <= thresholds.rushing_reply_words
                ):
                    why = f"a {answer}-word answer to {said} upset words"
                    span = (0, len(reply.text))
            if why is not None and span is not None:
                findings.append(
                    ctx.finding(
                        self.name,
                        "rushing",
                        "empathy",
                        Polarity.NEGATIVE,
                        Span(turn=reply.index, start=span[0], end=span[1]),
                        confidence=0.6,
                        explanation=why,
                    )
                )
        return findings


def _says_done(turns: list[Turn]) -> bool:
    return any(lexicon("customer_done").search(t.text) for t in turns)


def customer_done(ctx: Context) -> int | None:
    """The customer turn, in the last exchange, where they said their need was met or that
    they had nothing more ("that's all, thanks", "nope, all good", "bye"); None when they
    did not (a resolution check is then still called for)."""
    customers = [t for t in ctx.turns if t.role == Role.CUSTOMER]
    last_agent = max((t.index for t in ctx.turns if t.role == Role.AGENT), default=-1)
    # the customer's closing words come in their last turns, after or just before the agent's last
    tail = [t for t in customers[-2:] if t.index >= last_agent - 2]
    return next((t.index for t in reversed(tail) if _says_done([t])), None)


def _closing(ctx: Context, reply: Turn) -> re.Match[str] | None:
    """A closing phrase in the last two sentences of the reply (not a greeting up front)."""
    sentences = ctx.sentences[reply.index]
    if not sentences:
        return None
    tail = sentences[-2].start if len(sentences) > 1 else sentences[-1].start
    return lexicon("closing").search(reply.text, tail)


def _overlaps(reply: Turn, customer_turns: list[Turn]) -> bool:
    """A timed reply that starts while the customer is still speaking (a backchannel)."""
    last = customer_turns[-1] if customer_turns else None
    return bool(
        last is not None
        and reply.start is not None
        and last.end is not None
        and reply.start < last.end
    )


def _agent_run(ctx: Context, reply: Turn) -> list[Turn]:
    """The reply and the agent turns that directly follow it (one answer in several messages)."""
    run = [reply]
    for turn in ctx.turns[reply.index + 1 :]:
        if turn.role != Role.AGENT:
            break
        run.append(turn)
    return run


@register
class Holds(Detector):
    name: ClassVar[str] = "heard.hold.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("hold", "long_hold")
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.AGENT_TURNS})

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings = []
        lengths: list[float] = []
        turns = ctx.turns
        claimed: set[int] = set()  # markers already tied to an announcement
        for turn in turns:
            if turn.index in claimed:
                continue
            if turn.role == Role.AGENT:
                cue = lexicon("hold").search(turn.text)
                if cue is None:
                    continue
                marker = next(
                    (
                        t
                        for t in turns[turn.index + 1 : turn.index + 1 + MARKER_REACH]
                        if t.role == Role.SYSTEM and lexicon("hold_marker").search(t.text)
                    ),
                    None,
                )
            elif turn.role == Role.SYSTEM and lexicon("hold_marker").search(turn.text):
                cue, marker = None, turn
            else:
                continue
            if marker is not None:
                claimed.add(marker.index)
                anchor = marker
                span = Span(turn=marker.index, start=0, end=len(marker.text))
                seconds = marker.duration
            else:
                anchor = turn
                assert cue is not None
                span = Span(turn=turn.index, start=cue.start(), end=cue.end())
                seconds = _wait_after(ctx, turn)
            if seconds is not None:
                lengths.append(seconds)
            offered = any(
                t.role == Role.AGENT and lexicon("callback").search(t.text)
                for t in turns[: anchor.index + 1]
            )
            findings.append(
                ctx.finding(
                    self.name,
                    "hold",
                    "interruptions",
                    Polarity.NEUTRAL,
                    span,
                    explanation="puts the customer on hold"
                    + ("" if seconds is None else f" for {seconds:.0f} s"),
                    seconds=None if seconds is None else round(seconds, 1),
                    announced=cue is not None,
                    callback_offered=offered,
                )
            )
            if (
                seconds is not None
                and seconds >= ctx.rubric.thresholds.long_hold_seconds
                and not offered
            ):
                findings.append(
                    ctx.finding(
                        self.name,
                        "long_hold",
                        "interruptions",
                        Polarity.NEGATIVE,
                        span,
                        confidence=0.9,
                        explanation=f"a {seconds:.0f} s hold with no call-back offered",
                        seconds=round(seconds, 1),
                    )
                )
        metrics = ctx.annotations.setdefault("metrics", {})
        metrics["holds"] = len([f for f in findings if f.behaviour == "hold"])
        if lengths:
            metrics["hold_seconds"] = round(sum(lengths), 1)
            metrics["longest_hold_seconds"] = round(max(lengths), 1)
        return findings


def _wait_after(ctx: Context, announcement: Turn) -> float | None:
    """How long the customer waited for the agent to come back after an announced hold.

    Timed turns: the silence between the end of the announcement (or the customer's "sure")
    and the agent's next turn. Chat messages: the time between the two agent messages.
    """
    waited_from = announcement
    for turn in ctx.turns[announcement.index + 1 :]:
        if turn.role != Role.AGENT:
            waited_from = turn if turn.timed else waited_from
            continue
        if turn.start is not None and waited_from.end is not None:
            return max(0.0, turn.start - waited_from.end)
        if turn.sent_at is not None and announcement.sent_at is not None:
            return max(0.0, (turn.sent_at - announcement.sent_at).total_seconds())
        return None
    return None
