"""How the live hub is keeping up, measured inside the server: how late the event loop wakes
(a stalled loop delays every session at once) and where each event's time goes (redaction,
the store write, analysis, frame encoding, the end-of-conversation save). `heard bench live`
reads them from `GET /api/v1/live-metrics` to tell server time from queueing and the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import time
from collections import deque
from collections.abc import Iterator, MutableSequence

SAMPLES = 20_000
"""Latest samples kept per measure (older ones drop off)."""
LAG_INTERVAL = 0.05
"""The loop-lag probe sleeps this long (seconds) and records how much later it woke."""

PHASES = (
    "redact",
    "store",
    "analyse",
    "publish",
    "event",
    "event_cpu",
    "end_save",
    "gc_young",
    "gc_full",
    "audio_cut",
    "recognise_wait",
    "recognise",
)
"""Per event: redact, store (the durable write before the ack), analyse (LiveSession.apply),
publish (frame JSON and queueing), event (all of it, on the loop), event_cpu (the CPU time
of it: far below `event` means the process waited for a CPU or for the GIL); per ended conversation:
end_save (ingest and closing the session); per garbage collection while the
loop-lag probe runs: gc_young (generations 0 and 1) and gc_full (generation 2); per audio
frame of a call: audio_cut (cutting it into utterances, on the loop); per utterance:
recognise_wait (waiting for a recognition worker) and recognise (speech recognition, on it)."""


def _summary(values: deque[float] | list[float]) -> dict[str, float | int | None]:
    ordered = sorted(values)

    def q(share: float) -> float | None:
        if not ordered:
            return None
        rank = max(1, min(len(ordered), math.ceil(share * len(ordered) - 1e-9)))
        return round(ordered[rank - 1], 2)

    return {
        "n": len(ordered),
        "p50": q(0.5),
        "p95": q(0.95),
        "p99": q(0.99),
        "max": round(ordered[-1], 2) if ordered else None,
    }


async def lag_probe(into: MutableSequence[float]) -> None:
    """Record, until cancelled, how late the running loop wakes from `LAG_INTERVAL` sleeps,
    in ms (the server's probe and the benchmark client's)."""
    while True:
        began = time.perf_counter()
        await asyncio.sleep(LAG_INTERVAL)
        into.append(max(0.0, time.perf_counter() - began - LAG_INTERVAL) * 1000)


class LiveMetrics:
    """Milliseconds per phase and event-loop lag, the latest `SAMPLES` of each."""

    def __init__(self) -> None:
        self.phases: dict[str, deque[float]] = {p: deque(maxlen=SAMPLES) for p in PHASES}
        self.lag: deque[float] = deque(maxlen=SAMPLES)
        self._probe: asyncio.Task[None] | None = None
        self._gc_began = 0.0

    def add(self, phase: str, ms: float) -> None:
        self.phases[phase].append(ms)

    @contextlib.contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.phases[phase].append((time.perf_counter() - began) * 1000)

    def reset(self) -> None:
        for values in self.phases.values():
            values.clear()
        self.lag.clear()

    def watch_loop(self) -> None:
        """Start the loop-lag probe on the running loop (once)."""
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(lag_probe(self.lag))
            if self._collection not in gc.callbacks:
                gc.callbacks.append(self._collection)

    def _collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
        else:
            kind = "gc_full" if info.get("generation") == 2 else "gc_young"
            self.phases[kind].append((time.perf_counter() - self._gc_began) * 1000)

    def stop(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
        if self._collection in gc.callbacks:
            gc.callbacks.remove(self._collection)

    def report(self) -> dict[str, object]:
        return {
            "loop_lag_ms": _summary(self.lag),
            "phases_ms": {p: _summary(v) for p, v in self.phases.items()},
        }
