"""Call recordings in the store, on SQLite and PostgreSQL: the redacted copy kept beside its
conversation and read back byte for byte, a piece at a time (any range, across pieces), replaced
by a new copy, refused when not redacted; who may see the conversation may listen, anyone else
finds nothing; keeping and listening are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from heard.store import Invalid, NotFound, Store, Viewer, audit_log
from heard.store import recordings as kept
from teamdata import World, build_world, open_store

AUDIO = bytes(range(256)) * 40 + b"tail"
"""10,244 bytes standing for a WAV (the store keeps bytes; it never decodes them)."""


@pytest.fixture
def store(database_url: str):
    opened = open_store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def keep(store: Store, conversation_id: int, audio: bytes = AUDIO, **changes):
    options = {
        "content_type": "audio/wav",
        "seconds": 12.5,
        "channels": 2,
        "sample_rate": 8000,
        "silenced_seconds": 1.25,
        "redacted": True,
        **changes,
    }
    return kept.keep(store, conversation_id, audio, **options)


def read_all(store: Store, found) -> bytes:
    return b"".join(kept.pieces(store, found, 0, found.size - 1))


def test_a_recording_round_trips_and_reads_any_range(
    store: Store, world: World, monkeypatch
) -> None:
    ann_1 = world.conversations["ann-1"]
    info = keep(store, ann_1, user_id=world.users["bea"])
    assert (info.size, info.channels, info.sample_rate, info.redacted) == (
        len(AUDIO),
        2,
        8000,
        True,
    )
    assert info.seconds == 12.5 and info.silenced_seconds == 1.25
    detail = store.get_conversation(Viewer.system(), ann_1)
    assert detail.recording == info
    assert store.get_conversation(Viewer.system(), world.conversations["ann-2"]).recording is None
    assert read_all(store, info) == AUDIO
    assert kept.piece(store, info, 0, 0) == AUDIO[:1]
    assert kept.piece(store, info, 300, 555) == AUDIO[300:556]
    assert kept.piece(store, info, len(AUDIO) - 4, len(AUDIO) + 50) == b"tail"
    assert kept.piece(store, info, len(AUDIO), len(AUDIO) + 5) == b""
    monkeypatch.setattr(kept, "PIECE_BYTES", 1000)  # ranges read in several pieces
    parts = list(kept.pieces(store, info, 123, 4567))
    assert [len(p) for p in parts] == [1000] * 4 + [445]
    assert b"".join(parts) == AUDIO[123:4568]
    [entry] = [
        e for e in audit_log.list_audit(store, Viewer.system()) if e.object_type == "recording"
    ]
    assert (entry.action, entry.object_id, entry.user_id) == (
        "store",
        str(ann_1),
        world.users["bea"],
    )


def test_a_new_copy_replaces_the_old_and_the_same_copy_changes_nothing(
    store: Store, world: World
) -> None:
    ann_1 = world.conversations["ann-1"]
    first = keep(store, ann_1)
    assert keep(store, ann_1) == first  # the same bytes: kept as they were
    second = keep(store, ann_1, b"RIFF another copy", seconds=3.0)
    assert second.digest != first.digest and second.size == 17
    assert store.get_conversation(Viewer.system(), ann_1).recording == second
    assert kept.piece(store, first, 0, 10) == b"", "a reader of the old copy gets nothing of it"
    assert read_all(store, second) == b"RIFF another copy"
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM recordings")).scalar() == 1


def test_only_a_redacted_copy_of_a_stored_conversation_is_kept(store: Store, world: World) -> None:
    ann_1 = world.conversations["ann-1"]
    with pytest.raises(Invalid, match="only the redacted copy"):
        keep(store, ann_1, redacted=False)
    with pytest.raises(Invalid):
        keep(store, ann_1, content_type="audio/x-raw")
    with pytest.raises(Invalid):
        keep(store, ann_1, b"")
    with pytest.raises(NotFound):
        keep(store, 999_999)
    assert store.get_conversation(Viewer.system(), ann_1).recording is None


def test_who_may_see_the_conversation_may_listen(store: Store, world: World) -> None:
    ann_1 = world.conversations["ann-1"]
    keep(store, ann_1)
    for who in ("ann", "bea", "admin"):
        assert kept.recording(store, world.viewer(who), ann_1).size == len(AUDIO)
    for who in ("rex", "ray", "abe"):  # another team's lead, another team's agent, a teammate
        with pytest.raises(NotFound):
            kept.recording(store, world.viewer(who), ann_1)
    with pytest.raises(NotFound, match="no recording"):
        kept.recording(store, world.viewer("bea"), world.conversations["ann-2"])
    kept.listened(store, world.viewer("bea"), ann_1)
    listens = [e for e in audit_log.list_audit(store, Viewer.system()) if e.action == "listen"]
    assert [(e.object_id, e.user_id) for e in listens] == [(str(ann_1), world.users["bea"])]
