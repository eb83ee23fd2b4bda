"""Which conversations a viewer sees and a filter picks: the conditions every list, count,
chart and export shares, read from `conversations`, from their copied verdicts
(`conversation_verdicts`, with a behaviour filter) or, for whole days, from the daily rollups.
An admin sees every team, a lead the teams they lead, an agent their own conversations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, aliased

from heard.store import filters, search
from heard.store.clock import to_db
from heard.store.errors import NotFound
from heard.store.records import ConversationFilter, UserRole, Viewer
from heard.store.tables import ConversationRow, ConversationVerdictRow, DailyScoreRow


def scoped(stmt: Select[Any], viewer: Viewer, rows: Any = ConversationRow) -> Select[Any]:
    """`stmt` limited to the conversations the viewer may see (by the team and agent
    columns of `rows`: conversations or their copied verdicts)."""
    if viewer.role == UserRole.ADMIN:
        return stmt
    if viewer.role == UserRole.LEAD:
        return stmt.where(rows.team_id.in_(viewer.team_ids or [-1]))
    return stmt.where(rows.agent_id == (viewer.agent_id or -1))


def sees(viewer: Viewer, *, agent_id: int | None, team_id: int | None) -> bool:
    """Whether the viewer may see a conversation of this agent and team: the rule `scoped`
    applies, for one conversation already in hand (the live hub asks it of each listener
    before it links the stored conversation)."""
    if viewer.role == UserRole.ADMIN:
        return True
    if viewer.role == UserRole.LEAD:
        return team_id is not None and team_id in viewer.team_ids
    return agent_id is not None and agent_id == viewer.agent_id


def filter_rows(where: ConversationFilter) -> Any:
    """The rows a query for `where` filters on: with a behaviour filter, the copied verdicts
    of its first behaviour (`conversation_verdicts`, one row per conversation, read as one
    range of its key), else `conversations`. Both hold the columns filters and charts read:
    occurred_at, agent_id, team_id, channel, scorecard_id and listening_score."""
    if where.done or where.missed:
        return aliased(ConversationVerdictRow)
    return ConversationRow


def row_id(rows: Any) -> Any:
    """The conversation id column of `filter_rows`' rows."""
    return ConversationRow.id if rows is ConversationRow else rows.conversation_id


def filtered(
    stmt: Select[Any], where: ConversationFilter, rows: Any, *, walk: bool = False
) -> Select[Any]:
    if where.agent_id is not None:
        stmt = stmt.where(rows.agent_id == where.agent_id)
    if where.team_id is not None:
        stmt = stmt.where(rows.team_id == where.team_id)
    if where.channel is not None:
        stmt = stmt.where(rows.channel == where.channel.value)
    if where.start is not None:
        stmt = stmt.where(rows.occurred_at >= to_db(where.start))
    if where.end is not None:
        stmt = stmt.where(rows.occurred_at < to_db(where.end))
    if where.min_score is not None:
        stmt = stmt.where(rows.listening_score >= where.min_score)
    if where.max_score is not None:
        stmt = stmt.where(rows.listening_score <= where.max_score)
    key = row_id(rows)
    if where.search:
        direct = rows is ConversationRow
        stmt = stmt.where(search.matches(key, where.search, direct=direct, walk=walk))
    stmt = stmt.where(*filters.conditions(where, key))
    wanted = [
        (v, b)
        for v, behaviours in (("done", where.done), ("missed", where.missed))
        for b in behaviours
    ]
    if wanted and rows is not ConversationRow:
        verdict, behaviour = wanted.pop(0)
        stmt = stmt.where(rows.behaviour == behaviour, rows.verdict == verdict)
    for verdict, behaviour in wanted:
        other = aliased(ConversationVerdictRow)
        stmt = stmt.where(
            exists().where(
                other.conversation_id == row_id(rows),
                other.behaviour == behaviour,
                other.verdict == verdict,
            )
        )
    return stmt


def conversation_query(
    columns: Sequence[Any],
    viewer: Viewer,
    where: ConversationFilter,
    rows: Any = None,
    *,
    conversations: bool = True,
    walk: bool = False,
) -> Select[Any]:
    """`columns` of the conversations the viewer may see matching `where`, filtered on
    `rows` (from `filter_rows(where)`; they may be named in `columns`). Copied verdict
    rows are joined to `conversations` when `conversations` is true or a filter reads it;
    when it is false, `columns` must name only columns of `rows` (a count or a chart reads
    the copies alone). `walk`: a search keeps the matches the query meets as it walks its own
    index (`heard.store.search.Matches`)."""
    rows = filter_rows(where) if rows is None else rows
    stmt = select(*columns).select_from(rows)
    joined = conversations or filters.reads_scorecard(where)
    if joined and rows is not ConversationRow:
        stmt = stmt.join(ConversationRow, ConversationRow.id == rows.conversation_id)
    return filtered(scoped(stmt, viewer, rows), where, rows, walk=walk)


def visible(session: Session, viewer: Viewer, conversation_id: int) -> ConversationRow:
    stmt = scoped(select(ConversationRow).where(ConversationRow.id == conversation_id), viewer)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(f"no conversation {conversation_id}", field="conversation_id")
    return row


def rolls_up(where: ConversationFilter) -> bool:
    """Whether `daily_scores` answers for `where`: no score, behaviour, search or
    `heard.store.filters` filter, and dates (if any) at midnight, so whole days are in or
    out."""
    return (
        where.min_score is None
        and where.max_score is None
        and not where.search
        and not where.done
        and not where.missed
        and not filters.narrows(where)
        and all(
            moment is None or to_db(moment).time() == datetime.min.time()  # type: ignore[union-attr]
            for moment in (where.start, where.end)
        )
    )


def by_days(
    where: ConversationFilter,
) -> tuple[ConversationFilter | None, list[ConversationFilter]]:
    """`where` as the whole days (UTC) the rollups answer and the parts the conversations
    must: (the filter of the whole days or None, the filters of the rest). A date that is
    not at midnight leaves part of its day at the range's end; a score or behaviour filter
    leaves it all to the conversations."""
    start, end = to_db(where.start), to_db(where.end)
    first = start if start is None else midnight(start, up=True)
    last = end if end is None else midnight(end, up=False)
    if first is not None and last is not None and first >= last:
        return None, [where]
    whole = where.model_copy(update={"start": first, "end": last})
    if not rolls_up(whole):
        return None, [where]
    parts = []
    if start is not None and first != start:
        parts.append(where.model_copy(update={"start": start, "end": first}))
    if end is not None and last != end:
        parts.append(where.model_copy(update={"start": last, "end": end}))
    return whole, parts


def rollup_query(columns: Sequence[Any], viewer: Viewer, where: ConversationFilter) -> Select[Any]:
    """`daily_scores` rows the viewer may see (the conversations' team and agent, as
    `scoped`) matching `where` (which `rolls_up`)."""
    return rollup_where(select(*columns), DailyScoreRow, viewer, where)


def rollup_where(
    stmt: Select[Any], row: Any, viewer: Viewer, where: ConversationFilter
) -> Select[Any]:
    """`stmt` over a rollup table limited to what the viewer may see and `where`."""
    if viewer.role == UserRole.LEAD:
        stmt = stmt.where(row.team_id.in_(viewer.team_ids or [-1]))
    elif viewer.role != UserRole.ADMIN:
        stmt = stmt.where(row.agent_id == (viewer.agent_id or -1))
    if where.agent_id is not None:
        stmt = stmt.where(row.agent_id == where.agent_id)
    if where.team_id is not None:
        stmt = stmt.where(row.team_id == where.team_id)
    if where.channel is not None:
        stmt = stmt.where(row.channel == where.channel.value)
    if where.start is not None:
        stmt = stmt.where(row.day >= to_db(where.start).date())  # type: ignore[union-attr]
    if where.end is not None:
        stmt = stmt.where(row.day < to_db(where.end).date())  # type: ignore[union-attr]
    return stmt


def midnight(moment: datetime, *, up: bool) -> datetime:
    """`moment` if at midnight, else the midnight after it (`up`) or before it."""
    day = datetime.combine(moment.date(), datetime.min.time())
    return day + timedelta(days=1) if up and day != moment else day
