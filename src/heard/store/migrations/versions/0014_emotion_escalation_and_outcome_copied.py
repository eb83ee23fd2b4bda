"""the customer's strongest emotion, escalation and predicted outcome kept for the filters

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10

The conversations page filters by the customer's strongest emotion, by an escalation and by the
outcome model's predicted probability that the customer felt heard. Scorecards get each as a
column (`emotion`, `escalated`, `felt_heard`: their body in short), and conversations a copy of
their current scorecard's, kept by every ingest and rescore like `listening_score` (migration
0005), with indexes: (emotion, occurred_at), (escalated, occurred_at) and (felt_heard).

This migration fills them from the current scorecards' bodies; scorecards no longer current
keep None, as they did for `moments` in 0005.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = (
    ("emotion", sa.String(length=16)),
    ("escalated", sa.Boolean()),
    ("felt_heard", sa.Float()),
)
INDEXES = (
    ("ix_conversations_emotion_occurred", ["emotion", "occurred_at"]),
    ("ix_conversations_escalated_occurred", ["escalated", "occurred_at"]),
    ("ix_conversations_felt_heard", ["felt_heard"]),
)
CHUNK = 1000
"""Current scorecards read and written at a time."""
NEGATIVE = ("anger", "frustration", "worry", "confusion")


def upgrade() -> None:
    for table in ("scorecards", "conversations"):
        for name, kind in COLUMNS:
            op.add_column(table, sa.Column(name, kind, nullable=True))
    bind = op.get_bind()
    read = sa.text(
        "SELECT id, body FROM scorecards WHERE current = true AND id > :after "
        "ORDER BY id LIMIT :chunk"
    )
    fill = sa.text(
        "UPDATE scorecards SET emotion = :emotion, escalated = :escalated, "
        "felt_heard = :felt_heard WHERE id = :id"
    ).bindparams(sa.bindparam("escalated", type_=sa.Boolean()))
    after = 0
    while rows := bind.execute(read, {"after": after, "chunk": CHUNK}).all():
        bind.execute(fill, [{"id": card_id, **summary(body)} for card_id, body in rows])
        after = rows[-1][0]
    copied = ", ".join(
        f"{name} = (SELECT s.{name} FROM scorecards s WHERE s.id = conversations.scorecard_id)"
        for name, _ in COLUMNS
    )
    op.execute(f"UPDATE conversations SET {copied} WHERE scorecard_id IS NOT NULL")
    for name, columns in INDEXES:
        op.create_index(name, "conversations", columns)
    op.execute("ANALYZE conversations")  # the planner's statistics of the new columns


def summary(body: str) -> dict[str, Any]:
    """A scorecard body's strongest customer emotion, escalation and felt-heard probability,
    as heard.ingest.cards.card_rows makes them at this revision (a copy: a migration keeps
    the meaning it wrote)."""
    card = orjson.loads(body)
    emotions = [
        (str(e["label"]), float(e.get("intensity", 0.0)), int(e.get("turn", 0)))
        for e in card.get("emotions") or []
    ]
    negative = [e for e in emotions if e[0] in NEGATIVE]
    felt = negative or [e for e in emotions if e[0] != "neutral"]
    emotion = None
    if felt:
        emotion = max(felt, key=lambda e: (e[1], -e[2]))[0]
    elif emotions:
        emotion = "neutral"
    outcome = card.get("outcome") or {}
    return {
        "emotion": emotion,
        "escalated": any(
            f.get("behaviour") == "escalation_cue" for f in card.get("findings") or []
        ),
        "felt_heard": outcome.get("felt_heard"),
    }


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="conversations")
    # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), as 0005: a batch copy would re-create
    # conversations and, with foreign keys on, delete every scorecard with it
    for table in ("conversations", "scorecards"):
        for name, _ in reversed(COLUMNS):
            op.drop_column(table, name)
