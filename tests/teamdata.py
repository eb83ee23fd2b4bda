"""Hand-built conversations and a small team (two teams, leads, agents) for store and API tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from heard.analysis import Analyzer
from heard.ingest import IngestService
from heard.model import Conversation
from heard.store import Store, UserRole, Viewer, accounts
from heard.store.analysed import CardRows
from heard.store.disputes import Dispute
from heard.store.records import IngestReport, RescoreReport

GOOD_TURNS = [
    ("customer", "My card was charged twice for order 5521 and I'm really upset about it."),
    (
        "agent",
        "I'm so sorry, that sounds really frustrating. Could you tell me more about when you "
        "noticed it?",
    ),
    ("customer", "I noticed it this morning."),
    (
        "agent",
        "Thanks. I've refunded the second charge for order 5521; it will be back in 3 days. "
        "Does that solve it for you?",
    ),
    ("customer", "Yes, thank you!"),
]
BAD_TURNS = [
    ("customer", "My card was charged twice for order 5521 and I'm really upset about it."),
    ("agent", "Calm down. There is nothing we can do. You should have checked before ordering."),
    ("customer", "I already told you, I was charged twice! I want a manager."),
    ("agent", "Please fill in the form on our website."),
]
PII_TURNS = [
    ("customer", "Please refund to my card 4111 1111 1111 1111, email jo@example.com."),
    ("agent", "Thanks, I've started the refund. Is there anything else?"),
]

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""A Monday: weeks in the tests start here."""


def conversation(
    external_id: str,
    *,
    good: bool = True,
    agent: str | None = "ag-1",
    agent_name: str | None = None,
    team: str | None = "Blue",
    at: datetime = MONDAY,
    channel: str = "chat",
    source: str = "test",
    turns: list[tuple[str, str]] | None = None,
) -> Conversation:
    chosen = turns or (GOOD_TURNS if good else BAD_TURNS)
    data: dict = {
        "id": external_id,
        "external_id": external_id,
        "source": source,
        "channel": channel,
        "started_at": at.isoformat(),
        "turns": [{"index": i, "role": r, "text": t} for i, (r, t) in enumerate(chosen)],
    }
    if agent is not None:
        data["agent"] = {"id": agent, "name": agent_name or f"Agent {agent}", "team": team}
    return Conversation.model_validate(data)


_ANALYZER: Analyzer | None = None


def analyzer() -> Analyzer:
    """One analyzer for the whole test process (building one loads models)."""
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = Analyzer()
    return _ANALYZER


def ingest(store: Store, conversations: list[Conversation], **options: Any) -> IngestReport:
    """Conversations stored as every caller stores them: through the ingest service (on this
    process, with the shared analyzer unless `options` name another)."""
    return IngestService(store, analyzer=analyzer()).ingest(conversations, **options)


def rescore(store: Store, **options: Any) -> RescoreReport:
    """`IngestService.rescore` on `store`, with the shared analyzer unless `options` name one."""
    return IngestService(store, analyzer=analyzer()).rescore(**options)


def decide(store: Store, viewer: Viewer, dispute_id: int, **options: Any) -> Dispute:
    """`IngestService.decide_dispute` for `store`, with the shared analyzer (an accepted
    finding is scored away with it)."""
    return IngestService(store, analyzer=analyzer()).decide_dispute(viewer, dispute_id, **options)


def analyse(
    store: Store, conversations: list[Conversation], **options: Any
) -> list[tuple[Conversation, CardRows]]:
    """`IngestService.analyse` for `store`, with the shared analyzer unless `options` name one."""
    return IngestService(store, analyzer=analyzer()).analyse(conversations, **options)


@dataclass
class World:
    """Two teams: Blue (lead Bea; agents Ann, Abe) and Red (lead Rex; agent Ray); an admin."""

    store: Store
    users: dict[str, int] = field(default_factory=dict)
    agents: dict[str, int] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)
    conversations: dict[str, int] = field(default_factory=dict)

    def viewer(self, who: str):
        return accounts.get_user(self.store, self.users[who]).viewer()


PASSWORD = "correct horse battery"

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""argon2id at the lowest cost: the same code path, a thousandth of the time."""


def open_store(url: str) -> Store:
    """A store for tests: migrated, with the cheap password hasher."""
    return Store.open(url, password_hasher=CHEAP_HASHER)


def build_world(store: Store) -> World:
    world = World(store)
    convs = [
        conversation("ann-1", agent="ann", agent_name="Ann", team="Blue", at=MONDAY),
        conversation(
            "ann-2",
            agent="ann",
            agent_name="Ann",
            team="Blue",
            good=False,
            at=MONDAY + timedelta(days=1),
        ),
        conversation("abe-1", agent="abe", agent_name="Abe", team="Blue", good=False, at=MONDAY),
        conversation(
            "ray-1", agent="ray", agent_name="Ray", team="Red", at=MONDAY + timedelta(days=8)
        ),
    ]
    report = ingest(store, convs)
    for conv, item in zip(convs, report.items, strict=True):
        world.conversations[conv.id] = item.id
    world.users["admin"] = accounts.create_user(
        store, "admin@x.test", role=UserRole.ADMIN, password=PASSWORD
    ).id
    world.users["bea"] = accounts.create_user(
        store, "bea@x.test", role=UserRole.LEAD, password=PASSWORD, name="Bea", teams=["Blue"]
    ).id
    world.users["rex"] = accounts.create_user(
        store, "rex@x.test", role=UserRole.LEAD, password=PASSWORD, name="Rex", teams=["Red"]
    ).id
    for name in ("ann", "abe", "ray"):
        user = accounts.create_user(
            store,
            f"{name}@x.test",
            role=UserRole.AGENT,
            password=PASSWORD,
            name=name.title(),
            agent_external_id=name,
        )
        world.users[name] = user.id
        world.agents[name] = user.agent_id  # type: ignore[assignment]
    world.teams = {
        t.name: t.id
        for t in store.list_teams(accounts.get_user(store, world.users["admin"]).viewer())
    }
    return world
