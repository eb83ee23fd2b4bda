"""Who may still act, on SQLite and PostgreSQL: sign-in sessions (revoked, idle and absolute
lifetimes, last use written at most once a minute, the batched check of session ids), API
tokens that expire (and what migration 0009 gives the old ones), the admin who cannot be
removed, and the survey's one answer per conversation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from heard.store import (
    Conflict,
    Scope,
    Store,
    UserRole,
    access,
    accounts,
    api_tokens,
    audit_log,
    signins,
    surveys,
)
from heard.store.access import Lifetimes
from heard.store.tables import SignInSessionRow
from teamdata import PASSWORD, conversation, ingest, open_store

LIFETIMES = Lifetimes(idle=timedelta(hours=1), absolute=timedelta(hours=5))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = open_store(database_url)
    yield store
    store.close()


class Clock:
    """Moves the store's clock (sessions, tokens, survey answers) forward."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import heard.store.repository as repository
        import heard.store.writing as writing

        self.shift = timedelta()
        real = access.now
        for module in (access, surveys, repository, writing, api_tokens, audit_log):
            monkeypatch.setattr(module, "now", lambda: real() + self.shift)

    def forward(self, **delta: float) -> None:
        self.shift += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def session_row(store: Store, session_id: int) -> SignInSessionRow:
    from sqlalchemy.orm import Session

    with Session(store.engine) as session:
        return session.scalars(
            select(SignInSessionRow).where(SignInSessionRow.id == session_id)
        ).one()


def test_a_session_keeps_only_the_secrets_hash_and_ends_on_sign_out(store: Store) -> None:
    user = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD)
    session_id, secret = signins.start_session(store, user.id, lifetimes=LIFETIMES)
    assert len(secret) >= 40
    row = session_row(store, session_id)
    assert row.secret_hash == access.secret_hash(secret) and secret not in row.secret_hash
    found, found_id = signins.session_user(store, secret, lifetimes=LIFETIMES)
    assert (found.email, found_id) == ("lee@x.test", session_id)
    assert signins.session_user(store, secret + "x", lifetimes=LIFETIMES) is None
    signins.end_session(store, session_id, by=user.id)
    assert signins.session_user(store, secret, lifetimes=LIFETIMES) is None
    actions = [
        (e.action, e.object_type) for e in audit_log.list_audit(store, _admin(store).viewer())
    ]
    assert ("sign_out", "session") in actions


def _admin(store: Store):
    try:
        return accounts.user_by_email(store, "root@x.test")
    except Exception:
        return accounts.create_user(store, "root@x.test", role=UserRole.ADMIN, password=PASSWORD)


def test_idle_and_absolute_lifetimes_and_last_use_written_once_a_minute(
    store: Store, clock: Clock
) -> None:
    user = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD)
    session_id, secret = signins.start_session(store, user.id, lifetimes=LIFETIMES)
    first = session_row(store, session_id)
    assert first.expires_at - first.created_at == timedelta(hours=1)
    clock.forward(seconds=30)
    assert signins.session_user(store, secret, lifetimes=LIFETIMES) is not None
    assert session_row(store, session_id).last_seen_at == first.last_seen_at, "no write"
    clock.forward(seconds=40)
    assert signins.session_user(store, secret, lifetimes=LIFETIMES) is not None
    moved = session_row(store, session_id)
    assert moved.last_seen_at > first.last_seen_at and moved.expires_at > first.expires_at
    for _ in range(8):  # used every 50 minutes: idle never ends it, the absolute limit does
        clock.forward(minutes=50)
        if signins.session_user(store, secret, lifetimes=LIFETIMES) is None:
            break
    assert timedelta(hours=5) < clock.shift < timedelta(hours=6)
    assert signins.session_user(store, secret, lifetimes=LIFETIMES) is None
    assert session_row(store, session_id).expires_at == first.created_at + timedelta(hours=5)
    other_id, other = signins.start_session(store, user.id, lifetimes=LIFETIMES)
    clock.forward(minutes=61)
    assert signins.session_user(store, other, lifetimes=LIFETIMES) is None, "idle for over an hour"
    assert signins.valid_session_ids(store, [session_id, other_id]) == set()


def test_valid_session_ids_in_one_batch(store: Store) -> None:
    lee = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD)
    kim = accounts.create_user(store, "kim@x.test", role=UserRole.LEAD, password=PASSWORD)
    lee_ids = [signins.start_session(store, lee.id, lifetimes=LIFETIMES)[0] for _ in range(3)]
    kim_id, _ = signins.start_session(store, kim.id, lifetimes=LIFETIMES)
    signins.end_session(store, lee_ids[0])
    assert signins.valid_session_ids(store, [*lee_ids, kim_id, 999_999]) == {*lee_ids[1:], kim_id}
    assert signins.valid_session_ids(store, []) == set()
    many = list(range(1, 1200)) + lee_ids
    assert signins.valid_session_ids(store, many) == {*lee_ids[1:], kim_id}
    _admin(store)
    accounts.set_active(store, kim.id, active=False)
    assert signins.valid_session_ids(store, [*lee_ids, kim_id]) == set(lee_ids[1:])
    accounts.set_active(store, kim.id, active=True)
    assert kim_id not in signins.valid_session_ids(store, [kim_id]), (
        "reactivating revives no session"
    )


def test_deactivating_a_user_revokes_their_sessions(store: Store) -> None:
    admin = _admin(store)
    lee = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD)
    _, secret = signins.start_session(store, lee.id, lifetimes=LIFETIMES)
    accounts.set_active(store, lee.id, active=False, by=admin.id)
    accounts.set_active(store, lee.id, active=True, by=admin.id)
    assert signins.session_user(store, secret, lifetimes=LIFETIMES) is None
    entry = next(e for e in audit_log.list_audit(store, admin.viewer()) if e.action == "deactivate")
    assert entry.detail == "1 sessions revoked"


def test_signing_in_again_deletes_the_users_ended_sessions(store: Store) -> None:
    lee = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD)
    old_id, _ = signins.start_session(store, lee.id, lifetimes=LIFETIMES)
    live_id, _ = signins.start_session(store, lee.id, lifetimes=LIFETIMES)
    signins.end_session(store, old_id)
    new_id, _ = signins.start_session(store, lee.id, lifetimes=LIFETIMES)
    with store.engine.connect() as connection:
        ids = connection.execute(text("SELECT id FROM sign_in_sessions ORDER BY id")).scalars()
        assert list(ids) == [live_id, new_id]


def test_tokens_expire(store: Store, clock: Clock) -> None:
    lee = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD)
    record, token = api_tokens.create_token(store, lee.id, scopes=[Scope.READ], days=2)
    assert record.expires_at - record.created_at == timedelta(days=2)
    default, default_token = api_tokens.create_token(store, lee.id)
    assert default.expires_at - default.created_at == timedelta(days=90)
    clock.forward(days=1)
    assert api_tokens.verify_token(store, token) is not None
    clock.forward(days=1, seconds=1)
    assert api_tokens.verify_token(store, token) is None, "expired: refused like a revoked token"
    assert api_tokens.verify_token(store, default_token) is not None
    with pytest.raises(Exception, match="1 to 3650 days"):
        api_tokens.create_token(store, lee.id, days=0)


def test_the_last_admin_able_to_act_cannot_be_removed(store: Store) -> None:
    root = accounts.create_user(store, "root@x.test", role=UserRole.ADMIN, password=PASSWORD)
    with pytest.raises(Conflict, match="no active admin would be left"):
        accounts.set_active(store, root.id, active=False, by=root.id)
    assert accounts.get_user(store, root.id).active
    bot = accounts.create_user(store, "bot@x.test", role=UserRole.ADMIN)  # no password
    with pytest.raises(Conflict):  # bot cannot act: no password, no token
        accounts.set_active(store, root.id, active=False, by=root.id)
    first, _ = api_tokens.create_token(store, bot.id, scopes=[Scope.READ, Scope.ADMIN])
    second, _ = api_tokens.create_token(store, bot.id, scopes=[Scope.READ, Scope.ADMIN])
    reader, _ = api_tokens.create_token(store, bot.id, scopes=[Scope.READ])
    accounts.set_active(store, root.id, active=False, by=bot.id)  # bot can act with its tokens
    api_tokens.revoke_token(store, first.id, by=bot.id)
    api_tokens.revoke_token(store, reader.id, by=bot.id)  # not an admin token: no check
    with pytest.raises(Conflict, match="no active admin would be left") as refused:
        api_tokens.revoke_token(store, second.id, by=bot.id)
    assert refused.value.field == "token_id"
    assert {t.id: t.revoked_at is None for t in api_tokens.list_tokens(store, bot.id)}[second.id]
    with pytest.raises(Conflict):
        accounts.set_active(store, bot.id, active=False, by=bot.id)
    accounts.set_active(store, root.id, active=True, by=bot.id)
    api_tokens.revoke_token(store, second.id, by=root.id)  # root signs in with a password
    accounts.set_active(store, bot.id, active=False, by=root.id)
    lee = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD)
    accounts.set_active(store, lee.id, active=False)  # not an admin: no check


def test_a_conversation_takes_one_survey_answer_replaced_within_the_window(
    store: Store, clock: Clock
) -> None:
    report = ingest(store, [conversation("c-1")])
    conv = report.items[0].id
    window = timedelta(minutes=30)
    first = surveys.submit_feedback(
        store, conv, csat=2, felt_heard=2, comment="meh", edit_window=window
    )
    assert first.edited_at is None
    clock.forward(minutes=29)
    second = surveys.submit_feedback(store, conv, csat=5, felt_heard=4, edit_window=window)
    assert (second.id, second.csat, second.comment) == (first.id, 5, None)
    assert second.edited_at is not None and second.submitted_at == first.submitted_at
    clock.forward(minutes=2)
    with pytest.raises(Conflict, match="can no longer be changed"):
        surveys.submit_feedback(store, conv, csat=1, felt_heard=1, edit_window=window)
    answers = surveys.list_feedback(store, _admin(store).viewer())
    assert [(a.csat, a.felt_heard) for a in answers] == [(5, 4)]
    assert surveys.survey_answer(store, conv).id == first.id
    actions = [e.action for e in audit_log.list_audit(store, _admin(store).viewer())]
    assert actions.count("edit") == 1 and actions.count("submit") == 1


def test_migration_0009_gives_old_tokens_90_days_and_keeps_old_answers(
    database_url: str,
) -> None:
    from alembic import command

    from heard.store import make_engine, migrate
    from heard.store.database import alembic_config

    migrate(database_url)
    engine = make_engine(database_url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, role, active, created_at) "
                    "VALUES (1, 'root@x.test', 'admin', true, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO api_tokens (user_id, token_hash, scopes, created_at) "
                    "VALUES (1, 'abc', 'read admin', CURRENT_TIMESTAMP)"
                )
            )
        migrate(database_url)
        store = Store(engine)
        (token,) = api_tokens.list_tokens(store)
        assert timedelta(days=89) < token.expires_at - token.created_at <= timedelta(days=91)
    finally:
        engine.dispose()


def test_first_answers_at_once_leave_one_answer(store: Store) -> None:
    import threading

    conv = ingest(store, [conversation("c-1")]).items[0].id
    barrier = threading.Barrier(4)
    results: list[object] = []

    def answer(n: int) -> None:
        barrier.wait()
        try:
            results.append(surveys.submit_feedback(store, conv, csat=n, felt_heard=n))
        except Exception as exc:  # the test reports whatever went wrong
            results.append(exc)

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(surveys.list_feedback(store, _admin(store).viewer())) == 1
    assert sum(1 for r in results if r.edited_at is None) == 1  # type: ignore[union-attr]
