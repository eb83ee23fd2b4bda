"""drop the index of scorecard verdicts by behaviour, which no query reads since 0005

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

Behaviour filters read `conversation_verdicts` since revision 0005, and every query of
`scorecard_verdicts` finds a scorecard's verdicts by its primary key (scorecard_id,
behaviour). The (behaviour, verdict, scorecard_id) index only slowed the ingest, which
writes ~25 verdict rows a conversation: on PostgreSQL a third of their insert time.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scorecard_verdicts", schema=None) as batch_op:
        batch_op.drop_index("ix_verdicts_behaviour_verdict_scorecard")


def downgrade() -> None:
    with op.batch_alter_table("scorecard_verdicts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_verdicts_behaviour_verdict_scorecard",
            ["behaviour", "verdict", "scorecard_id"],
            unique=False,
        )
