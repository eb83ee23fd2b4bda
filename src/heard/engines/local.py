"""The `local` engine: analysis on spawned worker processes of this machine (the default).

Spawned, not forked: safe beside threads and database connections, and a worker does not
start with this process's caches. Each worker builds its Analyzer once (same rubric and
detectors as the caller's), watches its parent and ends with it, even when the parent is
killed, and leaves a record so the next start ends what a crash left (`heard.engines.workers`).
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import ClassVar

from heard.analysis import Analyzer
from heard.analysis.rubric import Rubric
from heard.engines import EngineError, Part, Pipeline, Scored, score_part, worker_settings
from heard.engines.workers import forget, record, records_dir, sweep, watch_parent
from heard.runtime import tune_gc

_worker: Analyzer | None = None


def _start_worker(rubric: str, detectors: list[str], parent: int, records: str, pool: str) -> None:
    global _worker
    watch_parent(parent)  # first: a worker whose parent is killed while it loads ends too
    # Ctrl-C reaches the whole process group: the parent stops the run, the workers do not
    # each print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    record(Path(records), pool=pool, parent=parent)
    tune_gc()
    _worker = Analyzer(rubric=Rubric.model_validate_json(rubric), only=detectors)


def _peak_rss_mb(_: int) -> tuple[int, float]:
    import time

    from heard.runtime import peak_rss_mb

    time.sleep(0.2)  # long enough that every worker takes one
    return os.getpid(), peak_rss_mb()


def _score(part: Part) -> list[Scored]:
    assert _worker is not None, "the worker was started without an analyzer"
    return score_part(_worker, part)


class LocalEngine(Pipeline):
    """`workers` spawned processes, each with an Analyzer configured like `analyzer`."""

    name: ClassVar[str] = "local"

    def __init__(self, analyzer: Analyzer, *, workers: int) -> None:
        super().__init__(analyzer, workers=max(1, workers))
        self.records = records_dir()
        self._name = secrets.token_hex(4)
        sweep(self.records)
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(
                *worker_settings(analyzer),
                os.getpid(),
                str(self.records),
                self._name,
            ),
        )

    def _submit(self, part: Part) -> Future[list[Scored]]:
        return self._pool.submit(_score, part)

    def _wait(self, handle: Future[list[Scored]]) -> list[Scored]:
        try:
            return handle.result()
        except BrokenProcessPool as exc:
            raise EngineError(
                "a local analysis worker ended unexpectedly (out of memory?); "
                "run again to resume, with fewer --workers if memory is short"
            ) from exc

    def peak_rss_mb(self) -> list[float]:
        """Each worker's peak resident memory so far, MB."""
        found = dict(self._pool.map(_peak_rss_mb, range(self.workers * 2)))
        return list(found.values())

    def cancel(self) -> None:
        super().cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        forget(self.records, pool=self._name)
