"""Sign-in throttling: failures counted per account and per address with a doubling wait, and
a bound on the password checks running at once, so guessing is slow and anonymous load can
neither starve the server nor fill its memory (each argon2 check takes 64 MiB).

One `SignInThrottle` per app (`app.state.sign_in`), shared by `POST /sign-in` and
`POST /api/v1/session`. An attempt goes: `wait` (refused with 429 while the account or the
address must wait), a free password-check slot (refused with 503 when none frees up within
`hash_wait`), the check itself (its argon2 work on a low-priority thread), then `failed` or
`succeeded`. Nothing is ever locked for good: the wait is capped, and a correct password
after it works.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import math
import os
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from heard.store.signins import Hasher

if TYPE_CHECKING:
    from heard.settings import Settings

T = TypeVar("T")

FORGET_AFTER = 3600.0
"""Seconds without a failure after which an account's or address's failures are forgotten.
Much longer than the largest wait, so waiting it out does not buy a fresh set of free tries."""

CAPACITY = 100_000
"""Accounts (and, apart, addresses) remembered at most; past it the least recently failed is
forgotten. Only a checked password creates an entry, so filling this takes hours of checks."""

LOW_PRIORITY = 10
"""The nice value of the threads that run argon2 (`SignInThrottle.low_priority`; argon2's
own threads inherit it): under load, other requests get the CPU first."""


@dataclass(frozen=True)
class ThrottleLimits:
    """How many failures are free, how long the waits grow, how many checks run at once."""

    account_failures: int = 5
    """Failed attempts on one account before each further one must wait."""
    address_failures: int = 20
    """Failed attempts from one address (an IPv6 /64) before each further one must wait."""
    backoff: float = 1.0
    """The first wait (seconds); it doubles with each further failure."""
    backoff_max: float = 300.0
    """The longest wait (seconds)."""
    hashes: int = 1
    """Password checks running at once."""
    hash_wait: float = 1.0
    """Seconds an attempt waits for a free check before it is refused with 503."""

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottleLimits:
        return cls(
            account_failures=settings.sign_in_account_failures,
            address_failures=settings.sign_in_address_failures,
            backoff=settings.sign_in_backoff_seconds,
            backoff_max=settings.sign_in_backoff_max_seconds,
            hashes=settings.sign_in_hashes,
            hash_wait=settings.sign_in_hash_wait_seconds,
        )


class SignInRefused(Exception):
    """An attempt refused before its password was checked: 429 while the account or address
    must wait, 503 while every password check is busy; `retry_after` in whole seconds."""

    def __init__(self, status: int, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.message = message

    @property
    def code(self) -> str:
        return "throttled" if self.status == 429 else "busy"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass
class _Failures:
    count: int
    last: float
    """Clock time of the latest failure."""


class _Counter:
    """Failures per key, least recently failed first, at most `CAPACITY` keys."""

    def __init__(self, free: int) -> None:
        self.free = free
        self.entries: OrderedDict[bytes, _Failures] = OrderedDict()

    def get(self, key: bytes, now: float) -> _Failures | None:
        found = self.entries.get(key)
        if found is not None and now - found.last >= FORGET_AFTER:
            del self.entries[key]
            return None
        return found

    def fail(self, key: bytes, now: float) -> None:
        found = self.get(key, now)
        if found is None:
            self.entries[key] = _Failures(1, now)
        else:
            found.count += 1
            found.last = now
            self.entries.move_to_end(key)
        while len(self.entries) > CAPACITY:
            self.entries.popitem(last=False)


def account_key(email: str) -> bytes:
    """The key of an account: its normalised email, digested (the store normalises alike)."""
    return (
        b"a"
        + hashlib.blake2b(
            email.strip().lower().encode("utf-8", "surrogatepass"), digest_size=16
        ).digest()
    )


def address_key(address: str) -> bytes:
    """The key of an address: the IPv4 address, or the /64 network of an IPv6 one (one
    machine commonly holds a whole /64); anything else (a unix socket) as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return b"s" + address.encode("utf-8", "surrogatepass")[:200]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is None:
            return b"6" + ip.packed[:8]
        ip = ip.ipv4_mapped
    return b"4" + ip.packed


def _lower_priority() -> None:
    if sys.platform.startswith("linux"):  # per-thread nice values: Linux only
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOW_PRIORITY)


class _Waiter:
    """An attempt waiting for a password-check slot, on its event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.woken: asyncio.Future[None] = loop.create_future()
        self.given = False
        """A slot was handed to it (under the throttle's lock)."""

    def wake(self) -> None:
        if not self.woken.done():
            self.woken.set_result(None)


class SignInThrottle:
    """The throttle's state and its password-check threads; `clock` (seconds, monotonic) is
    injectable so tests move time without sleeping."""

    def __init__(
        self, limits: ThrottleLimits | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or ThrottleLimits()
        self.clock = clock
        self._lock = threading.Lock()
        self._accounts = _Counter(self.limits.account_failures)
        self._addresses = _Counter(self.limits.address_failures)
        self._free = self.limits.hashes
        """Password-check slots free now (under `_lock`)."""
        self._waiting: deque[_Waiter] = deque()
        """Attempts waiting for a slot, first come first served (under `_lock`)."""
        self._checks: ThreadPoolExecutor | None = None
        """The password-check threads, started on first use (again after `close`: an app's
        lifespan may run more than once, as tests do)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInThrottle:
        return cls(ThrottleLimits.from_settings(settings))

    def close(self) -> None:
        with self._lock:
            checks, self._checks = self._checks, None
        if checks is not None:
            checks.shutdown(wait=False, cancel_futures=True)

    def threads(self) -> ThreadPoolExecutor:
        """The low-priority threads that run argon2 (started when none run)."""
        with self._lock:
            if self._checks is None:
                self._checks = ThreadPoolExecutor(
                    max_workers=self.limits.hashes,
                    thread_name_prefix="heard-sign-in",
                    initializer=_lower_priority,
                )
            return self._checks

    def _wait_of(self, counter: _Counter, key: bytes, now: float) -> float:
        found = counter.get(key, now)
        if found is None or found.count < counter.free:
            return 0.0
        doublings = min(found.count - counter.free, 60)
        wait = min(self.limits.backoff * 2.0**doublings, self.limits.backoff_max)
        return max(0.0, found.last + wait - now)

    def wait(self, *, email: str, address: str) -> float:
        """Seconds before an attempt on `email` from `address` may be checked (0: now)."""
        now = self.clock()
        with self._lock:
            return max(
                self._wait_of(self._accounts, account_key(email), now),
                self._wait_of(self._addresses, address_key(address), now),
            )

    def check(self, *, email: str, address: str) -> None:
        """Raise `SignInRefused` (429) while the account or the address must wait."""
        wait = self.wait(email=email, address=address)
        if wait > 0:
            raise SignInRefused(
                429, math.ceil(wait), "too many failed sign-ins; wait before trying again"
            )

    def failed(self, *, email: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._accounts.fail(account_key(email), now)
            self._addresses.fail(address_key(address), now)

    def succeeded(self, *, email: str) -> None:
        """A correct password: the account's failures are forgotten (the address's are not,
        or one good account would reset an address's guessing on others)."""
        with self._lock:
            self._accounts.entries.pop(account_key(email), None)

    async def _slot(self) -> None:
        """Take a password-check slot: a free one, else the first one given back within
        `hash_wait` to this attempt (first come, first served), else `SignInRefused` (503).
        Waiting holds no thread."""
        with self._lock:
            if self._free > 0:
                self._free -= 1
                return
            waiter = _Waiter(asyncio.get_running_loop())
            self._waiting.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.woken), self.limits.hash_wait)
        except (TimeoutError, asyncio.CancelledError) as exc:
            with self._lock:
                given = waiter.given
                if not given:
                    self._waiting.remove(waiter)
            if given and isinstance(exc, TimeoutError):
                return  # given just as the wait ran out: it is ours
            if given:
                self._release()
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise SignInRefused(
                503, 1, "the server is busy checking other sign-ins; try again in a moment"
            ) from None

    def _release(self) -> None:
        """Give a slot back: to the first attempt still waiting, else to the free ones."""
        with self._lock:
            while self._waiting:
                waiter = self._waiting.popleft()
                try:
                    waiter.loop.call_soon_threadsafe(waiter.wake)
                except RuntimeError:  # its event loop has closed: the attempt is gone
                    continue
                waiter.given = True
                return
            self._free += 1

    def low_priority(self, hasher: Hasher) -> Hasher:
        """`hasher` with its argon2 work (hash, verify) on this throttle's low-priority
        threads; the caller's thread waits for it. Give it to `signins.verify_password`: the
        database work stays at normal priority (a low-priority thread holding SQLite's write
        lock would make everyone wait for it under load)."""
        return _LowPriorityHasher(hasher, self)

    async def attempt(
        self, verify: Callable[[], T | None], *, email: str, address: str
    ) -> T | None:
        """Run `verify` (the password check: a user, or None for a wrong password) on a
        worker thread when the account and the address need not wait and a check slot is
        free, and count its outcome (on that thread, so a caller that goes away still has it
        counted). Raises `SignInRefused` otherwise."""
        self.check(email=email, address=address)
        await self._slot()
        try:
            self.check(email=email, address=address)  # failures while this one waited

            def counted() -> T | None:
                user = verify()
                if user is None:
                    self.failed(email=email, address=address)
                else:
                    self.succeeded(email=email)
                return user

            return await run_in_threadpool(counted)
        finally:
            self._release()


class _LowPriorityHasher:
    def __init__(self, inner: Hasher, throttle: SignInThrottle) -> None:
        self.inner = inner
        self.throttle = throttle

    def hash(self, password: str) -> str:
        return self.throttle.threads().submit(self.inner.hash, password).result()

    def verify(self, hash: str, password: str) -> bool:
        return self.throttle.threads().submit(self.inner.verify, hash, password).result()

    def check_needs_rehash(self, hash: str) -> bool:
        return self.inner.check_needs_rehash(hash)


def client_address(connection: HTTPConnection) -> str:
    """The caller's address: the connection's peer, which `X-Forwarded-For` replaces only
    when the peer is one of the `trusted_proxies` (the app's proxy-headers middleware)."""
    return connection.client.host if connection.client else "unknown"
