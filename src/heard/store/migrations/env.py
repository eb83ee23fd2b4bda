"""Alembic environment of the store: runs on the connection heard.store.migrate hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from heard.store.tables import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:  # type: ignore[no-untyped-def]
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # SQLite's own procedure for changing a table: foreign keys off while the migrations
        # run. A migration that copies a table anew (alembic's batch mode) drops the old one,
        # and with foreign keys on that drop first deletes its rows, cascading to every row
        # that points at them. The pragma is taken here, before the migrations write anything
        # (SQLite ignores it inside a transaction); the keys are checked before the commit and
        # the engine turns them on again at the connection's next checkout.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                raise RuntimeError(f"a migration left a broken foreign key: {tuple(broken)}")


if connection is not None:
    _run(connection)
else:  # the alembic command line: the URL comes from the config
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
