"""`heard bench live`: N concurrent live sessions replaying STAR conversations through the
feed WebSocket of a real `heard serve` (a subprocess on a loopback port with a fresh SQLite
store), measuring event → ack / state / nudge latency on the client's clock, events/s, and
the server's CPU and memory (read from /proc).
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heard.bench.analyzing import load
from heard.bench.machine import machine
from heard.live.metrics import lag_probe
from heard.model import Conversation

DEFAULT_SPEED = 6.0
"""STAR chats last 386 s at the median (timestamps of their turns): × 6 is about a minute."""
DEFAULT_DURATION = 180.0

Progress = Callable[[str], None]


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` 0–1) of `values`, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered) - 1e-9)))
    return ordered[rank - 1]


def _summary(values: list[float]) -> dict[str, float | int | None]:
    def q(share: float) -> float | None:
        found = percentile(values, share)
        return None if found is None else round(found, 1)

    return {
        "n": len(values),
        "p50": q(0.50),
        "p95": q(0.95),
        "p99": q(0.99),
        "max": round(max(values), 1) if values else None,
    }


@dataclass(kw_only=True)
class ServerLoad:
    """What both live benchmarks measure of the server and the client under load."""

    wall_s: float = 0.0
    errors: int = 0
    reconnects: int = 0
    server_cpu_percent: float = 0.0
    server_rss_mb: float = 0.0
    server_peak_rss_mb: float = 0.0
    cpu_pressure_percent: float | None = None
    """Share of the run in which some task on the machine waited for a CPU: how busy the
    machine was besides the benchmark (Linux PSI)."""
    client_lag_ms: list[float] = field(default_factory=list)
    """How late the benchmark's own event loop woke (every 50 ms): the client's share of the
    latencies."""
    server_metrics: dict[str, Any] = field(default_factory=dict)
    """Inside the server, from `GET /api/v1/live-metrics`: event-loop lag and milliseconds
    per phase of each event."""


def server_load(found: ServerLoad, *, startup_s: float | None = None) -> dict[str, object]:
    """`found`'s figures of the server under load, rounded for the report (with the server's
    start-up time when given)."""
    return {
        "errors": found.errors,
        "reconnects": found.reconnects,
        "server_cpu_percent": round(found.server_cpu_percent, 1),
        "server_rss_mb": round(found.server_rss_mb, 1),
        "server_peak_rss_mb": round(found.server_peak_rss_mb, 1),
        **({} if startup_s is None else {"server_startup_s": round(startup_s, 1)}),
        "cpu_pressure_percent": None
        if found.cpu_pressure_percent is None
        else round(found.cpu_pressure_percent, 1),
        "client_lag_ms": _summary(found.client_lag_ms),
        "server_metrics": found.server_metrics,
    }


@dataclass
class LiveBenchResult(ServerLoad):
    sessions: int
    speed: float
    duration_s: float
    conversations_file: str
    conversations_used: int
    stagger_s: float = 0.0
    """Sessions start at random moments over this window: one median conversation at this
    speed, as a contact centre's conversations start at any moment, not all at once."""
    conversations_ended: int = 0
    events: int = 0
    ack_ms: list[float] = field(default_factory=list)
    state_ms: list[float] = field(default_factory=list)
    nudge_ms: list[float] = field(default_factory=list)
    steady: dict[str, list[float]] = field(
        default_factory=lambda: {"ack": [], "state": [], "nudge": []}
    )
    """The latencies of events sent while every session had started (after the stagger) and
    before the deadline: the load the benchmark is named for, without the ramp-up."""
    steady_s: float = 0.0
    """How long that window lasted."""
    nudges: int = 0
    startup_s: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "sessions": self.sessions,
            "speed": self.speed,
            "duration_s": self.duration_s,
            "stagger_s": round(self.stagger_s, 1),
            "conversations_file": self.conversations_file,
            "conversations_used": self.conversations_used,
            "conversations_ended": self.conversations_ended,
            "events": self.events,
            "wall_s": round(self.wall_s, 1),
            "events_per_s": round(self.events / self.wall_s, 1) if self.wall_s else 0.0,
            "ack_ms": _summary(self.ack_ms),
            "state_ms": _summary(self.state_ms),
            "nudge_ms": _summary(self.nudge_ms),
            "steady_s": round(self.steady_s, 1),
            "steady_ack_ms": _summary(self.steady["ack"]),
            "steady_state_ms": _summary(self.steady["state"]),
            "steady_nudge_ms": _summary(self.steady["nudge"]),
            "nudges": self.nudges,
            **server_load(self, startup_s=self.startup_s),
            "machine": machine(),
        }


# ------------------------------------------------------------------ the server process


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_pressure_seconds() -> float | None:
    """Seconds so far in which some task waited for a CPU (Linux PSI), None without PSI."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    total = dict(part.split("=") for part in first.split()[1:]).get("total")
    return int(total) / 1e6 if total is not None else None


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process in MB (from /proc/<pid>/status)."""
    found = {"VmRSS": 0.0, "VmHWM": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in found:
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


BENCH_USER = "bench@heard.invalid"
"""The admin `served` creates (with the token it yields)."""


@contextmanager
def served(
    scratch: Path,
    *,
    database_url: str | None = None,
    env: Mapping[str, str] | None = None,
    password: str | None = None,
    admin_scope: bool = False,
) -> Iterator[tuple[str, str, subprocess.Popen[bytes]]]:
    """`heard serve` on a fresh store (default: SQLite in `scratch`), logging to
    `scratch/serve.log`: (base URL, token of the admin `BENCH_USER`, process). `env` adds to
    or overrides the server's environment (one ingest worker, a fresh secret key); the admin
    signs in with `password` when given; `admin_scope` adds the admin scope to the token."""
    from heard.store import Scope, Store, UserRole, accounts, api_tokens

    url = database_url or f"sqlite:///{scratch / 'live.db'}"
    store = Store.open(url)
    try:
        user = accounts.create_user(
            store, BENCH_USER, role=UserRole.ADMIN, name="bench", password=password
        )
        scopes = [Scope.READ, Scope.WRITE] + ([Scope.ADMIN] if admin_scope else [])
        _, token = api_tokens.create_token(store, user.id, scopes=scopes, name="bench")
    finally:
        store.close()
    port = free_port()
    env = {
        **os.environ,
        "HEARD_SECRET_KEY": secrets.token_hex(16),
        "HEARD_INGEST_WORKERS": "1",
        **(env or {}),
    }
    log = (scratch / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "heard", "serve"),
            *("--host", "127.0.0.1", "--port", str(port), "--database", url),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, scratch / "serve.log")
        yield base, token, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"heard serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("heard serve did not answer within 120 s")


def _server_metrics(base: str, token: str, *, reset: bool = False) -> dict[str, Any]:
    """The server's own figures (event-loop lag, time per phase); with `reset`, forget them."""
    import httpx

    url = f"{base}/api/v1/live-metrics"
    headers = {"Authorization": f"Bearer {token}"}
    if reset:
        httpx.delete(url, headers=headers, timeout=30).raise_for_status()
        return {}
    answer = httpx.get(url, headers=headers, timeout=30)
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found


# ------------------------------------------------------------------ the sessions


async def _session(
    number: int,
    base: str,
    token: str,
    conversations: list[Conversation],
    *,
    speed: float,
    deadline: float,
    steady: tuple[float, float],
    result: LiveBenchResult,
    rng: random.Random,
) -> None:
    """Replay conversations one after another until the deadline: the one in progress is cut
    off there without an end event, and the session stops (it does not start another one that
    could send only its first events: near the deadline that made a storm of short
    connections). `steady` is the window, on the `time.perf_counter` clock, whose events
    count in `result.steady`."""
    from heard.live.client import stream
    from heard.live.replay import events

    await asyncio.sleep(rng.uniform(0, result.stagger_s))
    turn = 0
    cut = False
    while not cut and time.monotonic() < deadline:
        conversation = conversations[(number + turn * 7919) % len(conversations)]
        turn += 1

        def paced(conversation: Conversation = conversation) -> Iterator[tuple[float, Any]]:
            nonlocal cut
            for wait, event in events(conversation, speed=speed):
                if time.monotonic() + wait > deadline:
                    cut = True
                    return
                yield wait, event

        done = await stream(base, token, f"bench-{number}-{turn}", paced())
        result.events += sum(1 for f in done.frames if f["type"] == "ack")
        result.ack_ms += done.ack_ms
        result.state_ms += done.state_ms
        result.nudge_ms += done.nudge_ms
        for kind, latencies in (
            ("ack", done.ack_ms),
            ("state", done.state_ms),
            ("nudge", done.nudge_ms),
        ):
            result.steady[kind] += [
                ms
                for ms, sent in zip(latencies, done.sent_at[kind], strict=True)
                if steady[0] <= sent < steady[1]
            ]
        result.nudges += len(done.nudges)
        result.errors += len(done.errors)
        result.reconnects += done.reconnects
        result.conversations_ended += 1 if done.stored_id is not None else 0


async def _warm(base: str, token: str, conversation: Conversation) -> None:
    """One conversation at full speed first: loads the analyzer in the server."""
    from heard.live.client import stream
    from heard.live.replay import events

    await stream(base, token, "bench-warm-up", events(conversation, speed=0), timeout=300)


def stagger(conversations: list[Conversation], *, speed: float, duration: float) -> float:
    """The window over which sessions start: the median conversation's length at `speed`
    (at most half the run; none at speed 0)."""
    from heard.live.replay import timeline

    if speed <= 0 or not conversations:
        return 0.0
    lengths = sorted(t[-1][0] if (t := timeline(c)) else 0.0 for c in conversations[:200])
    return min(lengths[len(lengths) // 2] / speed, duration / 2)


def bench_live(
    *,
    sessions: int,
    speed: float = DEFAULT_SPEED,
    duration: float = DEFAULT_DURATION,
    conversations: Path,
    progress: Progress | None = None,
    seed: int = 7,
) -> LiveBenchResult:
    """Run the benchmark (see the module docstring)."""
    say = progress or (lambda _: None)
    say(f"reading conversations from {conversations}")
    _, found = load(conversations, n=max(200, min(sessions * 2, 2000)))
    timed = [c for c in found if c.turns and all(t.sent_at is not None for t in c.turns)]
    chosen = timed or found
    result = LiveBenchResult(
        sessions=sessions,
        speed=speed,
        duration_s=duration,
        conversations_file=conversations.name,
        conversations_used=len(chosen),
        stagger_s=stagger(chosen, speed=speed, duration=duration),
    )
    with tempfile.TemporaryDirectory(prefix="heard-bench-live-") as scratch:
        started = time.monotonic()
        say("starting heard serve")
        with served(Path(scratch)) as (base, token, process):
            asyncio.run(_warm(base, token, chosen[0]))
            _server_metrics(base, token, reset=True)
            result.startup_s = time.monotonic() - started
            say(f"{sessions} sessions for {duration:g} s at speed {speed:g}")
            rng = random.Random(seed)

            def start() -> list[Coroutine[Any, Any, None]]:
                deadline = time.monotonic() + duration
                now = time.perf_counter()
                steady = (now + result.stagger_s, now + duration)
                result.steady_s = max(0.0, duration - result.stagger_s)
                return [
                    _session(
                        i,
                        base,
                        token,
                        chosen,
                        speed=speed,
                        deadline=deadline,
                        steady=steady,
                        result=result,
                        rng=rng,
                    )
                    for i in range(sessions)
                ]

            load_server(base, token, process, start, result)
    return result


def load_server(
    base: str,
    token: str,
    process: subprocess.Popen[bytes],
    start: Callable[[], list[Coroutine[Any, Any, None]]],
    result: ServerLoad,
) -> None:
    """Run the sessions `start` makes (called on the event loop, when the clock starts) until
    all are done, measuring into `result` the wall time, the server's CPU share, memory and
    own figures, the client's event-loop lag and how busy the machine was."""
    cpu_before = cpu_seconds(process.pid)
    pressure_before = cpu_pressure_seconds()
    peak = 0.0

    async def run() -> None:
        nonlocal peak
        tasks = [asyncio.create_task(session) for session in start()]
        probe = asyncio.create_task(lag_probe(result.client_lag_ms))
        while not all(t.done() for t in tasks):
            peak = max(peak, memory_mb(process.pid)[0])
            await asyncio.sleep(1.0)
        probe.cancel()
        for task in tasks:
            task.result()  # raise what a session raised

    began = time.monotonic()
    asyncio.run(run())
    result.wall_s = time.monotonic() - began
    used = cpu_seconds(process.pid) - cpu_before
    result.server_cpu_percent = 100.0 * used / result.wall_s
    pressure_after = cpu_pressure_seconds()
    if pressure_before is not None and pressure_after is not None:
        waited = pressure_after - pressure_before
        result.cpu_pressure_percent = 100.0 * waited / result.wall_s
    result.server_metrics = _server_metrics(base, token)
    rss, hwm = memory_mb(process.pid)
    result.server_rss_mb = rss
    result.server_peak_rss_mb = max(hwm, peak)


def latency_text(found: Mapping[str, Any] | None, *quantiles: str, count: bool = False) -> str:
    """A latency summary (`_summary`) as text: the `quantiles` and the maximum in ms, with how
    many were measured when `count`; "none measured" without any."""
    if not found or not found.get("n"):
        return "none measured"
    text = ", ".join(f"{q} {found[q]} ms" for q in (*quantiles, "max"))
    return f"{text} ({found['n']:,})" if count else text


def server_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The rows both live benchmarks end on: the server's CPU and memory, the machine's load."""
    return [
        (
            "server (one uvicorn process)",
            f"CPU {result['server_cpu_percent']} % of one core, RSS {result['server_rss_mb']} MB "
            f"(peak {result['server_peak_rss_mb']} MB)",
        ),
        (
            "machine busy (CPU pressure)",
            "not available"
            if result["cpu_pressure_percent"] is None
            else f"some task waited for a CPU {result['cpu_pressure_percent']} % of the run",
        ),
    ]


def rows(result: dict[str, object]) -> list[tuple[str, str]]:
    """The benchmark's table (for the terminal and docs/performance.md)."""

    def latency(key: str) -> str:
        return latency_text(result[key], "p50", "p95", "p99", count=True)  # type: ignore[arg-type]

    server: dict[str, Any] = result.get("server_metrics") or {}  # type: ignore[assignment]

    def inside(found: dict[str, Any] | None) -> str:
        return latency_text(found, "p50", "p99")

    phases: dict[str, Any] = server.get("phases_ms", {})
    measured_inside = (
        [
            ("server: event-loop lag", inside(server.get("loop_lag_ms"))),
            ("server: one event on the loop", inside(phases.get("event"))),
            ("server: CPU time of one event", inside(phases.get("event_cpu"))),
            (
                "server: of which",
                "; ".join(
                    f"{p} p50 {phases[p]['p50']} / p99 {phases[p]['p99']} ms"
                    for p in ("redact", "store", "analyse", "publish")
                    if phases.get(p, {}).get("n")
                )
                or "none measured",
            ),
            ("server: end-of-conversation save", inside(phases.get("end_save"))),
        ]
        if server
        else []
    )
    client_lag: dict[str, Any] | None = result.get("client_lag_ms")  # type: ignore[assignment]
    if client_lag:
        measured_inside.append(("client (benchmark) event-loop lag", inside(client_lag)))
    return [
        (
            "sessions",
            f"{result['sessions']} concurrent for {result['duration_s']} s at speed "
            f"{result['speed']}, starting over the first {result.get('stagger_s', 0)} s "
            f"(conversations from `{result['conversations_file']}`)",
        ),
        (
            "events applied",
            f"{result['events']:,} in {result['wall_s']} s: {result['events_per_s']} events/s; "
            f"{result['conversations_ended']:,} conversations ended and stored",
        ),
        (
            f"event → nudge, all {result['sessions']} sessions running "
            f"(the last {result['steady_s']} s)",
            latency("steady_nudge_ms"),
        ),
        ("event → ack, all sessions running", latency("steady_ack_ms")),
        ("event → nudge, whole run", latency("nudge_ms")),
        ("event → ack, whole run", latency("ack_ms")),
        ("event → state, whole run", latency("state_ms")),
        *measured_inside,
        (
            "nudges, error frames, reconnects",
            f"{result['nudges']:,}, {result['errors']}, {result['reconnects']}",
        ),
        *server_rows(result),
    ]
