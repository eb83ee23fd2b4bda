"""Timing of calls and chats: interruptions and backchannels, dead air, talk ratio, longest
monologue and speech rate for timed calls; replies in the middle of a customer's burst of
chat messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.detectors.questions import CLOSED, LEAD_IN, OPEN
from heard.language.lexicon import lexicon
from heard.model import Finding, Polarity, Role, Span, Turn

BURST_SECONDS = 30.0
"""Customer messages this close together are one burst (tuned on: examples/08)."""
CARRY_ON = frozenset({"and", "but", "plus", "or", "because", "cause", "which"})
"""First words that carry on the customer's previous message ("so" and "also" start new
questions and answers as often: "Also, what about the Hilton?", "so does an ant")."""
_WH_CLAUSE = re.compile(
    LEAD_IN + r"(?:what|how|where|when) (?:i|we|i'm|we're|i'll|we'll|i've|we've)\b", re.IGNORECASE
)
"""A statement that opens with a wh-word ("so what i'm going to do is…", "how we do it is…")."""


@register
class CallTiming(Detector):
    name: ClassVar[str] = "heard.call_timing.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("interruption", "backchannel_overlap", "dead_air")
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TIMINGS})

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings = []
        turns = ctx.turns
        t = ctx.rubric.thresholds
        silences = {i: (before, gap) for i, before, gap in long_silences(ctx)}
        for i, turn in enumerate(turns):
            assert turn.start is not None and turn.end is not None
            if turn.role == Role.AGENT:
                for other in turns[:i]:
                    if other.role != Role.CUSTOMER or other.end is None or other.start is None:
                        continue
                    if other.start < turn.start < other.end - 0.05:
                        overlap = min(turn.end, other.end) - turn.start
                        words = len(turn.text.split())
                        short = (
                            words <= t.backchannel_words
                            and (turn.end - turn.start) <= t.backchannel_seconds
                        )
                        span = Span(turn=i, start=0, end=len(turn.text))
                        if short:
                            findings.append(
                                ctx.finding(
                                    self.name,
                                    "backchannel_overlap",
                                    "interruptions",
                                    Polarity.NEUTRAL,
                                    span,
                                    explanation="a short backchannel while the customer speaks"
                                    if turn.text
                                    else "a short overlap (at most "
                                    f"{t.backchannel_seconds:g} s) while the customer speaks",
                                    overlap_seconds=round(overlap, 2),
                                )
                            )
                        else:
                            findings.append(
                                ctx.finding(
                                    self.name,
                                    "interruption",
                                    "interruptions",
                                    Polarity.NEGATIVE,
                                    span,
                                    confidence=0.9,
                                    explanation=f"starts {other.end - turn.start:.1f} s before the "
                                    f"customer finished (turn {other.index})",
                                    overlap_seconds=round(overlap, 2),
                                    interrupted_turn=other.index,
                                    started_by="agent",
                                    agent_yielded=turn.end <= other.end,
                                    kind="competitive",
                                )
                            )
                        break
            if i in silences:
                before, gap = silences[i]
                if not waits_for_answer(ctx, before, turn):
                    findings.append(
                        ctx.finding(
                            self.name,
                            "dead_air",
                            "interruptions",
                            Polarity.NEGATIVE,
                            Span(turn=i, start=0, end=len(turn.text)),
                            confidence=0.9,
                            explanation=f"{gap:.1f} s of silence before this turn",
                            silence_seconds=round(gap, 1),
                        )
                    )
        ctx.annotations.setdefault("metrics", {}).update(call_metrics(ctx))
        return findings


def waits_for_answer(ctx: Context, before: Turn, turn: Turn) -> bool:
    """Whether the silence between `before` (the turn that ended last) and the customer's
    `turn` is the customer's: the agent's last sentence asked them something ("how can i help
    you today", "Could I have your account number?") and they took a while to answer. The agent
    rightly waited, and "fill long silences" would tell them to talk over the customer's
    thinking (hvb-0002f70f: 5 s before the customer's "hi"). A silence after the customer
    spoke, in the middle of the agent's work ("Let me look into that") or after a hold
    ("Can I put you on a brief hold?") is the agent's to fill. A call read for timing only
    says nothing of who asked: its silences stay dead air."""
    if before.role != Role.AGENT or turn.role != Role.CUSTOMER:
        return False
    sentences = ctx.sentences[before.index]
    if not sentences or lexicon("hold").search(before.text):
        return False
    last = sentences[-1].text.rstrip()
    if last.endswith("?") or lexicon("asks").search(last):
        return True
    # speech recognition writes no punctuation: a question is known by how it opens, and "so
    # what i'm going to do is…" opens a statement
    return (
        not last.endswith((".", "!"))
        and (OPEN.match(last) is not None or CLOSED.match(last) is not None)
        and not _WH_CLAUSE.match(last)
    )


def call_metrics(ctx: Context) -> dict[str, float | None]:
    """Talk-to-listen ratio, longest agent monologue, agent speech rate, and the long silences
    between turns summed (dead air and the customer's silences before an answer alike)."""
    agent = [t for t in ctx.turns if t.role == Role.AGENT]
    customer = [t for t in ctx.turns if t.role == Role.CUSTOMER]
    agent_time = sum((t.end or 0) - (t.start or 0) for t in agent)
    customer_time = sum((t.end or 0) - (t.start or 0) for t in customer)
    words = sum(len(t.text.split()) for t in agent)
    return {
        "talk_ratio": round(agent_time / (agent_time + customer_time), 2)
        if agent_time + customer_time
        else None,
        "longest_monologue_seconds": round(max(((t.end or 0) - (t.start or 0)) for t in agent), 1)
        if agent
        else None,
        # a call read for timing only has no words: its speech rate is unknown, not zero
        "agent_words_per_minute": round(60 * words / agent_time) if agent_time and words else None,
        "long_silence_seconds": round(sum(round(gap, 1) for *_, gap in long_silences(ctx)), 1),
    }


def long_silences(ctx: Context) -> list[tuple[int, Turn, float]]:
    """Every silence of at least the rubric's `dead_air_seconds` before a turn (not a system
    turn), whoever owed the next word: (the turn's index, the turn that ended last before it,
    the seconds of silence). The dead-air findings are those the agent owed; the metric sums
    them all."""
    found = []
    before: Turn | None = None  # the turn that ended last so far (the first of equals)
    for i, turn in enumerate(ctx.turns):
        if before is not None:
            gap = (turn.start or 0.0) - (before.end or 0.0)
            if gap >= ctx.rubric.thresholds.dead_air_seconds and turn.role != Role.SYSTEM:
                found.append((i, before, gap))
        if before is None or (turn.end or 0.0) > (before.end or 0.0):
            before = turn
    return found


@register
class ChatTalkOver(Detector):
    name: ClassVar[str] = "heard.chat_talk_over.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("talk_over_in_chat",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.MESSAGE_TIMES, Requirement.WORDS}
    )

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings = []
        turns = ctx.turns
        for i in range(1, len(turns) - 1):
            before, reply, after = turns[i - 1], turns[i], turns[i + 1]
            if (before.role, reply.role, after.role) != (Role.CUSTOMER, Role.AGENT, Role.CUSTOMER):
                continue
            assert before.sent_at and reply.sent_at and after.sent_at
            burst = (after.sent_at - before.sent_at).total_seconds()
            if not 0 <= burst <= BURST_SECONDS:
                continue
            # a bare "Hello" is the customer about to say why they came: greeting them back is
            # a welcome, not talking over them (star-2922: "Hello" → "Hello, how can I help?")
            if lexicon("greeting").fullmatch(before.text.strip()):
                continue
            # A quick exchange is not talking over: the customer's next message must carry on
            # their previous one ("and I got a fraud text"). How fast it came is no sign: a
            # new request typed while the agent worked ("Can I also schedule a ride?", 3 s
            # after the reply) was judged wrong every time (0 of 8 in samples j–l, 0 of 42 in
            # all), and so was a burst at a fast typist's pace.
            if _answers_the_reply(reply.text, after.text):
                continue  # "Please provide the lock's maker." → "Diebold": an answer to it
            if carries_on(before.text, after.text):
                findings.append(
                    ctx.finding(
                        self.name,
                        "talk_over_in_chat",
                        "interruptions",
                        Polarity.NEGATIVE,
                        Span(turn=i, start=0, end=len(reply.text)),
                        confidence=0.7,
                        explanation=f"replied while the customer was still writing ({burst:.0f} s "
                        "between their messages)",
                    )
                )
        return findings


ANSWER_WORDS = 4
"""A message this short after a reply that asked something answers it ("Diebold", "Which
day?", "yes please")."""
_YES_NO = re.compile(r"^\W*(?:yes|yeah|yep|no|nope|sure|ok(?:ay)?)\b", re.IGNORECASE)


def _answers_the_reply(reply: str, after: str) -> bool:
    """Whether the customer's next message answers the reply: the reply asked something (a
    question, or "please provide…") and the message is short or opens with yes or no."""
    asked = "?" in reply or lexicon("asks").search(reply) is not None
    return asked and (len(after.split()) <= ANSWER_WORDS or bool(_YES_NO.match(after)))


def carries_on(before: str, after: str) -> bool:
    """Whether `after` continues `before` (a joining first word, or an open ending); a
    question ("Which day?") asks something of its own."""
    words = after.strip().split()
    if not words:
        return False
    first = words[0].strip(",.…").lower()
    if first == "which" and after.rstrip().endswith("?"):
        return False
    opened = before.rstrip().endswith((",", "-", "–"))  # a trailing "…" is a style, not a cut
    return (
        first in CARRY_ON
        or after.lstrip().startswith(("...", "…"))
        or opened
        or lexicon("cut_off").search(after) is not None
    )
