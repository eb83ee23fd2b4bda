"""The store on SQLite and PostgreSQL: ingest, rescore, scoped queries, coaching, users."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect

from heard.analysis import Analyzer, load_rubric
from heard.model import Conversation
from heard.store import (
    Conflict,
    ConversationFilter,
    Forbidden,
    Invalid,
    NotFound,
    Store,
    UserRole,
    accounts,
    api_tokens,
    audit_log,
    coaching_notes,
    dashboards,
    signins,
    surveys,
)
from heard.store.records import IngestStatus, NoteStatus, Scope, Viewer
from heard.store.tables import Base
from teamdata import (
    MONDAY,
    PASSWORD,
    PII_TURNS,
    World,
    analyzer,
    build_world,
    conversation,
    ingest,
    open_store,
    rescore,
)


@pytest.fixture
def store(database_url: str):
    opened = open_store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def test_open_migrates_every_table(store: Store, database_url: str) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    Store.open(database_url).close()  # a second open finds the schema at head


def test_ingest_is_idempotent_and_rescores_changed_bodies(store: Store) -> None:
    first = conversation("c-1")
    report = ingest(store, [first], analyzer=analyzer())
    assert [i.status for i in report.items] == [IngestStatus.CREATED]
    again = ingest(store, [conversation("c-1")], analyzer=analyzer())
    assert [i.status for i in again.items] == [IngestStatus.UNCHANGED]
    assert again.items[0].id == report.items[0].id
    counts = store.counts()
    assert counts["conversations"] == 1 and counts["scorecards"] == 1
    changed = ingest(store, [conversation("c-1", good=False)], analyzer=analyzer())
    assert [i.status for i in changed.items] == [IngestStatus.UPDATED]
    assert changed.items[0].listening_score < report.items[0].listening_score
    detail = store.get_conversation(Viewer.system(), report.items[0].id)
    assert len(detail.versions) == 2 and sum(v.current for v in detail.versions) == 1
    assert detail.summary.listening_score == changed.items[0].listening_score


def test_ingest_creates_agents_and_teams(store: Store) -> None:
    ingest(
        store,
        [conversation("a", agent="x1", team="Green"), conversation("b", agent="x2", team=None)],
        analyzer=analyzer(),
    )
    agents = {a.external_id: a for a in store.list_agents(Viewer.system())}
    assert agents["x1"].team == "Green" and agents["x2"].team is None
    assert [t.name for t in store.list_teams(Viewer.system())] == ["Green"]


def test_ingest_redacts_unless_told_not_to(store: Store) -> None:
    [item] = ingest(store, [conversation("p", turns=PII_TURNS)], analyzer=analyzer()).items
    text = store.get_conversation(Viewer.system(), item.id).conversation.turns[0].text
    assert "4111" not in text and "jo@example.com" not in text and "[CARD]" in text
    [raw] = ingest(
        store, [conversation("q", turns=PII_TURNS)], analyzer=analyzer(), redact=False
    ).items
    detail = store.get_conversation(Viewer.system(), raw.id)
    assert "jo@example.com" in detail.conversation.turns[0].text
    assert detail.summary.redacted is False


def test_rescore_only_where_versions_differ(store: Store, tmp_path) -> None:
    ingest(store, [conversation("r1"), conversation("r2", good=False)], analyzer=analyzer())
    assert rescore(store, analyzer=analyzer()).rescored == 0
    rubric = load_rubric()
    changed = rubric.model_copy(update={"version": rubric.version + "-test"})
    report = rescore(store, analyzer=Analyzer(rubric=changed))
    assert (report.checked, report.rescored) == (2, 2)
    detail = store.get_conversation(Viewer.system(), 1)
    assert detail.scorecard_info.rubric.endswith("-test") and len(detail.versions) == 2
    assert rescore(store, analyzer=Analyzer(rubric=changed)).rescored == 0


def test_viewers_see_their_own(world: World) -> None:
    store = world.store
    ids = lambda who: {  # noqa: E731
        c.external_id for c in store.list_conversations(world.viewer(who)).items
    }
    assert ids("admin") == {"ann-1", "ann-2", "abe-1", "ray-1"}
    assert ids("bea") == {"ann-1", "ann-2", "abe-1"}
    assert ids("rex") == {"ray-1"}
    assert ids("ann") == {"ann-1", "ann-2"}
    with pytest.raises(NotFound):
        store.get_conversation(world.viewer("ann"), world.conversations["abe-1"])
    with pytest.raises(NotFound):
        store.get_conversation(world.viewer("rex"), world.conversations["ann-1"])
    assert {a.external_id for a in store.list_agents(world.viewer("bea"))} == {"ann", "abe"}
    assert [t.name for t in store.list_teams(world.viewer("ann"))] == ["Blue"]


def test_filters_and_pagination(world: World) -> None:
    store, admin = world.store, world.viewer("admin")

    def ext(where: ConversationFilter, **kw) -> list[str]:
        return [c.external_id for c in store.list_conversations(admin, where, **kw).items]

    assert ext(ConversationFilter(agent_id=world.agents["ann"]), order="oldest") == [
        "ann-1",
        "ann-2",
    ]
    assert set(ext(ConversationFilter(team_id=world.teams["Red"]))) == {"ray-1"}
    assert ext(ConversationFilter(start=MONDAY + timedelta(days=7))) == ["ray-1"]
    assert set(ext(ConversationFilter(min_score=50))) == {"ann-1", "ray-1"}
    assert set(ext(ConversationFilter(max_score=50))) == {"ann-2", "abe-1"}
    assert set(ext(ConversationFilter(missed=["dismissive"]))) == {"ann-2", "abe-1"}
    assert set(ext(ConversationFilter(done=["open_question"]))) == {"ann-1", "ray-1"}
    assert ext(ConversationFilter(channel="email")) == []
    first = store.list_conversations(admin, limit=1, order="score")
    page = store.list_conversations(admin, limit=2, order="score", after=first.next)
    assert page.total == 4 and len(page.items) == 2
    assert page.items[0].listening_score <= page.items[1].listening_score
    assert set(page.items[0].components) >= {"empathy", "attentiveness"}


def test_trends_distribution_and_moments(world: World) -> None:
    store, bea = world.store, world.viewer("bea")
    weeks = dashboards.trends(store, bea, by="week")
    assert [(p.period, p.conversations) for p in weeks] == [(MONDAY.date(), 3)]
    assert "empathy" in weeks[0].components and weeks[0].listening_score is not None
    days = dashboards.trends(store, bea, ConversationFilter(agent_id=world.agents["ann"]), by="day")
    assert [p.period for p in days] == [MONDAY.date(), (MONDAY + timedelta(days=1)).date()]
    distribution = dashboards.distribution(store, world.viewer("admin"))
    assert distribution.total == 4 and sum(b.conversations for b in distribution.bins) == 4
    moments = dashboards.moments(store, bea)
    assert moments.best and moments.worst
    worst_behaviours = {m.behaviour for m in moments.worst}
    assert worst_behaviours & {"dismissive", "blame", "unaddressed_concern"}
    for moment in moments.best + moments.worst:
        assert moment.quote and moment.conversation_id in {
            world.conversations[k] for k in ("ann-1", "ann-2", "abe-1")
        }


def test_coaching_note_lifecycle(world: World) -> None:
    store = world.store
    ann_conv = world.conversations["ann-2"]
    note = coaching_notes.create_note(
        store,
        world.viewer("bea"),
        ann_conv,
        text="Try acknowledging first",
        turn=1,
        span_start=0,
        span_end=10,
    )
    assert note.status == NoteStatus.OPEN and note.agent_id == world.agents["ann"]
    with pytest.raises(Forbidden):
        coaching_notes.create_note(store, world.viewer("ann"), ann_conv, text="self note")
    with pytest.raises(NotFound):
        coaching_notes.create_note(store, world.viewer("rex"), ann_conv, text="not my team")
    with pytest.raises(Invalid):
        coaching_notes.create_note(
            store, world.viewer("bea"), ann_conv, text="x", turn=1, span_start=0, span_end=999
        )
    with pytest.raises(NotFound):  # Abe is in the team but sees only his own conversations
        coaching_notes.respond_to_note(
            store, world.viewer("abe"), note.id, status=NoteStatus.ACKNOWLEDGED
        )
    with pytest.raises(Forbidden):  # the lead sees it but it is not for her to acknowledge
        coaching_notes.respond_to_note(
            store, world.viewer("bea"), note.id, status=NoteStatus.ACKNOWLEDGED
        )
    disputed = coaching_notes.respond_to_note(
        store,
        world.viewer("ann"),
        note.id,
        status=NoteStatus.DISPUTED,
        text="The customer was rude",
    )
    assert disputed.status == NoteStatus.DISPUTED
    with pytest.raises(Conflict):
        coaching_notes.respond_to_note(
            store, world.viewer("ann"), note.id, status=NoteStatus.DISPUTED
        )
    coaching_notes.reply_to_note(store, world.viewer("bea"), note.id, text="Let's talk on Friday")
    with pytest.raises(Invalid, match="cannot be moved back to open"):
        coaching_notes.move_note(store, world.viewer("bea"), note.id, NoteStatus.OPEN)
    with pytest.raises(Forbidden):  # moving on is the agent's or the lead's, as each says
        coaching_notes.move_note(store, world.viewer("ann"), note.id, NoteStatus.RESOLVED)
    resolved = coaching_notes.move_note(
        store, world.viewer("bea"), note.id, NoteStatus.RESOLVED, text="Agreed"
    )
    assert [e.kind for e in resolved.events] == ["created", "disputed", "reply", "resolved"]
    assert (
        coaching_notes.list_notes(store, world.viewer("ann"), status=NoteStatus.RESOLVED)[0].id
        == note.id
    )
    assert coaching_notes.list_notes(store, world.viewer("rex")) == []
    with pytest.raises(Forbidden):
        coaching_notes.delete_note(store, world.viewer("ann"), note.id)
    coaching_notes.delete_note(store, world.viewer("bea"), note.id)
    assert coaching_notes.list_notes(store, world.viewer("admin")) == []


def test_feedback_and_pairs(world: World) -> None:
    store = world.store
    conv = world.conversations["ann-1"]
    surveys.submit_feedback(store, conv, csat=5, felt_heard=4, comment="  lovely ")
    with pytest.raises(Invalid):
        surveys.submit_feedback(store, conv, csat=6, felt_heard=None)
    with pytest.raises(NotFound):
        surveys.submit_feedback(store, 99999, csat=3, felt_heard=3)
    [feedback] = surveys.list_feedback(store, world.viewer("ann"))
    assert feedback.comment == "lovely"
    assert surveys.list_feedback(store, world.viewer("rex")) == []
    [pair] = surveys.feedback_pairs(store, world.viewer("bea"))
    assert (pair.csat, pair.felt_heard) == (5, 4) and pair.listening_score is not None


def test_recognition_needs_enough_conversations(store: Store) -> None:
    week2 = MONDAY + timedelta(days=7)
    convs = []
    for i in range(3):  # week 1: Kim poor, Lou good; week 2: Kim good (improves), Lou good
        convs.append(
            conversation(f"kim-a{i}", agent="kim", good=False, at=MONDAY + timedelta(hours=i))
        )
        convs.append(conversation(f"lou-a{i}", agent="lou", at=MONDAY + timedelta(hours=i)))
        convs.append(conversation(f"kim-b{i}", agent="kim", at=week2 + timedelta(hours=i)))
        convs.append(conversation(f"lou-b{i}", agent="lou", at=week2 + timedelta(hours=i)))
    convs.append(conversation("max-b0", agent="max", at=week2))  # too few to rank
    ingest(store, convs, analyzer=analyzer())
    viewer = Viewer.system()
    result = dashboards.recognition(
        store, viewer, week=(week2 + timedelta(days=3)).date(), min_conversations=3
    )
    assert result.week == week2.date()
    assert {x.agent for x in result.by_score} == {"Agent kim", "Agent lou"}
    assert (
        result.by_improvement[0].agent == "Agent kim" and result.by_improvement[0].improvement > 0
    )
    assert any(b.behaviour == "open_question" for b in result.badges)
    assert (
        dashboards.recognition(store, viewer, week=week2.date(), min_conversations=4).by_score == []
    )


def test_users_tokens_and_audit(store: Store) -> None:
    admin = accounts.create_user(store, "Root@X.test", role=UserRole.ADMIN, password=PASSWORD)
    assert admin.email == "root@x.test"
    with pytest.raises(Conflict):
        accounts.create_user(store, "root@x.test", role=UserRole.LEAD, password=PASSWORD)
    with pytest.raises(Invalid):
        accounts.create_user(store, "short@x.test", role=UserRole.LEAD, password="short")
    assert signins.verify_password(store, "root@x.test", PASSWORD).id == admin.id
    assert signins.verify_password(store, "root@x.test", "wrong password") is None
    assert signins.verify_password(store, "nobody@x.test", PASSWORD) is None
    record, token = api_tokens.create_token(
        store, admin.id, scopes=[Scope.READ, Scope.ADMIN], name="ci"
    )
    assert token.startswith("heard_") and token not in str(api_tokens.list_tokens(store))
    user, scopes = api_tokens.verify_token(store, token)
    assert user.id == admin.id and scopes == [Scope.READ, Scope.ADMIN]
    assert api_tokens.verify_token(store, token + "x") is None
    api_tokens.revoke_token(store, record.id)
    assert api_tokens.verify_token(store, token) is None
    agent = accounts.create_user(
        store, "a@x.test", role=UserRole.AGENT, password=PASSWORD, teams=["T"]
    )
    with pytest.raises(Invalid):
        api_tokens.create_token(store, agent.id, scopes=[Scope.ADMIN])
    accounts.set_active(store, agent.id, active=False)
    assert signins.verify_password(store, "a@x.test", PASSWORD) is None
    actions = [(e.action, e.object_type) for e in audit_log.list_audit(store, admin.viewer())]
    assert ("create", "user") in actions and ("revoke", "token") in actions
    assert ("sign_in", "user") in actions
    with pytest.raises(Forbidden):
        audit_log.list_audit(store, agent.viewer())


def test_migrate_down_and_up_again(database_url: str) -> None:
    from alembic import command

    from heard.store import make_engine, migrate
    from heard.store.database import alembic_config

    migrate(database_url)
    engine = make_engine(database_url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(database_url)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_larger_page_cache(tmp_path) -> None:
    from sqlalchemy import text

    from heard.store import make_engine
    from heard.store.database import SQLITE_CACHE_KIB

    engine = make_engine(f"sqlite:///{tmp_path / 'folder' / 'heard.db'}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "cache_size")
            }
    finally:
        engine.dispose()
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,  # NORMAL
        "cache_size": -SQLITE_CACHE_KIB,
    }


def test_after_bulk_load_analyzes_checkpoints_and_on_postgresql_vacuums(store: Store) -> None:
    from pathlib import Path

    from sqlalchemy import text

    ingest(store, [conversation("b-1"), conversation("b-2", good=False)], analyzer=analyzer())
    store.after_bulk_load()  # a superuser on PostgreSQL here: CHECKPOINT runs
    with store.engine.connect() as connection:
        if store.dialect == "postgresql":
            vacuumed, analyzed = connection.execute(
                text(
                    "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL "
                    "FROM pg_stat_user_tables WHERE relname = 'conversations'"
                )
            ).one()
            assert vacuumed and analyzed
        else:
            tables = connection.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars()
            assert "conversations" in set(tables)
            wal = Path(f"{store.engine.url.database}-wal")
            assert not wal.exists() or wal.stat().st_size == 0  # all in the database file
    assert store.counts()["conversations"] == 2  # nothing else changes


def test_best_moments_rank_rare_strong_behaviour_above_common_and_never_a_name(
    store: Store,
) -> None:
    """Issue 21: "best moments" rank by how rare and strong the behaviour is, never a bare name
    use. Ten replies name the customer's parcel (a personalised reply, confidence 0.8); one
    also opens "I see" (an acknowledgement, 0.7, in one conversation of eleven); one uses the
    customer's name (1.0). Ranked by confidence alone the name came first and the
    personalised replies next; now the rare acknowledgement leads and no name use shows."""
    asked = "Hi, my parcel W48213 has not arrived and I need it today."
    common = [("customer", asked), ("agent", "Let me check the parcel W48213 for you now.")]
    rare = [("customer", asked), ("agent", "I see. Let me check the parcel W48213 for you now.")]
    named = [("customer", asked), ("agent", "Dana, let me check the parcel W48213 for you now.")]
    conversations = [
        conversation(f"common-{i}", at=MONDAY + timedelta(hours=i), turns=common) for i in range(9)
    ]
    conversations.append(conversation("rare", at=MONDAY, turns=rare))
    body = conversation("named", at=MONDAY, turns=named).model_dump(mode="json")
    body["customer"] = {"id": "c-dana", "name": "Dana Reyes"}
    conversations.append(Conversation.model_validate(body))
    ingest(store, conversations, analyzer=analyzer())
    best = dashboards.moments(store, Viewer.system(), limit=3).best
    assert [m.behaviour for m in best][:1] == ["acknowledgement"], best
    assert all(m.behaviour != "uses_name" for m in best)
