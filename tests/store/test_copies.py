"""The current scorecard's id, Listening Score and done or missed verdicts copied onto
`conversations` and `conversation_verdicts` (migration 0005) equal what the scorecards say after
every path that changes scores — ingest, ingest(analysed=…), an update of a body (to another
agent, team, day and channel), an unchanged ingest, rescore, the migration — and the lists and
charts that filter on them answer as the scorecards would: a reference computed here from the
scorecards themselves, for filters and viewers drawn by hypothesis."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Text, and_, cast, select
from sqlalchemy.orm import Session

from heard.analysis import Analyzer, load_rubric
from heard.model import Channel
from heard.store import ConversationFilter, Store, UserRole, Viewer, copies, dashboards
from heard.store.dashboards import moment_candidates
from heard.store.tables import (
    COMPONENT_SLOTS,
    ComponentLayoutRow,
    ComponentScoreRow,
    ConversationComponentsRow,
    ConversationRow,
    ConversationVerdictRow,
    ScorecardRow,
    VerdictRow,
)
from teamdata import (
    MONDAY,
    PII_TURNS,
    World,
    analyse,
    analyzer,
    build_world,
    conversation,
    ingest,
    open_store,
    rescore,
)

MIXED_TURNS = [
    ("customer", "My parcel is a week late and nobody answers my emails. This is ridiculous."),
    ("agent", "I understand how frustrating that must be. Let me check the tracking."),
    ("customer", "Fine."),
    ("agent", "It was delayed at the depot. It will arrive tomorrow."),
]
"""Empathy done, paraphrase missed: a middling score."""
PARAPHRASE_TURNS = [
    ("customer", "I ordered a blue jacket but got a red one, and I need it for Friday."),
    (
        "agent",
        "So you received a red jacket instead of the blue one, and you need the blue one by "
        "Friday, is that right?",
    ),
    ("customer", "Yes exactly."),
    (
        "agent",
        "I'll ship the blue one today by express so it arrives Thursday. What else can I help "
        "you with?",
    ),
]
"""Paraphrase and open question done: a high score."""
CURT_TURNS = [
    ("customer", "How do I reset my password?"),
    ("agent", "Click forgot password."),
    ("customer", "I did and nothing happens, I'm getting annoyed."),
    ("agent", "Try again later."),
]


@pytest.fixture
def world(database_url: str):
    store = open_store(database_url)
    world = build_world(store)
    hours = timedelta(hours=1)
    more = [  # other scores, verdicts, days, times and channels; one without agent or team
        conversation("ann-3", agent="ann", team="Blue", turns=PII_TURNS, at=MONDAY + 15 * hours),
        conversation(
            "ann-4",
            agent="ann",
            team="Blue",
            turns=PARAPHRASE_TURNS,
            at=MONDAY + 68 * hours,
            channel="call",
        ),
        conversation(
            "abe-2",
            agent="abe",
            team="Blue",
            turns=MIXED_TURNS,
            at=MONDAY - 2 * hours,
            channel="email",
        ),
        conversation("abe-3", agent="abe", team="Blue", turns=MIXED_TURNS, at=MONDAY + 29 * hours),
        conversation(
            "ray-2",
            agent="ray",
            team="Red",
            turns=PARAPHRASE_TURNS,
            at=MONDAY + 206 * hours,
            channel="call",
        ),
        conversation(
            "nobody-1", agent=None, turns=CURT_TURNS, at=MONDAY + 72 * hours, channel="email"
        ),
    ]
    for item, conv in zip(ingest(store, more, analyzer=analyzer()).items, more, strict=True):
        world.conversations[conv.id] = item.id
    yield world
    store.close()


Copies = tuple[set[tuple[Any, ...]], set[tuple[Any, ...]], set[tuple[Any, ...]]]
"""(conversations' copied ids and scores, copied verdict rows, copied component scores)."""


def copied(store: Store, *, times_as_text: bool = False) -> Copies:
    """(id, scorecard id, score) of every conversation, every copied verdict row, and every
    conversation's copied component scores as (conversation id, component, score), read
    through its layout; with `times_as_text`, the rows' times as the database holds them
    (SQLite compares them as text)."""
    verdicts = ConversationVerdictRow.__table__
    columns = [
        cast(c, Text) if times_as_text and c.name == "occurred_at" else c for c in verdicts.columns
    ]
    with store.engine.connect() as connection:
        scores = set(
            connection.execute(
                select(
                    ConversationRow.id,
                    ConversationRow.scorecard_id,
                    ConversationRow.listening_score,
                )
            ).all()
        )
        rows = set(connection.execute(select(*columns)).all())
        layouts = dict(
            connection.execute(select(ComponentLayoutRow.id, ComponentLayoutRow.components)).all()
        )
        components = set()
        for row in connection.execute(select(ConversationComponentsRow)).mappings():
            names = orjson.loads(layouts[row["layout_id"]])
            assert names == sorted(names)
            assert all(row[f"s{i}"] is None for i in range(len(names), COMPONENT_SLOTS))
            components |= {
                (row["conversation_id"], name, row[f"s{i}"]) for i, name in enumerate(names)
            }
    return scores, rows, components


def from_scorecards(store: Store) -> Copies:
    """What `copied` must hold, read from the current scorecards and their verdicts."""
    current = and_(
        ScorecardRow.conversation_id == ConversationRow.id, ScorecardRow.current.is_(True)
    )
    with store.engine.connect() as connection:
        scores = set(
            connection.execute(
                select(ConversationRow.id, ScorecardRow.id, ScorecardRow.listening_score)
                .select_from(ConversationRow)
                .outerjoin(ScorecardRow, current)
            ).all()
        )
        names = [c.name for c in ConversationVerdictRow.__table__.columns]
        values = {
            "behaviour": VerdictRow.behaviour,
            "verdict": VerdictRow.verdict,
            "occurred_at": ConversationRow.occurred_at,
            "conversation_id": ConversationRow.id,
            "agent_id": ConversationRow.agent_id,
            "team_id": ConversationRow.team_id,
            "channel": ConversationRow.channel,
            "scorecard_id": ScorecardRow.id,
            "listening_score": ScorecardRow.listening_score,
        }
        rows = set(
            connection.execute(
                select(*[values[name] for name in names])
                .join(ScorecardRow, current)
                .join(VerdictRow, VerdictRow.scorecard_id == ScorecardRow.id)
                .where(VerdictRow.verdict.in_(["done", "missed"]))
            ).all()
        )
        components = set(
            connection.execute(
                select(ConversationRow.id, ComponentScoreRow.component, ComponentScoreRow.score)
                .join(ScorecardRow, current)
                .join(ComponentScoreRow, ComponentScoreRow.scorecard_id == ScorecardRow.id)
            ).all()
        )
    return scores, rows, components


def assert_copies_match(store: Store) -> None:
    scores, rows, components = copied(store)
    assert (scores, rows, components) == from_scorecards(store)
    assert {c for _, c, _ in components} == set(load_rubric().components)
    assert rows and {r[1] for r in rows} == {"done", "missed"}
    assert all(card is not None for _, card, _ in scores)
    with store.engine.connect() as connection:
        cards = connection.execute(
            select(ScorecardRow.body, ScorecardRow.moments).where(ScorecardRow.current.is_(True))
        ).all()
    assert [moments for _, moments in cards] == [moment_candidates(body) for body, _ in cards]
    assert any(len(orjson.loads(moments)) > 1 for _, moments in cards)


def changed_rubric() -> Analyzer:
    rubric = load_rubric()
    behaviours = {
        name: b.model_copy(
            update={"points": b.points * 3 if b.polarity == "negative" else b.points}
        )
        for name, b in rubric.behaviours.items()
    }
    return Analyzer(
        rubric=rubric.model_copy(
            update={"version": rubric.version + "-copies", "behaviours": behaviours}
        )
    )


def test_copies_follow_every_change_of_scores(world: World) -> None:
    store = world.store
    assert_copies_match(store)
    [(given_conv, card)] = analyse(
        store, [conversation("pre-1", agent="abe", team="Blue", good=False)], analyzer=analyzer()
    )
    ingest(store, [given_conv], analyzer=analyzer(), analysed=[card])
    assert_copies_match(store)
    before = copied(store)
    moved = conversation(  # ann-2 changes body, agent, team, day and channel
        "ann-2", agent="ray", team="Red", good=True, at=MONDAY + timedelta(days=9), channel="email"
    )
    ingest(store, [moved], analyzer=analyzer())
    assert_copies_match(store)
    after = copied(store)
    assert after != before
    ann_2 = world.conversations["ann-2"]
    assert {r[1] for r in after[1] if r[3] == ann_2} >= {"done"}  # its new verdicts
    assert {(r[5], r[6]) for r in after[1] if r[3] == ann_2} == {(world.teams["Red"], "email")}
    ingest(store, [moved], analyzer=analyzer())  # unchanged: nothing moves
    assert copied(store) == after
    assert rescore(store, analyzer=changed_rubric()).rescored == 11
    assert_copies_match(store)
    assert copied(store)[0] != after[0]  # new scorecards (and scores) are copied
    assert copied(store)[2] != after[2]  # and their component scores


def test_a_scorecard_with_more_components_than_slots_stores_nothing(world: World) -> None:
    """`load_rubric` allows 16 components; a rubric built in code with more is refused by the
    store with a clear error, and nothing already stored changes."""
    from heard.analysis.rubric import Component
    from heard.store.errors import Invalid

    rubric = load_rubric()
    extra = {f"extra{i}": Component(label=f"Extra {i}") for i in range(COMPONENT_SLOTS)}
    wide = Analyzer(
        rubric=rubric.model_copy(
            update={"version": "wide", "components": {**rubric.components, **extra}}
        )
    )
    store = world.store
    before = copied(store)
    counts = store.counts()
    with pytest.raises(Invalid, match="at most 16") as info:
        ingest(store, [conversation("wide-1", agent="ann", team="Blue")], analyzer=wide)
    assert info.value.field == "components"
    assert copied(store) == before
    assert store.counts() == counts


def test_ingest_writes_the_copies_the_sql_copy_writes(world: World) -> None:
    """Ingest copies new scorecards from the values at hand; copying them again from the
    tables (`copies.copy_current`, as rescore and migration 0005 do) changes nothing, to the text
    of the stored times (SQLite compares them as text)."""
    store = world.store
    moved = conversation(
        "ann-2", agent="ray", team="Red", good=True, at=MONDAY + timedelta(days=9), channel="email"
    )
    ingest(store, [moved], analyzer=analyzer())  # an update: its old copies go first
    written = copied(store, times_as_text=True)
    assert written[1] and {r[1] for r in written[1]} == {"done", "missed"}
    with Session(store.engine) as session, session.begin():
        copies.copy_current(session, [row[0] for row in written[0]])
    assert copied(store, times_as_text=True) == written
    assert_copies_match(store)


def test_migration_fills_the_copies_as_ingest_keeps_them(world: World) -> None:
    from alembic import command

    from heard.store.database import alembic_config

    store = world.store
    rescore(store, analyzer=changed_rubric())  # old scorecards beside the current ones
    kept = copied(store)
    config = alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")  # drops the copies of 0005 and 0007
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert copied(store) == kept
    assert store.counts()["scorecards"] == 20  # downgrading lost no scorecard
    assert_copies_match(store)


# ---------------------------------------------------------------------- filters


@dataclass
class Stored:
    """One conversation as its current scorecard says, for the reference answers."""

    id: int
    occurred_at: datetime
    agent_id: int | None
    team_id: int | None
    channel: str
    score: float | None
    verdicts: dict[str, str] = field(default_factory=dict)
    components: dict[str, float | None] = field(default_factory=dict)


def stored(store: Store) -> list[Stored]:
    current = and_(
        ScorecardRow.conversation_id == ConversationRow.id, ScorecardRow.current.is_(True)
    )
    with store.engine.connect() as connection:
        found = {}
        card_of = {}
        for cid, at, agent, team, channel, card, score in connection.execute(
            select(
                ConversationRow.id,
                ConversationRow.occurred_at,
                ConversationRow.agent_id,
                ConversationRow.team_id,
                ConversationRow.channel,
                ScorecardRow.id,
                ScorecardRow.listening_score,
            )
            .select_from(ConversationRow)
            .outerjoin(ScorecardRow, current)
        ):
            found[cid] = Stored(cid, at, agent, team, channel, score)
            card_of[card] = found[cid]
        for card, behaviour, verdict in connection.execute(
            select(VerdictRow.scorecard_id, VerdictRow.behaviour, VerdictRow.verdict)
        ):
            if card in card_of:
                card_of[card].verdicts[behaviour] = verdict
        for card, component, score in connection.execute(
            select(
                ComponentScoreRow.scorecard_id, ComponentScoreRow.component, ComponentScoreRow.score
            )
        ):
            if card in card_of:
                card_of[card].components[component] = score
    return list(found.values())


def visible(item: Stored, viewer: Viewer) -> bool:
    if viewer.role == UserRole.ADMIN:
        return True
    if viewer.role == UserRole.LEAD:
        return item.team_id in viewer.team_ids
    return item.agent_id == viewer.agent_id


def naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def matches(item: Stored, where: ConversationFilter) -> bool:
    start, end = naive(where.start), naive(where.end)
    score = item.score
    return (
        (where.agent_id is None or item.agent_id == where.agent_id)
        and (where.team_id is None or item.team_id == where.team_id)
        and (where.channel is None or item.channel == where.channel.value)
        and (start is None or item.occurred_at >= start)
        and (end is None or item.occurred_at < end)
        and (where.min_score is None or (score is not None and score >= where.min_score))
        and (where.max_score is None or (score is not None and score <= where.max_score))
        and all(item.verdicts.get(b) == "done" for b in where.done)
        and all(item.verdicts.get(b) == "missed" for b in where.missed)
    )


ORDERS: dict[str, Any] = {
    "newest": lambda i: (-i.occurred_at.timestamp(), -i.id),
    "oldest": lambda i: (i.occurred_at.timestamp(), i.id),
    "score": lambda i: (i.score is None, i.score or 0, i.id),
    "-score": lambda i: (i.score is None, -(i.score or 0), i.id),
}


def mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 2) if known else None


def period_of(moment: datetime, by: str) -> date:
    day = moment.date()
    return day if by == "day" else day - timedelta(days=day.weekday())


def reference_trends(items: list[Stored], by: str) -> list[tuple[Any, ...]]:
    groups: dict[date, list[Stored]] = defaultdict(list)
    for item in items:
        groups[period_of(item.occurred_at, by)].append(item)
    answer = []
    for period in sorted(groups):
        members = groups[period]
        components = sorted({c for m in members for c in m.components})
        answer.append(
            (
                period,
                len(members),
                mean([m.score for m in members]),
                {
                    c: mean([m.components[c] for m in members if c in m.components])
                    for c in components
                },
            )
        )
    return answer


def reference_bands(items: list[Stored]) -> tuple[list[int], int, int]:
    counts = [0] * 10
    for item in items:
        if item.score is not None:
            counts[min(int(item.score // 10), 9)] += 1
    return counts, sum(i.score is None for i in items), len(items)


def reference_agents(items: list[Stored]) -> dict[int, dict[date, tuple[int, float | None]]]:
    groups: dict[int, dict[date, list[Stored]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        if item.agent_id is not None:
            groups[item.agent_id][period_of(item.occurred_at, "week")].append(item)
    return {
        agent: {p: (len(m), mean([i.score for i in m])) for p, m in weeks.items()}
        for agent, weeks in groups.items()
    }


def close(found: Any, expected: Any) -> bool:
    """Equal, with means within rounding (a sum in another order may round the other way)."""
    if isinstance(found, float) and isinstance(expected, float):
        return abs(found - expected) <= 0.011
    if isinstance(found, dict) and isinstance(expected, dict):
        return found.keys() == expected.keys() and all(close(found[k], expected[k]) for k in found)
    if isinstance(found, list | tuple) and isinstance(expected, list | tuple):
        return len(found) == len(expected) and all(
            close(a, b) for a, b in zip(found, expected, strict=True)
        )
    return bool(found == expected)


BEHAVIOURS = [
    "empathy",
    "open_question",
    "paraphrase",
    "reflection_of_feeling",
    "dismissive",
    "no_such_thing",
]
"""Behaviours the drawn filters name (some done, some missed, one never judged)."""


def moments_at() -> st.SearchStrategy[datetime]:
    """A moment around the stored conversations, on the hour (midnight one time in 24)."""
    return st.integers(min_value=-30, max_value=240).map(
        lambda hours: MONDAY + timedelta(hours=hours)
    )


@st.composite
def filters(draw: st.DrawFn, world: World) -> ConversationFilter:
    """A filter on up to three things (more would find nothing most of the time)."""
    fields = {
        "agent_id": st.sampled_from(sorted(world.agents.values())),
        "team_id": st.sampled_from(sorted(world.teams.values())),
        "channel": st.sampled_from(list(Channel)),
        "start": moments_at(),
        "end": moments_at(),
        "min_score": st.integers(0, 100).map(float),
        "max_score": st.integers(0, 100).map(float),
        "done": st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=2),
        "missed": st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=1),
    }
    chosen = draw(st.sets(st.sampled_from(sorted(fields)), max_size=3))
    return ConversationFilter(**{name: draw(fields[name]) for name in chosen})


def test_filters_answer_as_the_scorecards_do(world: World) -> None:
    store = world.store
    items = stored(store)
    assert {i.score is None for i in items} == {False}
    viewers = [world.viewer(who) for who in ("admin", "bea", "rex", "ann", "ray")]
    behaviours = {b for i in items for b in i.verdicts}
    assert {"empathy", "open_question"} <= behaviours
    checked = {"empty": 0, "found": 0}

    @settings(
        max_examples=120,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(where=filters(world), who=st.sampled_from(range(len(viewers))))
    def check(where: ConversationFilter, who: int) -> None:
        viewer = viewers[who]
        wanted = [i for i in items if visible(i, viewer) and matches(i, where)]
        checked["found" if wanted else "empty"] += 1
        for order, key in ORDERS.items():
            page = store.list_conversations(viewer, where, limit=100, order=order)  # type: ignore[arg-type]
            assert page.total == len(wanted)
            assert [c.id for c in page.items] == [i.id for i in sorted(wanted, key=key)]
        for by in ("day", "week"):
            found = [
                (p.period, p.conversations, p.listening_score, p.components)
                for p in dashboards.trends(store, viewer, where, by=by)  # type: ignore[arg-type]
            ]
            assert close(found, reference_trends(wanted, by)), (found, by)
        distribution = dashboards.distribution(store, viewer, where)
        assert (
            [b.conversations for b in distribution.bins],
            distribution.unscored,
            distribution.total,
        ) == reference_bands(wanted)
        assert close(dashboards.agent_trends(store, viewer, where), reference_agents(wanted))

    check()
    assert checked["found"] >= 10 and checked["empty"] >= 5  # both kinds were drawn


@pytest.mark.parametrize(
    "where",
    [
        ConversationFilter(done=["empathy"], min_score=40),
        ConversationFilter(done=["paraphrase", "open_question"]),
        ConversationFilter(missed=["empathy"], start=MONDAY + timedelta(hours=20)),
        ConversationFilter(
            start=MONDAY + timedelta(hours=3), end=MONDAY + timedelta(days=8, hours=20)
        ),
        ConversationFilter(end=MONDAY + timedelta(hours=20)),
    ],
)
def test_named_filters_answer_as_the_scorecards_do(world: World, where: ConversationFilter) -> None:
    """A few filters by hand (the bench's score-and-behaviour filter, two behaviours, dates that
    cut days in two), each finding some conversations and leaving some out."""
    store = world.store
    items = stored(store)
    admin = world.viewer("admin")
    wanted = [i for i in items if matches(i, where)]
    assert 0 < len(wanted) < len(items)
    page = store.list_conversations(admin, where, limit=100)
    assert [c.id for c in page.items] == [i.id for i in sorted(wanted, key=ORDERS["newest"])]
    assert page.total == len(wanted)
    found = [
        (p.period, p.conversations, p.listening_score, p.components)
        for p in dashboards.trends(store, admin, where, by="day")
    ]
    assert close(found, reference_trends(wanted, "day"))
    distribution = dashboards.distribution(store, admin, where)
    assert distribution.total == len(wanted)


def reference_moments(
    store: Store, viewer: Viewer, where: ConversationFilter, limit: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The best and worst moments as (conversation, behaviour, turn, start, end) the way they
    were found from whole scorecard bodies: the first positive and negative finding per
    behaviour of the newest 500 conversations, one per conversation; the best by confidence ×
    the share of those conversations without the behaviour (a name used never), the worst by
    confidence; newer first."""
    items = sorted(
        (i for i in stored(store) if visible(i, viewer) and matches(i, where)),
        key=ORDERS["newest"],
    )[:500]
    with store.engine.connect() as connection:
        bodies = dict(
            connection.execute(
                select(ScorecardRow.conversation_id, ScorecardRow.body).where(
                    ScorecardRow.current.is_(True)
                )
            ).all()
        )
    found: dict[str, list[tuple[Any, ...]]] = {"positive": [], "negative": []}
    having: dict[str, set[Any]] = {}
    for item in items:
        for finding in orjson.loads(bodies[item.id]).get("findings", []):
            if finding.get("polarity") == "positive":
                having.setdefault(finding["behaviour"], set()).add(item.id)
    for item in items:
        seen: set[tuple[str, str]] = set()
        for finding in orjson.loads(bodies[item.id]).get("findings", []):
            polarity = finding.get("polarity")
            if polarity not in found or (polarity, finding["behaviour"]) in seen:
                continue
            seen.add((polarity, finding["behaviour"]))
            if polarity == "positive" and finding["behaviour"] == "uses_name":
                continue
            rare = (
                1 - len(having[finding["behaviour"]]) / len(items)
                if polarity == "positive"
                else 1.0
            )
            span = finding["spans"][0]
            found[polarity].append(
                (
                    -finding.get("confidence", 1.0) * rare,
                    -item.occurred_at.timestamp(),
                    len(found[polarity]),
                    (
                        item.id,
                        finding["behaviour"],
                        span["turn"],
                        span.get("start", 0),
                        span["end"],
                    ),
                )
            )
    answer = []
    for polarity in ("positive", "negative"):
        chosen: list[tuple[Any, ...]] = []
        for *_, picked in sorted(found[polarity]):
            if picked[0] not in {c[0] for c in chosen} and len(chosen) < limit:
                chosen.append(picked)
        answer.append(chosen)
    return answer[0], answer[1]


@pytest.mark.parametrize(
    "where",
    [
        ConversationFilter(),
        ConversationFilter(done=["paraphrase"]),
        ConversationFilter(missed=["empathy"], start=MONDAY + timedelta(hours=20)),
        ConversationFilter(team_id=1),
    ],
)
def test_moments_are_the_ones_whole_scorecards_give(
    world: World, where: ConversationFilter
) -> None:
    store = world.store
    for who in ("admin", "bea", "ray"):
        viewer = world.viewer(who)
        for limit in (1, 3, 20):
            moments = dashboards.moments(store, viewer, where, limit=limit)
            best, worst = reference_moments(store, viewer, where, limit)
            assert [
                (m.conversation_id, m.behaviour, m.turn, m.start, m.end) for m in moments.best
            ] == best
            assert [
                (m.conversation_id, m.behaviour, m.turn, m.start, m.end) for m in moments.worst
            ] == worst
            assert all(m.quote for m in moments.best + moments.worst)
    some = dashboards.moments(store, world.viewer("admin"), where, limit=20)
    assert some.best + some.worst  # not a comparison of nothing with nothing
