"""Live nudges: what the batch analysis of the conversation so far (and the live timing of
partials and ticks) says the agent should do next, and the policy that lets at most one of
them through per interval — the highest priority, never the same thing twice.

Candidates are derived afresh after every event from the current findings, concerns and
emotions, so a situation that has resolved (the agent acknowledged, the concern was answered,
somebody spoke) simply stops producing its candidate: stale nudges are never shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from heard.analysis.context import Context
from heard.analysis.moments import RECAP_CHANNELS, unanswered_risk
from heard.analysis.scoring import render_tip
from heard.detectors.timing import waits_for_answer
from heard.language.examples import EASE, SAFETY_CHECK, SAFETY_NEXT, asks_for_something
from heard.language.phrasing import ask_back, quoted, say_back
from heard.live.events import Nudge, PartialEvent
from heard.model import (
    ACKNOWLEDGE_FIRST,
    Channel,
    ConcernStatus,
    Finding,
    Role,
    Scorecard,
    Span,
    Turn,
    calls_for_care,
    read_by_model,
)

KINDS = (
    "vulnerable_customer",
    "premature_solution",
    "acknowledge_emotion",
    "interruption",
    "open_concern",
    "silence",
    "talk_ratio",
    "paraphrase",
    "jargon",
    "blame",
    "dismissive",
    "condescending",
)
"""Every nudge kind, most urgent first (the default priority order)."""

DEFAULT_PRIORITY = {kind: 10 * (len(KINDS) - i) for i, kind in enumerate(KINDS)}

ACKNOWLEDGING = frozenset(
    {"acknowledgement", "empathy", "apology", "reflection_of_feeling", "reassurance"}
)
"""Agent behaviours that acknowledge how the customer feels."""
REFLECTING = frozenset({"paraphrase", "reflection_of_feeling", "summary", "check_understanding"})
"""Agent behaviours that give the customer's point back to them."""
INTERRUPTING = frozenset({"interruption", "talk_over_in_chat"})
TONE = frozenset({"blame", "dismissive", "condescending"})

Severity = Literal["info", "warn", "urgent"]


class NudgePolicy(BaseModel):
    """How many nudges, which, and when: declared parameters, loadable from settings."""

    model_config = ConfigDict(extra="forbid")

    interval_seconds: Annotated[float, Field(ge=0)] = Field(
        default=15.0,
        description="at most one nudge per this many seconds of the conversation clock",
    )
    min_turns: Annotated[int, Field(ge=0)] = Field(
        default=3,
        description="untimed conversations: at least this many turns between nudges",
    )
    priority: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY),
        description="kind → priority (higher first); kinds left out keep their default",
    )
    kinds: list[str] | None = Field(default=None, description="the kinds enabled (None: all)")
    talk_ratio_window: Annotated[float, Field(gt=0)] = Field(
        default=120.0, description="seconds of recent talk the talk ratio looks at"
    )
    talk_ratio_share: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.7, description="agent share of that talk that raises a talk_ratio nudge"
    )
    talk_ratio_min_seconds: Annotated[float, Field(ge=0)] = Field(
        default=30.0, description="least talk in the window before the ratio is judged"
    )
    silence_seconds: Annotated[float, Field(gt=0)] = Field(
        default=20.0, description="seconds with nobody speaking that raise a silence nudge"
    )
    paraphrase_words: Annotated[int, Field(ge=1)] = Field(
        default=25, description="a customer turn this long calls for a paraphrase"
    )
    paraphrase_after: Annotated[int, Field(ge=1)] = Field(
        default=1, description="agent turns without a reflection before a paraphrase nudge"
    )
    fresh_turns: Annotated[int, Field(ge=0)] = Field(
        default=1,
        description="a nudge about a finding stays pending while at most this many turns "
        "followed it",
    )
    adoption_turns: Annotated[int, Field(ge=1)] = Field(
        default=2, description="agent turns after a nudge in which adoption is judged"
    )
    adoption_talk_share: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.4, description="customer share of later talk that adopts a talk_ratio nudge"
    )

    @field_validator("priority")
    @classmethod
    def _known_priorities(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown nudge kinds {unknown}; known: {', '.join(KINDS)}")
        return {**DEFAULT_PRIORITY, **value}

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            unknown = sorted(set(value) - set(KINDS))
            if unknown:
                raise ValueError(f"unknown nudge kinds {unknown}; known: {', '.join(KINDS)}")
        return value

    def enabled(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds

    @classmethod
    def from_settings(cls, settings: object | None = None) -> NudgePolicy:
        """The policy the `HEARD_LIVE_*` settings describe."""
        from heard.settings import Settings

        s = settings if isinstance(settings, Settings) else Settings()
        return cls(
            interval_seconds=s.live_nudge_interval,
            min_turns=s.live_nudge_min_turns,
            kinds=s.live_nudge_kinds,
            talk_ratio_window=s.live_talk_ratio_window,
            talk_ratio_share=s.live_talk_ratio_share,
            silence_seconds=s.live_silence_seconds,
        )


@dataclass(frozen=True)
class Candidate:
    """A nudge that could be shown now; `key` names what it is about, for no-repeats."""

    kind: str
    key: str
    severity: Severity
    message: str
    evidence: Span | None = None
    suggestion: str | None = None
    turn: int = -1
    """The turn the evidence is in (latest wins among equal priorities)."""
    data: dict[str, object] = field(default_factory=dict, compare=False)


@dataclass
class Situation:
    """What the nudges look at: the conversation so far and its latest analysis."""

    ctx: Context
    scorecard: Scorecard | None
    partials: dict[Role, PartialEvent]
    now: float | None
    """The conversation clock (seconds), when the client sends times."""
    policy: NudgePolicy

    @property
    def turns(self) -> list[Turn]:
        return self.ctx.turns

    @property
    def channel(self) -> Channel:
        return self.ctx.conversation.channel

    @property
    def findings(self) -> list[Finding]:
        return self.scorecard.findings if self.scorecard else []

    def behaviours_at(self, turn: int) -> set[str]:
        return {f.behaviour for f in self.findings if f.spans[0].turn == turn}

    def agent_turns_after(self, turn: int) -> list[Turn]:
        return [t for t in self.turns[turn + 1 :] if t.role == Role.AGENT]

    def fresh(self, turn: int) -> bool:
        return len(self.turns) - 1 - turn <= self.policy.fresh_turns


@cache
def plain_words() -> dict[str, str]:
    """jargon term (lower case) → the plain words to say instead."""
    text = files("heard.live").joinpath("plain_words.txt").read_text("utf-8")
    pairs = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            term, _, plain = line.partition("=")
            pairs[term.strip().lower()] = plain.strip()
    return pairs


def _clip(text: str, limit: int = 60) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def said(ctx: Context, turn: int) -> str | None:
    """The customer's words from one turn to say back (heard.language.phrasing.say_back),
    None when there is nothing worth saying back (then a nudge says something plainer or
    waits)."""
    return say_back([ctx.turns[turn].text], max_words=12)


def _longest_sentence(ctx: Context, turn: int) -> Span:
    sentences = ctx.sentences[turn]
    if not sentences:
        return Span(turn=turn, start=0, end=len(ctx.turns[turn].text))
    return max(sentences, key=lambda s: len(s.text.split())).span


def _whole(turn: Turn) -> Span:
    return Span(turn=turn.index, start=0, end=len(turn.text))


def _emotions(sit: Situation) -> dict[int, tuple[str, float]]:
    if sit.scorecard is None:
        return {}
    return {e.turn: (e.label, e.intensity) for e in sit.scorecard.emotions}


def vulnerable_customer(sit: Situation) -> list[Candidate]:
    """The customer may be at risk ("I don't want to live any more", "he hits me"), and no reply
    since has asked whether they are safe or pointed them to help: pause the task."""
    risk = unanswered_risk(sit.ctx, sit.findings)
    if risk is None:
        return []
    cue = risk.spans[0]
    return [
        Candidate(
            kind="vulnerable_customer",
            key=str(cue.turn),
            severity="urgent",
            message="They may be at risk — pause the task and ask if they're safe",
            evidence=cue,
            suggestion=f"{quoted(SAFETY_CHECK)} {SAFETY_NEXT}",
            turn=cue.turn,
        )
    ]


def acknowledge_emotion(sit: Situation) -> list[Candidate]:
    """The customer's latest upset turn has not been acknowledged by the agent since."""
    emotions = _emotions(sit)
    modelled = read_by_model(sit.findings)
    upset = [
        t
        for t, (label, _) in emotions.items()
        if label in ACKNOWLEDGE_FIRST
        and calls_for_care(label, "model" if t in modelled else "lexicon")
    ]
    if not upset:
        return []
    turn = max(upset)
    replies = sit.agent_turns_after(turn)
    if len(replies) > 1 or any(sit.behaviours_at(r.index) & ACKNOWLEDGING for r in replies):
        return []
    label, intensity = emotions[turn]
    cue = next(
        (
            f.spans[0]
            for f in sit.findings
            if f.behaviour == "customer_emotion" and f.spans[0].turn == turn
        ),
        _whole(sit.turns[turn]),
    )
    words = said(sit.ctx, turn)
    feeling = {"anger": "angry", "frustration": "frustrated", "worry": "worried", "sadness": "sad"}[
        label
    ]
    if label == "sadness":  # a loss or heartbreak: sympathy, not "frustrating"
        suggestion = quoted(
            f"I'm so sorry — {words}" if words else "I'm so sorry to hear that",
            *([EASE] if asks_for_something(sit.turns[turn].text) else []),
        )
    elif words is None:  # nothing to say back: name the feeling and own the next step
        suggestion = (
            "“I can hear this is worrying, and I'm going to sort it out with you now.”"
            if label == "worry"
            else "“I'm sorry — I can hear how frustrating this has been. Let me put it right.”"
        )
    else:
        suggestion = (
            quoted(f"I can hear this is worrying — {words}", "Let's sort it out together")
            if label == "worry"
            else quoted(f"That sounds really frustrating — {words}", "I'm sorry")
        )
    return [
        Candidate(
            kind="acknowledge_emotion",
            key=str(turn),
            severity="urgent" if label == "anger" or intensity >= 0.8 else "warn",
            message=f"They sound {feeling} — acknowledge before solving",
            evidence=cue,
            suggestion=suggestion,
            turn=turn,
        )
    ]


def premature_solution(sit: Situation) -> list[Candidate]:
    """A fix was offered to an upset customer before any acknowledgement, and none since."""
    found = []
    for f in sit.findings:
        if f.behaviour != "premature_solution":
            continue
        turn = f.spans[0].turn
        if not sit.fresh(turn) or any(
            sit.behaviours_at(r.index) & ACKNOWLEDGING for r in sit.agent_turns_after(turn)
        ):
            continue
        upset = [
            t for t, (label, _) in _emotions(sit).items() if label in ACKNOWLEDGE_FIRST and t < turn
        ]
        words = said(sit.ctx, max(upset)) if upset else None
        found.append(
            Candidate(
                kind="premature_solution",
                key=str(turn),
                severity="urgent",
                message="You offered a fix before acknowledging how they feel — acknowledge it now",
                evidence=f.spans[0],
                suggestion=quoted(
                    f"I'm sorry — {words}" if words else "I'm sorry about this",
                    "Here's what I'll do",
                ),
                turn=turn,
            )
        )
    return found


def interruption(sit: Situation) -> list[Candidate]:
    """A new interruption finding, or the agent's partial speech starting over the customer's."""
    found = []
    for f in sit.findings:
        if f.behaviour in INTERRUPTING and sit.fresh(f.spans[0].turn):
            chat = f.behaviour == "talk_over_in_chat"
            found.append(
                Candidate(
                    kind="interruption",
                    key=f"turn:{f.spans[0].turn}",
                    severity="warn",
                    message="They were still typing — wait for their last message"
                    if chat
                    else "You interrupted — let them finish",
                    evidence=f.spans[0],
                    suggestion="Wait for a pause, then: “Sorry, go on — I'm listening.”",
                    turn=f.spans[0].turn,
                )
            )
    agent = sit.partials.get(Role.AGENT)
    if agent is not None:
        thresholds = sit.ctx.rubric.thresholds
        backchannel = (
            len(agent.text.split()) <= thresholds.backchannel_words
            and agent.end - agent.start <= thresholds.backchannel_seconds
        )
        customer = sit.partials.get(Role.CUSTOMER)
        last = next((t for t in reversed(sit.turns) if t.role == Role.CUSTOMER), None)
        spans: list[tuple[float, float, Span | None]] = []
        if customer is not None:
            spans.append((customer.start, customer.end, None))
        if last is not None and last.start is not None and last.end is not None:
            spans.append((last.start, last.end, _whole(last)))
        for start, end, evidence in spans:
            if not backchannel and start < agent.start < end - 0.05:
                found.append(
                    Candidate(
                        kind="interruption",
                        key=f"partial:{start:.2f}",
                        severity="warn",
                        message="You are talking over them — let them finish",
                        evidence=evidence,
                        suggestion="Stop, and when they finish: “Sorry, go on — I'm listening.”",
                        turn=len(sit.turns),
                    )
                )
                break
    return found


def open_concern(sit: Situation) -> list[Candidate]:
    """The agent answered one of the customer's points, but another is still open, or the
    customer had to raise it again."""
    if sit.scorecard is None:
        return []
    replied = [t.index for t in sit.turns if t.role == Role.AGENT]
    if not replied:
        return []
    last_reply = replied[-1]
    concerns = sit.scorecard.concerns
    done = (ConcernStatus.ADDRESSED, ConcernStatus.CONFIRMED)
    found = []
    for concern in concerns:
        if concern.status in done or concern.span.turn >= last_reply:
            continue
        siblings = [
            c
            for c in concerns
            if c is not concern and c.span.turn == concern.span.turn and c.status in done
        ]
        if siblings:
            other, this = _clip(siblings[0].quote), _clip(concern.quote)
            message = f"They asked about “{other}” and “{this}”; “{this}” is still open"
        elif concern.raised_again:
            message = f"They raised “{_clip(concern.quote)}” again — it is still open"
        else:
            continue
        found.append(
            Candidate(
                kind="open_concern",
                key=str(concern.id),
                severity="warn",
                message=message,
                evidence=concern.span,
                suggestion=_open_concern_phrasing(concern.kind, concern.quote),
                # where they raised it again, not where they first did
                turn=concern.raised_again[-1] if concern.raised_again else concern.span.turn,
                data={"concern": concern.id},
            )
        )
    return found


def _open_concern_phrasing(kind: str, quote: str) -> str:
    """Words that take up a concern still open: a question is asked back as a question, a
    problem or request is named as what they told you."""
    if kind == "question":
        asked = ask_back(quote)
        if asked:
            return quoted(f"You also asked: {asked}", "Here's the answer")
        return quoted("You asked something else too", "Here's the answer")
    words = say_back([quote])
    if words:
        return quoted(f"You told me {words} — here's what I'll do about that")
    return quoted("You raised something else too — here's what I'll do about it")


def paraphrase(sit: Situation) -> list[Candidate]:
    """A long or upset customer turn, and no reflection of it for some agent turns; on a call
    or in an email, where what was said is not on the customer's screen (a chat's say-back
    tips were judged right 0 times in 15: the customer's words are right there)."""
    if sit.ctx.conversation.channel not in RECAP_CHANNELS:
        return []
    emotions = _emotions(sit)
    policy = sit.policy
    for turn in reversed(sit.turns):
        if turn.role != Role.CUSTOMER:
            continue
        long = len(turn.text.split()) >= policy.paraphrase_words
        upset = emotions.get(turn.index, ("neutral", 0.0))[0] in ACKNOWLEDGE_FIRST | {"confusion"}
        if not (long or upset):
            continue
        replies = sit.agent_turns_after(turn.index)
        if not policy.paraphrase_after <= len(replies) <= policy.paraphrase_after + 1:
            return []
        if any(sit.behaviours_at(r.index) & REFLECTING for r in replies):
            return []
        words = said(sit.ctx, turn.index)
        if words is None:  # nothing in it to paraphrase; an earlier turn may have
            continue
        return [
            Candidate(
                kind="paraphrase",
                key=str(turn.index),
                severity="info",
                message="Try a paraphrase: give their point back in your words",
                evidence=_longest_sentence(sit.ctx, turn.index),
                suggestion=quoted(f"So {words} — is that right?"),
                turn=turn.index,
            )
        ]
    return []


def jargon(sit: Situation) -> list[Candidate]:
    """A term from a new jargon finding, with the plain words to say instead."""
    found = []
    plain = plain_words()
    for f in sit.findings:
        turn = f.spans[0].turn
        if f.behaviour != "jargon" or not sit.fresh(turn):
            continue
        later = " ".join(t.text.lower() for t in sit.turns[turn + 1 :] if t.role == Role.CUSTOMER)
        text = sit.turns[turn].text
        for span in f.spans:
            term = text[span.start : span.end]
            if term.lower() in later:
                continue  # the customer uses it now: not jargon to them any more
            instead = plain.get(term.lower())
            found.append(
                Candidate(
                    kind="jargon",
                    key=term.lower(),
                    severity="info",
                    message=f"“{term}” is jargon here — say “{instead}”"
                    if instead
                    else f"“{term}” is jargon here — say it in everyday words",
                    evidence=span,
                    suggestion=instead,
                    turn=turn,
                    data={"term": term, "plain": instead},
                )
            )
    return found


def talk_seconds(sit: Situation, since: float, until: float) -> tuple[float, float]:
    """(agent, customer) seconds of talk between `since` and `until`, from final turns and
    the partials still running."""
    talk = {Role.AGENT: 0.0, Role.CUSTOMER: 0.0}
    pieces: list[tuple[Role, float | None, float | None]] = [
        (t.role, t.start, t.end) for t in sit.turns
    ]
    pieces += [(p.role, p.start, p.end) for p in sit.partials.values()]
    for role, start, end in pieces:
        if role in talk and start is not None and end is not None:
            talk[role] += max(0.0, min(end, until) - max(start, since))
    return talk[Role.AGENT], talk[Role.CUSTOMER]


def talk_ratio(sit: Situation) -> float | None:
    """The agent's share of the talk in the recent window (timed conversations only)."""
    if sit.now is None:
        return None
    agent, customer = talk_seconds(sit, sit.now - sit.policy.talk_ratio_window, sit.now)
    if agent + customer <= 0:
        return None
    return agent / (agent + customer)


def talk_ratio_nudge(sit: Situation) -> list[Candidate]:
    policy = sit.policy
    if sit.now is None or sit.channel != Channel.CALL:
        return []
    agent, customer = talk_seconds(sit, sit.now - policy.talk_ratio_window, sit.now)
    total = agent + customer
    if total < policy.talk_ratio_min_seconds or agent / total < policy.talk_ratio_share:
        return []
    last = next((t for t in reversed(sit.turns) if t.role == Role.AGENT), None)
    minutes = policy.talk_ratio_window / 60
    return [
        Candidate(
            kind="talk_ratio",
            key=f"window:{int(sit.now // policy.talk_ratio_window)}",
            severity="warn",
            message=f"You have talked {round(100 * agent / total)}% of the last "
            f"{minutes:g} minute{'s' if minutes != 1 else ''} — ask, then listen",
            evidence=_whole(last) if last else None,
            suggestion="Pause and ask: “What else would help me understand this?”",
            turn=last.index if last else len(sit.turns),
        )
    ]


def last_speech_end(sit: Situation) -> float | None:
    ends = [t.end for t in sit.turns if t.end is not None]
    ends += [p.end for p in sit.partials.values()]
    return max(ends) if ends else None


def silence(sit: Situation) -> list[Candidate]:
    """Nobody has spoken for a while (a tick's time), or the customer had to break a long
    silence (the gap before their turn) — not the silence of a customer thinking over the
    agent's question, which the agent rightly waited through (`waits_for_answer`, the rule
    of the post-call dead air). Calls only: chat replies take longer by nature."""
    policy = sit.policy
    if sit.channel != Channel.CALL or not sit.turns:
        return []
    end = last_speech_end(sit)
    if end is not None and sit.now is not None and sit.now - end >= policy.silence_seconds:
        waiting = sit.turns[-1].role == Role.CUSTOMER
        return [
            Candidate(
                kind="silence",
                key=f"{end:.1f}",
                severity="warn",
                message=f"{sit.now - end:.0f} s of silence — check in or offer a call-back",
                evidence=_whole(sit.turns[-1]),
                suggestion="“I'm still here — I'm checking that for you now. "
                "Would a call-back suit you better?”"
                if waiting
                else "“Are you still there? Take your time — or I can call you back.”",
                turn=sit.turns[-1].index,
                data={"since": end},
            )
        ]
    last = sit.turns[-1]
    if last.role == Role.CUSTOMER and last.start is not None and len(sit.turns) > 1:
        ended = max(sit.turns[:-1], key=lambda t: t.end or 0.0)  # as the dead air reads it
        before = ended.end
        if (
            before is not None
            and last.start - before >= policy.silence_seconds
            and not waits_for_answer(sit.ctx, ended, last)
        ):
            return [
                Candidate(
                    kind="silence",
                    key=f"{before:.1f}",
                    severity="warn",
                    message=f"{last.start - before:.0f} s of silence before they spoke — "
                    "check in or offer a call-back",
                    evidence=_whole(last),
                    suggestion="“Sorry for the wait — here's where I am. "
                    "Would a call-back suit you better?”",
                    turn=last.index,
                    data={"since": before},
                )
            ]
    return []


_TONE_MESSAGES = {
    "blame": "Avoid blame — say what happens next",
    "dismissive": "Avoid dismissing them — say what you can do",
    "condescending": "Avoid lecturing — offer help plainly",
}


def tone(sit: Situation) -> list[Candidate]:
    """Blaming, dismissive or condescending words in a recent agent turn."""
    found = []
    for f in sit.findings:
        turn = f.spans[0].turn
        if f.behaviour in TONE and sit.fresh(turn):
            behaviour = sit.ctx.rubric.behaviours.get(f.behaviour)
            tip = behaviour.tip if behaviour else None
            found.append(
                Candidate(
                    kind=f.behaviour,
                    key=str(turn),
                    severity="info",
                    message=_TONE_MESSAGES[f.behaviour],
                    evidence=f.spans[0],
                    suggestion=render_tip(tip, sit.ctx, turn) if tip else f.suggestion,
                    turn=turn,
                )
            )
    return found


RULES = (
    vulnerable_customer,
    premature_solution,
    acknowledge_emotion,
    interruption,
    open_concern,
    silence,
    talk_ratio_nudge,
    paraphrase,
    jargon,
    tone,
)


def candidates(sit: Situation) -> list[Candidate]:
    """Every nudge the situation calls for now, enabled kinds only."""
    return [c for rule in RULES for c in rule(sit) if sit.policy.enabled(c.kind)]


_SPACES = re.compile(r"\s+")


class Nudger:
    """The policy at work over one conversation: interval, priority, no repeats."""

    def __init__(self, policy: NudgePolicy) -> None:
        self.policy = policy
        self.shown: set[tuple[str, str]] = set()
        self.count = 0
        self.last_time: float | None = None
        self.last_turns: int | None = None

    def due(self, *, now: float | None, turns: int) -> bool:
        """Whether the interval since the last nudge has passed."""
        if self.last_turns is None:
            return True
        if now is not None and self.last_time is not None:
            return now - self.last_time >= self.policy.interval_seconds
        return turns - self.last_turns >= self.policy.min_turns

    def choose(
        self, pending: list[Candidate], *, now: float | None, turns: int
    ) -> tuple[Nudge, Candidate] | None:
        """The nudge to show now (and the candidate it came from), if the interval allows one:
        the highest priority pending candidate not shown before (latest evidence first among
        equals)."""
        fresh = [c for c in pending if (c.kind, c.key) not in self.shown]
        if not fresh or not self.due(now=now, turns=turns):
            return None
        best = max(fresh, key=lambda c: (self.policy.priority[c.kind], c.turn))
        self.shown.add((best.kind, best.key))
        self.count += 1
        self.last_time = now
        self.last_turns = turns
        nudge = Nudge(
            id=f"n{self.count}",
            kind=best.kind,
            severity=best.severity,
            message=_SPACES.sub(" ", best.message),
            evidence=best.evidence,
            suggestion=best.suggestion,
            turn=turns - 1 if turns else None,
            time=now,
        )
        return nudge, best
