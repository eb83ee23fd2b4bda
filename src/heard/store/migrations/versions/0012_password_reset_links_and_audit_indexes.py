"""password reset links, audit log indexes for the admin pages' filters

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09

- `password_resets`: a one-time link an admin issues so a user sets a new password. Only the
  SHA-256 of the link's secret is kept (like API tokens and sign-in sessions); a link expires
  (`HEARD_RESET_LINK_HOURS`) and works once (`used_at`).
- Indexes on `audit_log` (`user_id`, `id`) and (`action`, `id`): the audit log viewer filters
  by user or action, newest first, a page at a time.

Written beside migration 0011 (made at the same time on another branch) and chained after it
when both were merged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash", name="uq_password_resets_secret_hash"),
    )
    op.create_index("ix_password_resets_user_id", "password_resets", ["user_id"])
    op.create_index("ix_audit_log_user_id_id", "audit_log", ["user_id", "id"])
    op.create_index("ix_audit_log_action_id", "audit_log", ["action", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_action_id", table_name="audit_log")
    op.drop_index("ix_audit_log_user_id_id", table_name="audit_log")
    op.drop_index("ix_password_resets_user_id", table_name="password_resets")
    op.drop_table("password_resets")
