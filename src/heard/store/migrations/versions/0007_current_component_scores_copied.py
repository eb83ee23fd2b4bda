"""the current scorecard's component scores copied into one row a conversation

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

Trends under a score or behaviour filter joined each matching conversation to its scorecard's
component rows (one per component) and grouped those: ~340 ms on SQLite for 40,000 matching
conversations of 100,000. The new table conversation_components holds each conversation's
current component scores in the columns s0 … s15, named by a row of component_layouts (the
sorted component names as a JSON list), so trends add up one row a conversation (~55 ms).
The store keeps it on every ingest and rescore; this migration fills it from the scorecards.
"""

from __future__ import annotations

from collections import defaultdict

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SLOTS = 16
"""Score columns at this revision (a copy: a migration keeps the layout it wrote)."""
CHUNK = 5000
"""Conversations copied per statement."""


def upgrade() -> None:
    op.create_table(
        "component_layouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("components", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("components"),
    )
    op.create_table(
        "conversation_components",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("layout_id", sa.Integer(), nullable=False),
        *[sa.Column(f"s{i}", sa.Float(), nullable=True) for i in range(SLOTS)],
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    bind = op.get_bind()
    layouts: dict[tuple[str, ...], int] = {}
    columns = ", ".join(f"s{i}" for i in range(SLOTS))
    add = sa.text(
        f"INSERT INTO conversation_components (conversation_id, layout_id, {columns}) VALUES "
        f"(:conversation_id, :layout_id, {', '.join(f':s{i}' for i in range(SLOTS))})"
    )
    last = 0
    while True:
        ids = [
            r[0]
            for r in bind.execute(
                sa.text(
                    "SELECT id FROM conversations WHERE id > :last AND scorecard_id IS NOT NULL "
                    "ORDER BY id LIMIT :n"
                ),
                {"last": last, "n": CHUNK},
            )
        ]
        if not ids:
            break
        last = ids[-1]
        scores: dict[int, dict[str, float | None]] = defaultdict(dict)
        for conversation_id, component, score in bind.execute(
            sa.text(
                "SELECT c.id, sc.component, sc.score FROM conversations c "
                "JOIN scorecard_components sc ON sc.scorecard_id = c.scorecard_id "
                "WHERE c.id >= :first AND c.id <= :last"
            ),
            {"first": ids[0], "last": last},
        ):
            scores[conversation_id][component] = score
        rows = []
        for conversation_id, by_name in scores.items():
            names = tuple(sorted(by_name))
            if len(names) > SLOTS:
                raise RuntimeError(
                    f"conversation {conversation_id}'s scorecard has {len(names)} components; "
                    f"a rubric may have at most {SLOTS}"
                )
            if names not in layouts:
                text = orjson.dumps(list(names)).decode()
                bind.execute(
                    sa.text("INSERT INTO component_layouts (components) VALUES (:c)"), {"c": text}
                )
                layouts[names] = bind.execute(
                    sa.text("SELECT id FROM component_layouts WHERE components = :c"), {"c": text}
                ).scalar_one()
            slots = [by_name[name] for name in names]
            slots += [None] * (SLOTS - len(slots))
            rows.append(
                {"conversation_id": conversation_id, "layout_id": layouts[names]}
                | {f"s{i}": score for i, score in enumerate(slots)}
            )
        if rows:
            bind.execute(add, rows)
    op.execute("ANALYZE conversation_components")  # the planner's statistics of the new rows


def downgrade() -> None:
    op.drop_table("conversation_components")
    op.drop_table("component_layouts")
