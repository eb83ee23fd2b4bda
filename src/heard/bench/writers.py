"""Concurrent writers on a real `heard serve`: several clients post the same conversations at
once, each client's copy edited its own way and its batches shuffled (issue 18, defect 3:
PostgreSQL answered such collisions with 500s and left rows in client order). Every answer is
counted; a client honours 409 with Retry-After as the API asks and sends the batch again.
Afterwards the store is checked: one row per conversation holding one client's version, one
current scorecard each, the copies of the current scores and the daily rollups equal to what
the scorecards give. `heard bench security --writers` runs it on SQLite and, given a server,
PostgreSQL."""

from __future__ import annotations

import contextlib
import random
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from heard.bench.live import served
from heard.bench.machine import machine
from heard.model import Conversation

Progress = Callable[[str], None]

MAX_TRIES = 30
"""Times a client sends one batch before it gives up (each 409 says when to send it again)."""
MARK = " (client {})"
"""What each client adds to every turn of its copy, so the stored version names its sender."""


def edited(conversation: Conversation, client: int) -> dict[str, Any]:
    """`conversation` as client `client` sends it: every turn's text ends with its mark."""
    data = conversation.model_dump(mode="json", exclude_none=True)
    for turn in data["turns"]:
        turn["text"] += MARK.format(client)
    return data


def _client(
    base: str,
    token: str,
    batches: list[list[dict[str, Any]]],
    start: threading.Barrier,
    found: dict[str, Any],
    lock: threading.Lock,
) -> None:
    import httpx

    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as http:
        start.wait()
        for batch in batches:
            for _ in range(MAX_TRIES):
                try:
                    answer = http.post("/api/v1/conversations/batch", json={"conversations": batch})
                except httpx.HTTPError as exc:
                    with lock:
                        found["transport_errors"].append(type(exc).__name__)
                    break
                with lock:
                    found["statuses"][answer.status_code] += 1
                if answer.status_code != 409:
                    break
                with lock:
                    found["retries"] += 1
                wait = float(answer.headers.get("Retry-After", "1"))
                time.sleep(min(wait, 1.0) * random.random())  # spread the retries
            if answer.status_code != 200:
                with lock:
                    found["failed_batches"].append(f"{answer.status_code}: {answer.text[:200]}")


def check_store(database_url: str, conversations: list[Conversation], clients: int) -> dict:
    """Whether the store is consistent after the writers (see the module doc): each check's
    count of conversations or groups that break it (0 everywhere when it holds)."""
    keys = [c.external_id or c.id for c in conversations]
    engine = create_engine(database_url)
    marks = [MARK.format(n) for n in range(1, clients + 1)]
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT external_id, body FROM conversations WHERE source = :source"),
                {"source": conversations[0].source or "api"},
            ).all()
            current = connection.execute(
                text(
                    "SELECT c.id, COUNT(s.id), MAX(c.listening_score), MAX(s.listening_score), "
                    "MAX(c.scorecard_id), MAX(s.id) FROM conversations c "
                    "LEFT JOIN scorecards s ON s.conversation_id = c.id AND s.current = :yes "
                    "GROUP BY c.id"
                ),
                {"yes": True},
            ).all()
            rolled = {
                tuple(r[:4]): (int(r[4]), float(r[5] or 0))
                for r in connection.execute(
                    text(
                        "SELECT day, agent_id, team_id, channel, conversations, total "
                        "FROM daily_scores WHERE component = ''"
                    )
                )
            }
            counted: dict[tuple[Any, ...], list[float]] = {}
            for occurred, agent, team, channel, score in connection.execute(
                text(
                    "SELECT c.occurred_at, c.agent_id, c.team_id, c.channel, s.listening_score "
                    "FROM conversations c JOIN scorecards s "
                    "ON s.conversation_id = c.id AND s.current = :yes"
                ),
                {"yes": True},
            ):
                day = occurred.date() if hasattr(occurred, "date") else occurred[:10]
                key = (str(day), agent or 0, team or 0, channel)
                into = counted.setdefault(key, [0, 0.0])
                into[0] += 1
                into[1] += score or 0.0
    finally:
        engine.dispose()
    stored = Counter(external_id for external_id, _ in rows)
    rolled_by_text = {(str(k[0]), *k[1:]): v for k, v in rolled.items()}
    off_groups = [
        key
        for key in set(rolled_by_text) | set(counted)
        if rolled_by_text.get(key, (0, 0.0))[0] != counted.get(key, [0, 0.0])[0]
        or abs(rolled_by_text.get(key, (0, 0.0))[1] - counted.get(key, [0, 0.0])[1]) > 1e-6
    ]
    return {
        "conversations": len(keys),
        "missing": sum(1 for k in keys if stored[k] == 0),
        "duplicated": sum(1 for k in keys if stored[k] > 1),
        "not_one_clients_version": sum(
            1 for _, body in rows if sum(mark in body for mark in marks) != 1
        ),
        "not_one_current_scorecard": sum(1 for r in current if r[1] != 1),
        "copies_off": sum(1 for r in current if r[2] != r[3] or r[4] != r[5]),
        "rollup_groups_off": len(off_groups),
    }


@contextlib.contextmanager
def fresh_postgres(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server at `server_url` (dropped afterwards)."""
    name = f"heard_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_writers(
    *,
    database_url: str | None = None,
    clients: int = 4,
    conversations: int = 120,
    batch: int = 20,
    seed: int = 18,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """`clients` clients post the same `conversations` demo conversations in shuffled batches
    of `batch` at once through `heard serve` on `database_url` (a fresh SQLite file when
    None); the answers and the store's consistency (see the module doc)."""
    from heard.demo.team import iter_conversations

    say = progress or (lambda _: None)
    base_conversations = list(iter_conversations(conversations, seed=seed, weeks=2))
    found: dict[str, Any] = {
        "statuses": Counter(),
        "retries": 0,
        "failed_batches": [],
        "transport_errors": [],
    }
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="heard-bench-writers-") as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'writers.db'}"
        env = {"XDG_DATA_HOME": str(Path(scratch) / "data"), "HEARD_INGEST_WORKERS": "2"}
        say(f"starting heard serve on {make_url(url).get_backend_name()}")
        with served(Path(scratch), database_url=url, env=env) as (base, token, _):
            start = threading.Barrier(clients)
            threads = []
            for number in range(1, clients + 1):
                copies = [edited(c, number) for c in base_conversations]
                random.Random(seed + number).shuffle(copies)
                batches = [copies[i : i + batch] for i in range(0, len(copies), batch)]
                threads.append(
                    threading.Thread(
                        target=_client, args=(base, token, batches, start, found, lock)
                    )
                )
            say(f"{clients} clients posting {conversations} conversations in batches of {batch}")
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - began
        say("checking the store")
        checks = check_store(url, base_conversations, clients)
    statuses = found["statuses"]
    return {
        "machine": machine(),
        "database": make_url(url).get_backend_name(),
        "settings": {
            "clients": clients,
            "conversations": conversations,
            "batch": batch,
            "seed": seed,
            "ingest_workers": 2,
        },
        "seconds": round(seconds, 2),
        "requests": sum(statuses.values()),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors": sum(v for k, v in statuses.items() if k >= 500),
        "retries": found["retries"],
        "failed_batches": found["failed_batches"],
        "transport_errors": found["transport_errors"],
        "checks": checks,
        "consistent": all(v == 0 for k, v in checks.items() if k != "conversations"),
    }
