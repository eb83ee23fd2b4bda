"""How fast heard analyses conversations with the full default pipeline."""

from __future__ import annotations

import itertools
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from heard.bench.machine import machine, peak_rss_mb
from heard.importers.base import Source
from heard.importers.registry import get, load_source, read_source, sniff
from heard.model import Conversation


@dataclass
class AnalyzeBench:
    file: str
    format: str
    conversations: int
    turns: int
    startup_seconds: float
    latencies: list[float]
    """Seconds per conversation, single process, in input order."""
    detector_seconds: dict[str, float]
    peak_rss_mb: float
    workers: int = 1
    parallel_seconds: float | None = None
    worker_peak_rss_mb: float | None = None
    torch_loaded: bool = False
    skipped: dict[str, int] = field(default_factory=dict)
    """Detector → conversations it was skipped on (it could not judge them)."""

    def to_dict(self) -> dict[str, object]:
        total = sum(self.latencies)
        ordered = sorted(self.latencies)

        def percentile(q: float) -> float:
            index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
            return round(ordered[index] * 1000, 2)

        result: dict[str, object] = {
            "file": self.file,
            "format": self.format,
            "conversations": self.conversations,
            "turns": self.turns,
            "startup_seconds": round(self.startup_seconds, 2),
            "conversations_per_s": round(self.conversations / total, 1),
            "turns_per_s": round(self.turns / total),
            "latency_ms": {
                "p50": percentile(0.50),
                "p90": percentile(0.90),
                "p99": percentile(0.99),
                "max": round(ordered[-1] * 1000, 2),
                "mean": round(statistics.fmean(self.latencies) * 1000, 2),
            },
            "detector_ms_per_conversation": {
                name: round(seconds / self.conversations * 1000, 3)
                for name, seconds in sorted(self.detector_seconds.items(), key=lambda kv: -kv[1])
            },
            "skipped": self.skipped,
            "peak_rss_mb": self.peak_rss_mb,
            "torch_loaded": self.torch_loaded,
            "machine": machine(),
        }
        if self.parallel_seconds:
            result["workers"] = self.workers
            result["parallel_conversations_per_s"] = round(
                self.conversations / self.parallel_seconds, 1
            )
            result["parallel_turns_per_s"] = round(self.turns / self.parallel_seconds)
            result["worker_peak_rss_mb"] = self.worker_peak_rss_mb
        return result


LINE_FORMATS = {"jsonl", "star", "harper-valley"}
"""Formats with one conversation per line: the bench reads only the lines it needs."""


def load(path: Path, *, format: str = "auto", n: int | None = None) -> tuple[str, list]:
    """The first `n` conversations with an agent and a customer turn from `path`."""
    source = load_source(path)  # checks the file: exists, readable, size limit
    if n:
        with path.open("rb") as handle:  # only the lines needed, not the whole file in memory
            lines = itertools.islice(handle, n * 2)
            head = Source(source.name, b"".join(lines))
        del source
        importer = sniff(head) if format == "auto" else get(format)
        source = head if importer.name in LINE_FORMATS else load_source(path)
    name = sniff(source).name if format == "auto" else format
    name, conversations = read_source(source, format=name)
    usable = [
        c
        for c in conversations
        if any(t.role == "agent" for t in c.turns) and any(t.role == "customer" for t in c.turns)
    ]
    return name, usable[:n] if n else usable


def load_usable(path: Path, *, format: str = "auto", n: int | None = None) -> tuple[str, list]:
    """`load`, with an InputError naming the file when it holds no usable conversation."""
    name, conversations = load(path, format=format, n=n)
    if not conversations:
        from heard.errors import InputError, Location

        raise InputError(
            "no conversation with both an agent and a customer turn",
            where=Location(file=str(path)),
            expected="conversations to analyse",
            code="empty",
        )
    return name, conversations


_worker_analyzer = None


def _init_worker() -> None:
    global _worker_analyzer
    from heard.analysis import Analyzer
    from heard.runtime import tune_gc

    tune_gc()  # as the store's analysis workers do
    _worker_analyzer = Analyzer()


def _analyze_chunk(conversations: list[Conversation]) -> tuple[int, float]:
    """Analyse a chunk in a worker: (conversations done, the worker's peak RSS in MB)."""
    assert _worker_analyzer is not None
    for conversation in conversations:
        _worker_analyzer.analyze(conversation)
    return len(conversations), peak_rss_mb()


def bench_analyze(
    path: Path,
    *,
    format: str = "auto",
    n: int | None = 1000,
    workers: int = 1,
) -> AnalyzeBench:
    """Analyse `n` conversations one by one (latency per conversation), then on `workers`
    processes (throughput), with every registered detector and the default rubric (the batch
    engines are `heard.bench.engines`')."""
    name, conversations = load_usable(path, format=format, n=n)
    started = time.perf_counter()
    from heard.analysis import Analyzer

    analyzer = Analyzer(profile=True)
    analyzer.analyze(conversations[0])  # loads lexicons and models once
    startup = time.perf_counter() - started
    analyzer.seconds.clear()
    latencies = []
    skipped: dict[str, int] = {}
    for conversation in conversations:
        began = time.perf_counter()
        analysis = analyzer.analyze(conversation)
        latencies.append(time.perf_counter() - began)
        for detector in analysis.skipped:
            skipped[detector] = skipped.get(detector, 0) + 1
    parallel_seconds = worker_rss = None
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        size = max(1, len(conversations) // (workers * 8))
        chunks = [conversations[i : i + size] for i in range(0, len(conversations), size)]
        # spawned, like the store's workers: a forked worker would start with this process's
        # caches (emotions, embeddings, token keys) already holding every text it analyses
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
        ) as pool:
            list(pool.map(_analyze_chunk, [chunks[0][:1]] * workers))  # warm every worker
            began = time.perf_counter()
            done = list(pool.map(_analyze_chunk, chunks))
            parallel_seconds = time.perf_counter() - began
        worker_rss = max(rss for _, rss in done)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        worker_rss = round(max(worker_rss, children), 1)
    return AnalyzeBench(
        file=str(path),
        format=name,
        conversations=len(conversations),
        turns=sum(len(c.turns) for c in conversations),
        startup_seconds=startup,
        latencies=latencies,
        detector_seconds=dict(analyzer.seconds),
        peak_rss_mb=peak_rss_mb(),
        workers=workers,
        parallel_seconds=parallel_seconds,
        worker_peak_rss_mb=worker_rss,
        torch_loaded="torch" in sys.modules,
        skipped=skipped,
    )
