"""Replies that ignore what the customer just asked: the customer put a question, and the agent
answers only with a question of its own that shares neither words nor meaning with it.

Scope: a reply that changes the subject with a question ("Would you like to upgrade?" after
"What is this charge?"), and a sales pitch put as a question while the customer's question is
still unanswered, even when their last turn was only a "No." to the agent's previous question.
Statements that leave a concern unanswered are the concern tracker's job; gathering details
after a request for service ("Can you book me a table?" → "For what time?") and the first reply
of a conversation (identification) are legitimate."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from heard.analysis.context import Context, Sentence
from heard.analysis.detector import EmbeddingJudge, Requirement
from heard.analysis.registry import register
from heard.detectors._content import content_words, key_items
from heard.language.lexicon import lexicon
from heard.language.phrasing import pointing_at
from heard.model import Finding, Polarity, Role, Span, Turn

if TYPE_CHECKING:
    import numpy as np

_LEAD = r"^(?:\W*(?:hi|hello|hey|ok(?:ay)?|so|and|also|please|well|oh|great|perfect)\b[\s,.!]*)*"
_REQUEST = re.compile(
    _LEAD + r"(?:(?:can|could|would|will) (?:we|it)\b|is there (?:any|another)|"
    r"(?:can|could|would|will) you (?:(?:please|also|just|maybe|now|actually) )*(?!tell\b|"
    r"explain\b|say\b)\w+|"
    r"(?:can|could|may|might) i (?:(?:please|also|just|now) )*\w+|"
    r"do you (?:care|mind) if|do you think (?:you|we) (?:could|can|would)|"
    r"(?:will|would) you be able to|is it possible|"
    r"(?:do|does) (?:you|they|that|it|the \w+) have (?:an? |any )?(?:opening|availability|"
    r"room|table|slot|space|spot)|"
    r"(?:how|what) about\b|i (?:need|want|would like|'d like))",
    re.IGNORECASE,
)
"""A request for service or permission ("can I play some trivia?", "can you also help me
search for a flight?"): the agent may take it up by asking for details, rather than a question
to answer (3 of 7 judged wrong in sample e were such requests taken up with a question)."""
_QUESTION = re.compile(
    _LEAD + r"(?:what|why|how|when|where|who|which|is|are|was|were|do|does|did|will|would|can|"
    r"could|have|has|had|should)\b",
    re.IGNORECASE,
)
"""A full question (not a fragment such as "3 pm on Monday?", which proposes an answer)."""
_ANSWER_FIRST = re.compile(
    r"^\W*(?:yes|yeah|yep|no|nope|sure|of course|absolutely|certainly|unfortunately|sorry|"
    r"i'm sorry|great|good|fine|well|sometimes|never|always|not really|maybe|definitely|"
    r"probably|i do|i don't|i have|i haven't|ok|okay|alright|not yet|already)\b",
    re.IGNORECASE,
)


def open_questions(sentences: list[Sentence], *, requests: bool = False) -> list[Sentence]:
    """The questions in a customer turn that ask for an answer (with `requests`, requests for
    service too: a sales pitch ignores those as much as any question)."""
    return [
        s
        for s in sentences
        if s.text.endswith("?")
        and len(s.text.split()) >= 3
        and _QUESTION.match(s.text)
        and (requests or not _REQUEST.match(" ".join(s.text.split())))
        and not lexicon("small_talk").search(s.text)
    ]


def _pending_question(ctx: Context, reply: Turn) -> tuple[Turn, str] | None:
    """The customer's latest question before `reply` if every agent turn since asked only
    questions (so nothing can have answered it)."""
    for turn in reversed(ctx.turns[: reply.index]):
        if turn.role == Role.AGENT:
            sentences = ctx.sentences[turn.index]
            if not all(s.text.endswith("?") for s in sentences):
                return None
        elif turn.role == Role.CUSTOMER:
            asked = open_questions(ctx.sentences[turn.index], requests=True)
            if asked:
                return turn, asked[-1].text
    return None


Candidate = tuple[Turn, Turn, list[Sentence]]
"""A question-only reply the embeddings judge: the customer's last turn, the reply, and the
customer's open questions in that turn."""


@register
class IgnoresLastTurn(EmbeddingJudge[Candidate]):
    """The agent's reply does not engage with the question in the customer's last turn."""

    name: ClassVar[str] = "heard.ignores_last_turn.v1"
    behaviours: ClassVar[tuple[str, ...]] = ("ignores_last_turn",)
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {
            Requirement.AGENT_TURNS,
            Requirement.CUSTOMER_TURNS,
            Requirement.EMBEDDINGS,
            Requirement.WORDS,
        }
    )

    def _texts(self, ctx: Context, candidates: list[Candidate]) -> list[str]:
        return [t for last, reply, _ in candidates for t in (last.text, reply.text)]

    def _find_candidates(self, ctx: Context) -> tuple[list[Finding], list[Candidate]]:
        """Sales-pitch findings, and the question-only replies whose meaning the embeddings
        judge (each with the customer turn and the questions it may ignore)."""
        candidates: list[tuple[Turn, Turn, list[Sentence]]] = []
        findings: list[Finding] = []
        answered_once = False
        for customer_turns, reply in ctx.replies():
            if not customer_turns:
                continue
            first, answered_once = not answered_once, True
            if first:
                continue  # the first reply identifies the customer or the account
            last = customer_turns[-1]
            asked = open_questions(ctx.sentences[last.index])
            reply_sentences = ctx.sentences[reply.index]
            if not reply_sentences or not all(s.text.endswith("?") for s in reply_sentences):
                continue  # a statement: an answer, an acknowledgement or a hold message
            pitch = lexicon("upsell").search(reply.text)
            pending = _pending_question(ctx, reply)
            if pitch and pending:
                findings.append(self._pitch(ctx, reply, pitch, *pending))
                continue
            if not asked:
                continue
            if _ANSWER_FIRST.match(reply.text):
                continue  # "Yes, …?" / "Unfortunately …?" answers before asking
            if lexicon("clarify_request").search(reply.text):
                continue  # asking the customer to explain engages with what they said
            if any(lexicon("detail_question").search(s.text) for s in reply_sentences):
                continue  # "For which city?", "PM or AM?": a detail needed to answer them
            if lexicon("identity_ask").search(reply.text):
                continue  # "Can I get your name?" after "What's my balance?": the step needed
                # to answer it (two such judged wrong, sample q)
            if any(_REQUEST.match(" ".join(s.text.split())) for s in ctx.sentences[last.index]):
                continue  # the turn asks for service too: the reply takes the request up
            recent = [t for t in ctx.turns[: reply.index] if t.role == Role.CUSTOMER][-2:]
            said = " ".join(t.text for t in recent)
            if (content_words(reply.text) & content_words(said)) or (
                key_items(reply.text) & key_items(said)
            ):
                continue  # shares the customer's words: a follow-up, not a change of subject
            candidates.append((last, reply, asked))
        return findings, candidates

    def _pitch(
        self, ctx: Context, reply: Turn, pitch: re.Match[str], asked_in: Turn, question: str
    ) -> Finding:
        return ctx.finding(
            self.name,
            "ignores_last_turn",
            "attentiveness",
            Polarity.NEGATIVE,
            Span(turn=reply.index, start=0, end=len(reply.text)),
            confidence=0.8,
            explanation=f"pitches “{pitch.group(0)}” while the customer's question in turn "
            f"{asked_in.index} is unanswered: “{question}”",
            suggestion=pointing_at(
                "Answer the customer's question first: “{words}”",
                question,
                alone="Answer the customer's question first.",
            ),
            customer_turn=asked_in.index,
        )

    def _judge(
        self, ctx: Context, candidates: list[Candidate], vectors: dict[str, np.ndarray]
    ) -> list[Finding]:
        findings = []
        for last, reply, asked in candidates:
            similarity = float(vectors[last.text] @ vectors[reply.text])
            if similarity >= ctx.rubric.thresholds.ignores_similarity:
                continue
            findings.append(
                ctx.finding(
                    self.name,
                    "ignores_last_turn",
                    "attentiveness",
                    Polarity.NEGATIVE,
                    Span(turn=reply.index, start=0, end=len(reply.text)),
                    confidence=round(min(1.0, 0.6 + (0.3 - similarity)), 3),
                    explanation=f"does not engage with the customer's question in turn "
                    f"{last.index}: “{asked[-1].text}”",
                    suggestion=pointing_at(
                        "Answer the customer's question first: “{words}”",
                        asked[-1].text,
                        alone="Answer the customer's question first.",
                    ),
                    customer_turn=last.index,
                    similarity=round(similarity, 3),
                )
            )
        return findings
