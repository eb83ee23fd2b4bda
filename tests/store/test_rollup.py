"""The rollups (daily_scores, daily_verdicts, daily_bands) answer trends, sparklines, weekly
means, badges and the score distribution as the scorecards do, after ingest, an update of a
body (to another agent, team, day and channel) and a rescore; and migration 0004 fills them
from stored scorecards with the same rows the store keeps."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

from heard.analysis import Analyzer, load_rubric
from heard.model import Channel
from heard.store import ConversationFilter, Store, Viewer, dashboards, rollups, scoping
from heard.store.tables import ConversationRow, DailyScoreRow
from teamdata import MONDAY, World, analyzer, build_world, conversation, ingest, open_store, rescore


@pytest.fixture
def world(database_url: str):
    store = open_store(database_url)
    yield build_world(store)
    store.close()


def answers(store: Store, world: World) -> list[object]:
    """Every rollup-backed answer for every viewer and a spread of filters."""
    ann = world.agents["ann"]
    filters = [
        ConversationFilter(),
        ConversationFilter(agent_id=ann),
        ConversationFilter(team_id=world.teams["Blue"]),
        ConversationFilter(channel=Channel.CHAT),
        ConversationFilter(start=MONDAY.replace(hour=0) + timedelta(days=1)),
        ConversationFilter(end=MONDAY.replace(hour=0) + timedelta(days=8)),
    ]
    found: list[object] = []
    for who in ("admin", "bea", "rex", "ann", "ray"):
        viewer = world.viewer(who)
        for where in filters:
            found.append(dashboards.distribution(store, viewer, where))
            for by in ("day", "week"):
                found.append(dashboards.trends(store, viewer, where, by=by))  # type: ignore[arg-type]
                found.append(dashboards.agent_trends(store, viewer, where, by=by))  # type: ignore[arg-type]
        for week in (MONDAY.date(), MONDAY.date() + timedelta(days=7)):
            found.append(dashboards.recognition(store, viewer, week=week, min_conversations=1))
    return found


def plain(answer: object, *, near: bool = False) -> object:
    """An answer as plain data; with `near`, each float matches within 0.01: a mean of daily
    sums and a mean of the scorecards can differ in the last bit, which flips a rounding
    (38.675 -> 38.67 or 38.68) on some databases, so the two paths agree to a hundredth of a
    point, not bit for bit. Counts, dates, names and missing values must match exactly."""
    if isinstance(answer, BaseModel):
        return plain(answer.model_dump(), near=near)
    if isinstance(answer, dict):
        return {key: plain(value, near=near) for key, value in answer.items()}
    if isinstance(answer, list | tuple):
        return [plain(value, near=near) for value in answer]
    if near and isinstance(answer, float):
        return pytest.approx(answer, abs=0.0101)
    return answer


def assert_rollup_matches(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    rolled = answers(world.store, world)
    with monkeypatch.context() as patch:
        patch.setattr(scoping, "rolls_up", lambda _where: False)
        assert plain(answers(world.store, world)) == plain(rolled, near=True)
    assert any(point for point in rolled)
    assert any(getattr(answer, "badges", None) for answer in rolled)  # badges compared too
    assert_agents_and_teams(world)


def assert_agents_and_teams(world: World) -> None:
    """Agents' and teams' conversations and mean scores, against the conversations listed."""
    items = world.store.list_conversations(Viewer.system(), limit=1000).items
    for key, records in (
        ("agent_id", world.store.list_agents(Viewer.system())),
        ("team_id", world.store.list_teams(Viewer.system())),
    ):
        for record in records:
            mine = [i for i in items if getattr(i, key) == record.id]
            scores = [i.listening_score for i in mine if i.listening_score is not None]
            assert record.conversations == len(mine)
            expected = round(sum(scores) / len(scores), 2) if scores else None
            assert record.mean_score == pytest.approx(expected, abs=0.011)


def test_rollup_matches_the_scorecards(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    store = world.store
    assert_rollup_matches(world, monkeypatch)
    moved = conversation(  # ann-2 changes body, agent, team, day and channel
        "ann-2", agent="ray", team="Red", good=True, at=MONDAY + timedelta(days=9), channel="email"
    )
    ingest(store, [moved], analyzer=analyzer())
    ingest(store, [conversation("new-1", agent="abe", team="Blue")], analyzer=analyzer())
    assert_rollup_matches(world, monkeypatch)
    rubric = load_rubric()
    behaviours = {
        name: b.model_copy(
            update={"points": b.points * 3 if b.polarity == "negative" else b.points}
        )
        for name, b in rubric.behaviours.items()
    }
    changed = rubric.model_copy(
        update={"version": rubric.version + "-rollup", "behaviours": behaviours}
    )
    assert rescore(store, analyzer=Analyzer(rubric=changed)).rescored == 5
    assert_rollup_matches(world, monkeypatch)


def test_an_ingest_rolls_up_what_reading_its_rows_back_gives(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ingest adds the new scorecards to the rollups from the rows it writes; read back
    from the store, those conversations contribute the same (one new, one moved)."""

    store = world.store
    seen: list[tuple[dict, dict]] = []
    computed = rollups.new_contributions

    def spy(written):  # type: ignore[no-untyped-def]
        rows = list(written)
        found = computed(rows)
        seen.append((rows, found))
        return found

    monkeypatch.setattr(rollups, "new_contributions", spy)
    ingest(
        store,
        [
            conversation("fresh", agent="abe", team="Blue", at=MONDAY + timedelta(days=3)),
            conversation("ann-2", agent="ray", team="Red", good=False, channel="email"),
        ],
        analyzer=analyzer(),
    )
    ((rows, found),) = seen
    assert len(rows) == 2
    with store._session() as session:
        ids = [
            session.scalars(
                select(ConversationRow.id).where(
                    ConversationRow.source == "test", ConversationRow.external_id == e
                )
            ).one()
            for e in ("fresh", "ann-2")
        ]
        read = rollups.contributions(session, ids)
    assert set(found) == set(read)
    for key, numbers in read.items():
        assert found[key] == pytest.approx(numbers), key


def test_rollup_rows_hold_every_conversation(world: World) -> None:
    with world.store.engine.connect() as connection:
        total = connection.scalar(
            select(func.sum(DailyScoreRow.conversations)).where(DailyScoreRow.component == "")
        )
        days = {
            d if isinstance(d, date) else datetime.fromisoformat(str(d)).date()
            for d in connection.scalars(select(DailyScoreRow.day))
        }
    assert total == 4
    assert days == {MONDAY.date(), MONDAY.date() + timedelta(days=1), MONDAY.date() + timedelta(8)}


def test_migration_fills_the_rollups_as_ingest_keeps_them(world: World, database_url: str) -> None:
    from alembic import command

    from heard.store.database import alembic_config

    store = world.store
    ingest(
        store,
        [conversation("late", agent="abe", team="Blue", at=MONDAY + timedelta(days=2))],
        analyzer=analyzer(),
    )
    tables = ("daily_scores", "daily_verdicts", "daily_bands")

    def rows() -> dict[str, list[tuple[object, ...]]]:
        with store.engine.connect() as connection:
            found = {}
            for table in tables:
                result = connection.exec_driver_sql(f"SELECT * FROM {table}").all()
                found[table] = sorted(
                    tuple(round(v, 6) if isinstance(v, float) else str(v) for v in row)
                    for row in result
                )
            return found

    kept = rows()
    assert all(kept.values())
    config = alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert rows() == kept
