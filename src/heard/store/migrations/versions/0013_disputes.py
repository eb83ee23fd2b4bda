"""disputes: an agent disagreeing with a finding or a score, decided by a lead

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10

- `disputes`: one per conversation and disputed item (a finding's behaviour and place, or
  the Listening Score or a checklist verdict), raised by the conversation's agent with a
  reason (redacted as coaching notes are) and the words disputed; a lead of the
  conversation's team or an admin accepts it (the finding or score is overturned) or rejects
  it with a reply (upheld). Indexed for the leads' inbox (status, newest first) and an
  agent's own list.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("raised_by", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("behaviour", sa.String(length=64), nullable=False),
        sa.Column("finding", sa.String(length=64), server_default=sa.text("''"), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=True),
        sa.Column("span_start", sa.Integer(), nullable=True),
        sa.Column("span_end", sa.Integer(), nullable=True),
        sa.Column("detector", sa.String(length=200), nullable=True),
        sa.Column("heard", sa.String(length=16), nullable=True),
        sa.Column("scorecard_id", sa.Integer(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["raised_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "conversation_id", "kind", "behaviour", "finding", name="uq_disputes_target"
        ),
    )
    op.create_index("ix_disputes_conversation_id", "disputes", ["conversation_id"])
    op.create_index("ix_disputes_status_created", "disputes", ["status", "created_at"])
    op.create_index("ix_disputes_agent_status", "disputes", ["agent_id", "status"])


def downgrade() -> None:
    op.drop_table("disputes")
