"""Where a missed behaviour was called for: the agent turn a coaching tip points at.

A positive behaviour the rubric expects and the agent never showed is "missed" on the checklist.
A tip about it is only worth showing where one moment of the conversation clearly called for it
— the reply to the customer's description of a problem, the reply to an upset turn, the close
after several requests — because advice pinned to a moment that did not need it ("acknowledge
what the customer said" after a bare "Hi", "recap before closing" at turn 1, "say what happens
next" when nothing is pending) is advice an agent cannot use. `called_at` returns that turn, or
None: then the checklist still says missed and no tip is shown.
"""

from __future__ import annotations

import re

from heard.analysis.context import Context
from heard.analysis.rubric import ON_SCREEN
from heard.language.lexicon import Lexicon, lexicon
from heard.model import Finding, Role, Turn, calls_for_care, read_by_model

ANGRY = frozenset({"anger", "frustration"})
"""Feelings an empathic reply answers (validation, naming the feeling, an apology)."""
SAD = frozenset({"sadness"})
"""Grief, heartbreak, a loss: an empathic reply answers it too, at the plain `FEELING` bar (a
sad customer rarely shouts, and a bereavement named once is enough)."""
WORRIED = frozenset({"worry"})
"""The feeling reassurance answers (confusion calls for a clearer answer, not comfort)."""
FEELING = 0.6
"""A feeling this strong (the emotion detector's intensity: a clear cue word) calls for an
empathic reply; a faint one ("Still no sun…") does not."""
ANGER_FEELING = 0.8
"""Anger or frustration must be this strong (two cue words, or one and shouting) to call for an
empathic tip: at 0.6 a single "ugh" about the weather or a boyfriend's taste counted, and blind
judges found the empathy tip right in 5 of 16 (sample f) and 4 of 12 (sample e)."""
MODEL_FEELING = 0.7
"""A feeling only the emotion model saw (no cue word) calls for one when the model is this
sure (intensity 0.2 + 0.6 × probability: 0.83): at 0.67 it read "this blog has never let me
down" and "I can't wait" as frustration (8 of 12 empathy tips judged wrong, sample e)."""
EXPLAINED_WORDS = 25
"""A customer turn this long explains something worth acknowledging or saying back."""
ANSWER_WORDS = 12
"""A customer answer this long gives the agent something to follow up on."""
GREETING_WORDS = 4
"""Customer turns shorter than this ("Hi", "Hello there") give an agent nothing to answer."""
CLOSE_WORDS = 6
"""A last agent turn shorter than this ("Thank you and goodbye.") only says goodbye."""
SUMMARY_CONCERNS = 3
"""A recap before closing is called for when the customer raised at least this many requests
or problems (questions answered on the spot need no recap)."""

RECAP_CHANNELS = frozenset({"call", "email"})
"""Where a recap, a closing check or a say-back is called for: what was said is not on the
customer's screen (a call), or several points wait in one message (an email)."""
EXPLAINED = frozenset({"acknowledgement", "paraphrase", "check_understanding"})
EMPATHIC = frozenset({"empathy", "reflection_of_feeling", "apology"})
CLOSING = frozenset({"resolution_check", "callback_offer"})
DETAILS = frozenset({"uses_details", "personalised_reply"})
HEARD_IN_REPLY = frozenset(
    {"uses_details", "personalised_reply", "paraphrase", "reflection_of_feeling", "empathy"}
)
"""Findings that show a reply heard the customer: no acknowledgement tip there (about 20 of 35
acknowledgement tips in sample g asked it of replies that already confirmed the details)."""
_CLOSED = re.compile(
    r"^(?:is|are|was|were|do|does|did|can|could|will|would|should|have|has|had)\b", re.I
)


CLOSING_CHECK = frozenset({"resolution_check"})


def _found_at(findings: list[Finding], behaviours: frozenset[str], turn: int) -> bool:
    """Whether a finding of one of `behaviours` starts at agent turn `turn`."""
    return any(f.behaviour in behaviours and f.spans[0].turn == turn for f in findings)


def called_at(ctx: Context, behaviour: str, findings: list[Finding]) -> int | None:
    """The agent turn where the missed `behaviour` was most called for, or None when no moment
    clearly called for it. Reads what the detectors annotated (concerns, customer emotion,
    the customer's goodbye, a pending action) and found (a closing question)."""
    if behaviour == "acknowledgement":
        turn = _reply_to_explanation(ctx, answers_count=True)
        if turn is not None and _found_at(findings, HEARD_IN_REPLY, turn):
            return None  # a reply that names the customer's details already shows it heard
        return turn
    if behaviour in EXPLAINED:  # saying back: only what the customer explained at length
        if ctx.conversation.channel not in RECAP_CHANNELS:
            return None  # in a chat the customer's words are on screen (0 of 15 judged right)
        return _reply_to_explanation(ctx, long_only=True)
    if behaviour in EMPATHIC:
        angry = _reply_to_feeling(ctx, ANGRY, findings, at_least=ANGER_FEELING)
        return angry if angry is not None else _reply_to_feeling(ctx, SAD, findings)
    if behaviour == "reassurance":
        return _reply_to_feeling(ctx, WORRIED, findings, unless=lexicon("urgent"))
    if behaviour == "resolution_check":
        if ctx.conversation.channel not in RECAP_CHANNELS:
            return None  # a chat's customer says when they are done (1 of 16 judged right)
        return _unanswered_close(ctx, findings)
    if behaviour in CLOSING:
        return _close(ctx, findings)
    if behaviour == "next_step":
        return _pending(ctx)
    if behaviour == "summary":
        if ctx.conversation.channel not in RECAP_CHANNELS:
            return None  # a chat's turns are on screen: a recap at its close adds little
        raised = [c for c in ctx.annotations.get("concerns", []) if c.kind != "question"]
        return _close(ctx, findings) if len(raised) >= SUMMARY_CONCERNS else None
    if behaviour in DETAILS:
        turn = _reply_to_details(ctx)
        if turn is not None and _found_at(findings, CLOSING_CHECK, turn):
            return None  # "So you're late — anything else I can do?" personalises nothing
        if (
            turn is not None
            and ctx.conversation.channel in ON_SCREEN
            and not ctx.annotations.get("unused_details", {}).get(turn)
        ):
            return None  # no specifics left to name: "Name the customer's own details in your
            # reply." alone gives the agent nothing to put in (6 of 17 unusable, sample n), and
            # the customer's words said back on their own screen read as parroting
        return turn
    if behaviour == "open_question":
        if ctx.conversation.channel not in RECAP_CHANNELS:
            return None  # a chat agent taking a request asks what it needs ("Do you want to
            # drive, walk or take transit?"), not the story again (0 of 6 judged right)
        return _closed_reply_to_explanation(ctx, findings)
    if behaviour == "follow_up_question":
        if ctx.conversation.channel not in RECAP_CHANNELS:
            return None  # a chat agent gathering details ("Where do you need to go?") is not
            # asked to probe the story ("You said you took the wrong bus — what happened then?")
        return _reply_to_long_answer(ctx)
    if behaviour == "clarifying_question":
        vague = ctx.annotations.get("problem_vague")
        return _reply_after(ctx, int(vague["turn"])) if isinstance(vague, dict) else None
    return next(
        (agent.index for said, agent in _exchanges(ctx) if _words(said) >= GREETING_WORDS), None
    )


NO_WORDS = -1
"""`words_from` for a tip whose example takes none of the customer's words."""


def words_from(ctx: Context, behaviour: str, moment: int) -> int:
    """The turn up to which the tip's example draws the customer's words: the moment itself,
    except for a recap, which names the customer's first request, and for a closing check and
    the empathic tips, whose examples stand without them (a side remark or a stale request
    quoted there reads as nonsense: "I understand why you're upset: your flight id is 392")."""
    if behaviour == "summary":
        raised = [c for c in ctx.annotations.get("concerns", []) if c.kind != "question"]
        return raised[0].span.turn if raised else NO_WORDS
    if behaviour in EMPATHIC or behaviour in ("resolution_check", "reassurance"):
        return NO_WORDS
    return moment


def _exchanges(ctx: Context) -> list[tuple[list[Turn], Turn]]:
    """(customer turns, the agent's reply) for every reply to something the customer said,
    leaving out the reply to the customer's goodbye ("That's all, thanks!")."""
    done = ctx.annotations.get("customer_done")
    return [
        (said, agent)
        for said, agent in ctx.replies()
        if said and not (said[-1].index == done and _words(said) < EXPLAINED_WORDS)
    ]


def _words(turns: list[Turn]) -> int:
    return sum(len(t.text.split()) for t in turns)


def _problem_turns(ctx: Context) -> set[int]:
    return {c.span.turn for c in ctx.annotations.get("concerns", []) if c.kind == "problem"}


def _reply_to_explanation(
    ctx: Context, *, long_only: bool = False, answers_count: bool = False
) -> int | None:
    """The reply to where the customer described a problem (the first such), else to their
    longest explanation (25 words or more); with `long_only`, only the latter (a short
    request is answered, not said back). With `answers_count`, a reply that answers the
    question the customer ended on, or says goodbye, is no such moment: answering shows
    they were heard ("…Is Tuesday at 6pm available?" →
    "Great, there is still a viewing at that time")."""
    problems = set() if long_only else _problem_turns(ctx)
    exchanges = _exchanges(ctx)
    if answers_count:
        exchanges = [
            (said, agent)
            for said, agent in exchanges
            if not _answers(ctx, said, agent)
            and not _goodbye(ctx, agent)
            and not lexicon("cheerful_opener").match(agent.text.lstrip())
            and not _brings_bad_news(ctx, agent)
            # "I am sorry, I don't quite understand what you mean": asking again engages
            and not lexicon("clarify_request").search(agent.text)
        ]
    for said, agent in exchanges:
        if any(t.index in problems for t in said):
            return agent.index
    long = [(_words(said), agent.index) for said, agent in exchanges]
    long = [pair for pair in long if pair[0] >= EXPLAINED_WORDS]
    return max(long, key=lambda pair: (pair[0], -pair[1]))[1] if long else None


def _brings_bad_news(ctx: Context, agent: Turn) -> bool:
    """A reply whose first sentence says the request cannot be done ("I'm sorry, but the
    restaurant is not able to accommodate you"): "I understand." put before it adds nothing
    (4 such tips unusable to both judges, sample p); what such a reply lacks is another way,
    not an acknowledgement."""
    sentences = ctx.sentences[agent.index]
    return bool(sentences) and bool(lexicon("bad_news").search(sentences[0].text))


def _goodbye(ctx: Context, agent: Turn) -> bool:
    """A short closing reply ("Thank you and goodbye."): nothing to acknowledge with."""
    return len(agent.text.split()) < CLOSE_WORDS and bool(lexicon("closing").search(agent.text))


def _answers(ctx: Context, said: list[Turn], agent: Turn) -> bool:
    """Whether `agent` opens with a statement after a customer run that ends on a question."""
    last = ctx.sentences[said[-1].index] if said else []
    reply = ctx.sentences[agent.index]
    return bool(last and reply and last[-1].text.endswith("?") and not reply[0].text.endswith("?"))


def _reply_to_feeling(
    ctx: Context,
    feelings: frozenset[str],
    findings: list[Finding],
    *,
    at_least: float = FEELING,
    unless: Lexicon | None = None,
) -> int | None:
    """The reply right after the customer turn that showed one of `feelings` most strongly
    (the feeling must be in the turn it answers, not earlier in the conversation); not to a
    turn whose feeling cue `unless` matches: an "I urgently need a ride" reads as worry, but
    "I can see why that would worry you" presumes a worry never voiced (sample r), and the
    acknowledgement tip's "Right away" answers the hurry; nor the reply that asks what is wrong
    after a bare cry for help (`bare_cry`, `asks_what_is_wrong`)."""
    emotions = ctx.annotations.get("customer_emotion", {})
    cues = {
        f.spans[0].turn: f.spans[0]
        for f in findings
        if f.behaviour == "customer_emotion" and f.data.get("source") == "lexicon"
    }
    modelled = read_by_model(findings)
    best: tuple[float, int] | None = None
    for said, agent in _exchanges(ctx):
        if asks_what_is_wrong(agent.text) and all(bare_cry(t.text) for t in said):
            continue  # "HELP! SOS!" → "How can I help?": asking what is wrong was the move
        for turn in said:
            value = emotions.get(turn.index, emotions.get(str(turn.index)))
            label = value.get("label") if isinstance(value, dict) else value
            cue = cues.get(turn.index)
            if (
                cue is not None
                and unless is not None
                and unless.search(turn.text[cue.start : cue.end])
            ):
                continue
            if label in feelings and calls_for_care(
                str(label), "model" if turn.index in modelled else "lexicon"
            ):
                strength = float(value.get("intensity", 0.0)) if isinstance(value, dict) else 0.0
                source = "model" if turn.index in modelled else "lexicon"
                if strength < at_least or not sure_enough(strength, source):
                    continue
                if best is None or strength > best[0]:
                    best = (strength, agent.index)
    return best[1] if best else None


_PIECE = re.compile(r"[^!?.,;:…]+")
PLEASE = frozenset({"please", "pls", "plz"})
"""A piece of a bare cry that is no cry on its own ("Help! Please!")."""


def bare_cry(text: str) -> bool:
    """Whether a customer's message is only a cry for help, with nothing yet of what is wrong
    ("HELP! SOS!", "Hello, I need help!"): every piece between punctuation marks is a cry
    (`lexicons/bare_cry.txt`), a greeting or a "please", and one is a cry."""
    pieces = [p.strip() for p in _PIECE.findall(text) if p.strip()]
    cry, greeting = lexicon("bare_cry"), lexicon("greeting")
    return any(cry.fullmatch(p) for p in pieces) and all(
        cry.fullmatch(p) or greeting.fullmatch(p) or p.lower() in PLEASE for p in pieces
    )


def asks_what_is_wrong(reply: str) -> bool:
    """Whether an agent's reply asks an open question about what the customer needs or what
    is wrong ("Hello, how can I help?", "What's your emergency?"), the fitting answer to a
    `bare_cry`: reassuring the customer then ("I can see why that would worry you") presumes
    a trouble not yet told (a blind judge, sample 2026-12-07e)."""
    return lexicon("asks_what_is_wrong").search(reply) is not None


def sure_enough(intensity: float, source: object) -> bool:
    """Whether a customer's feeling is read surely enough to coach on: a cue word always; a
    reading only the emotion model made when it reaches `MODEL_FEELING` (the tips, and
    rushing's close after an upset)."""
    return source != "model" or intensity >= MODEL_FEELING


def unanswered_risk(ctx: Context, findings: list[Finding]) -> Finding | None:
    """The latest sign that the customer may be at risk (a `vulnerability_cue`) when no agent
    turn since asked whether they are safe or pointed them to help (`lexicons/safety_check.txt`):
    the scorecard's first tip and the live nudge."""
    cues = [f for f in findings if f.behaviour == "vulnerability_cue"]
    if not cues:
        return None
    turn = cues[-1].spans[0].turn
    after = [t for t in ctx.turns[turn + 1 :] if t.role == Role.AGENT]
    return None if any(answers_risk(t.text) for t in after) else cues[-1]


def answers_risk(reply: str) -> bool:
    """Whether an agent's reply answers a customer who may be at risk: it asks whether they
    are safe or points them to help (`lexicons/safety_check.txt`), the one rule of the
    scorecard's tip, the live nudge and the reply check."""
    return bool(lexicon("safety_check").search(reply))


def _close(ctx: Context, findings: list[Finding]) -> int | None:
    """The agent's closing reply: their last turn, unless it still asks the customer for
    something other than "anything else?" (a chat that ends mid-intake has nothing to close)."""
    agents = [t for t in ctx.turns if t.role == Role.AGENT]
    if not agents:
        return None
    last = agents[-1]
    sentences = ctx.sentences[last.index]
    asking = bool(sentences) and sentences[-1].text.endswith("?")
    closing = _found_at(findings, CLOSING_CHECK, last.index)
    return None if asking and not closing else last.index


def _unanswered_close(ctx: Context, findings: list[Finding]) -> int | None:
    """The agent's last turn when it delivered something (not a question, not only a goodbye)
    and the conversation ends there: the customer never said whether it solved their problem.
    When the customer wrote again after it, they had their say ("ok thanks", "that works"), and
    a check would ask what they already answered."""
    if not ctx.turns or ctx.turns[-1].role != Role.AGENT:
        return None
    close = _close(ctx, findings)
    if close is None or close != ctx.turns[-1].index:
        return None
    words = len(ctx.turns[close].text.split())
    return close if words >= CLOSE_WORDS else None


def _pending(ctx: Context) -> int | None:
    """The agent turn that left something to happen later ("your report has been submitted",
    "it's with our returns team") without saying who does what by when (the next-step
    detector's `pending_action`)."""
    pending = ctx.annotations.get("pending_action")
    return pending if isinstance(pending, int) else None


def _reply_to_details(ctx: Context) -> int | None:
    """The reply to the customer's first explanation that carried specifics (numbers, names)
    when the reply itself only asked for more."""
    problems = _problem_turns(ctx)
    for said, agent in _exchanges(ctx):
        if not any(t.index in problems for t in said) and _words(said) < EXPLAINED_WORDS:
            continue
        if _answers(ctx, said, agent) or _goodbye(ctx, agent):
            continue  # answering their question, or saying goodbye: nothing to personalise
        if any(re.search(r"\d|\b[A-Z][a-z]+\b", t.text[1:]) for t in said):
            return agent.index
    return None


def _closed_reply_to_explanation(ctx: Context, findings: list[Finding]) -> int | None:
    """The reply to the customer's problem description when it asked only yes/no questions."""
    turn = _reply_to_explanation(ctx)
    if turn is None:
        return None
    questions = [s.text for s in ctx.sentences[turn] if s.text.endswith("?")]
    if _found_at(findings, CLOSING_CHECK, turn):
        return None  # "Is there anything else I can do?" closes; it is not an interview
    if any(lexicon("offer_question").search(q) for q in questions):
        return None  # "Should I book that for you?" closes a request: no open question needed
    return turn if questions and all(_CLOSED.match(q) for q in questions) else None


def _reply_to_long_answer(ctx: Context) -> int | None:
    """The reply to a customer's answer to the agent's question that described a problem at
    some length (12 words or more): something to build on."""
    problems = _problem_turns(ctx)
    previous: Turn | None = None
    for turn in ctx.turns:
        if (
            turn.role == Role.CUSTOMER
            and previous is not None
            and previous.role == Role.AGENT
            and previous.text.rstrip().endswith("?")
            and turn.index in problems
            and len(turn.text.split()) >= ANSWER_WORDS
        ):
            return _reply_after(ctx, turn.index)
        previous = turn
    return None


def _reply_after(ctx: Context, customer_turn: int) -> int | None:
    return next((t.index for t in ctx.turns[customer_turn + 1 :] if t.role == Role.AGENT), None)
