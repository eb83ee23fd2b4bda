"""Patience with the customer: rushing them along (closing while a question or an upset is
still open, "let's move on", a curt answer to a long upset turn) and holds (announced, how
long in timed conversations, long ones without a call-back offer)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.moments import sure_enough
from heard.analysis.registry import register
from heard.language.examples import SYMPATHY, VALIDATION
from heard.language.lexicon import lexicon
from heard.language.phrasing import pointing_at
from heard.model import ACKNOWLEDGE_FIRST, Finding, Polarity, Role, Span, Turn, calls_for_care

WORRY = {"worry"}
"""Upsets that are no complaint: a nervous or scared customer wants a kind word, not a sorry."""
FEELING = ("empathy", "reflection_of_feeling", "apology", "reassurance")
ANSWER_WORDS = 4
"""A reply that closes with fewer words than this besides the closing ("We'll see. Anything
else?") did not answer, unless they start with yes or no; a short answer ("It will be raining,
8 degrees. Anything else?") did."""
_YES_NO = re.compile(r"^\W*(?:yes|yeah|yep|no|nope|sure|of course|unfortunately)\b", re.IGNORECASE)
_REQUEST = re.compile(r"\b(?:(?:can|could|would|will) you|(?:can|could|may) i)\b", re.IGNORECASE)
"""A customer question that asks for something to be done; "done" answers it."""
MARKER_REACH = 3
"""A system hold marker this many turns after an announcement belongs to it."""


REACTION_WORDS = 4
"""A customer message this short ("oh terrible!!") is a reaction: "that's a lot to have on your
mind" overstates it (judged unusable, sample n)."""


def _upset(emotion: dict[str, object]) -> bool:
    """A customer turn read as upset in a way that calls for care (`calls_for_care`); one only
    the emotion model read, when it is as sure as the tips ask (`MODEL_FEELING`): at 0.4 it
    read "Ok not bad, that's about what I was expecting to pay" and "I don't believe so" as
    frustration, and closing after them is no rush (sample 2026-12-07e)."""
    label = str(emotion.get("label", "neutral"))
    if not sure_enough(float(str(emotion.get("intensity", 0))), emotion.get("source")):
        return False
    return label in ACKNOWLEDGE_FIRST and calls_for_care(label, emotion.get("source"))


@register
class Rushing(Detector):
    name: ClassVar[str] = "heard.rushing.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("rushing",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.CUSTOMER_TURNS, Requirement.WORDS}
    )
    needs: ClassVar[tuple[str, ...]] = ("customer_emotion",)
    assigns: ClassVar[tuple[str, ...]] = ("customer_done",)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        ctx.annotations["customer_done"] = customer_done(ctx)
        emotions = ctx.annotations["customer_emotion"]
        thresholds = ctx.rubric.thresholds
        feeling = [lexicon(n) for n in FEELING]
        findings = []
        for customer_turns, reply in ctx.replies():
            upset = [t for t in customer_turns if _upset(emotions.get(t.index, {}))]
            # an upset or complaint in what this reply answers (an earlier one, left alone, is
            # the empathy tip's business: closing after the fix is delivered is not rushing)
            upset_now = bool(upset) or any(
                lexicon(cue).search(t.text)
                for t in customer_turns
                for cue in ("not_heard", "escalation", "impatience")
            )
            why, span, advice = None, None, None
            push = lexicon("rushing").search(reply.text)
            closing = _closing(ctx, reply)
            if push:
                why, span = "pushes the customer along", (push.start(), push.end())
            elif (
                closing
                and customer_turns
                and not _says_done(customer_turns)
                # a goodbye to the customer's thanks or praise ("No, no. Thank you! I'll leave
                # an excellent rating.") is a close they invited
                and not any(lexicon("thanks").search(t.text) for t in customer_turns)
            ):
                # (the customer closed first: answering their goodbye is not rushing them)
                rest = reply.text[: closing.start()] + reply.text[closing.end() :]
                asked = [
                    s.text
                    for t in customer_turns
                    for s in ctx.sentences[t.index]
                    if s.text.endswith("?")
                    and not _REQUEST.search(s.text)
                    and not lexicon("small_talk").search(s.text)
                ]
                if asked and not _answers(rest):
                    why = "moves to close while the customer's question is still open"
                    advice = pointing_at(
                        "Answer the customer's question before you close: “{words}”",
                        asked[-1],
                        alone="Answer the customer's question before you close.",
                    )
                elif upset_now and not any(p.search(reply.text) for p in feeling):
                    why, advice = _unacknowledged_close(
                        {emotions[t.index]["label"] for t in upset},
                        sum(len(t.text.split()) for t in customer_turns),
                    )
                # the whole sentence that closes: “goodbye” alone misquotes "Thank you and
                # goodbye." (judged ungrammatical, sample 2026-12-07e)
                closes = ctx.sentence_at(reply.index, closing.start())
                span = (closes.start, closes.end) if closes else (closing.start(), closing.end())
            elif upset and not _overlaps(reply, customer_turns) and not _says_done(customer_turns):
                # (a bare goodbye to "Ugh… Alright that's all for today" answers a customer
                # who closed the chat themselves: judged no rush, sample o)
                said = sum(len(t.text.split()) for t in customer_turns)
                answer = sum(len(t.text.split()) for t in _agent_run(ctx, reply))
                if (
                    said >= thresholds.rushing_upset_words
                    and answer <= thresholds.rushing_reply_words
                ):
                    why = f"a {answer}-word answer to {said} upset words"
                    span = (0, len(reply.text))
                    advice = (
                        "Answer a long, upset message with more than a few words: say what you "
                        "heard, then what you'll do."
                    )
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
                        suggestion=advice,
                    )
                )
        return findings


def _unacknowledged_close(felt: set[str], said: int) -> tuple[str, str]:
    """Why a close that left the customer's upset unacknowledged rushes them, and the advice
    that fits what they felt (`felt`, empty for a complaint cue alone) and how much they said."""
    if felt and said <= REACTION_WORDS:  # "oh terrible!!" at a snowy forecast
        return (
            "moves to close without a word for the customer's reaction",
            "Answer their reaction before you close: “Oh no — I'm sorry to hear that.” Then ask "
            "if anything is still open.",
        )
    if "sadness" in felt:  # lonely, bereaved: not a complaint either
        return (
            "moves to close without a word for the sadness the customer shared",
            f"Answer what they shared before you close: “{SYMPATHY}” Then ask if anything is "
            "still open.",
        )
    if felt and felt <= WORRY:  # nervous, scared, worried: not a complaint
        return (
            "moves to close without a word for the worry the customer shared",
            "Answer what they shared before you close: “I understand — that's a lot to have on "
            "your mind.” Then ask if anything is still open.",
        )
    return (
        "moves to close before acknowledging the customer's complaint",
        f"Acknowledge the complaint before you close: “{VALIDATION['frustration']}” Then ask if "
        "anything is still open.",
    )


def _answers(rest: str) -> bool:
    """Whether what a closing reply says besides the closing answers a question: a yes or no,
    or a few words that are not a shrug ("We'll see how the new one does")."""
    if lexicon("non_answer").search(rest):
        return False
    return len(rest.split()) >= ANSWER_WORDS or bool(_YES_NO.search(rest))


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
        if ctx.conversation.timed and not any(t.text.strip() for t in ctx.turns):
            return self._silences(ctx)  # a call read for timing only: no words to hear a hold
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

    def _silences(self, ctx: Context) -> list[Finding]:
        """Holds in a call read for timing only: silences of both parties at least
        `silent_hold_seconds` long (no announcement or call-back offer can be heard)."""
        findings = []
        lengths = []
        latest = 0.0
        for turn in ctx.turns:
            assert turn.start is not None and turn.end is not None
            silence = turn.start - latest
            if turn.index and silence >= ctx.rubric.thresholds.silent_hold_seconds:
                lengths.append(silence)
                findings.append(
                    ctx.finding(
                        self.name,
                        "hold",
                        "interruptions",
                        Polarity.NEUTRAL,
                        Span(turn=turn.index, start=0, end=len(turn.text)),
                        confidence=0.5,
                        explanation=f"{silence:.0f} s in which neither party spoke before this "
                        "turn: a hold, or dead air (read for timing only, no words to tell)",
                        seconds=round(silence, 1),
                        timing_only=True,
                    )
                )
            latest = max(latest, turn.end)
        metrics = ctx.annotations.setdefault("metrics", {})
        metrics["holds"] = len(findings)
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
