"""The dashboards' numbers, each for what a viewer may see of the conversations a filter picks:
conversations and mean scores per day or week (`trends`, and per agent `agent_trends`), the
score distribution in bands (`distribution`) and the best and worst moments (`moments`, from
the candidates each scorecard keeps, see `moment_candidates`). Whole days are read from the
daily rollups (heard.store.rollups), the rest from the conversations and their copies."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import orjson
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from heard.store import copies, rollups, scoping
from heard.store.clock import from_db
from heard.store.records import (
    ConversationFilter,
    Distribution,
    DistributionBin,
    Moment,
    Moments,
    TrendPoint,
    Viewer,
)
from heard.store.tables import (
    AgentRow,
    ConversationComponentsRow,
    ConversationRow,
    DailyBandRow,
    DailyScoreRow,
    ScorecardRow,
)

if TYPE_CHECKING:
    from heard.store.repository import Store

Sums = dict[tuple[Any, ...], list[float]]
"""Counts and sums that answers add up from a rollup and from conversations: key → [rows,
rows with a score, sum of the scores]."""


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
    """Add `trends`' sums for `where` (which `_rolls_up`) from `daily_scores`."""
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


def moments(
    store: Store,
    viewer: Viewer,
    where: ConversationFilter | None = None,
    *,
    limit: int = 5,
    scan: int = 500,
) -> Moments:
    """The best and worst moments (positive and negative findings with their quote) of the
    most recent `scan` conversations matching `where`; one per conversation and behaviour."""
    where = where or ConversationFilter()
    # candidates stay plain tuples (confidence, newest first, order, row, candidate); only
    # the chosen become Moments, with their quotes
    Candidate = tuple[float, float, int, Any, list[Any]]
    found: dict[str, list[Candidate]] = {"positive": [], "negative": []}
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
        for row in rows:
            if row[3] is None:
                continue
            stamp = from_db(row[2]).timestamp()  # type: ignore[union-attr]
            for candidate in orjson.loads(row[3]):  # see moment_candidates
                into = found[candidate[2]]
                into.append((candidate[3], stamp, len(into), row, candidate))

        def top(candidates: list[Candidate]) -> list[tuple[Any, list[Any]]]:
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

        chosen = {polarity: top(candidates) for polarity, candidates in found.items()}
        wanted = sorted({row[0] for picks in chosen.values() for row, _ in picks})
        turns = {
            row_id: [t["text"] for t in orjson.loads(body).get("turns", [])]
            for row_id, body in session.execute(
                select(ConversationRow.id, ConversationRow.body).where(
                    ConversationRow.id.in_(wanted)
                )
            )
        }

    def moment(row: Any, candidate: list[Any]) -> Moment:
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

    best = [moment(*pick) for pick in chosen["positive"]]
    worst = [moment(*pick) for pick in chosen["negative"]]
    return Moments(best=best, worst=worst)


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
