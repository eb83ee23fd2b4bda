"""The sign-in throttle on its own, on a clock the tests move: free failures, the doubling
wait and its cap, forgetting, what a success clears, addresses and IPv6 networks, and the
bound on password checks running at once."""

from __future__ import annotations

import asyncio
import threading

import pytest

from heard.web import throttle as throttling
from heard.web.throttle import (
    SignInRefused,
    SignInThrottle,
    ThrottleLimits,
    account_key,
    address_key,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock, **limits: float) -> SignInThrottle:
    base = {"account_failures": 3, "address_failures": 10, "backoff": 1.0, "backoff_max": 60.0}
    return SignInThrottle(ThrottleLimits(**{**base, **limits}), clock=clock)  # type: ignore[arg-type]


def fail(throttle: SignInThrottle, times: int, email: str = "a@x.test", address: str = "10.0.0.1"):
    for _ in range(times):
        throttle.failed(email=email, address=address)


def test_the_wait_starts_after_the_free_failures_and_doubles_up_to_the_cap() -> None:
    clock = Clock()
    throttle = make(clock)
    fail(throttle, 2)
    assert throttle.wait(email="a@x.test", address="10.0.0.1") == 0
    waits = []
    for _ in range(9):
        fail(throttle, 1)
        waits.append(throttle.wait(email="a@x.test", address="10.0.0.1"))
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    with pytest.raises(SignInRefused) as refused:
        throttle.check(email="a@x.test", address="10.0.0.1")
    assert (refused.value.status, refused.value.retry_after) == (429, 60)
    assert refused.value.headers == {"Retry-After": "60"}
    clock.now += 59.5
    assert throttle.wait(email="A@X.test ", address="10.0.0.2") == 0.5  # the same account
    clock.now += 0.5
    throttle.check(email="a@x.test", address="10.0.0.1")  # the wait is over: never a lock


def test_a_success_clears_the_account_but_not_the_address() -> None:
    clock = Clock()
    throttle = make(clock, address_failures=4)
    fail(throttle, 3, email="a@x.test")
    assert throttle.wait(email="a@x.test", address="10.0.0.9") == 1
    throttle.succeeded(email="a@x.test")
    assert throttle.wait(email="a@x.test", address="10.0.0.9") == 0
    fail(throttle, 1, email="b@x.test")  # the address's fourth failure
    assert throttle.wait(email="c@x.test", address="10.0.0.1") == 1  # any account from there
    assert throttle.wait(email="c@x.test", address="10.0.0.2") == 0


def test_failures_are_forgotten_an_hour_after_the_last() -> None:
    clock = Clock()
    throttle = make(clock)
    fail(throttle, 5)
    clock.now += throttling.FORGET_AFTER - 1
    assert throttle.wait(email="a@x.test", address="10.0.0.1") == 0  # waited, not forgotten
    fail(throttle, 1)
    assert throttle.wait(email="a@x.test", address="10.0.0.1") == 8
    clock.now += throttling.FORGET_AFTER
    fail(throttle, 1)
    assert throttle.wait(email="a@x.test", address="10.0.0.1") == 0  # one failure, free


def test_ipv6_addresses_count_by_their_64_network() -> None:
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:10.0.0.1") == address_key("10.0.0.1")
    assert address_key("10.0.0.1") != address_key("10.0.0.2")
    assert address_key("testclient") == address_key("testclient")
    assert account_key(" Bea@X.test") == account_key("bea@x.test")


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttling, "CAPACITY", 50)
    throttle = make(Clock())
    for n in range(200):
        throttle.failed(email=f"{n}@x.test", address=f"10.0.{n // 250}.{n % 250}")
    assert len(throttle._accounts.entries) == 50 and len(throttle._addresses.entries) == 50


def test_an_attempt_counts_its_outcome() -> None:
    clock = Clock()
    throttle = make(clock)

    async def run(result: object) -> object:
        return await throttle.attempt(lambda: result, email="a@x.test", address="10.0.0.1")

    for _ in range(3):
        assert asyncio.run(run(None)) is None
    with pytest.raises(SignInRefused):
        asyncio.run(run("user"))
    clock.now += 1
    assert asyncio.run(run("user")) == "user"  # the right password after the wait
    assert throttle.wait(email="a@x.test", address="10.0.0.1") == 0
    throttle.close()


def test_checks_beyond_the_slots_wait_briefly_then_get_503() -> None:
    throttle = make(Clock(), hashes=1, hash_wait=0.2)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "user"

    async def race() -> tuple[object, object]:
        first = asyncio.create_task(throttle.attempt(slow, email="a@x.test", address="10.0.0.1"))
        await asyncio.to_thread(started.wait, 5)
        second = throttle.attempt(lambda: "other", email="b@x.test", address="10.0.0.2")
        refused = await asyncio.gather(second, return_exceptions=True)
        release.set()
        return await first, refused[0]

    user, refused = asyncio.run(race())
    assert user == "user"
    assert isinstance(refused, SignInRefused)
    assert (refused.status, refused.code, refused.retry_after) == (503, "busy", 1)
    later = asyncio.run(throttle.attempt(lambda: "again", email="b@x.test", address="10.0.0.2"))
    assert later == "again"  # the slot was given back
    throttle.close()


def test_argon2_work_runs_at_low_priority() -> None:
    import os
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread priorities are Linux's")
    throttle = make(Clock())

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    class Probe:
        def hash(self, password: str) -> str:
            return str(niceness())

        def verify(self, hash: str, password: str) -> bool:
            raise ValueError(niceness())

        def check_needs_rehash(self, hash: str) -> bool:
            return False

    ours = niceness()
    hasher = throttle.low_priority(Probe())
    assert int(hasher.hash("x")) == max(ours, min(19, throttling.LOW_PRIORITY))
    with pytest.raises(ValueError):  # errors come back to the caller's thread
        hasher.verify("h", "x")
    assert niceness() == ours
    throttle.close()


def test_a_freed_check_goes_to_the_attempt_that_waited_longest() -> None:
    throttle = make(Clock(), hashes=1, hash_wait=5)
    order: list[str] = []
    gate = threading.Event()

    def check(name: str) -> str:
        if name == "first":
            gate.wait(5)
        order.append(name)
        return name

    async def race() -> list[object]:
        def attempt(name: str, address: str):
            return throttle.attempt(lambda: check(name), email=f"{name}@x", address=address)

        first = asyncio.create_task(attempt("first", "10.0.0.1"))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(attempt("second", "10.0.0.2"))
        await asyncio.sleep(0.05)
        gone = asyncio.create_task(attempt("gone", "10.0.0.3"))
        await asyncio.sleep(0.05)
        third = asyncio.create_task(attempt("third", "10.0.0.4"))
        await asyncio.sleep(0.05)
        gone.cancel()  # a caller that went away gives up its place
        gate.set()
        return await asyncio.gather(first, second, third)

    assert asyncio.run(race()) == ["first", "second", "third"]
    assert order == ["first", "second", "third"]
    assert throttle._free == 1 and not throttle._waiting
    throttle.close()
