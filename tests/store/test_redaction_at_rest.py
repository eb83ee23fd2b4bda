"""Every free-text field the store writes is redacted before it is stored (the same switch as
turns), and the audit log says what was replaced, never what it was."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heard.ingest import IngestService
from heard.model import Conversation
from heard.store import (
    Scope,
    Store,
    UserRole,
    accounts,
    api_tokens,
    audit_log,
    coaching_notes,
    surveys,
)
from heard.store.records import NoteStatus
from teamdata import World, analyzer, build_world, conversation, ingest, open_store

CARD = "4111 1111 1111 1111"
EMAIL = "jo.pii@example.com"
PHONE = "(415) 555-0132"
PII = f"card {CARD}, mail {EMAIL}, call {PHONE}"
RAW = ("4111", "jo.pii", "555-0132")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = open_store(database_url)
    yield store
    store.close()


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def _raw(text: str | None) -> bool:
    return text is not None and any(r in text for r in RAW)


def _audit(store: Store, world: World) -> list[str]:
    admin = world.viewer("admin")
    return [
        f"{e.action} {e.object_type} {e.detail}"
        for e in audit_log.list_audit(store, admin, limit=500)
    ]


def test_notes_replies_responses_and_resolutions_are_redacted(store: Store, world: World) -> None:
    lead, agent = world.viewer("bea"), world.viewer("ann")
    conversation_id = world.conversations["ann-1"]
    note = coaching_notes.create_note(store, lead, conversation_id, text=f"note: {PII}", turn=1)
    assert note.text == "note: card [CARD], mail [EMAIL], call [PHONE]"
    note = coaching_notes.edit_note(store, lead, note.id, text=f"edited: {PII}")
    note = coaching_notes.reply_to_note(store, agent, note.id, text=f"reply: {PII}")
    note = coaching_notes.respond_to_note(
        store, agent, note.id, status=NoteStatus.DISPUTED, text=f"no: {PII}"
    )
    note = coaching_notes.respond_to_note(
        store, agent, note.id, status=NoteStatus.ACKNOWLEDGED, text=f"ok: {PII}"
    )
    note = coaching_notes.resolve_note(store, lead, note.id, text=f"done: {PII}")
    stored = coaching_notes.get_note(store, lead, note.id)
    texts = [stored.text, *(e.text for e in stored.events)]
    assert not any(_raw(t) for t in texts), texts
    assert stored.text == "edited: card [CARD], mail [EMAIL], call [PHONE]"
    assert [e.text for e in stored.events if e.text] == [
        f"{word}: card [CARD], mail [EMAIL], call [PHONE]" for word in ("reply", "no", "ok", "done")
    ]
    audit = _audit(store, world)
    note_entries = [e for e in audit if " note " in e]
    assert len(note_entries) == 6
    assert all(e.endswith("redacted 1 card, 1 email, 1 phone") for e in note_entries)


def test_survey_comments_user_and_token_names_are_redacted(store: Store, world: World) -> None:
    feedback = surveys.submit_feedback(
        store, world.conversations["ann-1"], csat=2, felt_heard=1, comment=f"  {PII}  "
    )
    assert feedback.comment == "card [CARD], mail [EMAIL], call [PHONE]"
    user = accounts.create_user(store, "new@x.test", role=UserRole.AGENT, name=f"New {EMAIL}")
    assert user.name == "New [EMAIL]"
    record, _ = api_tokens.create_token(store, user.id, scopes=[Scope.READ], name=f"laptop {PHONE}")
    assert record.name == "laptop [PHONE]"
    agent = store.get_agent(world.viewer("admin"), user.agent_id)  # type: ignore[arg-type]
    assert agent.name == "New [EMAIL]"
    longest = "n" * 193 + " a@b.cd"  # 200 characters; "[EMAIL]" is one more than "a@b.cd"
    clipped = accounts.create_user(store, "long@x.test", role=UserRole.LEAD, name=longest)
    assert clipped.name == ("n" * 193 + " [EMAIL]")[:200]
    audit = _audit(store, world)
    assert f"submit feedback conversation {world.conversations['ann-1']}; " in "\n".join(audit)
    assert any(e.endswith("redacted 1 card, 1 email, 1 phone") for e in audit if "feedback" in e)
    assert any(e.endswith("as agent; redacted 1 email") for e in audit)
    assert any(e.endswith(f"for user {user.id}; redacted 1 phone") for e in audit)
    assert not any(_raw(e) for e in audit)


def _named(external_id: str) -> Conversation:
    base = conversation(external_id, agent="ann", agent_name="Ann", team="Blue")
    data = base.model_dump(mode="json", exclude_defaults=True)
    data["customer"] = {"id": EMAIL, "name": "Jane Collins"}
    data["metadata"] = {"crm": {EMAIL: {"phone": PHONE, "card": CARD}}}
    data["turns"][0]["text"] = "Hi, Jane Collins here. " + data["turns"][0]["text"]
    data["turns"][0]["metadata"] = {"caller": PHONE}
    data["turns"][1]["text"] = "Thanks Jane. " + data["turns"][1]["text"]
    return Conversation.model_validate(data)


def test_ingest_redacts_metadata_and_names_with_the_same_switch(database_url: str) -> None:
    store = open_store(database_url)
    try:
        admin = accounts.get_user(
            store, accounts.create_user(store, "a@x.test", role=UserRole.ADMIN).id
        ).viewer()
        report = ingest(store, [_named("n-1")], analyzer=analyzer())
        body = store.get_conversation(admin, report.items[0].id).conversation.to_json()
        assert not _raw(body) and "Jane" not in body and "Collins" not in body, body
        assert '"name":"[FIRST_NAME] [LAST_NAME]"' in body
        names_kept = IngestService(store, analyzer=analyzer(), redact_names=False)
        report = names_kept.ingest([_named("n-2")])
        body = store.get_conversation(admin, report.items[0].id).conversation.to_json()
        assert not _raw(body) and "Thanks Jane." in body
        report = ingest(store, [_named("n-3")], analyzer=analyzer(), redact=False)
        detail = store.get_conversation(admin, report.items[0].id)
        assert _raw(detail.conversation.to_json()) and not detail.summary.redacted
        ingests = [e.detail for e in audit_log.list_audit(store, admin) if e.action == "ingest"]
        assert ingests[0] == "1 created, 0 updated, 0 unchanged; stored unredacted"
        assert ingests[1] == "1 created, 0 updated, 0 unchanged"
    finally:
        store.close()


def test_the_store_setting_turns_it_all_off(database_url: str) -> None:
    store = open_store(database_url)
    store.redact = False
    try:
        world = build_world(store)
        note = coaching_notes.create_note(
            store, world.viewer("bea"), world.conversations["ann-1"], text=PII
        )
        assert note.text == PII
        feedback = surveys.submit_feedback(
            store, world.conversations["ann-1"], csat=3, felt_heard=3, comment=PII
        )
        assert feedback.comment == PII
        report = ingest(store, [_named("n-4")], analyzer=analyzer())
        admin = world.viewer("admin")
        assert _raw(store.get_conversation(admin, report.items[0].id).conversation.to_json())
    finally:
        store.close()
