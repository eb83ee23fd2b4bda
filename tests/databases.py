"""The `database_url` fixture: store and API tests run on a SQLite file and on a real PostgreSQL."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
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


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards; a skip (a failure
    under CI) when no server answers."""
    if not _server_answers(POSTGRES_SERVER):
        message = f"no PostgreSQL server answers at {POSTGRES_SERVER}"
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run starts one)")
        pytest.skip(message)
    name = f"heard_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(POSTGRES_SERVER).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'heard.db'}"
        return
    with postgres_database() as url:
        yield url
