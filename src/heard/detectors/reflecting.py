"""Reflecting the customer's words back: paraphrase (checked for meaning with sentence embeddings
and for faithfulness), parroting (a near-verbatim copy, not credited), and summaries of several
points. Only sentences that open like a restatement ("So …", "It sounds like …", "Just to
confirm …") are judged, so the embedding model sees a handful of sentences per conversation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from heard.analysis.context import Context, Sentence
from heard.analysis.detector import Detector, EmbeddingJudge, Requirement
from heard.analysis.registry import register
from heard.detectors._content import (
    content_words,
    copied_share,
    key_items,
    negated_words,
    tokens,
)
from heard.language.lexicon import lexicon
from heard.language.phrasing import second_person
from heard.model import Finding, Polarity, Role, Turn

WINDOW = 6
"""A paraphrase restates one of the customer's last this-many turns."""
MIN_WORDS = 3
"""A restatement has at least this many words after its opener."""
_ACK_PREFIX = re.compile(
    r"[^\w]*(?:(?:ok(?:ay)?|right|alright|all right|got it|great|sure|i see|understood|thanks|"
    r"thank you|perfect|and|yeah|yes|mm|mm-hmm|hmm|um|uh|well|but|now)[,.!]?\s+)*",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"(?:do|does|did|can|could|would|will|is|are|was|were|have|has|had|what|how|why|when|where|"
    r"which|who|should|shall|may)\b",
    re.IGNORECASE,
)
_OWN_ACTION = re.compile(
    r"(?:what )?(?:i|we)(?:'m| am|'ll| will|'ve| have|'d| would| are|'re)?\b|let me\b|let's\b|"
    r"here(?:'s| is)\b|(?:the )?next step",
    re.IGNORECASE,
)
"""A sentence about the agent's own action ("so I'll send…") is not a restatement."""
_CLAUSE = re.compile(r"[,;:]|\s(?:and|while|but|so)\s", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Restatement:
    """An agent sentence that opens like a restatement, and what follows its opener."""

    sentence: Sentence
    body: str
    opener: str


def restatement(sentence: Sentence) -> Restatement | None:
    """The sentence as a restatement when it opens like one and is not a question of its own."""
    text = sentence.text
    start = _ACK_PREFIX.match(text)
    at = start.end() if start else 0
    opener = lexicon("reflective_opener").match(text, at)
    if opener is None:
        return None
    body = text[opener.end() :].lstrip(" ,:;—-").rstrip(" .!?")
    if len(tokens(body)) < MIN_WORDS:
        return None
    if _OWN_ACTION.match(body) and not lexicon("summary_opener").search(text[:80]):
        return None
    if text.rstrip().endswith("?") and _QUESTION_START.match(body):
        return None  # "So did you restart it?" asks; it does not restate
    return Restatement(sentence, body, opener.group(0))


def clauses(text: str) -> list[str]:
    """The points of a sentence: pieces between commas, semicolons and conjunctions."""
    return [c.strip() for c in _CLAUSE.split(text) if len(tokens(c)) >= 2]


def summary_sources(ctx: Context, turn: int, body: str) -> dict[str, int]:
    """Each point of `body` traced to the earlier turn it restates (shared content or items)."""
    points = ctx.view(
        "summary_points",
        lambda: [
            (t.index, content_words(t.text) | key_items(t.text))
            for t in ctx.turns
            if t.role in (Role.CUSTOMER, Role.AGENT)
        ],
    )
    earlier = [p for p in points if p[0] < turn]
    sources = {}
    for clause in clauses(body):
        words = content_words(clause) | key_items(clause)
        best = max(earlier, key=lambda e: (len(words & e[1]), e[0]), default=None)
        if best is not None and words & best[1]:
            sources[clause] = best[0]
    return sources


def is_summary(ctx: Context, turn: int, found: Restatement) -> dict[str, int] | None:
    """The traced points when `found` restates several points of the conversation together.

    With an announced summary ("to recap", "let me make sure I've got it all") two points from
    two turns suffice; a plain "So …" needs three points from three different turns.
    """
    sources = summary_sources(ctx, turn, found.body)
    announced = lexicon("summary_opener").search(found.sentence.text[:80]) is not None
    need = 2 if announced else 3
    if len(sources) >= need and len(set(sources.values())) >= need:
        return sources
    return None


def _recent_customer_turns(ctx: Context, index: int) -> list[Turn]:
    before = [t for t in ctx.turns[:index] if t.role == Role.CUSTOMER]
    return before[-WINDOW:]


def faithfulness(
    body: str, customer_text: str, customer_sentences: list[str], known: set[str]
) -> tuple[float, list[str], list[str]]:
    """How faithful a restatement is to what the customer said, 0–1, with what breaks it.

    Two shares, multiplied: the restatement's numbers, dates and names that the customer gave
    (or a known name), and its points that keep the polarity of the customer sentence sharing
    most content words with them (a shared word negated on one side while the other side has
    no negation: "have arrived" against "still haven't arrived").
    """
    items = key_items(body)
    unsupported = sorted(items - key_items(customer_text) - known)
    contradictions = []
    checked = 0
    for clause in clauses(body) or [body]:
        words = content_words(clause)
        shared, source = max(
            ((words & content_words(s), s) for s in customer_sentences),
            key=lambda pair: len(pair[0]),
            default=(set(), ""),
        )
        if not shared:
            continue
        checked += 1
        if (shared & negated_words(clause) and not negated_words(source)) or (
            shared & negated_words(source) and not negated_words(clause)
        ):
            contradictions.append(clause)
    kept = 1 - len(unsupported) / len(items) if items else 1.0
    agree = 1 - len(contradictions) / checked if checked else 1.0
    return round(kept * agree, 3), unsupported, contradictions


def _turn_vector(sentences: list[Sentence], vectors: dict[str, np.ndarray]) -> np.ndarray:
    """A customer turn as a whole: the mean of its sentences' vectors weighted by their words,
    made unit length again (a single sentence's own vector).

    It stands in for a second pass of the network over the whole turn, which cost half of the
    ingest's encoding time; on the labelled data it judges restatements at least as well
    (AnnoMI reflection F1 0.208 → 0.223, ESConv restatement the same; docs/analysis.md)."""
    if len(sentences) == 1:
        return vectors[sentences[0].text]
    total = sum(vectors[s.text] * max(1, len(tokens(s.text))) for s in sentences)
    norm = float(np.linalg.norm(total))
    return total / norm if norm > 0 else total


Candidate = tuple[Restatement, list[Turn]]
"""A restatement the embeddings judge, with the customer turns it may restate."""


@register
class Paraphrase(EmbeddingJudge[Candidate]):
    """Restating the customer's point in other words: similar meaning, little copied wording,
    faithful to the customer's numbers, dates and names. Near-verbatim copies are parroting."""

    name: ClassVar[str] = "heard.paraphrase.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("paraphrase", "parroting")
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {
            Requirement.AGENT_TURNS,
            Requirement.CUSTOMER_TURNS,
            Requirement.EMBEDDINGS,
            Requirement.WORDS,
        }
    )

    def _texts(self, ctx: Context, candidates: list[Candidate]) -> list[str]:
        """Each restatement, and each sentence of the customer turns it may restate (a whole
        turn is judged by `_turn_vector` of its sentences)."""
        texts: list[str] = []
        for found, recent in candidates:
            texts.append(found.body)
            for turn in recent:
                texts.extend(s.text for s in ctx.sentences[turn.index])
        return texts

    def _find_candidates(self, ctx: Context) -> tuple[list[Finding], list[Candidate]]:
        """Parroting findings, and the restatements whose meaning the embeddings judge (each
        with the customer turns it may restate)."""
        limits = ctx.rubric.thresholds
        findings: list[Finding] = []
        candidates: list[tuple[Restatement, list[Turn]]] = []
        for turn in ctx.turns:
            if turn.role != Role.AGENT:
                continue
            recent = _recent_customer_turns(ctx, turn.index)
            if not recent:
                continue
            for sentence in ctx.sentences[turn.index]:
                found = restatement(sentence)
                if found is None or is_summary(ctx, turn.index, found):
                    continue
                said = second_person(" ".join(t.text for t in recent))
                copied = copied_share(found.body, said)
                if copied >= limits.parroting_overlap:
                    findings.append(
                        ctx.finding(
                            self.name,
                            "parroting",
                            "reflecting",
                            Polarity.NEUTRAL,
                            sentence.span,
                            confidence=0.7,
                            explanation="repeats the customer's words almost verbatim instead "
                            "of restating them",
                            copied=round(copied, 2),
                        )
                    )
                    continue
                candidates.append((found, recent))
        return findings, candidates

    def _judge(
        self, ctx: Context, candidates: list[Candidate], vectors: dict[str, np.ndarray]
    ) -> list[Finding]:
        limits = ctx.rubric.thresholds
        customer = ctx.conversation.customer
        known = {w.lower() for w in (customer.name or "").split()} if customer else set()
        findings = []
        wholes = {
            turn.index: _turn_vector(ctx.sentences[turn.index], vectors)
            for _, recent in candidates
            for turn in recent
            if ctx.sentences[turn.index]
        }
        for found, recent in candidates:
            body = vectors[found.body]
            best, matched = max(
                (
                    (float(body @ vector), turn)
                    for turn in recent
                    if turn.index in wholes
                    for vector in (
                        wholes[turn.index],
                        *(vectors[s.text] for s in ctx.sentences[turn.index]),
                    )
                ),
                key=lambda pair: pair[0],
                default=(-1.0, None),
            )
            if matched is None:
                continue
            if best < limits.paraphrase_similarity:
                continue
            said = " ".join(
                t.text for t in ctx.turns[: found.sentence.turn] if t.role == Role.CUSTOMER
            )
            sentences = [
                s.text
                for t in ctx.turns[: found.sentence.turn]
                if t.role == Role.CUSTOMER
                for s in ctx.sentences[t.index]
            ]
            score, unsupported, contradictions = faithfulness(found.body, said, sentences, known)
            if score < limits.paraphrase_faithfulness:
                continue
            findings.append(
                ctx.finding(
                    self.name,
                    "paraphrase",
                    "reflecting",
                    Polarity.POSITIVE,
                    found.sentence.span,
                    confidence=round(min(1.0, 0.5 + best / 2) * score, 3),
                    explanation=f"restates the customer's turn {matched.index} in other words",
                    customer_turn=matched.index,
                    similarity=round(best, 3),
                    faithfulness=score,
                    unsupported=unsupported,
                    contradictions=contradictions,
                )
            )
        return findings


@register
class Summary(Detector):
    """Several of the conversation's points restated together ("So, to recap: …")."""

    name: ClassVar[str] = "heard.summary.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("summary",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.WORDS}
    )

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings = []
        for turn in ctx.turns:
            if turn.role != Role.AGENT or turn.index == 0:
                continue
            sentences = ctx.sentences[turn.index]
            for i, sentence in enumerate(sentences):
                found = restatement(sentence)
                if (
                    found is None
                    and i + 1 < len(sentences)
                    and lexicon("summary_opener").search(sentence.text)
                    and len(tokens(sentence.text)) <= 6
                ):
                    # "Let me recap." followed by the points in the next sentence
                    following = sentences[i + 1]
                    joined = Sentence(
                        turn.index,
                        sentence.start,
                        following.end,
                        turn.text[sentence.start : following.end],
                    )
                    found = Restatement(joined, following.text.rstrip(" .!?"), sentence.text)
                if found is None:
                    continue
                sources = is_summary(ctx, turn.index, found)
                if sources:
                    findings.append(
                        ctx.finding(
                            self.name,
                            "summary",
                            "reflecting",
                            Polarity.POSITIVE,
                            found.sentence.span,
                            confidence=0.8,
                            explanation=f"restates {len(sources)} points from turns "
                            + ", ".join(str(t) for t in sorted(set(sources.values()))),
                            points=len(sources),
                            source_turns=sorted(set(sources.values())),
                        )
                    )
                    break  # one summary per turn
        return findings
