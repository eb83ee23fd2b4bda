"""full-text search over conversations, saved views of the conversations page

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

- The words of each conversation as stored (so redacted: a card number or an email that was
  replaced is not there to find): its turns' text and email subjects, its agent's and its
  customer's name, the first `SEARCH_CHARACTERS` characters of them. The database keeps them
  itself, whatever writes the conversation (ingest, a bulk load, a later tool):
  - SQLite: an FTS5 table `conversation_search` (rowid = the conversation's id), written by
    triggers on insert, on an update of the body and on delete. A later migration that copies
    `conversations` anew (alembic's batch mode) drops these triggers and must create them again.
  - PostgreSQL: a `search_words` tsvector column of `conversations` (the 'simple'
    configuration: lower case, no stemming, as SQLite's unicode61 tokenizer), set by a
    trigger before an insert or an update of the body, with a GIN index.
  Both are filled for the conversations stored before.
- `saved_views`: a user's named filters of the conversations page, private to them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SEARCH_CHARACTERS = 200_000
"""The characters of a conversation's words that are searched (PostgreSQL refuses a tsvector
over 1 MB; a conversation rarely has a tenth of this)."""


def sqlite_words(body: str) -> str:
    """SQLite's expression of the searchable words of the conversation JSON `body`."""
    return (
        "substr(coalesce((SELECT group_concat(part, char(10)) FROM ("
        f"SELECT json_extract({body}, '$.agent.name') AS part"
        f" UNION ALL SELECT json_extract({body}, '$.customer.name')"
        " UNION ALL SELECT coalesce(json_extract(t.value, '$.subject') || char(10), '')"
        f" || json_extract(t.value, '$.text') FROM json_each({body}, '$.turns') AS t"
        f")), ''), 1, {SEARCH_CHARACTERS})"
    )


SQLITE = [
    "CREATE VIRTUAL TABLE conversation_search USING fts5("
    "words, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversations BEGIN "
    f"INSERT INTO conversation_search (rowid, words) VALUES (new.id, {sqlite_words('new.body')});"
    " END",
    "CREATE TRIGGER conversation_search_update AFTER UPDATE OF body ON conversations BEGIN "
    "DELETE FROM conversation_search WHERE rowid = old.id; "
    f"INSERT INTO conversation_search (rowid, words) VALUES (new.id, {sqlite_words('new.body')});"
    " END",
    "CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversations BEGIN "
    "DELETE FROM conversation_search WHERE rowid = old.id; END",
    "INSERT INTO conversation_search (rowid, words) "
    f"SELECT id, {sqlite_words('body')} FROM conversations",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS conversation_search_delete",
    "DROP TRIGGER IF EXISTS conversation_search_update",
    "DROP TRIGGER IF EXISTS conversation_search_insert",
    "DROP TABLE IF EXISTS conversation_search",
]

POSTGRESQL = [
    "CREATE FUNCTION heard_search_words(body text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    "WITH doc AS (SELECT body::jsonb AS b) "
    "SELECT to_tsvector('pg_catalog.simple'::regconfig, "
    f"left(coalesce(string_agg(part, E'\\n'), ''), {SEARCH_CHARACTERS})) FROM ("
    "SELECT b #>> '{agent,name}' AS part FROM doc "
    "UNION ALL SELECT b #>> '{customer,name}' FROM doc "
    "UNION ALL SELECT concat_ws(E'\\n', t ->> 'subject', t ->> 'text') "
    "FROM doc, jsonb_array_elements(b -> 'turns') AS t"
    ") AS parts $$",
    "CREATE FUNCTION heard_conversation_search() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN NEW.search_words := heard_search_words(NEW.body); RETURN NEW; END $$",
    "ALTER TABLE conversations ADD COLUMN search_words tsvector",
    "UPDATE conversations SET search_words = heard_search_words(body)",
    "CREATE TRIGGER conversation_search BEFORE INSERT OR UPDATE OF body ON conversations "
    "FOR EACH ROW EXECUTE FUNCTION heard_conversation_search()",
    "CREATE INDEX ix_conversations_search_words ON conversations USING gin (search_words)",
]
POSTGRESQL_DOWN = [
    "DROP INDEX IF EXISTS ix_conversations_search_words",
    "DROP TRIGGER IF EXISTS conversation_search ON conversations",
    "ALTER TABLE conversations DROP COLUMN IF EXISTS search_words",
    "DROP FUNCTION IF EXISTS heard_conversation_search()",
    "DROP FUNCTION IF EXISTS heard_search_words(text)",
]


def upgrade() -> None:
    bind = op.get_bind()
    for statement in SQLITE if bind.dialect.name == "sqlite" else POSTGRESQL:
        bind.exec_driver_sql(statement)
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_views_user_id_name"),
    )


def downgrade() -> None:
    op.drop_table("saved_views")
    bind = op.get_bind()
    for statement in SQLITE_DOWN if bind.dialect.name == "sqlite" else POSTGRESQL_DOWN:
        bind.exec_driver_sql(statement)
