"""Alembic environment of the store: runs on the connection heard.store.migrate hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from heard.store.tables import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:  # the alembic command line: the URL comes from the config
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
