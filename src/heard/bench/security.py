"""`heard bench security`: sign-in under attack against a real `heard serve` (a subprocess on
a loopback port, a fresh SQLite store, argon2 at its real cost).

Two attacks, each while a signed-in user's API requests (a token GET of `/api/v1/me`) are
timed: wrong passwords on one account from one address (`attempts` spread evenly over
`seconds`), then a crowd: `crowd` attackers at once, each from its own loopback address
(127.0.1.x, bound with httpx's `local_address`: Linux answers on all of 127/8), each trying
unknown emails again as soon as it is answered (at most every `CROWD_PACE` seconds). The
server's memory (its RSS and its children's, from /proc) is sampled throughout; the user's
requests are timed before the attacks too.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heard.bench.live import BENCH_USER, cpu_pressure_seconds, memory_mb, percentile, served
from heard.bench.machine import machine

PASSWORD = "the right horse battery staple"
"""The bench admin's password (the attacks never send it)."""

CROWD_PACE = 0.5
"""Seconds at least between two attempts of one crowd attacker: the crowd measures sign-in
work, not how many plain HTTP requests a second the machine can answer."""

PROBE_EVERY = 0.05
"""Seconds between the signed-in user's timed requests."""

SAMPLE_EVERY = 0.02
"""Seconds between two readings of the server's memory."""

Progress = Callable[[str], None]


def family(pid: int) -> list[int]:
    """`pid` and its children (the analysis workers and multiprocessing's resource tracker)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def rss_mb(pids: list[int]) -> float:
    """The resident memory of `pids` together, in MB (ended ones count nothing)."""
    total = 0.0
    for pid in pids:
        with suppress(OSError):
            total += memory_mb(pid)[0]
    return total


class MemoryWatch:
    """Samples the memory of a process and its children in a thread; `peak` since `reset`."""

    def __init__(self, pid: int) -> None:
        self.pids = family(pid)
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-watch", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.peak = max(self.peak, rss_mb(self.pids))

    def reset(self) -> None:
        self.peak = rss_mb(self.pids)

    def now(self) -> float:
        return rss_mb(self.pids)

    @contextmanager
    def running(self) -> Iterator[MemoryWatch]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()


def latency(values: list[float]) -> dict[str, Any]:
    """Count, p50, p95 and max of `values` (ms), rounded to 0.1."""

    def q(share: float) -> float | None:
        found = percentile(values, share)
        return None if found is None else round(found, 1)

    return {
        "n": len(values),
        "p50": q(0.5),
        "p95": q(0.95),
        "max": round(max(values), 1) if values else None,
    }


@dataclass
class Phase:
    """One attack: what its attempts were answered, the user's latency, the peak memory."""

    attempts: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    throttled_after: int | None = None
    """Attempts answered 401 (password checked) sent before the first one answered 429."""
    longest_retry_after: int = 0
    user_ms: list[float] = field(default_factory=list)
    user_errors: int = 0
    peak_rss_mb: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "password_checks": self.statuses.get(401, 0),
            "throttled_after": self.throttled_after,
            "longest_retry_after_s": self.longest_retry_after,
            "user_ms": latency(self.user_ms),
            "user_errors": self.user_errors,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }


async def _probe(base: str, token: str, phase: Phase, stop: asyncio.Event) -> None:
    """The signed-in user: `GET /api/v1/me` with a token every `PROBE_EVERY` s until `stop`."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                answer = await client.get("/api/v1/me")
                if answer.status_code != 200:
                    phase.user_errors += 1
            except httpx.HTTPError:
                phase.user_errors += 1
            phase.user_ms.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(max(0.0, PROBE_EVERY - (time.perf_counter() - started)))


def _client(base: str, address: str) -> Any:
    """A client whose connections come from `address` (plain HTTP: no TLS context to build,
    which took ~50 ms of the client's event loop per client and stalled the timed user)."""
    import httpx

    transport = httpx.AsyncHTTPTransport(local_address=address, verify=False)
    return httpx.AsyncClient(base_url=base, transport=transport, timeout=60, verify=False)


def _count(phase: Phase, status: int, retry_after: str | None) -> None:
    phase.statuses[status] += 1
    if retry_after and retry_after.isdigit():
        phase.longest_retry_after = max(phase.longest_retry_after, int(retry_after))


async def _one_address(
    base: str, token: str, *, attempts: int, seconds: float, watch: MemoryWatch
) -> Phase:
    """`attempts` wrong passwords on the bench admin from 127.0.0.2, spread over `seconds`,
    each sent on time whether or not the earlier ones were answered."""
    phase = Phase(attempts=attempts)
    answers: list[int] = [0] * attempts
    """Statuses in the order the attempts were sent (a later attempt's quick 429 can come
    back before an earlier one's 401: the order checks ran in is the order sent, first
    come, first served)."""
    stop = asyncio.Event()
    watch.reset()
    async with _client(base, "127.0.0.2") as client:

        async def attempt(number: int) -> None:
            await asyncio.sleep(number * seconds / attempts)
            body = {"email": BENCH_USER, "password": f"wrong {number}"}
            answer = await client.post("/api/v1/session", json=body)
            answers[number] = answer.status_code
            _count(phase, answer.status_code, answer.headers.get("retry-after"))

        probe = asyncio.create_task(_probe(base, token, phase, stop))
        await asyncio.gather(*(attempt(n) for n in range(attempts)))
        stop.set()
        await probe
    phase.peak_rss_mb = watch.peak
    if 429 in answers:
        phase.throttled_after = answers[: answers.index(429)].count(401)
    return phase


async def _crowd(base: str, token: str, *, crowd: int, seconds: float, watch: MemoryWatch) -> Phase:
    """`crowd` attackers at once, each from its own address, trying unknown emails for
    `seconds`."""
    phase = Phase()
    stop = asyncio.Event()
    clients = [
        _client(base, f"127.0.{1 + number // 250}.{1 + number % 250}") for number in range(crowd)
    ]

    async def attacker(client: Any, deadline: float) -> None:
        async with client:
            while time.monotonic() < deadline:
                started = time.monotonic()
                body = {"email": f"guess-{secrets.token_hex(4)}@example.com", "password": "x"}
                answer = await client.post("/api/v1/session", json=body)
                phase.attempts += 1
                _count(phase, answer.status_code, answer.headers.get("retry-after"))
                await asyncio.sleep(max(0.0, CROWD_PACE - (time.monotonic() - started)))

    watch.reset()
    deadline = time.monotonic() + seconds
    probe = asyncio.create_task(_probe(base, token, phase, stop))
    await asyncio.gather(*(attacker(client, deadline) for client in clients))
    stop.set()
    await probe
    phase.peak_rss_mb = watch.peak
    return phase


async def _quiet(base: str, token: str, seconds: float) -> Phase:
    phase = Phase()
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(base, token, phase, stop))
    await asyncio.sleep(seconds)
    stop.set()
    await probe
    return phase


def _settings() -> dict[str, Any]:
    from argon2 import PasswordHasher

    from heard.settings import Settings

    hasher = PasswordHasher()
    settings = Settings(database_url="sqlite://", secret_key="unused")
    return {
        "argon2": {
            "time_cost": hasher.time_cost,
            "memory_kib": hasher.memory_cost,
            "parallelism": hasher.parallelism,
        },
        "sign_in": {
            name: getattr(settings, name)
            for name in type(settings).model_fields
            if name.startswith("sign_in_")
        },
    }


async def _warm(base: str) -> None:
    """One good sign-in (its argon2 check loads everything it needs) from an address the
    attacks never use."""
    async with _client(base, "127.0.0.250") as client:
        answer = await client.post(
            "/api/v1/session", json={"email": BENCH_USER, "password": PASSWORD}
        )
        answer.raise_for_status()


def bench_security(
    *,
    attempts: int = 200,
    seconds: float = 10.0,
    crowd: int = 40,
    crowd_seconds: float = 10.0,
    quiet_seconds: float = 5.0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run both attacks on a fresh `heard serve`; the figures as a dict (see module doc)."""
    say = progress or (lambda _: None)
    with tempfile.TemporaryDirectory(prefix="heard-bench-security-") as scratch:
        env = {"XDG_DATA_HOME": str(Path(scratch) / "data")}
        say("starting heard serve (real argon2 cost)")
        with served(Path(scratch), env=env, password=PASSWORD) as (base, token, process):
            asyncio.run(_warm(base))
            time.sleep(1.0)
            watch = MemoryWatch(process.pid)
            readings = []
            for _ in range(5):
                readings.append(watch.now())
                time.sleep(0.1)
            idle = min(readings)
            pressure, wall = cpu_pressure_seconds(), time.monotonic()
            with watch.running():
                say(f"timing the signed-in user for {quiet_seconds:g} s (no attack)")
                before = asyncio.run(_quiet(base, token, quiet_seconds))
                say(f"{attempts} wrong sign-ins in {seconds:g} s from one address")
                single = asyncio.run(
                    _one_address(base, token, attempts=attempts, seconds=seconds, watch=watch)
                )
                say(f"{crowd} attackers from {crowd} addresses for {crowd_seconds:g} s")
                crowded = asyncio.run(
                    _crowd(base, token, crowd=crowd, seconds=crowd_seconds, watch=watch)
                )
            processes = len(watch.pids)
            waited = cpu_pressure_seconds()
            busy = None
            if pressure is not None and waited is not None:
                busy = round(100 * (waited - pressure) / (time.monotonic() - wall), 1)
    peak = max(single.peak_rss_mb, crowded.peak_rss_mb)
    return {
        "machine": machine(),
        "settings": {
            **_settings(),
            "attempts": attempts,
            "seconds": seconds,
            "crowd": crowd,
            "crowd_seconds": crowd_seconds,
            "crowd_pace_s": CROWD_PACE,
            "probe_every_s": PROBE_EVERY,
            "processes": processes,
            "cpu_count": os.cpu_count(),
        },
        "cpu_pressure_percent": busy,
        "idle_rss_mb": round(idle, 1),
        "peak_rss_mb": round(peak, 1),
        "peak_over_idle_mb": round(peak - idle, 1),
        "before": before.to_dict(),
        "one_address": single.to_dict(),
        "crowd": crowded.to_dict(),
    }
