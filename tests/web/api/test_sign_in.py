"""Sign-in throttling through the real app (SQLite and PostgreSQL): `POST /api/v1/session`
and the `/sign-in` page refuse with 429 and a growing Retry-After after a few failures, a
correct password after the wait works, failures are audited (an unknown email never as
typed), an unknown email costs one argon2 check as a known one does, and X-Forwarded-For
counts only from a trusted proxy."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from heard.store import Store, Viewer, accounts, audit_log, signins
from heard.web import create_app
from heard.web.throttle import SignInThrottle, ThrottleLimits
from teamdata import PASSWORD, build_world, open_store
from web.api.conftest import Api, make_settings

V1 = "/api/v1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(api: Api) -> Clock:
    """The app's throttle on a clock the test moves (the default limits)."""
    found = Clock()
    api.app.state.sign_in = SignInThrottle(ThrottleLimits(), clock=found)
    api.client.cookies.clear()
    return found


def session(client: TestClient, email: str, password: str, **headers: str):
    return client.post(
        f"{V1}/session", json={"email": email, "password": password}, headers=headers
    )


def page_sign_in(client: TestClient, email: str, password: str):
    found = CSRF.search(client.get("/sign-in").text)
    assert found is not None
    return client.post(
        "/sign-in",
        data={"csrf_token": found.group(1), "email": email, "password": password, "next": "/"},
        follow_redirects=False,
    )


def failed_entries(store: Store) -> list:
    admin = Viewer.system()
    return [
        e for e in audit_log.list_audit(store, admin, limit=1000) if e.action == "sign_in_failed"
    ]


def test_the_api_waits_after_five_failures_and_the_wait_doubles(api: Api, clock: Clock) -> None:
    statuses = [session(api.client, "bea@x.test", "wrong").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    refused = session(api.client, "bea@x.test", PASSWORD)  # even the right one, for now
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"]["code"] == "throttled"
    clock.now += 1
    assert session(api.client, "bea@x.test", "wrong").status_code == 401
    assert session(api.client, "bea@x.test", PASSWORD).headers["Retry-After"] == "2"
    clock.now += 2
    signed = session(api.client, "bea@x.test", PASSWORD)  # the wait is over: never locked out
    assert signed.status_code == 200 and signed.json()["email"] == "bea@x.test"
    assert session(api.client, "bea@x.test", "wrong").status_code == 401  # failures forgotten
    assert len(failed_entries(api.store)) == 7  # refused attempts cost nothing, not even a row


def test_the_page_says_when_to_try_again(api: Api, clock: Clock) -> None:
    for _ in range(5):
        assert page_sign_in(api.client, "bea@x.test", "wrong").status_code == 401
    page = page_sign_in(api.client, "bea@x.test", PASSWORD)
    assert page.status_code == 429 and page.headers["Retry-After"] == "1"
    assert "Too many failed sign-ins. Try again in 1 second." in page.text
    assert 'value="bea@x.test"' in page.text
    clock.now += 1
    page_sign_in(api.client, "bea@x.test", "wrong")
    assert "Try again in 2 seconds." in page_sign_in(api.client, "bea@x.test", "x").text
    clock.now += 2
    clock.now += 1
    assert page_sign_in(api.client, "bea@x.test", PASSWORD).status_code == 303


def test_one_address_trying_many_accounts_is_slowed_too(api: Api, clock: Clock) -> None:
    statuses = [session(api.client, f"nobody{n}@x.test", "wrong").status_code for n in range(21)]
    assert statuses == [401] * 20 + [429]
    assert session(api.client, "rex@x.test", PASSWORD).status_code == 429  # from this address


def test_failures_are_audited_and_unknown_emails_are_not_kept(api: Api, clock: Clock) -> None:
    session(api.client, "bea@x.test", "wrong")
    session(api.client, "Carol.Unknown@Example.com", "guess")
    accounts.set_active(api.store, api.world.users["abe"], active=False)
    session(api.client, "abe@x.test", PASSWORD)
    known, unknown, inactive = reversed(failed_entries(api.store))
    assert (known.object_type, known.object_id) == ("user", str(api.world.users["bea"]))
    assert known.detail == "wrong password from testclient" and known.user_id is None
    assert unknown.object_type == "email" and unknown.object_id.startswith("sha256:")
    assert unknown.detail == "unknown email c…@example.com from testclient"
    assert inactive.object_id == str(api.world.users["abe"])
    assert inactive.detail == "inactive or without password from testclient"
    everything = " ".join(
        str(e.model_dump()) for e in audit_log.list_audit(api.store, Viewer.system())
    )
    assert "carol" not in everything.lower()


class CountingHasher:
    """The tests' cheap hasher, counting its argon2 checks and hashes."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def hash(self, password: str) -> str:
        self.calls.append("hash")
        return self.inner.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        self.calls.append("verify")
        return self.inner.verify(stored, password)

    def check_needs_rehash(self, stored: str) -> bool:
        return self.inner.check_needs_rehash(stored)


def test_an_unknown_email_costs_one_check_like_a_known_one(api: Api) -> None:
    counting = CountingHasher(api.store.hasher)
    api.store.hasher = counting  # type: ignore[assignment]
    signins.verify_password(api.store, "nobody@x.test", "guess")  # the decoy hash is made once
    counting.calls.clear()
    for email in ("bea@x.test", "nobody@x.test", "other@x.test"):
        signins.verify_password(api.store, email, "guess")
        assert counting.calls == ["verify"], email
        counting.calls.clear()


def test_forwarded_for_counts_only_from_a_trusted_proxy(database_url: str) -> None:
    store = open_store(database_url)
    build_world(store)
    try:
        plain = create_app(make_settings(), store=store)
        proxied = create_app(make_settings(trusted_proxies=["127.0.0.1"]), store=store)
        with TestClient(plain) as client:
            for n in range(21):
                forged = {"X-Forwarded-For": f"203.0.113.{n}"}
                session(client, f"x{n}@x.test", "wrong", **forged)
            assert session(client, "bea@x.test", PASSWORD).status_code == 429  # one address
        with TestClient(proxied, client=("127.0.0.1", 5000)) as client:
            for n in range(21):
                forwarded = {"X-Forwarded-For": f"203.0.113.{n}"}
                assert session(client, f"x{n}@x.test", "wrong", **forwarded).status_code == 401
            many = {"X-Forwarded-For": "198.51.100.7"}
            assert session(client, "bea@x.test", PASSWORD, **many).status_code == 200
        entries = failed_entries(store)
        assert entries[0].detail.endswith("from 203.0.113.20")
        assert entries[-1].detail.endswith("from testclient")
    finally:
        store.close()


def test_the_trusted_proxies_setting_takes_addresses_and_networks() -> None:
    settings = make_settings(trusted_proxies=["10.0.0.1", " 10.1.2.3/8", "::1"])
    assert settings.trusted_proxies == ["10.0.0.1", "10.0.0.0/8", "::1"]
    with pytest.raises(ValueError, match="IP addresses or networks"):
        make_settings(trusted_proxies=["proxy.example"])
