"""indexes for dashboards at 100,000 conversations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The current scorecard of a conversation is found, with its Listening Score, from one index
(no table lookup for lists, trends, distributions and agent means); channel filters read
conversations in time order; behaviour filters find a scorecard's verdict from one index.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.drop_index("ix_scorecards_conversation_current")
        batch_op.create_index(
            "ix_scorecards_current_score",
            ["conversation_id", "current", "listening_score", "id"],
            unique=False,
        )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_channel")
        batch_op.create_index(
            "ix_conversations_channel_occurred", ["channel", "occurred_at"], unique=False
        )
    with op.batch_alter_table("scorecard_verdicts", schema=None) as batch_op:
        batch_op.drop_index("ix_verdicts_behaviour_verdict")
        batch_op.create_index(
            "ix_verdicts_behaviour_verdict_scorecard",
            ["behaviour", "verdict", "scorecard_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("scorecard_verdicts", schema=None) as batch_op:
        batch_op.drop_index("ix_verdicts_behaviour_verdict_scorecard")
        batch_op.create_index(
            "ix_verdicts_behaviour_verdict", ["behaviour", "verdict"], unique=False
        )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_channel_occurred")
        batch_op.create_index("ix_conversations_channel", ["channel"], unique=False)
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.drop_index("ix_scorecards_current_score")
        batch_op.create_index(
            "ix_scorecards_conversation_current", ["conversation_id", "current"], unique=False
        )
