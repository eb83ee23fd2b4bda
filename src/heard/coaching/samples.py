"""Coaching samples: heard's suggestions (scorecard tips, live nudges and reply-check issues)
on a fixed, seeded sample of real STAR chats and Harper Valley calls, each with the moment it
answers, so anyone can read them and judge whether an agent could send them
(`heard coach samples` writes docs/coaching-samples.md).

This module sits above analysis and live (only the CLI imports it); heard.language.phrasing,
which words every suggestion, sits below them all.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from heard.analysis import Analyzer
from heard.coaching.reply_check import check_reply
from heard.importers.base import Source
from heard.importers.registry import read_source
from heard.language.examples import grammar_problems
from heard.live.replay import replay, session_sink
from heard.model import Conversation, Role

STAR = Path("star") / "star.jsonl"
HARPER_VALLEY = Path("harper_valley_bank") / "hvb_sample.jsonl"
SOURCES = ("tip", "nudge", "reply check")
MOMENT_CHARS = 320
"""A turn shown as the moment is clipped to this many characters."""


@dataclass
class Sample:
    """One suggestion and the moment it answers."""

    source: str
    """tip, nudge or reply check."""
    kind: str
    """The behaviour, nudge kind or issue kind."""
    conversation: str
    turn: int
    moment: list[tuple[str, str]]
    """(who, text) of the turns it answers: the customer's turn and the agent's reply or
    draft."""
    message: str
    suggestion: str
    problems: list[str] = field(default_factory=list)


def load(data: Path, *, star: int, seed: int) -> list[Conversation]:
    """`star` STAR chats chosen by `seed` (the file's lines, sampled) and every Harper Valley
    call of the shared data folder `data`."""
    lines = (data / STAR).read_bytes().splitlines()
    chosen = sorted(random.Random(seed).sample(range(len(lines)), min(star, len(lines))))
    text = b"\n".join(lines[i] for i in chosen) + b"\n"
    _, chats = read_source(Source(str(data / STAR), text), format="star")
    path = data / HARPER_VALLEY
    _, calls = read_source(Source(str(path), path.read_bytes()), format="harper-valley")
    return chats + calls


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MOMENT_CHARS else text[: MOMENT_CHARS - 1] + "…"


def _moment(conversation: Conversation, turn: int) -> list[tuple[str, str]]:
    """The customer's turn nearest before (or at) `turn`, and the agent's turn at `turn`."""
    turns = conversation.turns[: turn + 1]
    customer = next((t for t in reversed(turns) if t.role == Role.CUSTOMER), None)
    shown = [] if customer is None else [("customer", _clip(customer.text))]
    if turn < len(conversation.turns) and conversation.turns[turn].role == Role.AGENT:
        shown.append(("agent", _clip(conversation.turns[turn].text)))
    return shown


def tips(conversation: Conversation, analyzer: Analyzer) -> Iterator[Sample]:
    """The scorecard's tips that carry a suggestion."""
    for tip in analyzer.analyze(conversation).scorecard.tips:
        if not tip.suggestion:
            continue
        turn = tip.span.turn if tip.span else len(conversation.turns) - 1
        yield Sample(
            "tip",
            tip.behaviour,
            conversation.id,
            turn,
            _moment(conversation, turn),
            tip.message,
            tip.suggestion,
        )


def nudges(conversation: Conversation, analyzer: Analyzer) -> Iterator[Sample]:
    """The nudges a live session shows while the conversation is replayed (no waiting)."""
    run = replay(
        conversation, session_sink(conversation.id, analyzer=analyzer), sleep=lambda _: None
    )
    for _, nudge in run.nudges:
        if not nudge.suggestion or nudge.kind == "jargon":
            continue  # a jargon nudge's suggestion is the plain word alone
        turn = nudge.evidence.turn if nudge.evidence else (nudge.turn or 0)
        turn = min(turn, len(conversation.turns) - 1)
        yield Sample(
            "nudge",
            nudge.kind,
            conversation.id,
            turn,
            _moment(conversation, turn),
            nudge.message,
            nudge.suggestion,
        )


def reply_checks(
    conversation: Conversation, analyzer: Analyzer, rng: random.Random, *, drafts: int = 2
) -> Iterator[Sample]:
    """The reply checker on agent replies taken as drafts: up to `drafts` agent turns (chosen
    by `rng`) that answer a customer turn, each checked against the conversation before it."""
    replies = [
        t.index
        for t in conversation.turns[1:]
        if t.role == Role.AGENT
        and t.text.strip()
        and conversation.turns[t.index - 1].role == Role.CUSTOMER
    ]
    for turn in sorted(rng.sample(replies, min(drafts, len(replies)))):
        before = conversation.model_copy(update={"turns": conversation.turns[:turn]})
        result = check_reply(before, conversation.turns[turn].text, analyzer=analyzer)
        for issue in result.issues:
            yield Sample(
                "reply check",
                issue.kind,
                conversation.id,
                turn,
                _moment(conversation, turn),
                issue.message,
                issue.suggestion,
            )


def collect(
    conversations: list[Conversation],
    analyzer: Analyzer,
    *,
    count: int = 150,
    seed: int = 19,
    per_kind: int = 12,
) -> list[Sample]:
    """`count` suggestions from the conversations: tips, nudges and reply checks in turn, at
    most `per_kind` of one source and kind and never the same text twice, so the sample shows
    every kind of suggestion rather than the commonest."""
    rng = random.Random(seed)
    found: dict[str, list[Sample]] = defaultdict(list)
    for conversation in conversations:
        if not any(t.role == Role.AGENT for t in conversation.turns):
            continue
        found["tip"].extend(tips(conversation, analyzer))
        found["nudge"].extend(nudges(conversation, analyzer))
        found["reply check"].extend(reply_checks(conversation, analyzer, rng))
    chosen: list[Sample] = []
    seen: set[str] = set()
    kinds: Counter[tuple[str, str]] = Counter()
    queues = {source: iter(found[source]) for source in SOURCES}
    while len(chosen) < count and queues:
        for source in list(queues):
            sample = next(
                (
                    s
                    for s in queues[source]
                    if s.suggestion not in seen and kinds[(s.source, s.kind)] < per_kind
                ),
                None,
            )
            if sample is None:
                del queues[source]
                continue
            seen.add(sample.suggestion)
            kinds[(sample.source, sample.kind)] += 1
            sample.problems = grammar_problems(sample.suggestion)
            chosen.append(sample)
            if len(chosen) == count:
                break
    return chosen


def _quote(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|")


def markdown(samples: list[Sample], *, command: str, conversations: int) -> str:
    """The samples as docs/coaching-samples.md."""
    by_source = Counter(s.source for s in samples)
    broken = [s for s in samples if s.problems]
    lines = [
        "# Coaching samples",
        "",
        "<!-- Written by the command below; do not edit by hand. -->",
        "",
        f"{len(samples)} suggestions heard makes on real conversations — "
        + ", ".join(f"{by_source[s]} {s}s" for s in SOURCES if by_source[s])
        + f" — from {conversations} conversations (a seeded sample of STAR chats, MIT, and "
        "the Harper Valley Bank calls, CC BY 4.0, in ../shared/data), so anyone can judge "
        "whether an agent could send them. Each shows the moment it answers: the customer's "
        "turn and the agent's reply (for a reply check, the reply taken as the draft).",
        "",
        f"Written by `{command}`. The customer's words in a suggestion are chosen and turned "
        "into the agent's voice by heard.language.phrasing (docs/analysis.md, “Coaching "
        "language”).",
        "",
        f"Mechanical grammar rules (capital first, final punctuation, no doubled word, no "
        f"“also,” opening a clause, balanced quotes, no sentence ending on a joining word): "
        f"{len(broken)} of {len(samples)} break one.",
        "",
    ]
    for n, sample in enumerate(samples, 1):
        lines.append(
            f"## {n}. {sample.source}: {sample.kind} ({sample.conversation}, turn {sample.turn})"
        )
        lines.append("")
        for who, text in sample.moment:
            lines.append(f"> **{who}:** {_quote(text)}")
            lines.append(">")
        if lines[-1] == ">":
            lines.pop()
        lines += [
            "",
            f"- heard: {_quote(sample.message)}",
            f"- **suggestion:** {sample.suggestion}",
        ]
        if sample.problems:
            lines.append(f"- rule broken: {'; '.join(sample.problems)}")
        lines.append("")
    return "\n".join(lines)
