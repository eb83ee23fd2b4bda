"""From findings to a scorecard: component scores, the Listening Score, checklist and tips."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from functools import partial

from heard.analysis.context import Context
from heard.analysis.moments import (
    EXPLAINED_WORDS,
    NO_WORDS,
    bare_cry,
    called_at,
    unanswered_risk,
    words_from,
)
from heard.analysis.rubric import Behaviour, Rubric
from heard.language.examples import (
    REASSURANCE,
    SAFETY_ADVICE,
    VALIDATION,
    agent_reply,
    agent_words,
    another_way,
    fill,
    heard_it,
    join_words,
    validation,
)
from heard.language.lexicon import lexicon
from heard.language.phrasing import DANGLING_END, DANGLING_START, say_back
from heard.model import (
    NEGATIVE_EMOTIONS,
    SAID_OUTRIGHT,
    ChecklistItem,
    ComponentScore,
    Finding,
    Role,
    Scorecard,
    Span,
    Tip,
    Turn,
    TurnEmotion,
    Verdict,
    calls_for_care,
)

UPSET = frozenset(NEGATIVE_EMOTIONS)
WORRIED = {"worry", "confusion"}
MAX_DEDUCTIONS = 3
"""A negative behaviour is deducted at most this many times per conversation."""
RISK_PRIORITY = 1000.0
"""A customer who may be at risk comes before every rubric tip (`unanswered_risk`)."""


def _emotions(ctx: Context) -> list[tuple[int, str, float]]:
    """(turn, label, intensity) per customer turn as the emotion detector assigned, in turn order
    (empty when none ran); a bare label, as a third-party detector may assign, has intensity 0."""
    found = []
    for key, value in ctx.annotations.get("customer_emotion", {}).items():
        if isinstance(value, dict):
            found.append((int(key), str(value["label"]), float(value.get("intensity", 0.0))))
        else:
            found.append((int(key), str(value), 0.0))
    return sorted(found)


def customer_emotions(ctx: Context) -> dict[int, str]:
    """turn index → emotion label as coaching reads it (empty when no emotion detector ran): a
    sadness only the model read is no upset to answer (`calls_for_care`), so it reads neutral
    here; the scorecard's emotion line keeps it."""
    labels = {}
    for key, value in ctx.annotations.get("customer_emotion", {}).items():
        label = str(value["label"]) if isinstance(value, dict) else str(value)
        source = value.get("source") if isinstance(value, dict) else None
        careless = label in SAID_OUTRIGHT and not calls_for_care(label, source)
        labels[int(key)] = "neutral" if careless else label
    return labels


def turn_emotions(ctx: Context) -> list[TurnEmotion]:
    """The customer's emotion per turn with its intensity, in turn order (empty when none ran)."""
    return [TurnEmotion(turn=t, label=label, intensity=i) for t, label, i in _emotions(ctx)]


def applies(behaviour: Behaviour, ctx: Context, findings: list[Finding]) -> tuple[bool, str]:
    """Whether the rubric calls for a positive behaviour here, and why (not)."""
    conversation = ctx.conversation
    if not ctx.view("agent_spoke", lambda: any(t.role == Role.AGENT for t in conversation.turns)):
        return False, "the agent did not speak"
    emotions = (
        set(customer_emotions(ctx).values())
        if behaviour.applies in ("customer_upset", "customer_worried")
        else set()
    )
    match behaviour.applies:
        case "customer_upset":
            return (
                bool(emotions & UPSET),
                "the customer was upset"
                if emotions & UPSET
                else "the customer showed no negative emotion",
            )
        case "customer_worried":
            return (
                bool(emotions & WORRIED),
                "the customer was worried or confused"
                if emotions & WORRIED
                else "the customer was not worried or confused",
            )
        case "customer_named":
            named = bool(conversation.customer and conversation.customer.name)
            return named, "the customer's name is known" if named else "no customer name known"
        case "long_or_multi":
            long = len(conversation.turns) >= 10
            return long, "a long conversation" if long else "a short conversation"
        case "long_call":
            long = conversation.channel == "call" and len(conversation.turns) >= 10
            return long, "a long call" if long else "not a long call"
        case "held_long":
            return _held_long(ctx)
        case "customer_gave_details":
            return _gave_details(ctx)
        case "questions_asked":
            asked = any(f.behaviour in ("open_question", "closed_question") for f in findings)
            return asked, "the agent asked questions" if asked else "the agent asked no questions"
        case "closed_exploring":
            explained = _explained(ctx)[0]
            closed = [
                f
                for f in findings
                if f.behaviour == "closed_question"
                and not lexicon("offer_question").search(_quote(ctx, f.spans[0], limit=10_000))
            ]
            if not closed:
                return False, "the agent asked no yes/no question that explores the problem"
            return explained, (
                "the agent asked yes/no questions about a problem the customer described"
                if explained
                else "the customer only asked for something or gave details"
            )
        case "problem_vague":
            vague = ctx.annotations.get("problem_vague")
            return (
                (True, f"the customer's problem was vague (“{vague['cue']}”)")
                if isinstance(vague, dict)
                else (False, "the customer said clearly what was wrong")
            )
        case "customer_explained":
            return _explained(ctx)
        case "need_not_confirmed":
            if "customer_done" not in ctx.annotations:
                return True, "expected in every conversation"
            done = ctx.annotations["customer_done"]
            return (
                (False, f"the customer said their need was met (turn {done})")
                if done is not None
                else (True, "the customer did not say their need was met")
            )
        case "action_pending":
            if "pending_action" not in ctx.annotations:
                return True, "expected in every conversation"
            pending = ctx.annotations["pending_action"]
            return (
                (True, f"turn {pending} left something to happen later")
                if isinstance(pending, int)
                else (False, "nothing was left to happen later")
            )
        case "written_reply":
            written = conversation.channel != "call" and any(
                customer_turns for customer_turns, _ in ctx.replies()
            )
            return written, (
                "expected in a written reply" if written else "no written reply to the customer"
            )
    return True, "expected in every conversation"


def _held_long(ctx: Context) -> tuple[bool, str]:
    """Whether a call had a hold of `long_hold_seconds` or more, which a call-back offer
    answers: on a call of ten turns with no hold, a "one moment" or a chat's wait, "offer a
    call-back rather than a long hold" has nothing to answer."""
    if ctx.conversation.channel != "call":
        return False, "not a call"
    longest = ctx.annotations.get("metrics", {}).get("longest_hold_seconds")
    long = longest is not None and longest >= ctx.rubric.thresholds.long_hold_seconds
    return long, f"a hold of {longest:.0f} s" if long else "no long hold"


def _gave_details(ctx: Context) -> tuple[bool, str]:
    if "customer_details" not in ctx.annotations:
        return False, "no detector looked for the customer's details"
    gave = ctx.annotations["customer_details"] > 0
    return (
        gave,
        "the customer gave details (numbers, dates, names)"
        if gave
        else "the customer gave no specific details",
    )


def _explained(ctx: Context) -> tuple[bool, str]:
    """Whether the customer explained a problem or situation (a concern of the problem kind,
    or a long turn), rather than only asking for a booking or giving details."""
    problems = [c for c in ctx.annotations.get("concerns", []) if c.kind == "problem"]
    if problems:
        return True, f"the customer described a problem (turn {problems[0].span.turn})"
    long = [
        t.index
        for t in ctx.turns
        if t.role == Role.CUSTOMER and len(t.text.split()) >= EXPLAINED_WORDS
    ]
    if long:
        return True, f"the customer explained at length (turn {long[0]})"
    return False, "the customer only asked for something or gave details"


def customer_words(ctx: Context, turn: int, *, earlier: bool = False) -> str | None:
    """The customer's words to say back at the moment `turn`: a clause from the customer's
    turns it answers (see `_said_before`) that has one worth saying back, in the second person
    (None when none has one). With `earlier`, for a reply that went wrong (blame, "as I
    said…"), the nearest earlier customer turn with such a clause will do: what the customer
    told the agent before is the point there. heard.language.phrasing chooses and turns them."""
    if earlier:
        return say_back(t.text for t in reversed(ctx.turns[: turn + 1]) if t.role == Role.CUSTOMER)
    return say_back(t.text for t in reversed(_said_before(ctx, turn)))


def _said_before(ctx: Context, turn: int) -> list[Turn]:
    """The customer's turns the moment `turn` answers: the customer turn itself, else the
    customer's run of turns right before it (nothing from earlier in the conversation: words
    from three turns back read as the wrong subject)."""
    if turn < 0 or turn >= len(ctx.turns):
        return []
    if ctx.turns[turn].role == Role.CUSTOMER:
        return [ctx.turns[turn]]
    run: list[Turn] = []
    for t in reversed(ctx.turns[:turn]):
        if t.role == Role.CUSTOMER:
            run.insert(0, t)
        elif run:
            break
    return run


def render_tip(
    template: str, ctx: Context, turn: int, *, moment: int | None = None, earlier: bool = False
) -> str:
    """A rubric tip with the customer's words and first name filled in as a sentence (the
    example dropped when there is nothing to fill it with)."""
    customer = ctx.conversation.customer
    name = customer.name.split()[0] if customer and customer.name else None
    words = customer_words(ctx, turn, earlier=earlier) if "{customer_words}" in template else None
    at = turn if moment is None else moment  # the agent's reply the tip is about
    reply = ctx.turns[at] if 0 <= at < len(ctx.turns) else None
    own = reply.text if reply is not None and reply.role == Role.AGENT else None
    return fill(
        template,
        words,
        name=name,
        agent=agent_words(own) if own and "{agent_words}" in template else None,
        reply=agent_reply(own) if own and "{agent_reply}" in template else None,
        heard=_heard_it(ctx, at, own) if "{acknowledgement}" in template else None,
        another=another_way(own) if own and "{another_way}" in template else None,
        validation=_validation(ctx, at) if "{validation}" in template else None,
        reassurance=_reassurance(ctx, at) if "{reassurance}" in template else None,
        details=join_words(
            [f"“{d}”" for d in ctx.annotations.get("unused_details", {}).get(at, [])]
        )
        or None
        if "{customer_details}" in template
        else None,
    )


def _validation(ctx: Context, turn: int) -> str | None:
    """How to validate the feeling of the customer turns the moment `turn` answers (the most
    actionable one, `NEGATIVE_EMOTIONS` order), or None when they showed none."""
    emotions = customer_emotions(ctx)
    said = _said_before(ctx, turn)
    felt = {emotions.get(t.index) for t in said}
    text = " ".join(t.text for t in said)
    return next(
        (validation(e, text) for e in NEGATIVE_EMOTIONS if e in felt and e in VALIDATION), None
    )


def _reassurance(ctx: Context, turn: int) -> str:
    """How to reassure the customer turns the moment `turn` answers (`REASSURANCE`): a
    question about what is wrong when they only cried for help (`bare_cry`), speed for an
    emergency or a hurry, else the worry's words."""
    said = _said_before(ctx, turn)
    if said and all(bare_cry(t.text) for t in said):
        return REASSURANCE["bare_cry"]
    urgent = any(lexicon("urgent").search(t.text) for t in said)
    return REASSURANCE["urgent" if urgent else "worry"]


def _heard_it(ctx: Context, turn: int, reply: str | None) -> str:
    """The plain acknowledgement for the moment `turn` (`heard_it`): from the feelings and
    concerns of the customer turns it answers."""
    emotions = customer_emotions(ctx)
    turns = _said_before(ctx, turn)
    said = {t.index for t in turns}
    concerns = [c for c in ctx.annotations.get("concerns", []) if c.span.turn in said]
    # a problem said in words of loss or failure ("I lost my debit card"), not any "wrong" or
    # "late" ("I never get the answers wrong", "I like to show up late")
    glad = any(emotions.get(t) == "satisfaction" for t in said)
    unconditional = lexicon("conditional").pattern  # "if that doesn't work, later is okay"
    upset = (
        any(emotions.get(t) in UPSET for t in said)
        or any(
            c.kind == "problem" and lexicon("loss").search(unconditional.sub("", c.quote))
            for c in concerns
        )
        # a complaint or a bad day in words no emotion reading caught ("It's too late")
        or (
            not glad
            and any(lexicon("setback").search(unconditional.sub("", t.text)) for t in turns)
        )
    )
    return heard_it(
        reply,
        upset=upset,
        request=any(c.kind == "request" for c in concerns),
        glad=glad,
        thanked=any(lexicon("thanks").search(t.text) for t in turns),
        luck=any(lexicon("wish_luck").search(t.text) for t in turns),
        urgent=any(lexicon("urgent").search(t.text) for t in turns),
    )


def _quote(ctx: Context, span: Span, limit: int = 90) -> str:
    """The span's words; a cue of a few words that stops mid-sentence is quoted as its whole
    sentence: "is there anything else I can", "I just gave" (both judged ungrammatical, sample
    t) read as "I just gave you all of them!", "reset your" as "I have reset your line…" and
    "or not" as "Are you going to replace it or not?".
    A term (jargon, a name) stays itself."""
    text = ctx.turns[span.turn].text
    start, end = span.start, span.end
    words = text[start:end].split()
    # a cue that ends or opens on a word that needs more ("reset your", "or not") is no term
    # either
    cue = text[start:end].rstrip(".,;:!?")
    dangling = len(words) > 1 and bool(DANGLING_END.search(cue + ".") or DANGLING_START.match(cue))
    if (len(words) >= QUOTED_CLAUSE_WORDS or dangling) and span.turn < len(ctx.sentences):
        for sentence in ctx.sentences[span.turn]:
            if sentence.start <= start and end <= sentence.end:
                start, end = sentence.start, sentence.end
                break
    return _clip(text[start:end].strip(), limit)


QUOTED_CLAUSE_WORDS = 3
"""A finding's words this many or more are quoted as their whole sentence."""


def _said(ctx: Context, span: Span) -> str:
    """The span's words in quotes, or the turn's time when it has no words (a call read for
    timing only)."""
    turn = ctx.turns[span.turn]
    if not turn.text.strip() and turn.start is not None and turn.end is not None:
        return f"{turn.start:.1f}–{turn.end:.1f} s"
    return f"“{_quote(ctx, span)}”"


def _clip(text: str, limit: int = 90) -> str:
    """`text` cut to `limit` characters at a word's end ("…for your requested…", not "…for
    your requested dat…": 13 such quotes noted by both judges, sample u)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:—–-") + "…"


def question_metrics(findings: list[Finding]) -> dict[str, float | int | str | None]:
    """Question rate, % open and reflection-to-question ratio against the MITI 4.2.1 bands."""
    counts = Counter(f.behaviour for f in findings)
    questions = counts["open_question"] + counts["closed_question"]
    reflections = counts["paraphrase"] + counts["reflection_of_feeling"] + counts["summary"]
    metrics: dict[str, float | int | str | None] = {
        "questions": questions,
        "open_questions": counts["open_question"],
        "reflections": reflections,
        "percent_open_questions": round(100 * counts["open_question"] / questions, 1)
        if questions
        else None,
        "reflection_to_question": round(reflections / questions, 2) if questions else None,
    }
    ratio = metrics["reflection_to_question"]
    if isinstance(ratio, float):
        metrics["reflection_to_question_band"] = (
            "good" if ratio >= 2 else "fair" if ratio >= 1 else "below fair"
        )
    share = metrics["percent_open_questions"]
    if isinstance(share, float):
        metrics["open_question_band"] = (
            "good" if share >= 70 else "fair" if share >= 50 else "below fair"
        )
    return metrics


def score(
    ctx: Context,
    findings: list[Finding],
    rubric: Rubric,
    detector_versions: dict[str, str],
    skipped: dict[str, str],
    *,
    unjudged: Mapping[str, str] | None = None,
) -> Scorecard:
    """The scorecard for one conversation from its findings, with the rubric's weights.
    `unjudged` behaviours (behaviour → why) found nowhere are not applicable, neither credited
    nor deducted: no detector could look (the checklist holds behaviours to do or avoid, not
    measurements)."""
    by_behaviour: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_behaviour[finding.behaviour].append(finding)

    credit: dict[str, float] = defaultdict(float)
    possible: dict[str, float] = defaultdict(float)
    penalty: dict[str, float] = defaultdict(float)
    counted: Counter[str] = Counter()
    checklist: list[ChecklistItem] = []
    tips: list[tuple[float, str, Callable[[], Tip | None]]] = []
    """(priority, behaviour, how to make the tip): only the three shown are made."""

    for name, behaviour in rubric.behaviours.items():
        seen = by_behaviour.get(name, [])
        listed = behaviour.polarity in ("positive", "negative")
        if unjudged and name in unjudged and listed and not seen:
            checklist.append(
                ChecklistItem(
                    behaviour=name,
                    component=behaviour.component,
                    verdict=Verdict.NOT_APPLICABLE,
                    reason=unjudged[name],
                )
            )
            continue
        if behaviour.polarity == "positive":
            needed, why = applies(behaviour, ctx, findings)
            if seen:
                verdict, reason = (
                    Verdict.DONE,
                    f"turn {seen[0].spans[0].turn}: {_said(ctx, seen[0].spans[0])}",
                )
            elif needed:
                verdict, reason = Verdict.MISSED, why
            else:
                verdict, reason = Verdict.NOT_APPLICABLE, why
            if verdict != Verdict.NOT_APPLICABLE:
                possible[behaviour.component] += behaviour.points
                counted[behaviour.component] += len(seen)
            if verdict == Verdict.DONE:
                credit[behaviour.component] += behaviour.points
            if verdict == Verdict.MISSED and behaviour.tip_for(ctx.conversation.channel):
                make = partial(_missed_tip, ctx, name, behaviour, why, findings)
                tips.append((_priority(behaviour), name, make))
            checklist.append(
                ChecklistItem(
                    behaviour=name, component=behaviour.component, verdict=verdict, reason=reason
                )
            )
        elif behaviour.polarity == "negative":
            if seen:
                penalty[behaviour.component] += behaviour.points * min(len(seen), MAX_DEDUCTIONS)
                counted[behaviour.component] += len(seen)
            item, deducted = _avoided(ctx, name, behaviour, seen)
            checklist.append(item)
            tips += deducted

    risk = unanswered_risk(ctx, findings)
    if risk is not None and "vulnerability_cue" in rubric.behaviours:
        tips.append((RISK_PRIORITY, "vulnerability_cue", partial(_risk_tip, ctx, risk)))
    components = _components(rubric, credit, possible, penalty, counted)
    scored = [c for c in components if c.score is not None and c.weight > 0]
    listening = (
        round(sum(c.score * c.weight for c in scored) / sum(c.weight for c in scored), 1)  # type: ignore[operator]
        if scored
        else None
    )
    metrics = dict(question_metrics(findings))
    metrics.update(ctx.annotations.get("metrics", {}))
    # the first tip of each behaviour by priority, the three with the highest priority made
    best: dict[str, tuple[float, str, Callable[[], Tip | None]]] = {}
    for tip in sorted(tips, key=lambda t: -t[0]):
        best.setdefault(tip[1], tip)
    return Scorecard(
        conversation_id=ctx.conversation.id,
        listening_score=listening,
        components=components,
        metrics=metrics,
        checklist=checklist,
        tips=_distinct(ctx, rubric, sorted(best.values(), key=lambda t: -t[0])),
        findings=findings,
        concerns=ctx.annotations.get("concerns", []),
        emotions=turn_emotions(ctx),
        rubric=rubric.ref,
        detectors=detector_versions,
    )


def _avoided(
    ctx: Context, name: str, behaviour: Behaviour, seen: list[Finding]
) -> tuple[ChecklistItem, list[tuple[float, str, Callable[[], Tip | None]]]]:
    """The checklist item of a behaviour to avoid, found `seen` times (avoided when never), and
    a tip for each of its first MAX_DEDUCTIONS findings."""
    if not seen:
        return ChecklistItem(
            behaviour=name,
            component=behaviour.component,
            verdict=Verdict.DONE,
            reason="avoided",
        ), []
    first = seen[0].spans[0]
    item = ChecklistItem(
        behaviour=name,
        component=behaviour.component,
        verdict=Verdict.MISSED,
        reason=f"avoid: {len(seen)}× — turn {first.turn}: {_said(ctx, first)}",
    )
    return item, [
        (_priority(behaviour) + 1, name, partial(_deducted_tip, ctx, name, behaviour, finding))
        for finding in seen[:MAX_DEDUCTIONS]
    ]


def _components(
    rubric: Rubric,
    credit: dict[str, float],
    possible: dict[str, float],
    penalty: dict[str, float],
    counted: Counter[str],
) -> list[ComponentScore]:
    """Each component's score: the credit of the behaviours done out of those that applied,
    less the deductions (100 less them when only behaviours to avoid applied; None when
    nothing applied), between 0 and 100."""
    components = []
    for key, component in rubric.components.items():
        value: float | None
        if possible[key] > 0:
            value = 100 * credit[key] / possible[key]
        elif penalty[key] > 0:
            value = 100.0
        else:
            value = None
        if value is not None:
            value = max(0.0, min(100.0, value - penalty[key]))
        components.append(
            ComponentScore(
                component=key,
                score=None if value is None else round(value, 1),
                weight=component.weight,
                findings=counted[key],
            )
        )
    return components


TIPS = 3
"""Tips a scorecard shows."""


def _distinct(
    ctx: Context, rubric: Rubric, ranked: list[tuple[float, str, Callable[[], Tip | None]]]
) -> list[Tip]:
    """The first `TIPS` tips by priority that say something new: not a suggestion already
    made, nor a second tip at the same turn (a missed paraphrase, check of understanding or
    acknowledgement at one turn, or "rushes" and "ignores the question" on one reply, are one
    piece of advice: the weightiest)."""
    chosen: list[Tip] = []
    said: set[str] = set()
    moments: set[int] = set()
    for _, _name, make in ranked:
        tip = make()
        if tip is None:
            continue
        moment = tip.span.turn if tip.span else None
        if (tip.suggestion and tip.suggestion in said) or moment in moments:
            continue
        chosen.append(tip)
        if tip.suggestion:
            said.add(tip.suggestion)
        if moment is not None:
            moments.add(moment)
        if len(chosen) == TIPS:
            break
    return chosen


def _risk_tip(ctx: Context, cue: Finding) -> Tip:
    """The first tip when the customer may be at risk and nobody asked whether they are safe."""
    span = cue.spans[0]
    return Tip(
        behaviour="vulnerability_cue",
        message=f"The customer may be at risk at turn {span.turn}: {_said(ctx, span)}",
        span=span,
        suggestion=SAFETY_ADVICE,
        priority=RISK_PRIORITY,
    )


def _priority(behaviour: Behaviour) -> float:
    """Where a behaviour's tips rank: its `priority`, else its points."""
    return behaviour.rank


def _missed_tip(
    ctx: Context, name: str, behaviour: Behaviour, why: str, findings: list[Finding]
) -> Tip | None:
    """The tip for a missed behaviour, pinned to the moment that called for it; None when no
    moment clearly did (heard.analysis.moments)."""
    turn = called_at(ctx, name, findings)
    if turn is None:
        return None
    return Tip(
        behaviour=name,
        message=f"{behaviour.missed} ({why})."
        if behaviour.missed
        else f"Missed: {behaviour.label.lower()} ({why}).",
        span=Span(turn=turn, start=0, end=len(ctx.turns[turn].text)),
        suggestion=render_tip(
            behaviour.tip_for(ctx.conversation.channel) or "",
            ctx,
            words_from(ctx, name, turn),
            moment=turn,
        ),
        priority=_priority(behaviour),
    )


def _deducted_tip(ctx: Context, name: str, behaviour: Behaviour, finding: Finding) -> Tip:
    span = finding.spans[0]
    said = finding.data.get("quote")
    raised = finding.data.get("customer_turn")
    if isinstance(said, str) and isinstance(raised, int):
        # a finding about the customer's words (a concern left unanswered) quotes them
        message = f"{behaviour.label} at turn {span.turn}: “{_clip(said)}” (turn {raised})"
    elif isinstance(raised, int) and 0 <= raised < len(ctx.turns) and raised != span.turn:
        # both sides, each with its own turn, in the order they were said: "the customer gave
        # at turn 21: “May I have your name”" read the agent's ask as the customer's words
        # (every such message judged ungrammatical, sample n)
        value = finding.data.get("value")
        words = value if isinstance(value, str) else ctx.turns[raised].text
        agent = _said(ctx, span)
        message = (
            f"{behaviour.label}: the customer said “{_clip(words.strip(), 60)}” at turn "
            f"{raised}, and at turn {span.turn} the agent says {agent}"
            + ("" if agent[-2:-1] in ("?", "!", ".", "…") else ".")
        )
    else:
        message = f"{behaviour.label} at turn {span.turn}: {_said(ctx, span)}"
    words_at = span.turn
    if name == "rushing":  # "Before we finish: you told me …": the request still open, if any
        still_open = [c for c in ctx.annotations.get("concerns", []) if c.addressed is None]
        words_at = still_open[0].span.turn if still_open else NO_WORDS
    return Tip(
        behaviour=name,
        message=message,
        span=span,
        suggestion=finding.suggestion
        or (
            render_tip(tip, ctx, words_at, earlier=True)
            if (tip := behaviour.tip_for(ctx.conversation.channel))
            else None
        ),
        priority=_priority(behaviour) + 1,
    )
