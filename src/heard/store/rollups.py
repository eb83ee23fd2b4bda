"""The daily rollups charts and counts read for whole days: per day, agent, team and channel,
the conversations and their scores per component (`daily_scores`), the judged, done and
findings per behaviour (`daily_verdicts`) and the conversations per score band
(`daily_bands`). An ingest or rescore subtracts what the conversations it replaces added
(`contributions`, read before the change) and adds what they add now (`roll`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session, aliased

from heard.store import scorecards
from heard.store.analysed import CardRows
from heard.store.bulk import write_rows
from heard.store.tables import (
    ConversationRow,
    DailyBandRow,
    DailyScoreRow,
    DailyVerdictRow,
    ScorecardRow,
)

Rollup = dict[tuple[str, tuple[Any, ...]], list[float]]
"""Contributions to the rollup tables: (table, group key) → its three counts."""


ROLLUPS: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {
    "daily_scores": (
        DailyScoreRow,
        ("day", "agent_id", "team_id", "channel", "component"),
        ("conversations", "scored", "total"),
    ),
    "daily_verdicts": (
        DailyVerdictRow,
        ("day", "agent_id", "team_id", "channel", "behaviour"),
        ("judged", "done", "findings"),
    ),
    "daily_bands": (
        DailyBandRow,
        ("day", "agent_id", "team_id", "channel", "band"),
        ("conversations",),
    ),
}
"""The rollup tables: row class, group key columns, count columns (the first counts rows)."""


BAND_WIDTH = 10
"""The score distribution's band width that `daily_bands` holds."""


def contributions(session: Session, conversation_ids: list[int]) -> Rollup:
    """What these conversations add to the rollups now: ("daily_scores", (day, agent, team,
    channel, component)) → [conversations, scored, total] and ("daily_verdicts", (day,
    agent, team, channel, behaviour)) → [judged, done, findings]."""
    found: Rollup = defaultdict(lambda: [0, 0, 0])
    for chunk in range(0, len(conversation_ids), 500):
        ids = conversation_ids[chunk : chunk + 500]
        current = aliased(ScorecardRow)
        rows = session.execute(
            select(
                ConversationRow.occurred_at,
                ConversationRow.agent_id,
                ConversationRow.team_id,
                ConversationRow.channel,
                current.id,
                current.listening_score,
            )
            .outerjoin(
                current,
                and_(current.conversation_id == ConversationRow.id, current.current.is_(True)),
            )
            .where(ConversationRow.id.in_(ids))
        ).all()
        verdicts: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
        card_ids = [r[4] for r in rows if r[4] is not None]
        components = scorecards.components(session, card_ids)
        for card_id, behaviour, verdict, findings in scorecards.judged(session, card_ids):
            verdicts[card_id].append((behaviour, verdict, findings))
        for occurred, agent_id, team_id, channel, card_id, score in rows:
            _contribute(
                found,
                (occurred.date(), agent_id or 0, team_id or 0, channel),
                score,
                components.get(card_id or 0, {}).items(),
                verdicts.get(card_id or 0, []),
            )
    return found


def roll(session: Session, before: Rollup, after: Rollup) -> None:
    """Move the rollups from the `before` contributions of some conversations to their
    `after` ones (an upsert per changed group; emptied groups are deleted)."""
    changes: dict[tuple[str, tuple[Any, ...]], list[float]] = {}
    for sign, contributions in ((-1, before), (1, after)):
        for key, numbers in contributions.items():
            into = changes.setdefault(key, [0, 0, 0])
            for i, number in enumerate(numbers):
                into[i] += sign * number
    for name, (row, keys, counts) in ROLLUPS.items():
        values = []
        shrank = False
        for (table_name, key), numbers in sorted(changes.items(), key=_rollup_order):
            if table_name == name and any(numbers):
                values.append(
                    dict(zip(keys, key, strict=True)) | dict(zip(counts, numbers, strict=False))
                )
                shrank = shrank or numbers[0] < 0
        write_rows(session, row.__table__, values, keys=keys, adds=counts)
        if shrank:  # only a conversation scored again or moved empties a group
            session.execute(delete(row).where(row.__table__.c[counts[0]] <= 0))


def _rollup_order(item: tuple[tuple[str, tuple[Any, ...]], list[float]]) -> tuple[Any, ...]:
    """Rollup changes in one order for every ingest (table, then group key with None as
    ""), so two ingests upserting the same groups lock them in the same order."""
    (table, key), _ = item
    return (table, *("" if part is None else part for part in key))


def _contribute(
    found: Rollup,
    group: tuple[Any, ...],
    score: float | None,
    components: Iterable[tuple[str, float | None]],
    verdicts: Iterable[tuple[str, str, int]],
) -> None:
    """Add one conversation's scorecard to rollup contributions: `group` is (day, agent id,
    team id, channel) with 0 for none; `verdicts` its done and missed (behaviour, verdict,
    findings)."""
    found[("daily_bands", (*group, band_of(score)))][0] += 1
    for component, value in [("", score), *components]:
        into = found[("daily_scores", (*group, component))]
        into[0] += 1
        if value is not None:
            into[1] += 1
            into[2] += value
    for behaviour, verdict, findings in verdicts:
        count_verdict(found[("daily_verdicts", (*group, behaviour))], verdict, findings)


def new_contributions(
    written: Iterable[tuple[dict[str, Any], CardRows]],
) -> Rollup:
    """What conversations just written add to the rollups, from the rows written (conversation
    values, scorecard rows) rather than read back: the same as `contributions` gives
    once they are stored."""
    found: Rollup = defaultdict(lambda: [0, 0, 0])
    for values, card in written:
        _contribute(
            found,
            (
                values["occurred_at"].date(),
                values["agent_id"] or 0,
                values["team_id"] or 0,
                values["channel"],
            ),
            card.listening_score,
            card.components,
            [(b, v, n) for b, _, v, n in card.verdicts if v in ("done", "missed")],
        )
    return found


def count_verdict(into: list[Any], verdict: str, findings: int) -> None:
    """Add one judged verdict to a [judged, done, findings] tally."""
    into[0] += 1
    into[1] += verdict == "done"
    into[2] += findings


def band_of(score: float | None) -> int:
    """The distribution band (of BAND_WIDTH points) a Listening Score falls in; -1 unscored."""
    if score is None:
        return -1
    return min(int(score // BAND_WIDTH), 100 // BAND_WIDTH - 1)
