"""How fast each batch engine analyses the same conversations at several worker counts, and
how its figures stand against the engines' targets (speed-up with workers, ray against local).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from heard.bench.analyzing import load_usable
from heard.bench.machine import machine
from heard.model import Conversation

SPEED_UP_TARGETS = {"ray": 1.7}
"""Engine → the least speed-up its 2-worker run must reach over its 1-worker run."""

RAY_OVER_LOCAL_TARGET = 0.85
"""The least ratio of ray's conversations/s to local's at equal workers."""

BATCH = 256
"""Conversations per batch, as `heard analyze --out` sends them."""


def conversations_for(
    path: Path, *, format: str = "auto", n: int
) -> tuple[str, list[Conversation], int]:
    """(format, `n` conversations, how many of them are distinct): the file's first `n`
    usable conversations; when it holds fewer, they are repeated in file order under new ids
    (`<id>~<copy>`) until there are `n`, so a copy is never in the same batch as its original."""
    name, distinct = load_usable(path, format=format, n=n)
    conversations = list(distinct)
    copy = 0
    while len(conversations) < n:
        copy += 1
        for conversation in distinct[: n - len(conversations)]:
            renamed = {"id": f"{conversation.id}~{copy}"}
            conversations.append(conversation.model_copy(update=renamed))
    return name, conversations, len(distinct)


def bench_engine(
    conversations: list[Conversation], name: str, *, workers: int, batch: int = BATCH
) -> dict[str, object]:
    """Throughput of engine `name` with `workers` workers on `conversations`, analysed in
    batches of `batch` as `heard analyze --out` does; the engine's start (for ray: a local
    cluster) and each worker's loading are timed apart."""
    from heard.engines import PART_SIZE, open_engine

    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    with open_engine(name, workers=workers) as engine:
        warm = conversations[: PART_SIZE * engine.workers]
        list(engine.score([warm]))  # every worker loads its analyzer
        started = time.perf_counter() - began
        batches = [conversations[i : i + batch] for i in range(0, len(conversations), batch)]
        began = time.perf_counter()
        done = sum(len(b) for b in engine.score(batches))
        seconds = time.perf_counter() - began
        rss = engine.peak_rss_mb()  # type: ignore[attr-defined]
    return {
        "engine": name,
        "workers": workers,
        "conversations": done,
        "start_seconds": round(started, 2),
        "seconds": round(seconds, 2),
        "conversations_per_s": round(done / seconds, 1),
        "worker_peak_rss_mb": round(max(rss), 1) if rss else None,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def engine_targets(runs: list[dict[str, object]]) -> list[dict[str, object]]:
    """The ratios the engine targets are stated in, from `runs` (`bench_engine` results):
    for each engine measured at 1 worker and at more, its speed-up at each larger count over
    1 worker (target ≥ `SPEED_UP_TARGETS` at 2 workers, where the engine has one); for each
    worker count measured on both ray and local, ray's conversations/s over local's (target
    ≥ `RAY_OVER_LOCAL_TARGET`). Each: measure, figure, target (None: printed for comparison,
    no target) and met (None without a target)."""
    speed = {(str(r["engine"]), int(r["workers"])): float(r["conversations_per_s"]) for r in runs}  # type: ignore[call-overload]
    ratios: list[dict[str, object]] = []

    def ratio(measure: str, figure: float, target: float | None) -> None:
        figure = round(figure, 2)
        met = None if target is None else figure >= target
        ratios.append({"measure": measure, "figure": figure, "target": target, "met": met})

    engines = list(dict.fromkeys(engine for engine, _ in speed))
    for engine in engines:
        for workers in sorted(w for e, w in speed if e == engine and w > 1):
            if (engine, 1) in speed and speed[engine, 1] > 0:
                target = SPEED_UP_TARGETS.get(engine) if workers == 2 else None
                measure = f"{engine} {workers} workers / 1 worker"
                ratio(measure, speed[engine, workers] / speed[engine, 1], target)
    for workers in sorted({w for _, w in speed}):
        if ("ray", workers) in speed and speed.get(("local", workers), 0) > 0:
            measure = f"ray / local at {workers} worker" + ("" if workers == 1 else "s")
            figure = speed["ray", workers] / speed["local", workers]
            ratio(measure, figure, RAY_OVER_LOCAL_TARGET)
    return ratios


def bench_engines(
    path: Path,
    *,
    format: str = "auto",
    n: int = 2000,
    engines: tuple[str, ...] = ("local", "ray"),
    workers: tuple[int, ...] = (1, 2),
) -> dict[str, object]:
    """Run the same `n` conversations from `path` on each of `engines` with each count of
    `workers` (a fresh engine per run), and derive the targets' ratios (`engine_targets`)."""
    name, conversations, distinct = conversations_for(path, format=format, n=n)
    runs = [
        bench_engine(conversations, engine, workers=count)
        for engine in engines
        for count in sorted(set(workers))
    ]
    return {
        "file": str(path),
        "format": name,
        "conversations": len(conversations),
        "distinct_conversations": distinct,
        "turns": sum(len(c.turns) for c in conversations),
        "batch": BATCH,
        "runs": runs,
        "targets": engine_targets(runs),
        "machine": machine(),
    }
