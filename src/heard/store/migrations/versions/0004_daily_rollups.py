"""daily scores and verdicts rollups for trends, sparklines, weekly means and badges

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Per day, agent, team and channel: conversations, scored conversations and the sum of their
current Listening Scores (component "") and component scores; and per behaviour, the current
scorecards that judged it, did it, and its findings; and conversations per band of 10 score
points. The store keeps them on every ingest and
rescore; this migration fills them from the stored scorecards.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_scores",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("component", sa.String(length=64), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "agent_id", "team_id", "channel", "component"),
    )
    keys = "date(c.occurred_at), coalesce(c.agent_id, 0), coalesce(c.team_id, 0), c.channel"
    current = "s.conversation_id = c.id AND s.current = true"
    op.execute(
        "INSERT INTO daily_scores (day, agent_id, team_id, channel, component, conversations, "
        f"scored, total) SELECT {keys}, '', count(c.id), count(s.listening_score), "
        f"coalesce(sum(s.listening_score), 0) FROM conversations c LEFT JOIN scorecards s "
        f"ON {current} GROUP BY {keys}"
    )
    op.execute(
        "INSERT INTO daily_scores (day, agent_id, team_id, channel, component, conversations, "
        f"scored, total) SELECT {keys}, k.component, count(c.id), count(k.score), "
        f"coalesce(sum(k.score), 0) FROM conversations c JOIN scorecards s ON {current} "
        f"JOIN scorecard_components k ON k.scorecard_id = s.id GROUP BY {keys}, k.component"
    )
    op.create_table(
        "daily_verdicts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("behaviour", sa.String(length=64), nullable=False),
        sa.Column("judged", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "agent_id", "team_id", "channel", "behaviour"),
    )
    op.execute(
        "INSERT INTO daily_verdicts (day, agent_id, team_id, channel, behaviour, judged, done, "
        f"findings) SELECT {keys}, v.behaviour, count(*), "
        "sum(CASE WHEN v.verdict = 'done' THEN 1 ELSE 0 END), sum(v.findings) "
        f"FROM conversations c JOIN scorecards s ON {current} "
        "JOIN scorecard_verdicts v ON v.scorecard_id = s.id "
        f"WHERE v.verdict IN ('done', 'missed') GROUP BY {keys}, v.behaviour"
    )
    op.create_table(
        "daily_bands",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "agent_id", "team_id", "channel", "band"),
    )
    tens = (  # scores are 0-100: SQLite's cast truncates, PostgreSQL's rounds
        "CAST(s.listening_score / 10 AS INTEGER)"
        if op.get_bind().dialect.name == "sqlite"
        else "CAST(floor(s.listening_score / 10) AS INTEGER)"
    )
    band = (
        "CASE WHEN s.listening_score IS NULL THEN -1 WHEN s.listening_score >= 90 THEN 9 "
        f"ELSE {tens} END"
    )
    op.execute(
        "INSERT INTO daily_bands (day, agent_id, team_id, channel, band, conversations) "
        f"SELECT {keys}, {band}, count(c.id) FROM conversations c LEFT JOIN scorecards s "
        f"ON {current} GROUP BY {keys}, {band}"
    )


def downgrade() -> None:
    op.drop_table("daily_bands")
    op.drop_table("daily_verdicts")
    op.drop_table("daily_scores")
