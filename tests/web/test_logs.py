"""No secret and no personal data in the server's logs: the masking and redaction filter and
the formatters on their own, SQL errors without their values (SQLite and PostgreSQL), and a
real `heard serve` whose log file, after WebSocket tokens, panel keys, survey links and
server errors carrying a card number, an email and a phone, holds none of them."""

from __future__ import annotations

import json
import logging
import re
import secrets
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from databases import database_url
from heard.store.database import make_engine
from heard.web.logs import JsonFormatter, KeyValueFormatter, Scrub, log_config, mask_secrets

__all__ = ["database_url"]

CARD = "4111 1111 1111 1111"
EMAIL = "carol.smith@example.com"
PHONE = "+1 415-555-0100"
TOKEN = "heard_" + "Ab3_dE-9" * 5


@pytest.mark.parametrize(
    ("logged", "kept"),
    [
        (f"/api/v1/live/c-1?token={TOKEN}&since=3", "/api/v1/live/c-1?token=***&since=3"),
        ("/live/c-1/panel?key=eyJjIjoiYyJ9.Zx.sig", "/live/c-1/panel?key=***"),
        ("/api/v1/live/c-1/watch?since=0&key=abc.def", "/api/v1/live/c-1/watch?since=0&key=***"),
        ("/survey/eyJjb252ZXJzYXRpb24iOjF9.abc", "/survey/***"),
        ('"POST /reset/Zk3-q_9aBc HTTP/1.1" 200', '"POST /reset/*** HTTP/1.1" 200'),
        ("POST /api/v1/feedback/eyJj.x HTTP/1.1", "POST /api/v1/feedback/*** HTTP/1.1"),
        (f"token {TOKEN} revoked", "token heard_*** revoked"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
        ("/api/v1/conversations?start=2024-01-01&limit=5", None),
    ],
)
def test_secrets_in_urls_and_messages_are_masked(logged: str, kept: str | None) -> None:
    assert mask_secrets(logged) == (kept or logged)


def record(name: str, msg: str, *args: object, error: BaseException | None = None):
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, exc_info)


def formatted(found: logging.LogRecord, formatter: logging.Formatter | None = None) -> str:
    assert Scrub().filter(found)
    return (formatter or KeyValueFormatter()).format(found)


def test_messages_and_tracebacks_lose_personal_data() -> None:
    try:
        raise ValueError(f"comment was {CARD!r}, reach me at {EMAIL} or {PHONE}")
    except ValueError as exc:
        error = exc
    line = formatted(record("heard.live.hub", "event of %s failed", EMAIL, error=error))
    assert CARD not in line and EMAIL not in line and "415-555-0100" not in line
    assert "[CARD]" in line and "[EMAIL]" in line and "[PHONE]" in line
    assert "ValueError" in line and "\n" not in line  # the traceback, on the record's line


def test_access_lines_keep_their_fields_with_the_path_masked() -> None:
    access = record(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        f"/api/v1/live/c?token={TOKEN}",
        "1.1",
        101,
    )
    line = formatted(access, JsonFormatter())
    found = json.loads(line)
    assert found["logger"] == "uvicorn.access" and found["status"] == 101
    assert found["path"] == "/api/v1/live/c?token=***" and TOKEN not in line
    text_line = KeyValueFormatter().format(access)
    assert 'method=GET path="/api/v1/live/c?token=***" http=1.1 status=101' in text_line


def test_the_log_config_puts_the_filter_on_every_handler() -> None:
    config = log_config("json")
    assert all(h["filters"] == ["scrub"] for h in config["handlers"].values())
    assert config["formatters"]["heard"]["()"] is JsonFormatter
    assert log_config()["formatters"]["heard"]["()"] is KeyValueFormatter


def test_sql_errors_never_carry_their_values(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(DBAPIError) as raised, engine.begin() as connection:
            connection.execute(text("INSERT INTO nowhere VALUES (:comment)"), {"comment": CARD})
    finally:
        engine.dispose()
    assert CARD not in str(raised.value)
    assert "hidden" in str(raised.value)


# ---------------------------------------------------------------- a real server's log file


def conversation(conversation_id: str) -> dict[str, object]:
    return {
        "id": conversation_id,
        "channel": "chat",
        "turns": [
            {"index": 0, "role": "customer", "text": "My parcel has not arrived."},
            {"index": 1, "role": "agent", "text": "I'm sorry, let me look at it now."},
        ],
    }


REFUSE_SQLITE = """CREATE TRIGGER heard_test_refuse BEFORE INSERT ON feedback
BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"""
REFUSE_POSTGRES = [
    """CREATE FUNCTION heard_test_refuse() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'refused by the test: %', to_jsonb(NEW)::text; END $$
    LANGUAGE plpgsql""",
    """CREATE TRIGGER heard_test_refuse BEFORE INSERT ON feedback
    FOR EACH ROW EXECUTE FUNCTION heard_test_refuse()""",
    """CREATE TRIGGER heard_test_refuse BEFORE INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION heard_test_refuse()""",
]


def refuse_inserts(url: str) -> None:
    """Make inserts of survey answers (and of users, on PostgreSQL) fail in the database,
    PostgreSQL's error quoting the row: server errors whose values are personal data."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for statement in REFUSE_POSTGRES if url.startswith("postgresql") else [REFUSE_SQLITE]:
                connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_served_apps_log_holds_no_secret_and_no_personal_data(
    database_url: str, tmp_path: Path
) -> None:
    from websockets.sync.client import connect

    from heard.bench.live import served
    from heard.settings import Settings
    from heard.web.auth import panel_key, survey_token

    key = secrets.token_hex(16)
    env = {"HEARD_SECRET_KEY": key, "XDG_DATA_HOME": str(tmp_path / "data")}
    with served(tmp_path, database_url=database_url, env=env, admin_scope=True) as (
        base,
        token,
        process,
    ):
        bearer = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=bearer, timeout=60) as client:
            stored = client.post("/api/v1/conversations", json=conversation("log-1"))
            assert stored.status_code == 200, stored.text
            conversation_id = stored.json()["items"][0]["id"]
            refuse_inserts(database_url)
            ws = base.replace("http", "ws", 1)
            with connect(f"{ws}/api/v1/live/log-live?token={token}", open_timeout=30) as socket:
                socket.send(json.dumps({"type": "start", "seq": 1, "channel": "chat"}))
                socket.recv(timeout=30)
            settings = Settings(database_url="sqlite://", secret_key=key)
            panel = panel_key(settings, "log-live", 1)
            assert client.get(f"/live/log-live/panel?key={panel}").status_code < 500
            survey = survey_token(settings, conversation_id)
            assert httpx.get(f"{base}/survey/{survey}").status_code == 200
            comment = f"card {CARD}, mail {EMAIL}, call {PHONE}"
            answer = httpx.post(
                f"{base}/api/v1/feedback/{survey}", json={"csat": 5, "comment": comment}
            )
            assert answer.status_code == 500  # the database refused it
            user = client.post(
                "/api/v1/users",
                json={"email": EMAIL, "role": "lead", "name": f"Carol {PHONE}"},
            )
            assert user.status_code in (201, 409, 500)
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert "path=/api/v1/feedback/*** http=1.1 status=500" in log
    assert "Exception in ASGI application" in log and "refused by the test" in log
    assert "WebSocket /api/v1/live/log-live?token=***" in log
    assert "key=***" in log and "path=/survey/*** " in log
    leaks = [
        secret
        for secret in (token, token[len("heard_") :], panel, survey, key, CARD, EMAIL)
        if secret in log
    ]
    assert leaks == [], leaks
    assert not re.search(r"4111[ -]?1111|415.?555.?0100|carol\.smith", log, re.IGNORECASE), log
    del process
