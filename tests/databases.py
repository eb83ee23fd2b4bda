"""The `database_url` fixture: store and API tests run on a SQLite file and on a real PostgreSQL.

Each test gets a database of its own, already migrated to the newest schema and empty: a copy
of a template each test process migrates once (a file copy on SQLite, `CREATE DATABASE …
TEMPLATE` on PostgreSQL). Migrating from nothing took 0.5 s on SQLite and 1 s on PostgreSQL
for each of ~900 tests; `Store.open` on the copy finds it at head and goes on. Migrating from
nothing is still run by the tests that open their own files and by tests/store/test_store.py's
down-and-up test."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_SERVER = os.environ.get(
    "HEARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/"
)


def _server_answers(url: str) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 2):
            return True
    except OSError:
        return False


_templates: dict[str, str] = {}
"""This test process's migrated templates: the SQLite file and the PostgreSQL database name."""


def _migrated(url: str) -> None:
    from heard.store import migrate

    migrate(url)


def _sqlite_template() -> str:
    """A SQLite file migrated to head, made once per test process (removed at its exit)."""
    if "sqlite" not in _templates:
        folder = tempfile.mkdtemp(prefix="heard-template-")
        atexit.register(shutil.rmtree, folder, True)
        path = os.path.join(folder, "heard.db")
        _migrated(f"sqlite:///{path}")
        _templates["sqlite"] = path
    return _templates["sqlite"]


def sqlite_database(folder: Path) -> str:
    """The URL of a SQLite file in `folder`, migrated to head and empty."""
    path = folder / "heard.db"
    shutil.copyfile(_sqlite_template(), path)
    return f"sqlite:///{path}"


def _admin() -> Engine:
    return create_engine(
        make_url(POSTGRES_SERVER).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )


def _postgres_template() -> str:
    """A PostgreSQL database migrated to head with no connection left open (as `TEMPLATE`
    needs), made once per test process and dropped at its exit."""
    if "postgresql" not in _templates:
        name = f"heard_template_{uuid.uuid4().hex[:12]}"
        admin = _admin()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        _migrated(make_url(POSTGRES_SERVER).set(database=name).render_as_string(False))
        atexit.register(_drop, name)
        _templates["postgresql"] = name
    return _templates["postgresql"]


def _drop(name: str) -> None:
    admin = _admin()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def postgres_database(*, migrated: bool = False) -> Iterator[str]:
    """The URL of a new PostgreSQL database (empty; with `migrated`, at the newest schema),
    dropped afterwards; a skip (a failure under CI) when no server answers."""
    if not _server_answers(POSTGRES_SERVER):
        message = f"no PostgreSQL server answers at {POSTGRES_SERVER}"
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run starts one)")
        pytest.skip(message)
    name = f"heard_test_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{_postgres_template()}"' if migrated else ""
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{template}'))
    try:
        yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, migrated to head and empty."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
        return
    with postgres_database(migrated=True) as url:
        yield url
