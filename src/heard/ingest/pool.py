"""The ingest's analysis pool: redaction and analysis of a large batch on several processes.

The pool (`AnalysisPool`) analyses a batch on several processes: the batch's near-duplicate
replies are found first in this process (`Analyzer.template_hints`), then each worker analyses a
part of the batch with the hints for its part, so the scorecards are the ones analysing the whole
batch in one process gives. Conversations travel as JSON, scorecards come back as row values;
each worker builds its Analyzer once (same rubric, same detectors as the ingest's).
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from heard.analysis import Analyzer
from heard.analysis.analyzer import TemplateHint
from heard.analysis.rubric import Rubric
from heard.engines.workers import forget, record, records_dir, sweep, watch_parent
from heard.ingest.cards import card_rows
from heard.model import Conversation
from heard.runtime import tune_gc
from heard.store.analysed import CardRows

PARALLEL_MIN = 32
"""Fewer conversations than this to analyse are analysed in the ingest's own process: shipping
them to workers costs more than it saves."""


def default_workers() -> int:
    """Processes for ingest analysis when `HEARD_INGEST_WORKERS` names none: every core."""
    return os.cpu_count() or 1


_worker: Analyzer | None = None


def _start_worker(rubric: str, detectors: list[str], parent: int, records: str, pool: str) -> None:
    global _worker
    watch_parent(parent)  # first: a worker whose server is killed while it loads ends too
    record(Path(records), pool=pool, parent=parent)
    tune_gc()
    _worker = Analyzer(rubric=Rubric.model_validate_json(rubric), only=detectors)


def _analyze_part(bodies: list[str], hints: list[TemplateHint]) -> list[CardRows]:
    assert _worker is not None, "the worker was started without an analyzer"
    conversations = [Conversation.model_validate_json(b) for b in bodies]
    return [card_rows(a.scorecard) for a in _worker.analyze_many(conversations, hints=hints)]


def _redact_part(bodies: list[str], names: bool) -> list[str]:
    from heard.redact import redact_conversation

    return [
        redact_conversation(Conversation.model_validate_json(b), names=names).to_json()
        for b in bodies
    ]


def _warm(_: int) -> int:
    time.sleep(0.2)  # long enough that every worker takes one
    return os.getpid()


class AnalysisPool:
    """Worker processes (spawned, so safe beside threads and database connections), each with
    an Analyzer configured like `analyzer`. The workers end when this process does, even
    when it is killed (`heard.engines.workers`); each leaves a record in
    `heard.engines.workers.records_dir()`, and a new pool first ends the workers that crashed
    servers left behind there."""

    def __init__(self, analyzer: Analyzer, *, workers: int) -> None:
        self.analyzer = analyzer
        self.workers = workers
        self.records = records_dir()
        self._name = secrets.token_hex(4)
        sweep(self.records)
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(
                analyzer.rubric.model_dump_json(),
                [d.name for d in analyzer.detectors],
                os.getpid(),
                str(self.records),
                self._name,
            ),
        )

    def warm(self) -> None:
        """Start every worker now (each loads its analyzer) rather than on the first batch."""
        list(self._pool.map(_warm, range(self.workers)))

    def redact(self, bodies: list[str], *, names: bool) -> list[str]:
        """The JSON bodies of the conversations in `bodies`, redacted (`heard.redact`, the
        customer's name too with `names`) on the workers, in order."""
        size = -(-len(bodies) // self.workers)
        futures = [
            self._pool.submit(_redact_part, bodies[start : start + size], names)
            for start in range(0, len(bodies), size)
        ]
        return [body for future in futures for body in future.result()]

    def analyze(self, batches: Sequence[tuple[list[Conversation], list[str]]]) -> list[CardRows]:
        """Scorecards of every conversation of `batches` (each batch: conversations and their
        JSON bodies, analysed together as `Analyzer.analyze_many` does), in order."""
        return [card for future in self.submit(batches) for card in future.result()]

    def submit(
        self, batches: Sequence[tuple[list[Conversation], list[str]]], *, rounds: int = 1
    ) -> list[Future[list[CardRows]]]:
        """`analyze` without waiting: one future per part, in order (parts of a batch go to
        the workers with the batch's near-duplicate hints). Each batch is cut in `rounds`
        parts per worker, so the first parts are ready while the workers analyse the rest."""
        futures: list[Future[list[CardRows]]] = []
        for conversations, bodies in batches:
            hints = self.analyzer.template_hints(conversations)
            size = -(-len(conversations) // (self.workers * rounds))
            for start in range(0, len(conversations), size):
                end = start + size
                part = [
                    replace(h, conversation=h.conversation - start)
                    for h in hints
                    if start <= h.conversation < end
                ]
                futures.append(self._pool.submit(_analyze_part, bodies[start:end], part))
        return futures

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        forget(self.records, pool=self._name)
