"""What an admin changes about people, passwords and reset links, and the audit log a page at a
time, on SQLite and PostgreSQL (heard.store.accounts, heard.store.audit_log)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.store import (
    Conflict,
    Invalid,
    NotFound,
    Scope,
    Store,
    UserRole,
    Viewer,
    accounts,
    api_tokens,
    audit_log,
    signins,
)
from heard.store.access import Lifetimes
from heard.store.tables import AgentRow, PasswordResetRow
from teamdata import PASSWORD, conversation, ingest, open_store

LIFETIMES = Lifetimes(idle=timedelta(hours=1), absolute=timedelta(hours=5))
ADMIN = Viewer.system()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = open_store(database_url)
    yield store
    store.close()


def last_audit(store: Store) -> tuple[str, str | None, str | None]:
    entry = audit_log.search(store, ADMIN, limit=1).entries[0]
    return entry.action, entry.object_id, entry.detail


def team_names(store: Store, user_id: int) -> list[str]:
    names = {t.id: t.name for t in store.list_teams(ADMIN)}
    return [names[t] for t in accounts.get_user(store, user_id).team_ids]


# --- name, role and teams ----------------------------------------------------------------------


def test_a_leads_teams_and_name_change_and_are_audited(store: Store) -> None:
    admin = accounts.create_user(store, "root@x.test", role=UserRole.ADMIN, password=PASSWORD)
    lead = accounts.create_user(
        store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD, teams=["Blue"]
    )
    edited = accounts.edit_user(
        store, lead.id, name="Lee Park", teams=["Red", "Green", "Red"], by=admin.id
    )
    assert edited.name == "Lee Park"
    assert team_names(store, lead.id) == ["Red", "Green"]  # teams by id: created in order
    action, object_id, detail = last_audit(store)
    assert (action, object_id) == ("edit", str(lead.id))
    assert detail == "name changed; teams Blue → Red, Green"
    again = accounts.edit_user(store, lead.id, name="Lee Park", teams=["Red", "Green"])
    assert again == edited
    assert last_audit(store)[2] == detail, "nothing changed, nothing audited"


def test_an_agent_moves_team_to_the_agent_record_with_their_id_there(store: Store) -> None:
    ingest(store, [conversation("c1", agent="amy", team="Blue")])
    amy = accounts.create_user(
        store,
        "amy@x.test",
        role=UserRole.AGENT,
        password=PASSWORD,
        agent_external_id="amy",
        teams=["Blue"],
    )
    blue_agent = amy.agent_id
    with pytest.raises(Invalid) as refused:
        accounts.edit_user(store, amy.id, teams=["Blue", "Red"])
    assert refused.value.field == "teams" and "one team" in refused.value.message
    moved = accounts.edit_user(store, amy.id, teams=["Red"])
    assert moved.agent_id != blue_agent
    assert team_names(store, amy.id) == ["Red"]
    with Session(store.engine) as session:
        rows = session.scalars(select(AgentRow).where(AgentRow.external_id == "amy")).all()
    assert {(r.id == blue_agent, r.user_id) for r in rows} == {(True, None), (False, amy.id)}
    assert moved.viewer().agent_id == moved.agent_id  # she now sees the Red record's work


def test_a_role_change_links_and_unlinks_the_agent_record(store: Store) -> None:
    amy = accounts.create_user(
        store,
        "amy@x.test",
        role=UserRole.AGENT,
        password=PASSWORD,
        agent_external_id="amy",
        teams=["Blue"],
    )
    lead = accounts.edit_user(store, amy.id, role=UserRole.LEAD)
    assert lead.role == UserRole.LEAD and lead.agent_id is None
    assert team_names(store, amy.id) == ["Blue"], "a lead of the team she was in"
    back = accounts.edit_user(store, amy.id, role=UserRole.AGENT, agent_external_id="amy")
    assert back.agent_id == amy.agent_id, "her agent record again"
    admin = accounts.edit_user(store, amy.id, role=UserRole.ADMIN, teams=["Red"])
    assert admin.role == UserRole.ADMIN and admin.team_ids == [] and admin.agent_id is None


def test_the_last_admin_cannot_stop_being_one_and_a_demoted_admin_loses_admin_tokens(
    store: Store,
) -> None:
    root = accounts.create_user(store, "root@x.test", role=UserRole.ADMIN, password=PASSWORD)
    with pytest.raises(Conflict) as refused:
        accounts.edit_user(store, root.id, role=UserRole.LEAD, by=root.id)
    assert refused.value.field == "role"
    assert accounts.get_user(store, root.id).role == UserRole.ADMIN, "nothing changed"
    other = accounts.create_user(store, "two@x.test", role=UserRole.ADMIN, password=PASSWORD)
    admin_token, _ = api_tokens.create_token(store, other.id, scopes=[Scope.READ, Scope.ADMIN])
    read_token, secret = api_tokens.create_token(store, other.id, scopes=[Scope.READ])
    accounts.edit_user(store, other.id, role=UserRole.LEAD, by=root.id)
    tokens = {t.id: t for t in api_tokens.list_tokens(store, other.id)}
    assert tokens[admin_token.id].revoked_at is not None
    assert tokens[read_token.id].revoked_at is None
    assert api_tokens.verify_token(store, secret) is not None
    assert "1 admin tokens revoked" in (last_audit(store)[2] or "")


def test_names_are_redacted_and_checked(store: Store) -> None:
    user = accounts.create_user(store, "amy@x.test", role=UserRole.LEAD, password=PASSWORD)
    edited = accounts.edit_user(store, user.id, name="Amy amy@example.com")
    assert edited.name == "Amy [EMAIL]"
    assert "redacted 1 email" in (last_audit(store)[2] or "")
    with pytest.raises(Invalid):
        accounts.edit_user(store, user.id, name="x" * 201)
    with pytest.raises(NotFound):
        accounts.edit_user(store, 99_999, name="Nobody")


# --- passwords ---------------------------------------------------------------------------------


def test_changing_a_password_needs_the_current_one_and_ends_other_sessions(store: Store) -> None:
    user = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD)
    here, _ = signins.start_session(store, user.id, lifetimes=LIFETIMES)
    elsewhere, _ = signins.start_session(store, user.id, lifetimes=LIFETIMES)
    wrong = accounts.change_password(
        store, user.id, current="not it at all", new="a new secret", keep_session=here
    )
    assert wrong is None
    assert last_audit(store)[0] == "password_change_failed"
    assert signins.verify_password(store, "lee@x.test", PASSWORD) is not None
    with pytest.raises(Invalid) as short:
        accounts.change_password(store, user.id, current=PASSWORD, new="short")
    assert short.value.field == "new_password" and "8 characters" in short.value.message
    done = accounts.change_password(
        store, user.id, current=PASSWORD, new="a new secret", keep_session=here
    )
    assert done is not None
    assert signins.verify_password(store, "lee@x.test", PASSWORD) is None
    assert signins.verify_password(store, "lee@x.test", "a new secret") is not None
    assert signins.valid_session_ids(store, [here, elsewhere]) == {here}
    assert any(
        e.action == "change_password" and e.detail == "1 other sessions revoked"
        for e in audit_log.search(store, ADMIN).entries
    )


# --- reset links -------------------------------------------------------------------------------


def test_a_reset_link_sets_a_password_once_and_is_kept_as_a_hash(store: Store) -> None:
    admin = accounts.create_user(store, "root@x.test", role=UserRole.ADMIN, password=PASSWORD)
    user = accounts.create_user(store, "new@x.test", role=UserRole.AGENT)  # no password yet
    session_id, _ = signins.start_session(store, user.id, lifetimes=LIFETIMES)
    link, secret = accounts.issue_reset(store, user.id, hours=24, by=admin.id)
    assert link.expires_at - link.created_at == timedelta(hours=24)
    assert last_audit(store)[:2] == ("issue_reset", str(user.id))
    with Session(store.engine) as session:
        kept = session.scalars(select(PasswordResetRow.secret_hash)).all()
    assert kept == [accounts.secret_hash(secret)] and secret not in kept
    assert accounts.reset_user(store, secret).id == user.id
    with pytest.raises(Invalid):
        accounts.use_reset(store, secret, password="short")
    accounts.use_reset(store, secret, password="chosen by me")
    assert signins.verify_password(store, "new@x.test", "chosen by me") is not None
    assert signins.valid_session_ids(store, [session_id]) == set(), "sessions revoked"
    entry = audit_log.search(store, ADMIN, action="reset_password").entries[0]
    assert (entry.user_id, entry.object_id) == (user.id, str(user.id))
    with pytest.raises(accounts.ResetLinkUnusable):
        accounts.use_reset(store, secret, password="again, later")
    with pytest.raises(accounts.ResetLinkUnusable):
        accounts.reset_user(store, secret)
    with pytest.raises(NotFound):
        accounts.reset_user(store, "not-a-link-heard-made")
    assert [r.used_at is not None for r in accounts.reset_links(store, user.id)] == [True]


def test_a_reset_link_expires_is_replaced_by_a_newer_one_and_needs_an_active_user(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = accounts.create_user(store, "new@x.test", role=UserRole.AGENT)
    _, first = accounts.issue_reset(store, user.id, hours=1)
    _, second = accounts.issue_reset(store, user.id, hours=1)
    assert "1 earlier link replaced" in (last_audit(store)[2] or "")
    with pytest.raises(accounts.ResetLinkUnusable):
        accounts.reset_user(store, first)
    real = accounts.now
    monkeypatch.setattr(accounts, "now", lambda: real() + timedelta(hours=1, seconds=1))
    with pytest.raises(accounts.ResetLinkUnusable):
        accounts.use_reset(store, second, password="too late now")
    monkeypatch.setattr(accounts, "now", real)
    _, third = accounts.issue_reset(store, user.id, hours=1)
    accounts.set_active(store, user.id, active=False)
    with pytest.raises(accounts.ResetLinkUnusable):
        accounts.reset_user(store, third)
    with pytest.raises(Invalid):
        accounts.issue_reset(store, user.id, hours=1)
    with pytest.raises(Invalid):
        accounts.issue_reset(store, user.id, hours=24 * 15)


# --- the audit log a page at a time ------------------------------------------------------------


def test_the_audit_log_filters_by_user_action_and_date_and_pages_both_ways(store: Store) -> None:
    lee = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD)
    for i in range(7):
        audit_log.audit(
            store, user_id=lee.id, action="view", object_type="conversation", object_id=str(i)
        )
    audit_log.audit(store, user_id=None, action="view", object_type="conversation", object_id="x")
    audit_log.audit(store, user_id=lee.id, action="export", object_type="conversations")
    mine = audit_log.search(store, ADMIN, user_id=lee.id, action="view", limit=3)
    assert [e.object_id for e in mine.entries] == ["6", "5", "4"]
    assert mine.newer is None and mine.older is not None
    second = audit_log.search(
        store, ADMIN, user_id=lee.id, action="view", limit=3, before=mine.older
    )
    assert [e.object_id for e in second.entries] == ["3", "2", "1"]
    third = audit_log.search(
        store, ADMIN, user_id=lee.id, action="view", limit=3, before=second.older
    )
    assert [e.object_id for e in third.entries] == ["0"] and third.older is None
    back = audit_log.search(store, ADMIN, user_id=lee.id, action="view", limit=3, after=third.newer)
    assert [e.object_id for e in back.entries] == ["3", "2", "1"]
    assert back.newer is not None and back.older is not None
    assert all(e.user == "lee@x.test" for e in back.entries)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert len(audit_log.search(store, ADMIN, start=today).entries) == 10  # create user too
    assert audit_log.search(store, ADMIN, end=today).entries == []
    with pytest.raises(Invalid):
        audit_log.search(store, ADMIN, start=today, end=today - timedelta(days=1))
    lead = accounts.get_user(store, lee.id).viewer()
    with pytest.raises(Exception, match="only admins"):
        audit_log.search(store, lead)
