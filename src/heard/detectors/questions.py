"""Agent questions: open or closed (one counted per turn: its first open question, else its
first real question; docs/annotation.md: "label open when any is open"),
clarifying (asks the customer to make what they said clearer) and follow-up (builds on the
customer's last answer in its own words); whether the customer's problem was stated vaguely."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from heard.analysis.context import Context, Sentence
from heard.analysis.detector import Detector, Requirement
from heard.analysis.registry import register
from heard.detectors._words import content_words
from heard.language.lexicon import lexicon
from heard.model import Finding, Polarity, Role, Span, Turn

LEAD_IN = (
    r"^[^\w]*(?:(?:and|so|okay|ok|great|right|now|also|then|sure|perfect|alright|but|well|please"
    r"|yeah|yes|uh|um|mm-hmm)(?:-(?:and|so))?[,.]?\s+)*"
)
"""What may come before a question's first word: fillers, "so", "okay", a stutter ("and-and")."""
OPEN = re.compile(
    LEAD_IN + r"(?:what|how|why|which|when|where|who|whose|tell me|describe|walk me through|"
    r"anything else|(?:could|can|would) you (?:tell|describe|walk|explain))\b",
    re.IGNORECASE,
)
CLOSED = re.compile(
    LEAD_IN + r"(?:do|does|did|is|are|was|were|can|could|would|will|have|has|had|should|shall|"
    r"may|am|isn't|aren't|don't|doesn't|didn't|won't|wouldn't|haven't|hasn't)\b",
    re.IGNORECASE,
)
OPEN_AFTER_COMMA = re.compile(
    r"[,:;]\s*(?:(?:uh|um|and|so|but|then),?\s+)*(?:what|how|why|which|where|who)\b", re.IGNORECASE
)
"""An open question after a lead-in ("Can I ask you, what do you like about it?") or a clause
("When you've filled in forms before, how has that been?")."""
EMBEDDED_OPEN = re.compile(r"\b(?:what|how|why|which|where|who|whose)\b", re.IGNORECASE)
"""A wh-word later in a question ("You do this how often?")."""
PROMPT = re.compile(
    r"(?:" + LEAD_IN + r"|[,;:]\s+)(?:tell me|describe|walk me through|"
    r"talk (?:to )?me (?:a (?:little )?bit )?(?:more )?(?:about|through)|say (?:a bit )?more|"
    r"(?:(?:i'm|i am) (?:just |really )?(?:wondering|curious)|i wonder)(?: about)? "
    r"(?:what|how|why|where|which|who)\b|"
    r"(?:i'm|i am|i'd be) (?:really |just )?interested (?:in|to (?:know|hear)) (?:what|how|why)\b)",
    re.IGNORECASE,
)
"""An open question put as a request or a wondering, without a question mark ("Tell me about
that.", "I'm wondering what a first step could be.", "I'm interested to know how it went." —
MITI counts them as questions); at the start of the sentence or after a comma ("You know, tell
me about that.")."""
SCALE = re.compile(r"\bscale (?:of|from) (?:0|1|one|zero)\b", re.IGNORECASE)
"""A rating asked for ("On a scale of 1 to 10, how sure are you?"): one number, a closed
question wherever the scale is named."""
WHY = {"open_question": "open question", "closed_question": "yes/no question"}
_TELL_ME_MORE = re.compile(
    LEAD_IN + r"tell me (?:a (?:little )?bit |a little )?more\b", re.IGNORECASE
)
_DIGIT = re.compile(r"\d")
_LEAD_IN = re.compile(LEAD_IN, re.IGNORECASE)


@register
class Questions(Detector):
    name: ClassVar[str] = "heard.questions.v1"
    behaviours: ClassVar[tuple[str, ...]] = (
        "open_question",
        "closed_question",
        "clarifying_question",
        "follow_up_question",
    )
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AGENT_TURNS, Requirement.WORDS}
    )
    assigns: ClassVar[tuple[str, ...]] = ("problem_vague",)

    def detect(self, ctx: Context) -> Iterable[Finding]:
        findings = []
        heard_customer = False  # the customer has said something the agent could clarify
        replied = False  # the agent has answered the customer once: later turns are answers
        ctx.annotations["problem_vague"] = vague_problem(ctx)
        for customer_turns, turn in ctx.replies():
            questions = [s for s in ctx.sentences[turn.index] if is_question(s)]
            typed = [(s, k) for s in questions if (k := _kind(s)) is not None]
            # a one- or two-word "Yeah?" / "Right?" before the real question is a backchannel
            typed = [t for t in typed if len(t[0].text.split()) > 2] or typed
            if typed:
                # a turn that asks an open question is an open-question turn, even when a
                # closed one comes first ("Is that okay? What would help most?")
                sentence, kind = next((t for t in typed if t[1] == "open_question"), typed[0])
                findings.append(
                    ctx.finding(
                        self.name,
                        kind,
                        "clarification",
                        Polarity.POSITIVE if kind == "open_question" else Polarity.NEUTRAL,
                        sentence.span,
                        confidence=0.8,
                        explanation=WHY[kind],
                    )
                )
            heard_customer = heard_customer or bool(customer_turns)
            clarifying = _clarifying(ctx, turn, questions) if heard_customer else None
            if clarifying is not None:
                sentence, cue = clarifying
                findings.append(
                    ctx.finding(
                        self.name,
                        "clarifying_question",
                        "clarification",
                        Polarity.POSITIVE,
                        sentence.span,
                        confidence=0.7,
                        explanation=f"asks the customer to make what they said clearer (“{cue}”)",
                    )
                )
            elif replied and customer_turns:
                follow_up = _follow_up(ctx, customer_turns, questions)
                if follow_up is not None:
                    sentence, shared = follow_up
                    findings.append(
                        ctx.finding(
                            self.name,
                            "follow_up_question",
                            "clarification",
                            Polarity.POSITIVE,
                            sentence.span,
                            confidence=0.6,
                            explanation="builds on the customer's last answer: "
                            + ", ".join(sorted(shared)),
                            shared_words=sorted(shared),
                        )
                    )
            replied = replied or bool(customer_turns)
        return findings


def is_question(sentence: Sentence) -> bool:
    """A real question: ends with '?' (or asks as a request: "Tell me about that.") and is not
    a check of understanding or of the fix."""
    if not (sentence.text.endswith("?") or PROMPT.search(sentence.text)):
        return False
    checks = (lexicon("check_understanding"), lexicon("resolution_check"))
    return not any(c.search(sentence.text) for c in checks)


def invites_one_answer(question: str) -> bool:
    """A question (from its first word) that opens like an open one but asks for one specific
    fact or offers more help: closed, by MITI's rule, whatever its wh-word
    (lexicons/one_answer.txt)."""
    rest = _LEAD_IN.sub("", question.lstrip(",:; "))
    return bool(lexicon("one_answer").match(rest))


def _kind(sentence: Sentence) -> str | None:
    """open_question or closed_question; a statement with a question mark ("You have?",
    "Family happiness?") is a yes/no question too. Open when any of its openings — at the
    start, or after a comma — invites more than one answer."""
    text = sentence.text
    start = OPEN.search(text) or PROMPT.search(text)
    openings = ([start.start()] if start else []) + [
        m.start() for m in OPEN_AFTER_COMMA.finditer(text)
    ]
    if openings:
        one = bool(SCALE.search(text)) or all(invites_one_answer(text[at:]) for at in openings)
        return "closed_question" if one else "open_question"
    if CLOSED.search(text):
        return "closed_question"
    if not text.endswith("?"):
        return None
    embedded = EMBEDDED_OPEN.search(text)
    if embedded:  # "At what venue …?", "You do this how often?" ask for one fact too
        one = invites_one_answer(text) or invites_one_answer(text[embedded.start() :])
        return "closed_question" if one else "open_question"
    return "closed_question"


def _clarifying(ctx: Context, turn: Turn, questions: list[Sentence]) -> tuple[Sentence, str] | None:
    """The first question (or "tell me more") of the turn asking the customer to clarify."""
    for sentence in ctx.sentences[turn.index]:
        if not (sentence in questions or _TELL_ME_MORE.search(sentence.text)):
            continue
        match = lexicon("clarifying").search(sentence.text)
        if match:
            return sentence, match.group(0)
    return None


def _follow_up(
    ctx: Context, answer: list[Turn], questions: list[Sentence]
) -> tuple[Sentence, set[str]] | None:
    """A question re-using the customer's own words from their last answer.

    Words the agent itself used in its previous turn do not count (the customer only echoed
    them). An open question needs one shared content word, a closed one two.
    """
    said: set[str] = set().union(*(content_words(t.text) for t in answer))
    previous = ctx.previous(answer[0].index, Role.AGENT)
    if previous is not None:
        said -= content_words(previous.text)
    if not said:
        return None
    for sentence in questions:
        shared = content_words(sentence.text) & said
        needed = 1 if OPEN.search(sentence.text) else 2
        if len(shared) >= needed:
            return sentence, shared
    return None


def vague_problem(ctx: Context) -> dict[str, object] | None:
    """The customer's opening statement of a problem when it says little about what is wrong.

    One of the customer's first two turns has a vague cue ("it doesn't work", "something's
    wrong", "my thing"), no number and at most `vague_problem_words` words.
    """
    limit = ctx.rubric.thresholds.vague_problem_words
    opening = [t for t in ctx.turns if t.role == Role.CUSTOMER][:2]
    for turn in opening:
        match = lexicon("vague_problem").search(turn.text)
        if match and not _DIGIT.search(turn.text) and len(turn.text.split()) <= limit:
            span = Span(turn=turn.index, start=match.start(), end=match.end())
            return {"turn": turn.index, "span": span.model_dump(), "cue": match.group(0)}
    return None
