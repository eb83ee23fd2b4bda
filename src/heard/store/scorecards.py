"""Reading stored scorecards' rows by scorecard id: their component scores and their done and
missed verdicts, for the conversation pages, the rollups and the recognition badges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.store.tables import ComponentScoreRow, VerdictRow


def components(session: Session, scorecard_ids: list[int]) -> dict[int, dict[str, float | None]]:
    """Component → score of each of these scorecards."""
    found: dict[int, dict[str, float | None]] = defaultdict(dict)
    if scorecard_ids:
        for sc, component, score in session.execute(
            select(
                ComponentScoreRow.scorecard_id,
                ComponentScoreRow.component,
                ComponentScoreRow.score,
            ).where(ComponentScoreRow.scorecard_id.in_(scorecard_ids))
        ):
            found[sc][component] = score
    return found


def judged(
    session: Session, card_ids: list[int], *, behaviours: list[str] | None = None
) -> Iterator[tuple[int, str, str, int]]:
    """(scorecard id, behaviour, verdict, findings) of the done and missed verdicts of
    these scorecards (of `behaviours` only, when given), 500 scorecards per query."""
    for chunk in range(0, len(card_ids), 500):
        stmt = select(
            VerdictRow.scorecard_id,
            VerdictRow.behaviour,
            VerdictRow.verdict,
            VerdictRow.findings,
        ).where(VerdictRow.scorecard_id.in_(card_ids[chunk : chunk + 500]))
        if behaviours is not None:
            stmt = stmt.where(VerdictRow.behaviour.in_(behaviours))
        yield from session.execute(stmt.where(VerdictRow.verdict.in_(["done", "missed"])))
