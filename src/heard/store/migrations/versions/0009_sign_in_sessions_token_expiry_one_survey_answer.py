"""sign-in sessions kept by the server, API tokens that expire, one survey answer a conversation

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

- `sign_in_sessions`: a browser's sign-in, found by the SHA-256 of the random secret its cookie
  carries; sign-out and deactivating the user revoke it, so a cookie copied before stops
  working. Cookies from before this revision held the user id and are no longer read: everyone
  signs in again once.
- `api_tokens.expires_at`: tokens made from now on expire (`HEARD_TOKEN_DAYS`, default 90, or
  the maker's choice). The tokens made before, which never expired, get 90 days from this
  upgrade: the integrations using them keep working while their owners make new ones.
- `feedback.answer_of` (unique) and `feedback.edited_at`: a conversation's survey links take
  one answer, which the same links may replace within `HEARD_SURVEY_EDIT_MINUTES`. The answers
  stored before (a link took any number) keep `answer_of` NULL and are all kept.

"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_TOKEN_DAYS = 90
"""The lifetime the tokens made before this revision get, counted from the upgrade."""


def upgrade() -> None:
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_sign_in_sessions_user_id", "sign_in_sessions", ["user_id"], unique=False)

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=OLD_TOKEN_DAYS)
    op.get_bind().execute(
        sa.text("UPDATE api_tokens SET expires_at = :later WHERE expires_at IS NULL"),
        {"later": later},
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint("uq_feedback_answer_of", ["answer_of"])


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint("uq_feedback_answer_of", type_="unique")
        batch_op.drop_column("edited_at")
        batch_op.drop_column("answer_of")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    op.drop_index("ix_sign_in_sessions_user_id", table_name="sign_in_sessions")
    op.drop_table("sign_in_sessions")
