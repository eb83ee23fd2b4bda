"""the current score and verdicts copied where conversation filters read them by index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Each conversation gets a copy of its current scorecard's id and Listening Score; the new table
conversation_verdicts holds a copy of each done or missed verdict of the current scorecards,
beside the conversation's time, agent, team, channel, scorecard and score, keyed by
(behaviour, verdict, occurred_at, conversation id) so that a behaviour filter reads one range
(on SQLite the table is that key: WITHOUT ROWID). The store keeps both on every ingest and
rescore; this migration fills them from the stored scorecards.

Scorecards get `moments`: their body's candidate moments in short (the first positive and the
first negative finding per behaviour), filled here for the current scorecards, so the best and
worst moments are found without reading whole scorecards.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("scorecard_id", sa.Integer(), nullable=True))
    op.add_column("conversations", sa.Column("listening_score", sa.Float(), nullable=True))
    current = "s.conversation_id = conversations.id AND s.current = true"
    op.execute(
        f"UPDATE conversations SET scorecard_id = (SELECT s.id FROM scorecards s WHERE {current}),"
        f" listening_score = (SELECT s.listening_score FROM scorecards s WHERE {current})"
    )
    op.create_table(
        "conversation_verdicts",
        sa.Column("behaviour", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("listening_score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("behaviour", "verdict", "occurred_at", "conversation_id"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO conversation_verdicts (behaviour, verdict, occurred_at, conversation_id, "
        "agent_id, team_id, channel, scorecard_id, listening_score) "
        "SELECT v.behaviour, v.verdict, c.occurred_at, c.id, c.agent_id, c.team_id, c.channel, "
        "s.id, s.listening_score FROM conversations c "
        "JOIN scorecards s ON s.conversation_id = c.id AND s.current = true "
        "JOIN scorecard_verdicts v ON v.scorecard_id = s.id "
        "WHERE v.verdict IN ('done', 'missed') "
        # in key order: on PostgreSQL a behaviour's rows then sit together in the table too
        "ORDER BY v.behaviour, v.verdict, c.occurred_at, c.id"
    )
    op.create_index(
        "ix_conversation_verdicts_conversation",
        "conversation_verdicts",
        ["conversation_id", "behaviour", "verdict"],
    )
    op.execute("ANALYZE conversation_verdicts")  # the planner's statistics of the new rows
    op.add_column("scorecards", sa.Column("moments", sa.Text(), nullable=True))
    bind = op.get_bind()
    ids = [r[0] for r in bind.execute(sa.text("SELECT id FROM scorecards WHERE current = true"))]
    fill = sa.text("UPDATE scorecards SET moments = :moments WHERE id = :id")
    for chunk in range(0, len(ids), 1000):
        part = ids[chunk : chunk + 1000]
        rows = bind.execute(
            sa.text("SELECT id, body FROM scorecards WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": part},
        ).all()
        bind.execute(fill, [{"id": i, "moments": _candidates(body)} for i, body in rows])


def _candidates(body: str) -> str:
    """The candidate moments of a scorecard body, as heard.store.dashboards.moment_candidates
    made them at this revision (a copy: a migration keeps the format it wrote)."""
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


def downgrade() -> None:
    op.drop_column("scorecards", "moments")
    op.drop_index("ix_conversation_verdicts_conversation", table_name="conversation_verdicts")
    op.drop_table("conversation_verdicts")
    # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy would drop and re-create
    # conversations, and with foreign keys on that deletes every scorecard along with it
    op.drop_column("conversations", "listening_score")
    op.drop_column("conversations", "scorecard_id")
