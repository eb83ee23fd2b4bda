"""Full-text search, keyset paging and saved views on SQLite and PostgreSQL: a search finds a
conversation by a word of its turns or a name, only among those the viewer may see, never by
a card number or an email redacted before storage; the index follows ingest, update, rescore,
delete and the migration; pages stay put when conversations are stored between page loads;
saved views are their owner's alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from heard.ingest import IngestService
from heard.model import Conversation
from heard.model.conversation import Customer
from heard.store import Conflict, ConversationFilter, Invalid, NotFound, Store, dashboards
from heard.store import saved_views as saved
from heard.store.records import Viewer
from teamdata import (
    MONDAY,
    PII_TURNS,
    World,
    analyzer,
    build_world,
    conversation,
    ingest,
    open_store,
    rescore,
)

ADMIN = Viewer.system()


@pytest.fixture
def store(database_url: str):
    opened = open_store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def found(store: Store, viewer: Viewer, search: str, **filters) -> list[str]:
    where = ConversationFilter(search=search, **filters)
    page = store.list_conversations(viewer, where, limit=100)
    assert page.total == len(page.items), "the count and the list disagree"
    return sorted(item.external_id for item in page.items)


def with_turns(external_id: str, *turns: tuple[str, str], **kw) -> Conversation:
    return conversation(external_id, turns=list(turns), **kw)


def test_search_finds_words_of_turns_and_names_only_where_the_viewer_may_look(
    world: World,
) -> None:
    store = world.store
    assert found(store, ADMIN, "manager") == ["abe-1", "ann-2"]  # only the bad turns say it
    assert found(store, ADMIN, "REFUND") == ["ann-1", "ray-1"]  # "refunded": a word's start
    assert found(store, ADMIN, "refund manager") == []  # every word must be there
    assert found(store, ADMIN, "Ray") == ["ray-1"]  # the agent's name
    assert found(store, world.viewer("bea"), "refund") == ["ann-1"]
    assert found(store, world.viewer("rex"), "manager") == []  # Blue's words, not Red's lead's
    assert found(store, world.viewer("rex"), "refund") == ["ray-1"]
    assert found(store, world.viewer("abe"), "refund") == []  # Ann's, not Abe's
    assert found(store, world.viewer("ann"), "manager") == ["ann-2"]
    # with other filters, a behaviour filter (read from the verdict copies) and in charts
    assert found(store, ADMIN, "charged", agent_id=world.agents["ann"]) == ["ann-1", "ann-2"]
    assert found(store, ADMIN, "charged", missed=["dismissive"]) == ["abe-1", "ann-2"]
    days = dashboards.trends(
        store, world.viewer("bea"), ConversationFilter(search="manager"), by="day"
    )
    assert sum(point.conversations for point in days) == 2


def test_a_lead_of_another_team_never_finds_a_conversation_by_its_words(store: Store) -> None:
    world = build_world(store)
    ingest(
        store,
        [with_turns("secret", ("customer", "The zanzibar shipment is late."), team="Blue")],
        analyzer=analyzer(),
    )
    assert found(store, world.viewer("bea"), "zanzibar") == ["secret"]
    for who in ("rex", "ray"):
        viewer = world.viewer(who)
        assert found(store, viewer, "zanzibar") == []
        assert found(store, viewer, "zanz") == []
        assert (
            dashboards.trends(store, viewer, ConversationFilter(search="zanzibar"), by="day") == []
        )


def test_redacted_card_numbers_and_emails_are_never_found(store: Store) -> None:
    report = ingest(store, [with_turns("pii", *PII_TURNS)], analyzer=analyzer())
    assert found(store, ADMIN, "refund card") == ["pii"]  # the control: its other words are
    for typed in ("4111", "4111 1111 1111 1111", "1111", "jo@example.com", "example"):
        assert found(store, ADMIN, typed) == [], typed
    snippet = store.list_conversations(ADMIN, ConversationFilter(search="refund")).items[0]
    assert "4111" not in str(snippet) and report.items[0].id == snippet.id


def test_a_customer_name_is_found_only_where_it_was_stored(database_url: str) -> None:
    kept = open_store(database_url)
    named = with_turns("named", ("customer", "Hello there."), ("agent", "Hi, how can I help?"))
    named = named.model_copy(update={"customer": Customer(name="Philippa Quarrington")})
    try:
        ingest(kept, [named], analyzer=analyzer())  # names redacted (the default)
        assert found(kept, ADMIN, "quarrington") == []
        unredacted = IngestService(kept, analyzer=analyzer(), redact_names=False)
        again = named.model_copy(update={"external_id": "named-2", "id": "named-2"})
        unredacted.ingest([again])
        assert found(kept, ADMIN, "quarrington") == ["named-2"]
        (item,) = kept.list_conversations(ADMIN, ConversationFilter(search="quarr")).items
        assert item.snippet is not None and item.snippet.speaker == "customer"
        assert [p.text for p in item.snippet.parts if p.match] == ["Quarrington"]
    finally:
        kept.close()


def test_the_index_follows_update_rescore_and_delete(store: Store) -> None:
    first = ingest(
        store,
        [with_turns("c-1", ("customer", "My parcel went to the wrong address."))],
        analyzer=analyzer(),
    ).items[0]
    assert found(store, ADMIN, "parcel") == ["c-1"]
    ingest(
        store, [with_turns("c-1", ("customer", "My umbrella arrived broken."))], analyzer=analyzer()
    )
    assert found(store, ADMIN, "parcel") == [] and found(store, ADMIN, "umbrella") == ["c-1"]
    rescore(store, analyzer=analyzer())
    assert found(store, ADMIN, "umbrella") == ["c-1"]
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM conversations WHERE id = :id"), {"id": first.id})
    assert found(store, ADMIN, "umbrella") == []
    if store.dialect == "sqlite":  # the words left the index too, not only the list
        with store.engine.connect() as connection:
            left = connection.execute(text("SELECT count(*) FROM conversation_search")).scalar()
        assert left == 0


def test_the_migration_indexes_conversations_stored_before(database_url: str) -> None:
    from alembic import command

    from heard.store.database import alembic_config

    store = open_store(database_url)
    try:
        ingest(store, [conversation("c-1")], analyzer=analyzer())
        config = alembic_config()
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0009")
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        assert found(store, ADMIN, "frustrating") == ["c-1"]
    finally:
        store.close()


def test_snippets_show_the_best_matching_turn_with_its_words_marked(store: Store) -> None:
    chatter = "we talked about many other things " * 8
    long = f"Before that {chatter}and the parcel was lost, after which {chatter}"
    ingest(
        store,
        [
            with_turns(
                "c-1",
                ("customer", "The invoice is wrong."),
                ("agent", "Sorry! Which invoice number is wrong on the invoice?"),
                ("customer", long),
            )
        ],
        analyzer=analyzer(),
    )
    (item,) = store.list_conversations(ADMIN, ConversationFilter(search="invoice number")).items
    assert item.snippet is not None and (item.snippet.turn, item.snippet.speaker) == (1, "agent")
    assert [(p.text, p.match) for p in item.snippet.parts] == [
        ("Sorry! Which ", False),
        ("invoice", True),
        (" ", False),
        ("number", True),
        (" is wrong on the ", False),
        ("invoice", True),
        ("?", False),
    ]
    (item,) = store.list_conversations(ADMIN, ConversationFilter(search="parcel")).items
    parts = item.snippet.parts  # type: ignore[union-attr]
    assert parts[0].text == "…" and parts[-1].text == "…"  # cut around the first match
    assert sum(len(p.text) for p in parts) <= 230 and any(p.match for p in parts)


@pytest.mark.parametrize(
    ("typed", "words"),
    [("***", "type a word"), (" ".join(f"w{i}" for i in range(13)), "at most 12 words")],
)
def test_a_search_without_words_or_with_too_many_is_refused(
    store: Store, typed: str, words: str
) -> None:
    with pytest.raises(Invalid, match=words) as refused:
        store.list_conversations(ADMIN, ConversationFilter(search=typed))
    assert refused.value.field == "q"


# ------------------------------------------------------------------ keyset paging


def _many(store: Store, n: int, *, start: int = 0) -> None:
    convs = [
        conversation(
            f"c-{i:02d}",
            good=i % 3 != 0,
            at=MONDAY + timedelta(hours=i // 2),  # two at each hour: the id breaks the tie
        )
        for i in range(start, start + n)
    ]
    ingest(store, convs, analyzer=analyzer())


def _walk(store: Store, order: str, *, limit: int = 3, **kw) -> list[str]:
    seen, after = [], None
    while True:
        page = store.list_conversations(ADMIN, limit=limit, order=order, after=after, **kw)  # type: ignore[arg-type]
        seen += [item.external_id for item in page.items]
        if page.next is None:
            return seen
        after = page.next


@pytest.mark.parametrize("order", ["newest", "oldest", "score", "-score"])
def test_keyset_pages_walk_every_conversation_once_in_order(store: Store, order: str) -> None:
    _many(store, 11)
    ingest(store, [conversation("unscored", turns=[("customer", "hello")])], analyzer=analyzer())
    whole = [i.external_id for i in store.list_conversations(ADMIN, limit=100, order=order).items]  # type: ignore[arg-type]
    assert _walk(store, order) == whole and len(whole) == 12
    assert whole.index("unscored") == (11 if "score" in order else whole.index("unscored"))
    last = store.list_conversations(ADMIN, limit=3, order=order)  # type: ignore[arg-type]
    pages = [last]
    while last.next:
        last = store.list_conversations(ADMIN, limit=3, order=order, after=last.next)  # type: ignore[arg-type]
        pages.append(last)
    back = store.list_conversations(ADMIN, limit=3, order=order, before=last.previous)  # type: ignore[arg-type]
    assert [i.id for i in back.items] == [i.id for i in pages[-2].items]
    assert pages[0].previous is None and pages[1].previous is not None


@pytest.mark.parametrize("order", ["oldest", "newest", "-score"])
def test_an_export_reads_every_conversation_once_in_parts_without_a_count(
    store: Store, order: str
) -> None:
    _many(store, 11)  # two at each hour: parts that end inside a tie
    whole = [i.id for i in store.list_conversations(ADMIN, limit=100, order=order).items]  # type: ignore[arg-type]
    parts = list(store.iter_conversations(ADMIN, order=order, size=2))  # type: ignore[arg-type]
    assert [len(p) for p in parts] == [2, 2, 2, 2, 2, 1]
    assert [i.id for p in parts for i in p] == whole
    searched = list(store.iter_conversations(ADMIN, ConversationFilter(search="sorry"), size=2))
    listed = store.list_conversations(ADMIN, ConversationFilter(search="sorry"), limit=100)
    assert [i.id for p in searched for i in p] == [i.id for i in listed.items][::-1]
    assert all(i.snippet is not None for p in searched for i in p)
    assert list(store.iter_conversations(ADMIN, ConversationFilter(search="zzyzx"))) == []
    assert store.component_names() == sorted(parts[0][0].components)


def test_a_search_found_in_very_many_walks_the_list_and_counts_up_to_a_cap(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million stored, a common word's matches are kept as the list's order is walked and
    counted only up to search.COUNTED; here the thresholds are made tiny to walk 11."""
    from heard.store import search

    _many(store, 11)
    where = ConversationFilter(search="charged")
    exact = store.list_conversations(ADMIN, where, limit=100)
    monkeypatch.setattr(search, "FEW", 4)
    monkeypatch.setattr(search, "COUNTED", 6)
    walked = store.list_conversations(ADMIN, where, limit=100)
    first = store.list_conversations(ADMIN, where, limit=3)  # more follow: counted
    pages = list(store.iter_conversations(ADMIN, where, order="newest", size=4))
    # SQLite: the index counts 11 > FEW, so the list walks and the count stops; PostgreSQL's
    # planner chooses the plan, and every search's count stops at COUNTED
    assert (first.total, first.total_exact) == (6, False)
    assert [i.id for i in first.items] == [i.id for i in exact.items[:3]]
    assert (walked.total, walked.total_exact) == (11, True)  # all on one page: no count
    assert (exact.total, exact.total_exact) == (11, True)
    assert [i.id for i in walked.items] == [i.id for i in exact.items]
    assert [i.id for p in pages for i in p] == [i.id for i in exact.items]
    few = store.list_conversations(ADMIN, ConversationFilter(search="charged", agent_id=-1))
    assert (few.total, few.total_exact) == (0, True)  # under the cap: exact again
    monkeypatch.setattr(search, "FEW", 100)  # few found: exact on SQLite, capped on PostgreSQL
    counted = store.list_conversations(ADMIN, where, limit=3)
    assert counted.total_exact == (store.dialect == "sqlite")
    monkeypatch.setattr(search, "COUNTED", 100)
    assert store.list_conversations(ADMIN, where, limit=3).total == 11  # under the cap


def test_pages_stay_put_when_conversations_are_stored_between_loads(store: Store) -> None:
    _many(store, 6)
    first = store.list_conversations(ADMIN, limit=3)
    newer = [conversation(f"new-{i}", at=MONDAY + timedelta(days=3, minutes=i)) for i in range(4)]
    ingest(store, newer, analyzer=analyzer())  # all newer than every row listed
    second = store.list_conversations(ADMIN, limit=3, after=first.next)
    listed = [i.external_id for i in first.items + second.items]
    assert len(set(listed)) == 6 and not any(x.startswith("new-") for x in listed)
    assert second.total == 10
    back = store.list_conversations(ADMIN, limit=3, before=second.previous)
    assert [i.id for i in back.items] == [i.id for i in first.items]  # the page before it
    newest = store.list_conversations(ADMIN, limit=3, before=back.previous)
    assert [i.external_id for i in newest.items] == ["new-2", "new-1", "new-0"]


def test_a_broken_cursor_or_one_of_another_order_is_refused(store: Store) -> None:
    _many(store, 4)
    cursor = store.list_conversations(ADMIN, limit=2).next
    for bad, order, words in [
        ("not-a-cursor", "newest", "broken or out of date"),
        (cursor, "score", "another sort order"),
        ("W10", "newest", "broken or out of date"),
    ]:
        with pytest.raises(Invalid, match=words):
            store.list_conversations(ADMIN, order=order, after=bad)  # type: ignore[arg-type]
    with pytest.raises(Invalid, match="not both"):
        store.list_conversations(ADMIN, after=cursor, before=cursor)


# ------------------------------------------------------------------ saved views


def test_saved_views_are_their_owners_alone(world: World) -> None:
    store, bea, rex = world.store, world.viewer("bea"), world.viewer("rex")
    view = saved.save(
        store, bea, name="  Angry   customers ", filters={"q": "manager", "order": "score"}
    )
    assert (view.name, view.filters) == ("Angry customers", {"q": "manager", "order": "score"})
    saved.save(store, bea, name="all of Ann", filters={"agent": str(world.agents["ann"])})
    assert [v.name for v in saved.list_views(store, bea)] == ["all of Ann", "Angry customers"]
    assert saved.list_views(store, rex) == []
    with pytest.raises(NotFound):
        saved.delete(store, rex, view.id)
    with pytest.raises(NotFound):
        saved.delete(store, world.viewer("admin"), view.id)  # an admin's views are theirs too
    assert len(saved.list_views(store, bea)) == 2
    saved.save(store, rex, name="Angry customers", filters={})  # another user's same name
    saved.delete(store, bea, view.id)
    assert [v.name for v in saved.list_views(store, bea)] == ["all of Ann"]
    with pytest.raises(NotFound):
        saved.delete(store, bea, view.id)


def test_saved_view_names_and_filters_are_checked(world: World) -> None:
    store, bea = world.store, world.viewer("bea")
    saved.save(store, bea, name="Mine", filters={})
    for name, filters, error, words in [
        ("mine", {}, Conflict, "already have a view named"),
        ("   ", {}, Invalid, "Give the view a name"),
        ("x" * 101, {}, Invalid, "at most 100 characters"),
        ("ok", {"page": "2"}, Invalid, "not page"),
    ]:
        with pytest.raises(error, match=words):
            saved.save(store, bea, name=name, filters=filters)
    email = saved.save(store, bea, name="jo@example.com", filters={"q": "card 4111 1111 1111 1111"})
    assert "example.com" not in email.name and "4111" not in email.filters["q"]
    with pytest.raises(Invalid, match="signed-in user"):
        saved.save(store, ADMIN, name="system", filters={})
