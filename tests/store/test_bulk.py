"""Bulk writes (`heard.store.bulk.write_rows`): one statement per table on PostgreSQL, chunked
executemany on SQLite, the same rows either way; and the ingest path that uses them keeps the
rollups right when a conversation moves out of its group."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Date, DateTime, Float, Integer, MetaData, String, Table, Text, select
from sqlalchemy.orm import Session

from heard.store.bulk import _text, array_literal, write_rows
from heard.store.database import make_engine
from heard.store.tables import DailyBandRow, DailyScoreRow, DailyVerdictRow
from teamdata import MONDAY, conversation, ingest, open_store

metadata = MetaData()
TALLY = Table(
    "bulk_tally",
    metadata,
    Column("day", Date, primary_key=True),
    Column("name", String(16), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("total", Float),
)


def rows_of(session: Session) -> list[tuple[object, ...]]:
    return [tuple(r) for r in session.execute(select(TALLY).order_by(TALLY.c.day, TALLY.c.name))]


def test_inserts_and_adds_to_stored_rows(database_url: str) -> None:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    day = date(2026, 3, 2)
    try:
        with Session(engine) as session, session.begin():
            write_rows(session, TALLY, [])  # nothing to write: no statement, no error
            write_rows(
                session,
                TALLY,
                # a count may come as a bool, a total as an int or None (psycopg arrays hold
                # one Python type)
                [
                    {"day": day, "name": "a", "count": True, "total": 2},
                    {"day": day, "name": "b", "count": 3, "total": None},
                    {"day": day + timedelta(days=1), "name": "a", "count": 1, "total": 0.5},
                ],
            )
        with Session(engine) as session, session.begin():
            write_rows(
                session,
                TALLY,
                [
                    {"day": day, "name": "a", "count": 2, "total": 1.25},
                    {"day": day, "name": "c", "count": -1, "total": 4},
                ],
                keys=("day", "name"),
                adds=("count", "total"),
            )
            assert rows_of(session) == [
                (day, "a", 3, 3.25),
                (day, "b", 3, None),
                (day, "c", -1, 4.0),
                (day + timedelta(days=1), "a", 1, 0.5),
            ]
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_many_rows_in_one_call(database_url: str) -> None:
    """More rows than one SQLite chunk: every row lands once."""
    engine = make_engine(database_url)
    metadata.create_all(engine)
    start = date(2026, 1, 1)
    rows = [
        {"day": start + timedelta(days=i // 7), "name": f"n{i % 7}", "count": 1, "total": i}
        for i in range(1_234)
    ]
    try:
        with Session(engine) as session, session.begin():
            write_rows(session, TALLY, rows, keys=("day", "name"), adds=("count", "total"))
            write_rows(session, TALLY, rows[:10], keys=("day", "name"), adds=("count", "total"))
            stored = rows_of(session)
        assert len(stored) == len(rows)
        assert sum(r[2] for r in stored) == len(rows) + 10  # type: ignore[misc]
        assert sum(r[3] for r in stored) == sum(range(1_234)) + sum(range(10))  # type: ignore[misc]
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_a_moved_conversation_leaves_no_empty_rollup_group(database_url: str) -> None:
    store = open_store(database_url)
    try:
        ingest(store, [conversation("m-1", channel="chat", at=MONDAY)])
        moved = conversation("m-1", channel="email", at=MONDAY + timedelta(days=2))
        ingest(store, [moved])
        with Session(store.engine) as session:
            for row in (DailyScoreRow, DailyBandRow, DailyVerdictRow):
                table = row.__table__
                first_count = next(c for c in table.c if not c.primary_key)
                left = session.execute(select(table.c.channel, table.c.day, first_count)).all()
                assert left, row.__name__
                assert {(channel, day) for channel, day, _ in left} == {
                    ("email", (MONDAY + timedelta(days=2)).date())
                }, row.__name__
                assert all(count > 0 for *_, count in left), row.__name__
    finally:
        store.close()


AWKWARD = Table(
    "bulk_awkward",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(64)),
    Column("note", Text),
    Column("at", DateTime),
    Column("score", Float),
)
AWKWARD_TEXTS = [
    "",
    "plain",
    'a "quoted" word',
    'back\\slash and \\"both\\"',
    "{braces}, commas, and (parens)",
    "NULL",
    "null",
    "  spaced  ",
    "tab\tnew\nline",
    "émoji 🙂 and ’curly’",
    "[CARD]",
]
AWKWARD_FLOATS = [0.0, -0.0, 1e-300, 123.456, 1 / 3, -2.5e20, float("inf"), float("-inf"), None]


def test_awkward_values_come_back_as_written(database_url: str) -> None:
    """Each column travels to PostgreSQL as the text of an array: quotes, backslashes, braces,
    the word NULL, non-ASCII text, microseconds and extreme floats read back unchanged."""
    engine = make_engine(database_url)
    metadata.create_all(engine)
    at = datetime(2026, 3, 2, 9, 30, 5, 123456)
    rows = [
        {
            "id": i,
            "label": AWKWARD_TEXTS[i % len(AWKWARD_TEXTS)],
            "note": None if i % 5 == 0 else AWKWARD_TEXTS[-1 - i % len(AWKWARD_TEXTS)],
            "at": None if i % 7 == 0 else at + timedelta(seconds=i),
            "score": AWKWARD_FLOATS[i % len(AWKWARD_FLOATS)],
        }
        for i in range(40)
    ]
    # and a batch with no NULL and nothing to escape, which is written in one join per column
    plain = [
        {
            "id": 100 + i,
            "label": f"label {i}, ’{i}’ 🙂",
            "note": "{no quotes}",
            "at": at - timedelta(days=i, microseconds=i),
            "score": [0.1, -0.0, 2.5e-7, 1e300][i % 4],
        }
        for i in range(12)
    ]
    rows += plain
    try:
        with Session(engine) as session, session.begin():
            write_rows(session, AWKWARD, rows[:40])
            write_rows(session, AWKWARD, plain)
        with Session(engine) as session:
            stored = [
                dict(r._mapping) for r in session.execute(select(AWKWARD).order_by(AWKWARD.c.id))
            ]
        assert stored == rows
    finally:
        metadata.drop_all(engine)
        engine.dispose()


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet=st.sampled_from('ab "\\{},NUL\n’🙂')),
            st.text(alphabet=st.characters(blacklist_characters="\x00")),
        ),
        max_size=6,
    )
)
def test_an_array_literal_reads_back_as_its_strings(values: list[str | None]) -> None:
    """The literal's grammar, read back by a parser that follows PostgreSQL's array input
    rules for quoted elements (the real round trip is the test above)."""
    text = array_literal(values, _text)
    assert text[0] == "{" and text[-1] == "}"
    read: list[str | None] = []
    i = 1
    while i < len(text) - 1:
        if text.startswith("NULL", i):
            read.append(None)
            i += 4
        else:
            assert text[i] == '"'
            i += 1
            out = []
            while text[i] != '"':
                if text[i] == "\\":
                    i += 1
                out.append(text[i])
                i += 1
            read.append("".join(out))
            i += 1
        assert text[i] in ",}"
        i += 1
    assert read == values
