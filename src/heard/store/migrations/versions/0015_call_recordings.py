"""call recordings: the redacted copy of each call's audio

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10

- `recordings`: one a conversation (deleted with it), the audio of a call imported from a
  recording, as the team app plays it in the conversation viewer. Only the redacted copy is
  kept: every redacted word's stretch of time silenced in every channel
  (`heard.audio.redaction`), never the recording as uploaded. The bytes sit in `audio` (a BLOB
  on SQLite, bytea on PostgreSQL), read a piece at a time for HTTP Range requests; the row
  also says their type, size, SHA-256 (the ETag), length, channels, sample rate and how many
  seconds were silenced.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("redacted", sa.Boolean(), nullable=False),
        sa.Column("silenced_seconds", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("audio", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", name="uq_recordings_conversation_id"),
    )


def downgrade() -> None:
    op.drop_table("recordings")
