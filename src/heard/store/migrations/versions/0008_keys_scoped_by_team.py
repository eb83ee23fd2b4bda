"""conversation, agent and live-conversation keys scoped by team

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

A conversation was the same one on a second ingest when its (source, external id) matched,
whoever sent it, and an agent when its external id matched: a lead of one team posting another
team's ticket number replaced that team's conversation (issue 18). Both keys now hold within a
team: `scope` is the team's id (0 for none) — a copy of `team_id` the unique keys can use, as a
NULL in a unique key would never collide — and the keys become (scope, source, external_id)
and (scope, external_id). A live conversation's id holds within its team the same way
(live_sessions: (scope, conversation_id)), so one team's live ids neither collide with nor
reveal another's. Plain indexes on the old keys remain for the lookups of admins, who see
every team.

SQLite cannot drop a table's unique constraint in place: the tables are copied anew (alembic's
batch mode), with foreign keys off while the migrations run (env.py), then checked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
"""Names the agents table's unnamed unique constraint on SQLite, where reflection gives none."""


def _unique_on(table: str, columns: list[str]) -> str:
    """The name of `table`'s unique constraint on exactly `columns` (as NAMING names it when
    the database gave it none)."""
    for found in sa.inspect(op.get_bind()).get_unique_constraints(table):
        if found["column_names"] == columns:
            return found["name"] or NAMING["uq"] % {
                "table_name": table,
                "column_0_name": columns[0],
            }
    raise RuntimeError(f"no unique constraint on {table} ({', '.join(columns)})")


def upgrade() -> None:
    for table in ("conversations", "agents", "live_sessions"):
        op.add_column(
            table, sa.Column("scope", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        op.execute(f"UPDATE {table} SET scope = COALESCE(team_id, 0)")
    conversation_key = _unique_on("conversations", ["source", "external_id"])
    agent_key = _unique_on("agents", ["external_id"])
    live_key = _unique_on("live_sessions", ["conversation_id"])
    with op.batch_alter_table("conversations", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(conversation_key, type_="unique")
        batch_op.create_unique_constraint(
            "uq_conversations_scope_source_external_id", ["scope", "source", "external_id"]
        )
        batch_op.create_index(
            "ix_conversations_source_external_id", ["source", "external_id"], unique=False
        )
    with op.batch_alter_table("agents", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(agent_key, type_="unique")
        batch_op.create_unique_constraint("uq_agents_scope_external_id", ["scope", "external_id"])
        batch_op.create_index("ix_agents_external_id", ["external_id"], unique=False)
    with op.batch_alter_table("live_sessions", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(live_key, type_="unique")
        batch_op.create_unique_constraint(
            "uq_live_sessions_scope_conversation_id", ["scope", "conversation_id"]
        )
        batch_op.create_index("ix_live_sessions_conversation_id", ["conversation_id"], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    for table, key in (
        ("conversations", "source, external_id"),
        ("agents", "external_id"),
        ("live_sessions", "conversation_id"),
    ):
        twice = bind.execute(
            sa.text(f"SELECT {key} FROM {table} GROUP BY {key} HAVING COUNT(*) > 1 LIMIT 1")
        ).first()
        if twice is not None:
            raise RuntimeError(
                f"cannot downgrade: {table} holds {tuple(twice)} in more than one team"
            )
    with op.batch_alter_table("live_sessions", naming_convention=NAMING) as batch_op:
        batch_op.drop_index("ix_live_sessions_conversation_id")
        batch_op.drop_constraint("uq_live_sessions_scope_conversation_id", type_="unique")
        batch_op.create_unique_constraint("uq_live_sessions_conversation_id", ["conversation_id"])
        batch_op.drop_column("scope")
    with op.batch_alter_table("agents", naming_convention=NAMING) as batch_op:
        batch_op.drop_index("ix_agents_external_id")
        batch_op.drop_constraint("uq_agents_scope_external_id", type_="unique")
        batch_op.create_unique_constraint("uq_agents_external_id", ["external_id"])
        batch_op.drop_column("scope")
    with op.batch_alter_table("conversations", naming_convention=NAMING) as batch_op:
        batch_op.drop_index("ix_conversations_source_external_id")
        batch_op.drop_constraint("uq_conversations_scope_source_external_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_conversations_source_external_id", ["source", "external_id"]
        )
        batch_op.drop_column("scope")
