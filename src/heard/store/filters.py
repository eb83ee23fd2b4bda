"""The conversation filters on what was read in a conversation and what people did about it:
the customer's strongest emotion, an escalation, coaching notes, the survey answer and the
predicted outcome. The first three read `conversations`' copies of the current scorecard's
emotion, escalation and felt-heard probability (indexed, kept by every ingest and rescore,
filled by migration 0014); notes and survey answers are looked up by their indexed
conversation id. The store adds these conditions to every list, count, chart and export that
takes a ConversationFilter, next to the team, agent, channel, date, score and behaviour ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.sql.expression import ColumnElement

from heard.model import NEGATIVE_EMOTIONS
from heard.store.errors import Invalid
from heard.store.records import OUTCOME_BANDS, ConversationFilter
from heard.store.tables import ConversationRow, FeedbackRow, NoteRow

SURVEY_ANSWERS: dict[str, ColumnElement[bool] | None] = {
    "answered": None,
    "satisfied": FeedbackRow.csat >= 4,
    "unsatisfied": FeedbackRow.csat <= 3,
    "heard": FeedbackRow.felt_heard >= 4,
    "not_heard": FeedbackRow.felt_heard <= 3,
}
"""The survey answers each `survey` choice finds (None: any answer; "unanswered" is none of
them). Both questions are rated 1 to 5; 4 or 5 counts as yes, as `heard calibrate` reads
"did you feel heard?"."""


def reads_scorecard(where: ConversationFilter) -> bool:
    """Whether `where` filters on the copies of the current scorecard in `conversations`
    (emotion, escalation, felt-heard probability): a query of the copied verdicts joins it."""
    return any(
        value is not None
        for value in (
            where.emotion,
            where.escalated,
            where.outcome,
            where.min_felt_heard,
            where.max_felt_heard,
        )
    )


def narrows(where: ConversationFilter) -> bool:
    """Whether `where` holds any of these filters (the daily rollups cannot answer it then)."""
    return reads_scorecard(where) or where.has_notes is not None or where.survey is not None


def conditions(where: ConversationFilter, key: Any) -> list[ColumnElement[bool]]:
    """The conditions of these filters of `where`, on `conversations` (in the query's FROM
    when `reads_scorecard(where)`) and on `key`, the conversation id column the query reads.
    Invalid (naming the field) when the felt-heard range is upside down."""
    found: list[ColumnElement[bool]] = []
    row = ConversationRow
    if where.emotion == "upset":
        found.append(row.emotion.in_(NEGATIVE_EMOTIONS))
    elif where.emotion is not None:
        found.append(row.emotion == where.emotion)
    if where.escalated is not None:
        found.append(row.escalated == where.escalated)
    if where.outcome is not None:
        low, high = OUTCOME_BANDS[where.outcome]
        if low > 0:  # the lowest band: below its top (a missing prediction is in no band)
            found.append(row.felt_heard >= low)
        if high < 1:
            found.append(row.felt_heard < high)
    low_p, high_p = where.min_felt_heard, where.max_felt_heard
    if low_p is not None and high_p is not None and high_p < low_p:
        raise Invalid(
            f"max_felt_heard ({high_p:g}) is below min_felt_heard ({low_p:g})",
            field="max_felt_heard",
        )
    if low_p is not None:
        found.append(row.felt_heard >= low_p)
    if high_p is not None:
        found.append(row.felt_heard <= high_p)
    if where.has_notes is not None:
        noted = key.in_(select(NoteRow.conversation_id))
        found.append(noted if where.has_notes else ~exists().where(NoteRow.conversation_id == key))
    if where.survey == "unanswered":
        found.append(~exists().where(FeedbackRow.conversation_id == key))
    elif where.survey is not None:
        answers = select(FeedbackRow.conversation_id)
        answer = SURVEY_ANSWERS[where.survey]
        found.append(key.in_(answers if answer is None else answers.where(answer)))
    return found
