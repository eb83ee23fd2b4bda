"""Personal data at rest: card numbers, emails and phone numbers planted in every free-text
field — through the API, the pages and the live sockets of a real `heard serve` — are found
neither in the database files nor in the server's log (SQLite and PostgreSQL).

Each field gets values of its own, so a leak names the field. A value is looked for in the
forms it may take: as sent, in lower case, and for numbers with their digit groups joined by
nothing, spaces, dashes or dots. A control conversation an admin stores with `redact=false`
must be found, so the search is known to see what is stored."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from websockets.asyncio.client import connect

from databases import database_url
from heard.redact import redact_text
from heard.store import Scope, api_tokens
from teamdata import PASSWORD, build_world, open_store

__all__ = ["database_url"]

pytestmark = pytest.mark.slow

CONTROL = "6011 0009 9013 9424"
"""A card number stored unredacted by an admin: the search must find it."""

NAMES = {
    "api": "Zelda Quackenbush",
    "batch": "Ottoline Fairweather",
    "upload": "Bartholomew Thistlewood",
    "page": "Philippa Marchbanks",
    "live": "Cressida Wolstenholme",
}
"""The customer of each conversation (customer names are redacted by default)."""


def _luhn(digits: str) -> str:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return digits + str((10 - total % 10) % 10)


@dataclass
class Planted:
    """Personal data of its own for each field, and which field got what."""

    values: dict[str, str] = field(default_factory=dict)
    """value → the field it was planted in."""

    def __call__(self, where: str, *, only: str | None = None) -> str:
        """A sentence with a card number, an email and a phone number (or `only` one of
        them) for the field `where`, in formats that vary from field to field."""
        n = len(set(self.values.values()))
        rng = random.Random(where)
        digits = _luhn("4" + "".join(rng.choice("0123456789") for _ in range(14)))
        groups = [digits[i : i + 4] for i in range(0, 16, 4)]
        card = [" ".join(groups), "-".join(groups), digits][n % 3]
        line = f"01{n:02d}"
        phones = [f"(415) 555-{line}", f"415-555-{line}", f"+1 415 555 {line}", f"415.555.{line}"]
        phone = phones[n % 4]
        slug = re.sub(r"[^a-z0-9]+", ".", where.lower()).strip(".")
        email = f"{slug}.{n}@pii{n}.example.com"
        email = email.upper() if n % 5 == 4 else email
        parts = {"card": f"card {card}", "email": f"mail {email}", "phone": f"call {phone}"}
        values = {"card": card, "email": email, "phone": phone}
        chosen = [only] if only else list(parts)
        for kind in chosen:
            self.values[values[kind]] = where
        sentence = ", ".join(parts[kind] for kind in chosen)
        expected = ", ".join(parts[kind].split()[0] + f" [{kind.upper()}]" for kind in chosen)
        assert redact_text(sentence).text == expected, sentence
        return sentence if only is None else values[only]

    def number(self, where: str) -> int:
        """A card number as a JSON number."""
        rng = random.Random(where)
        value = _luhn("4" + "".join(rng.choice("0123456789") for _ in range(14)))
        self.values[value] = where
        return int(value)


def forms(value: str) -> set[str]:
    """The lower-case forms a planted value may take in storage."""
    found = {value.lower()}
    groups = re.findall(r"\d+", value)
    if sum(map(len, groups)) >= 7:
        for sep in ("", " ", "-", "."):
            found.add(sep.join(groups))
            if value.startswith("+1"):
                found.add(sep.join(groups[1:]))
    if "@" in value:
        found.add(value.split("@")[0].lower())
    return found


def leaks(haystack: str, planted: dict[str, str]) -> list[str]:
    low = haystack.lower()
    return sorted(
        f"{where}: {form!r}"
        for value, where in planted.items()
        for form in forms(value)
        if form in low
    )


def _conversation(key: str, plant: Planted, *, agent: str = "ann") -> dict[str, Any]:
    """A conversation with personal data in every free-text field it has."""
    name = NAMES[key]
    first, last = name.split()
    spoken = plant(f"{key} turn words").split()
    return {
        "id": f"pii-{key}",
        "external_id": f"pii-{key}",
        "source": "pii-test",
        "channel": "email",
        "started_at": "2026-03-02T09:00:00+00:00",
        "agent": {"id": agent, "name": f"Ann {plant(f'{key} agent name', only='phone')}"},
        "customer": {"id": plant(f"{key} customer id", only="phone"), "name": name},
        "metadata": {
            "crm": {
                plant(f"{key} metadata key", only="email"): {
                    "notes": [plant(f"{key} metadata nested")],
                    "card": plant.number(f"{key} metadata number"),
                },
                "contact": f"{name}, {plant(f'{key} metadata value')}",
            }
        },
        "turns": [
            {
                "index": 0,
                "role": "customer",
                "text": f"Hi, {name} here. I'm upset: {plant(f'{key} turn text')}",
                "subject": f"Refund {plant(f'{key} turn subject')}",
                "speaker_id": plant(f"{key} speaker id", only="email"),
                "metadata": {"from": plant(f"{key} turn metadata"), "who": last},
                "words": [
                    {"text": word, "start": i * 0.4, "end": i * 0.4 + 0.3}
                    for i, word in enumerate(spoken)
                ],
            },
            {
                "index": 1,
                "role": "agent",
                "text": f"I'm so sorry, {first}. Mrs. {last}, I'll sort it out now.",
            },
        ],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def heard_serve(database: str, log: Path, *, redact: bool = True) -> Iterator[str]:
    """`heard serve` on `database` in a subprocess (default settings but `HEARD_REDACT`), its
    output written to `log`."""
    port = _free_port()
    env = {**os.environ, "HEARD_SECRET_KEY": "pii-test-secret", "HEARD_INGEST_WORKERS": "1"}
    env["HEARD_REDACT"] = "true" if redact else "false"
    env.pop("HEARD_REDACT_NAMES", None)
    command = [sys.executable, "-m", "heard", "serve", "--port", str(port), "--database", database]
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"heard serve exited: {log.read_text()[-3000:]}")
                try:
                    if httpx.get(f"{url}/sign-in", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"heard serve did not start: {log.read_text()[-3000:]}")
                time.sleep(0.5)
            yield url
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    found = CSRF.search(page.text)
    assert found, path
    return found.group(1)


@contextmanager
def _signed_in(url: str, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=60) as client:
        token = _csrf(client, "/sign-in")
        data = {"csrf_token": token, "email": email, "password": PASSWORD, "next": "/"}
        _ok(client.post("/sign-in", data=data))
        yield client


def _ok(response: httpx.Response, *codes: int) -> httpx.Response:
    assert response.status_code in (codes or (200, 201, 303)), (
        response.request.url,
        response.status_code,
        response.text[:1000],
    )
    return response


async def _live(url: str, token: str, plant: Planted) -> None:
    name = NAMES["live"]
    first, last = name.split()
    events: list[dict[str, Any]] = [
        {
            "type": "start",
            "seq": 1,
            "channel": "call",
            "agent_id": "ann",
            "agent_name": f"Ann {plant('live agent name')}",
            "customer_name": name,
            "metadata": {"crm": plant("live start metadata"), "who": name},
        },
        {
            "type": "turn",
            "seq": 2,
            "role": "customer",
            "text": f"This is {name}. {plant('live turn text')}",
            "start": 0,
            "end": 4,
        },
        {
            "type": "partial",
            "seq": 3,
            "role": "agent",
            "text": f"Thanks {first}, {plant('live partial')}",
            "start": 4,
            "end": 5,
        },
        {
            "type": "turn",
            "seq": 4,
            "role": "agent",
            "text": f"Thanks {first}. Mrs. {last}, I have it.",
            "start": 4,
            "end": 7,
            "words": [
                {"text": w, "start": 4 + i * 0.3, "end": 4.2 + i * 0.3}
                for i, w in enumerate(f"{first} {plant('live turn words')}".split())
            ],
        },
    ]
    ws = "ws" + url.removeprefix("http")
    headers = {"Authorization": f"Bearer {token}"}
    async with connect(f"{ws}/api/v1/live/pii-live", additional_headers=headers) as feed:
        assert json.loads(await feed.recv())["type"] == "hello"
        for event in events:
            await feed.send(json.dumps(event))
            while True:
                frame = json.loads(await asyncio.wait_for(feed.recv(), 30))
                if frame["type"] == "ack" and frame["event"] == event["seq"]:
                    break
                assert frame["type"] != "error", frame


async def _live_end(url: str, token: str) -> None:
    ws = "ws" + url.removeprefix("http")
    headers = {"Authorization": f"Bearer {token}"}
    async with connect(f"{ws}/api/v1/live/pii-live", additional_headers=headers) as feed:
        await feed.send(json.dumps({"type": "end", "seq": 5}))
        while json.loads(await asyncio.wait_for(feed.recv(), 60))["type"] != "ended":
            pass


def _exercise(url: str, tokens: dict[str, str], plant: Planted) -> None:
    """Send personal data through every write path there is."""

    def api(role: str) -> httpx.Client:
        return httpx.Client(
            base_url=url, timeout=120, headers={"Authorization": f"Bearer {tokens[role]}"}
        )

    lead, agent, admin = api("lead"), api("agent"), api("admin")
    ids: dict[str, int] = {}
    # conversations: one, a batch, a file upload (API) and a file upload (page)
    one = _ok(lead.post("/api/v1/conversations", json=_conversation("api", plant)))
    ids["api"] = one.json()["items"][0]["id"]
    batch = {"conversations": [_conversation("batch", plant)]}
    ids["batch"] = _ok(lead.post("/api/v1/conversations/batch", json=batch)).json()["items"][0][
        "id"
    ]
    upload = json.dumps(_conversation("upload", plant)).encode()
    _ok(lead.post("/api/v1/conversations/upload", files={"files": ("pii.json", upload)}))
    control = {
        "id": "pii-control",
        "channel": "chat",
        "agent": {"id": "ann", "team": "Blue"},
        "turns": [
            {"index": 0, "role": "customer", "text": f"control card {CONTROL}"},
            {"index": 1, "role": "agent", "text": "Thanks, I see."},
        ],
    }
    _ok(admin.post("/api/v1/conversations", params={"redact": "false"}, json=control))
    # notes through the API: the lead writes and edits, the agent replies, disputes and
    # acknowledges, the lead resolves
    note = _ok(
        lead.post(
            f"/api/v1/conversations/{ids['api']}/notes", json={"text": plant("API note"), "turn": 1}
        )
    ).json()["id"]
    _ok(lead.patch(f"/api/v1/notes/{note}", json={"text": plant("API note edit")}))
    _ok(agent.post(f"/api/v1/notes/{note}/replies", json={"text": plant("API note reply")}))
    _ok(agent.post(f"/api/v1/notes/{note}/dispute", json={"text": plant("API note dispute")}))
    _ok(agent.post(f"/api/v1/notes/{note}/acknowledge", json={"text": plant("API note ack")}))
    _ok(lead.post(f"/api/v1/notes/{note}/resolve", json={"text": plant("API note resolve")}))
    # bad input (a NUL byte, refused or failing) must not take the data into the log
    nul = {"csat": 1, "comment": plant("API survey comment with NUL") + "\x00"}
    lead_link = _ok(lead.get(f"/api/v1/conversations/{ids['api']}/survey-link")).json()
    httpx.post(f"{url}/api/v1/feedback/{lead_link['token']}", json=nul)
    bad_note = {"text": plant("API note with NUL") + "\x00"}
    with api("lead") as once:  # a 500 may close the connection
        once.post(f"/api/v1/conversations/{ids['api']}/notes", json=bad_note)
    # the survey: through the API and through its page (two conversations: one answer each)
    link = _ok(lead.get(f"/api/v1/conversations/{ids['api']}/survey-link")).json()
    _ok(
        httpx.post(
            f"{url}/api/v1/feedback/{link['token']}",
            json={"csat": 2, "felt_heard": 1, "comment": plant("API survey comment")},
        )
    )
    link = _ok(lead.get(f"/api/v1/conversations/{ids['batch']}/survey-link")).json()
    with httpx.Client(base_url=url, timeout=60) as customer:
        token = _csrf(customer, link["path"])
        _ok(
            customer.post(
                link["path"],
                data={
                    "csrf_token": token,
                    "csat": "2",
                    "felt_heard": "1",
                    "comment": plant("page survey comment"),
                },
            )
        )
    # users and tokens
    user = _ok(
        admin.post(
            "/api/v1/users",
            json={"email": "pii-user@x.test", "role": "lead", "name": plant("user name")},
        )
    ).json()["id"]
    _ok(
        admin.post(
            f"/api/v1/users/{user}/tokens",
            json={"scopes": ["read"], "name": plant("token name")},
        )
    )
    # the pages: a lead uploads, writes a note and replies; the agent acknowledges
    with _signed_in(url, "bea@x.test") as page:
        token = _csrf(page, "/upload")
        _ok(
            page.post(
                "/upload",
                data={"csrf_token": token, "format": "auto"},
                files={"files": ("page.json", json.dumps(_conversation("page", plant)).encode())},
            )
        )
        path = f"/conversations/{ids['api']}"
        token = _csrf(page, path)
        _ok(page.post(f"{path}/notes", data={"csrf_token": token, "text": plant("page note")}))
        page_note = _ok(lead.get(f"/api/v1/conversations/{ids['api']}/notes")).json()[-1]["id"]
        _ok(
            page.post(
                f"/notes/{page_note}/replies",
                data={"csrf_token": token, "text": plant("page note reply")},
            )
        )
    with _signed_in(url, "ann@x.test") as page:
        token = _csrf(page, "/me")
        _ok(
            page.post(
                f"/notes/{page_note}/acknowledge",
                data={"csrf_token": token, "text": plant("page note ack")},
            )
        )
    with _signed_in(url, "bea@x.test") as page:
        token = _csrf(page, f"/conversations/{ids['api']}")
        _ok(
            page.post(
                f"/notes/{page_note}/resolve",
                data={"csrf_token": token, "text": plant("page note resolve")},
            )
        )
    # live: a conversation fed over the socket, hints through the API and the watch page
    asyncio.run(_live(url, tokens["agent"], plant))
    first = NAMES["live"].split()[0]
    _ok(
        lead.post(
            "/api/v1/live/pii-live/hints", json={"text": f"Ask {first}: {plant('API live hint')}"}
        )
    )
    with _signed_in(url, "bea@x.test") as page:
        token = _csrf(page, "/live/pii-live")
        _ok(
            page.post(
                "/live/pii-live/hints",
                data={"csrf_token": token, "text": f"Tell {first}: {plant('page live hint')}"},
            )
        )
    asyncio.run(_live_end(url, tokens["agent"]))
    for client in (lead, agent, admin):
        client.close()


def _stored_text(database: str, files: list[Path]) -> str:
    """Everything stored: the SQLite files' bytes, or every row of every table."""
    if database.startswith("sqlite"):
        return "\n".join(p.read_bytes().decode("latin-1") for p in files if p.exists())
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            connection.execute(text("CHECKPOINT"))
            tables = connection.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).all()
            rows = [
                row
                for table in tables
                for row in connection.scalars(text(f'SELECT t::text FROM "{table}" t'))
            ]
    finally:
        engine.dispose()
    return "\n".join(rows)


def _run(database: str, tmp_path: Path, *, redact: bool) -> tuple[str, str, dict[str, str]]:
    """Plant through a fresh server: (what is stored, the log, value or word → field)."""
    store = open_store(database)
    world = build_world(store)
    tokens = {}
    for role, who in (("lead", "bea"), ("agent", "ann"), ("admin", "admin")):
        scopes = [Scope.READ, Scope.WRITE] + ([Scope.ADMIN] if role == "admin" else [])
        tokens[role] = api_tokens.create_token(store, world.users[who], scopes=scopes, name=role)[1]
    store.close()
    plant = Planted()
    log = tmp_path / "heard-serve.log"
    with heard_serve(database, log, redact=redact) as url:
        _exercise(url, tokens, plant)
    assert len(set(plant.values.values())) >= 50, "fewer fields than planted"
    files = []
    if database.startswith("sqlite"):
        path = Path(make_url(database).database or "")
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    stored = _stored_text(database, files)
    assert leaks(stored, {CONTROL: "control"}), (
        "the control card stored with redact=false was not found: the search sees nothing"
    )
    names = {word: f"customer name {key}" for key, n in NAMES.items() for word in n.split()}
    return stored, log.read_text(errors="replace"), {**plant.values, **names}


def test_no_planted_personal_data_in_the_database_or_the_log(
    database_url: str, tmp_path: Path
) -> None:
    stored, log, planted = _run(database_url, tmp_path, redact=True)
    assert leaks(stored, planted) == []
    assert leaks(log, {**planted, CONTROL: "control"}) == []


def test_every_planted_field_is_stored_when_redaction_is_off(tmp_path: Path) -> None:
    """The control of the test above: with `HEARD_REDACT=false` every field planted there is
    found in the database (but the note's first text, which its edit replaced, and the survey
    comment and note with a NUL byte, which are refused: 422), so each one reaches storage and
    its absence there means it was redacted (SQLite only: the paths are the same on
    PostgreSQL)."""
    stored, log, planted = _run(f"sqlite:///{tmp_path / 'heard.db'}", tmp_path, redact=False)
    found = {line.split(": ")[0] for line in leaks(stored, planted)}
    assert set(planted.values()) - found == {
        "API note",
        "API survey comment with NUL",
        "API note with NUL",
    }
    assert leaks(log, planted) == []
