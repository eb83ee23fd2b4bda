"""Engines and migrations: SQLite (WAL, foreign keys on) or PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """postgresql:// and postgres:// mean psycopg 3 (the driver heard installs)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


SQLITE_CACHE_KIB = 32 * 1024
"""Page cache of each SQLite connection (SQLite's default is 2 MiB). Ingest inserts rows all
over the large indexes (a behaviour's verdict copies sit in time order, and a batch spans
weeks); with 2 MiB their pages were read again and again: at 100,000 stored, writing a batch
of 200 conversations' verdict copies took 45 ms of CPU and its commit 42 ms, with 32 MiB 23
and 31 ms (more gained nothing). Pages are taken as they are read, up to this."""


def make_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file's folder is created, WAL and foreign keys are on and
    each connection keeps `SQLITE_CACHE_KIB` of pages. Its errors never carry the statement's
    values (`hide_parameters`): they reach logs, and the values are conversations and
    personal data."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # no JIT compilation: it spent ~50 ms compiling each search's count at a million
        # conversations, more than the short queries heard makes ever win back
        return create_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args={"options": "-c jit=off"},
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _keys_on(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        # a migration turns foreign keys off on its connection (env.py); every checkout
        # turns them on again (between transactions, where SQLite takes the pragma)
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Upgrade the database behind `engine` to the newest migration (on SQLite with foreign
    keys off while the migrations run: see the migrations' env.py)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def migrate(url: str) -> None:
    """Upgrade the database at `url` to the newest migration (creating it when empty)."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


CONVERSATION_KEY = "uq_conversations_scope_source_external_id"
"""The unique key two ingests of one new conversation can race for."""


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error (PostgreSQL's five characters), None when it has none."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None)


def collided(exc: BaseException) -> bool:
    """Whether a write failed only because another transaction wrote at the same moment, so
    trying again can succeed: a deadlock or a serialization failure (PostgreSQL), the database
    locked past the busy timeout (SQLite), or a conversation's key that another ingest took
    between this one's look and its insert (the next try finds that conversation)."""
    state = sqlstate(exc)
    if state in {"40P01", "40001"}:
        return True
    orig = getattr(exc, "orig", exc)
    if state == "23505":
        diag = getattr(orig, "diag", None)
        return getattr(diag, "constraint_name", None) == CONVERSATION_KEY
    message = str(orig)
    return "database is locked" in message or message.startswith(
        "UNIQUE constraint failed: conversations.scope"
    )
