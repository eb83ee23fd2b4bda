"""The dashboards' numbers, each for what a viewer may see of the conversations a filter picks:
conversations and mean scores per day or week (`trends`, and per agent `agent_trends`), the
score distribution in bands (`distribution`) and the best and worst moments (`moments`, from
the candidates each scorecard keeps, see `moment_candidates`), and the recognition board
(`recognition`: listeners of the week, most improved, behaviour badges). Whole days are read
from the daily rollups (heard.store.rollups), the rest from the conversations and their
copies."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import orjson
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from heard import numbers as rules
from heard.store import copies, rollups, scoping, scorecards
from heard.store.clock import from_db
from heard.store.records import (
    Badge,
    ConversationFilter,
    Distribution,
    DistributionBin,
    Listener,
    Moment,
    Moments,
    Recognition,
    TrendPoint,
    Viewer,
)
from heard.store.tables import (
    AgentRow,
    ConversationComponentsRow,
    ConversationRow,
    DailyBandRow,
    DailyScoreRow,
    DailyVerdictRow,
    ScorecardRow,
    TeamRow,
)

if TYPE_CHECKING:
    from heard.store.repository import Store

Sums = dict[tuple[Any, ...], list[float]]
"""Counts and sums that answers add up from a rollup and from conversations: key → [rows,
rows with a score, sum of the scores]."""

BADGES = {
    "Paraphraser": "paraphrase",
    "Feelings first": "reflection_of_feeling",
    "Open questions": "open_question",
    "Concern closer": "unaddressed_concern",
    "Empathy": "empathy",
}
"""Behaviour badges of the recognition page: badge → the behaviour whose done-rate wins it."""


def period_start(
    dialect: str, by: Literal["day", "week"], column: Any = ConversationRow.occurred_at
) -> Any:
    """The SQL of the day of `column`, or of the Monday of its week (on `dialect`)."""
    if dialect == "sqlite":
        if by == "day":
            return func.date(column)
        return func.date(column, "weekday 0", "-6 days")
    return func.date(func.date_trunc(by, column))


def trends(
    store: Store,
    viewer: Viewer,
    where: ConversationFilter | None = None,
    *,
    by: Literal["day", "week"] = "week",
) -> list[TrendPoint]:
    """Per day or week (weeks start on Monday): conversations, mean Listening Score and
    mean score per component."""
    where = where or ConversationFilter()
    sums: Sums = defaultdict(lambda: [0, 0, 0])
    """(period, component) → [conversations, scored, total]; component "" is the score."""
    whole, parts = scoping.by_days(where)
    with store._session() as session:
        if whole is not None:
            _rolled_trend_sums(store, session, viewer, whole, by, sums)
        for part in parts:
            _trend_sums(store, session, viewer, part, by, sums)
    points: dict[date, TrendPoint] = {}
    for (p, component), (n, scored, total) in sums.items():
        if component == "" and n:
            points[p] = TrendPoint(
                period=p, conversations=int(n), listening_score=_mean(total, scored)
            )
    for (p, component), (_n, scored, total) in sums.items():
        if component != "" and p in points:
            points[p].components[component] = _mean(total, scored)
    return [points[k] for k in sorted(points)]


def _rolled_trend_sums(
    store: Store,
    session: Session,
    viewer: Viewer,
    where: ConversationFilter,
    by: Literal["day", "week"],
    sums: Sums,
) -> None:
    """Add `trends`' sums for `where` (which `scoping.rolls_up`) from `daily_scores`."""
    period = period_start(store.dialect, by, DailyScoreRow.day).label("period")
    stmt = scoping.rollup_query(
        [
            period,
            DailyScoreRow.component,
            func.sum(DailyScoreRow.conversations),
            func.sum(DailyScoreRow.scored),
            func.sum(DailyScoreRow.total),
        ],
        viewer,
        where,
    ).group_by(period, DailyScoreRow.component)
    for p, component, n, scored, total in session.execute(stmt):
        _add(sums[(_as_date(p), component)], n, scored, total)


def _trend_sums(
    store: Store,
    session: Session,
    viewer: Viewer,
    where: ConversationFilter,
    by: Literal["day", "week"],
    sums: Sums,
) -> None:
    """Add `trends`' sums for `where` from the conversations' copied current scores and
    their scorecards' component scores."""
    rows = scoping.filter_rows(where)
    period = period_start(store.dialect, by, rows.occurred_at).label("period")
    stmt = scoping.conversation_query(
        [period, *_tally(rows.listening_score)], viewer, where, rows, conversations=False
    )
    for p, n, scored, total in session.execute(stmt.group_by(period)):
        _add(sums[(_as_date(p), "")], n, scored, total)
    layouts = copies.layouts(session)
    if not layouts:
        return
    components = ConversationComponentsRow.__table__
    slots = [components.c[f"s{i}"] for i in range(max(len(names) for names in layouts.values()))]
    stmt = scoping.conversation_query(
        [
            period,
            components.c.layout_id,
            func.count(),
            *[f(slot) for slot in slots for f in (func.count, func.sum)],
        ],
        viewer,
        where,
        rows,
        conversations=False,
    ).join(components, components.c.conversation_id == scoping.row_id(rows))
    for p, layout, n, *tallies in session.execute(stmt.group_by(period, components.c.layout_id)):
        for i, component in enumerate(layouts[layout]):
            _add(sums[(_as_date(p), component)], n, tallies[2 * i], tallies[2 * i + 1])


def distribution(
    store: Store, viewer: Viewer, where: ConversationFilter | None = None, *, width: int = 10
) -> Distribution:
    """Conversations per band of `width` points (the last band holds 100)."""
    where = where or ConversationFilter()
    edges = list(range(0, 100, width))
    counts = [0] * len(edges)
    unscored = total = 0

    def band(rows: Any) -> Any:  # the band's index, counted in the database
        return case(
            (rows.listening_score.is_(None), -1),
            *[(rows.listening_score < low + width, i) for i, low in enumerate(edges[:-1])],
            else_=len(edges) - 1,
        ).label("band")

    whole, parts = scoping.by_days(where) if width == rollups.BAND_WIDTH else (None, [where])
    statements = []
    if whole is not None:
        statements.append(
            scoping.rollup_where(
                select(DailyBandRow.band, func.sum(DailyBandRow.conversations)).group_by(
                    DailyBandRow.band
                ),
                DailyBandRow,
                viewer,
                whole,
            )
        )
    for part in parts:
        rows = scoping.filter_rows(part)
        statements.append(
            scoping.conversation_query(
                [band(rows), func.count()], viewer, part, rows, conversations=False
            ).group_by(text("band"))
        )
    with store._session() as session:
        for stmt in statements:
            for index, n in session.execute(stmt):
                total += n
                if index < 0:
                    unscored += n
                else:
                    counts[index] += n
    return Distribution(
        bins=[
            DistributionBin(low=low, high=min(low + width, 100), conversations=n)
            for low, n in zip(edges, counts, strict=True)
        ],
        unscored=unscored,
        total=total,
    )


BARE_MOMENTS = frozenset({"uses_name"})
"""Positive behaviours never shown as a best moment: a name used is no moment to celebrate."""


def moments(
    store: Store,
    viewer: Viewer,
    where: ConversationFilter | None = None,
    *,
    limit: int = 5,
    scan: int = 500,
) -> Moments:
    """The best and worst moments (positive and negative findings with their quote) of the
    most recent `scan` conversations matching `where`; one per conversation and behaviour.

    The best rank by how strong and how rare the behaviour is among those conversations
    (confidence × the share of them without it): an empathic reply two agents in a hundred
    give outranks an acknowledgement every other reply has, and a name used (`BARE_MOMENTS`)
    is never a best moment. The worst rank by confidence. Then newer first."""
    where = where or ConversationFilter()
    found: dict[str, list[_Candidate]] = {"positive": [], "negative": []}
    with store._session() as session:
        source = scoping.filter_rows(where)
        stmt = scoping.conversation_query(
            [
                ConversationRow.id,
                ConversationRow.agent_id,
                ConversationRow.occurred_at,
                ScorecardRow.moments,
                AgentRow.name,
                AgentRow.external_id,
            ],
            viewer,
            where,
            source,
        )
        stmt = stmt.outerjoin(ScorecardRow, ScorecardRow.id == ConversationRow.scorecard_id)
        stmt = stmt.outerjoin(AgentRow, AgentRow.id == ConversationRow.agent_id)
        key = scoping.row_id(source)
        rows = session.execute(
            stmt.order_by(source.occurred_at.desc(), key.desc()).limit(scan)
        ).all()
        scored = 0
        having: Counter[str] = Counter()  # conversations with a positive finding of each
        for row in rows:
            if row[3] is None:
                continue
            scored += 1
            stamp = from_db(row[2]).timestamp()  # type: ignore[union-attr]
            for candidate in orjson.loads(row[3]):  # see moment_candidates
                if candidate[2] == "positive":
                    if candidate[0] in BARE_MOMENTS:
                        continue
                    having[candidate[0]] += 1
                into = found[candidate[2]]
                into.append((candidate[3], stamp, len(into), row, candidate))
        found["positive"] = [
            (strength * (1 - having[c[0]] / scored), stamp, order, row, c)
            for strength, stamp, order, row, c in found["positive"]
        ]
        chosen = {polarity: _top(candidates, limit) for polarity, candidates in found.items()}
        wanted = sorted({row[0] for picks in chosen.values() for row, _ in picks})
        turns = {
            row_id: [t["text"] for t in orjson.loads(body).get("turns", [])]
            for row_id, body in session.execute(
                select(ConversationRow.id, ConversationRow.body).where(
                    ConversationRow.id.in_(wanted)
                )
            )
        }

    best = [_moment(*pick, turns) for pick in chosen["positive"]]
    worst = [_moment(*pick, turns) for pick in chosen["negative"]]
    return Moments(best=best, worst=worst)


_Candidate = tuple[float, float, int, Any, list[Any]]
"""A moment `moments` may choose: (confidence, newest first, order, row, candidate). The
candidates stay plain tuples; only the chosen become Moments, with their quotes."""


def _top(candidates: list[_Candidate], limit: int) -> list[tuple[Any, list[Any]]]:
    """The `limit` highest-ranked candidates, from different conversations."""
    ranked = sorted(candidates, key=lambda m: (-m[0], -m[1], m[2]))
    chosen: list[tuple[Any, list[Any]]] = []
    used: set[int] = set()
    for _, _, _, row, candidate in ranked:  # prefer different conversations
        if row[0] not in used:
            chosen.append((row, candidate))
            used.add(row[0])
        if len(chosen) == limit:
            break
    return chosen


def _moment(row: Any, candidate: list[Any], turns: dict[int, list[str]]) -> Moment:
    """A chosen candidate as a Moment, quoting the turns of its conversation."""
    behaviour, component, polarity, confidence, turn, start, end, explanation = candidate
    return Moment(
        conversation_id=row[0],
        agent_id=row[1],
        agent=row[4] or row[5],
        occurred_at=from_db(row[2]),  # type: ignore[arg-type]
        behaviour=behaviour,
        component=component,
        polarity=polarity,
        turn=turn,
        start=start,
        end=end,
        quote=turns[row[0]][turn][start:end],
        explanation=explanation,
        confidence=confidence,
    )


def agent_trends(
    store: Store,
    viewer: Viewer,
    where: ConversationFilter | None = None,
    *,
    by: Literal["day", "week"] = "week",
) -> dict[int, dict[date, tuple[int, float | None]]]:
    """Per agent, per day or week: (conversations, mean Listening Score) — the dashboard's
    sparklines in one query instead of one per agent."""
    where = where or ConversationFilter()
    sums: Sums = defaultdict(lambda: [0, 0, 0])
    """(agent, period) → [conversations, scored, total]."""
    whole, parts = scoping.by_days(where)
    statements = []
    if whole is not None:
        period = period_start(store.dialect, by, DailyScoreRow.day).label("period")
        statements.append(
            scoping.rollup_query(
                [
                    DailyScoreRow.agent_id,
                    period,
                    func.sum(DailyScoreRow.conversations),
                    func.sum(DailyScoreRow.scored),
                    func.sum(DailyScoreRow.total),
                ],
                viewer,
                whole,
            )
            .where(DailyScoreRow.component == "", DailyScoreRow.agent_id != 0)
            .group_by(DailyScoreRow.agent_id, period)
        )
    for part in parts:
        rows = scoping.filter_rows(part)
        period = period_start(store.dialect, by, rows.occurred_at).label("period")
        statements.append(
            scoping.conversation_query(
                [rows.agent_id, period, *_tally(rows.listening_score)],
                viewer,
                part,
                rows,
                conversations=False,
            )
            .where(rows.agent_id.is_not(None))
            .group_by(rows.agent_id, period)
        )
    with store._session() as session:
        for stmt in statements:
            for agent, p, n, scored, total in session.execute(stmt):
                _add(sums[(agent, _as_date(p))], n, scored, total)
    found: dict[int, dict[date, tuple[int, float | None]]] = defaultdict(dict)
    for (agent, p), (n, scored, total) in sums.items():
        if n:
            found[agent][p] = (int(n), _mean(total, scored))
    return dict(found)


def recognition(
    store: Store,
    viewer: Viewer,
    *,
    week: date,
    team_id: int | None = None,
    limit: int = 5,
    min_conversations: int | None = None,
) -> Recognition:
    """Listeners of the week starting `week` (moved back to its Monday): by mean score and
    by improvement on the week before, each needing `min_conversations` in the week (and
    the week before, for improvement); an improvement is listed only when its 95% interval
    (Welch, heard.numbers) lies above 0, so a decliner or noise is never "most improved".
    A badge per behaviour goes to the agent who did it in the largest share of their
    conversations, having done it in at least `min_conversations` of them."""
    minimum = min_conversations or store.recognition_min_conversations
    monday = week - timedelta(days=week.weekday())
    start = datetime.combine(monday, datetime.min.time())
    where = ConversationFilter(team_id=team_id, start=start, end=start + timedelta(days=7))
    before = ConversationFilter(team_id=team_id, start=start - timedelta(days=7), end=start)
    with store._session() as session:
        names = {
            a.id: (a.name or a.external_id, t)
            for a, t in session.execute(
                select(AgentRow, TeamRow.name).outerjoin(TeamRow, TeamRow.id == AgentRow.team_id)
            )
        }

        this_week = _means(session, viewer, where)
        last_week = _means(session, viewer, before)
        ranked = {a for a, (n, _) in this_week.items() if n >= minimum}
        compared = {a for a in ranked if a in last_week and last_week[a][0] >= minimum}
        now_spread = _spreads(session, viewer, where) if compared else {}
        then_spread = _spreads(session, viewer, before) if compared else {}
        intervals: dict[int, tuple[float, float]] = {}
        for a in compared:
            if a in now_spread and a in then_spread:
                found = rules.difference_interval(then_spread[a], now_spread[a])
                if found is not None:
                    intervals[a] = found
        listeners = [
            Listener(
                agent_id=agent,
                agent=names.get(agent, (None, None))[0],
                team=names.get(agent, (None, None))[1],
                conversations=n,
                mean_score=round(mean, 2),
                previous_mean=None if agent not in last_week else round(last_week[agent][1], 2),
                previous_conversations=last_week.get(agent, (0, 0.0))[0],
                improvement=None if agent not in compared else round(mean - last_week[agent][1], 2),
                improvement_low=None if agent not in intervals else round(intervals[agent][0], 2),
                improvement_high=None if agent not in intervals else round(intervals[agent][1], 2),
            )
            for agent, (n, mean) in this_week.items()
            if agent in ranked
        ]
        by_score = sorted(listeners, key=lambda x: (-x.mean_score, x.agent_id))[:limit]
        by_improvement = sorted(
            (x for x in listeners if rules.improved(intervals.get(x.agent_id))),
            key=lambda x: (-(x.improvement_low or 0), -(x.improvement or 0), x.agent_id),
        )[:limit]
        badges = _badges(session, viewer, where, minimum, names)
    return Recognition(
        week=monday,
        min_conversations=minimum,
        by_score=by_score,
        by_improvement=by_improvement,
        badges=badges,
    )


def _means(
    session: Session, viewer: Viewer, filter_: ConversationFilter
) -> dict[int, tuple[int, float]]:
    """Per agent: (conversations, mean score) of the conversations `filter_` selects."""
    if scoping.rolls_up(filter_):
        rolled = (
            scoping.rollup_query(
                [
                    DailyScoreRow.agent_id,
                    func.sum(DailyScoreRow.scored),
                    func.sum(DailyScoreRow.total),
                ],
                viewer,
                filter_,
            )
            .where(DailyScoreRow.component == "", DailyScoreRow.agent_id != 0)
            .group_by(DailyScoreRow.agent_id)
        )
        return {a: (int(n), float(total) / int(n)) for a, n, total in session.execute(rolled) if n}
    rows = scoping.filter_rows(filter_)
    stmt = scoping.conversation_query(
        [rows.agent_id, func.count(), func.avg(rows.listening_score)],
        viewer,
        filter_,
        rows,
        conversations=False,
    )
    stmt = stmt.where(rows.agent_id.is_not(None), rows.listening_score.is_not(None)).group_by(
        rows.agent_id
    )
    return {a: (n, float(m)) for a, n, m in session.execute(stmt)}


def _spreads(
    session: Session, viewer: Viewer, filter_: ConversationFilter
) -> dict[int, tuple[int, float, float]]:
    """Per agent: (conversations, mean, sample variance) of the scores, for the
    improvement's interval (the rollups keep no sums of squares)."""
    rows = scoping.filter_rows(filter_)
    score = rows.listening_score
    stmt = scoping.conversation_query(
        [rows.agent_id, func.count(score), func.sum(score), func.sum(score * score)],
        viewer,
        filter_,
        rows,
        conversations=False,
    )
    stmt = stmt.where(rows.agent_id.is_not(None), score.is_not(None))
    return {
        a: (int(n), float(t) / int(n), rules.variance(int(n), float(t), float(q)))
        for a, n, t, q in session.execute(stmt.group_by(rows.agent_id))
        if n
    }


def _badges(
    session: Session,
    viewer: Viewer,
    where: ConversationFilter,
    minimum: int,
    names: dict[int, tuple[str | None, str | None]],
) -> list[Badge]:
    """A badge per behaviour for the agent who did it in the largest share of their
    conversations `where` selects, having done it in at least `minimum` of them."""
    tally: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    if scoping.rolls_up(where):
        rolled = (
            select(
                DailyVerdictRow.behaviour,
                DailyVerdictRow.agent_id,
                func.sum(DailyVerdictRow.judged),
                func.sum(DailyVerdictRow.done),
                func.sum(DailyVerdictRow.findings),
            )
            .where(
                DailyVerdictRow.behaviour.in_(list(BADGES.values())),
                DailyVerdictRow.agent_id != 0,
            )
            .group_by(DailyVerdictRow.behaviour, DailyVerdictRow.agent_id)
        )
        for behaviour, agent, n, done, findings in session.execute(
            scoping.rollup_where(rolled, DailyVerdictRow, viewer, where)
        ):
            tally[(behaviour, agent)] = [int(n), int(done), int(findings)]
    else:
        _tally_verdicts(session, viewer, where, tally)
    rates: dict[str, list[tuple[float, int, int, int, int]]] = defaultdict(list)
    for (behaviour, agent), (n, done, findings) in tally.items():
        if n >= minimum and done >= minimum:
            rates[behaviour].append((done / n, done, findings, agent, n))
    badges = []
    for badge, behaviour in BADGES.items():
        leaders = sorted(rates[behaviour], key=lambda r: (-r[0], -r[1], r[3]))
        if leaders:
            rate, done, findings, agent, judged = leaders[0]
            badges.append(
                Badge(
                    badge=badge,
                    behaviour=behaviour,
                    agent_id=agent,
                    agent=names.get(agent, (None, None))[0],
                    rate=round(rate, 3),
                    findings=findings,
                    done=done,
                    judged=judged,
                )
            )
    return badges


def _tally_verdicts(
    session: Session,
    viewer: Viewer,
    where: ConversationFilter,
    tally: dict[tuple[str, int], list[int]],
) -> None:
    """Badge behaviours' (judged, done, findings) per agent from the scorecards."""
    # the week's scorecards first (by date), then their verdicts by key: a join lets the
    # planner start from every verdict of the behaviours instead
    rows = scoping.filter_rows(where)
    stmt = scoping.conversation_query(
        [rows.scorecard_id, rows.agent_id], viewer, where, rows, conversations=False
    )
    agent_of = dict(
        session.execute(
            stmt.where(rows.scorecard_id.is_not(None), rows.agent_id.is_not(None))
        ).all()
    )
    judged = scorecards.judged(session, list(agent_of), behaviours=list(BADGES.values()))
    for card_id, behaviour, verdict, findings in judged:
        rollups.count_verdict(tally[(behaviour, agent_of[card_id])], verdict, findings)


def _tally(score: Any) -> list[Any]:
    """Conversations, how many of them have `score`, and its sum: what `_add` adds up."""
    return [func.count(), func.count(score), func.sum(score)]


def moment_candidates(body: str) -> str:
    """A scorecard body's candidate moments, as `scorecards.moments` keeps them: the first
    positive and the first negative finding of each behaviour, in the order of the findings, each
    as [behaviour, component, polarity, confidence, turn, start, end, explanation] (JSON)."""
    found: list[list[Any]] = []
    seen: set[tuple[str, str]] = set()
    for finding in orjson.loads(body).get("findings", []):
        polarity = finding.get("polarity")
        if polarity not in ("positive", "negative") or (polarity, finding["behaviour"]) in seen:
            continue
        seen.add((polarity, finding["behaviour"]))
        span = finding["spans"][0]
        found.append(
            [
                finding["behaviour"],
                finding["component"],
                polarity,
                finding.get("confidence", 1.0),
                span["turn"],
                span.get("start", 0),
                span["end"],
                finding.get("explanation", ""),
            ]
        )
    return orjson.dumps(found).decode()


def _mean(total: Any, scored: Any) -> float | None:
    """A rounded mean from a rollup's sum and count (None when nothing was scored)."""
    return round(float(total) / int(scored), 2) if scored else None


def _add(into: list[float], n: Any, scored: Any, total: Any) -> None:
    """Add a group's rows, scored rows and score total (SQL sums: None when empty) to `into`."""
    into[0] += int(n or 0)
    into[1] += int(scored or 0)
    into[2] += float(total or 0)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
