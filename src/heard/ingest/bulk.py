"""Bulk ingest: conversations streamed from files into the store, batch by batch (`heard
ingest`).

The files are read one conversation at a time (`heard.importers.streaming.Stream`: files of
one conversation a line are read line by line, never whole), gathered in batches and each
batch stored through the ingest service (`IngestService.ingest`: redacted, only new and
changed conversations analysed, one transaction a batch). Running the same files again is
safe: what an earlier run stored comes back `unchanged` and is not analysed again (the store
is idempotent on a conversation's source and external id), so a run stopped by Ctrl-C, a
crash or a failed engine is finished by running it again.

A line or file that cannot be read, and a conversation the store refuses, is a failure naming
its file and line; the rest of its batch is stored all the same.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from heard.errors import Location
from heard.importers.streaming import Bad, Position, Read, Stream
from heard.ingest.service import ANALYSIS_BATCH, IngestService
from heard.store import StoreError
from heard.store.placement import ingest_key
from heard.store.records import IngestStatus

BATCH = ANALYSIS_BATCH
"""Conversations stored together by default (one transaction; near-duplicate replies are
found within a batch)."""

_REFUSED_AT = re.compile(r"conversations\[(\d+)\]")


@dataclass
class BulkRun:
    """What a run did (`to_dict` is `heard ingest --json`'s summary)."""

    engine: str
    workers: int
    batch: int
    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[Bad] = field(default_factory=list)
    """Lines and files that could not be read, conversations the store refused."""
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def stored(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def rate(self) -> float:
        """Conversations stored (created, updated or found unchanged) per second."""
        return self.stored / self.seconds if self.seconds else 0.0

    @property
    def failed_files(self) -> list[str]:
        """The files with at least one failure, in the order met."""
        return list(dict.fromkeys(f.position.file for f in self.failures))

    def to_dict(self, *, notes: list[str] | None = None) -> dict[str, object]:
        return {
            "engine": self.engine,
            "workers": self.workers,
            "batch": self.batch,
            "files": self.files,
            "stored": self.stored,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": len(self.failures),
            "failed_files": self.failed_files,
            "errors": [f.error for f in self.failures],
            "notes": notes or [],
            "seconds": round(self.seconds, 2),
            "conversations_per_s": round(self.rate, 1),
            "interrupted": self.interrupted,
        }


Advance = Callable[[int, int], None]
"""Called with (conversations just stored or refused, bytes of input they stand for)."""


def ingest_stream(
    stream: Stream,
    service: IngestService,
    run: BulkRun,
    *,
    advance: Advance | None = None,
    on_bad: Callable[[Bad], None] | None = None,
) -> BulkRun:
    """Store the conversations of `stream` through `service`, `run.batch` at a time, counting
    in `run`. A conversation whose source and external id repeat one of the batch gathered so
    far starts a new batch (the later one then updates the earlier, as a second run would).
    KeyboardInterrupt is caught: `run.interrupted`, the batches stored stay stored (the one in
    flight is rolled back). An engine's failure (`heard.engines.EngineError`) is raised, the
    batches stored before it staying stored."""
    pending: list[Read] = []
    keys: set[tuple[str, str]] = set()

    def flush() -> None:
        if pending:
            _store_batch(service, pending, run, advance=advance, on_bad=on_bad)
            pending.clear()
            keys.clear()

    started = time.perf_counter()
    try:
        for item in stream:
            if isinstance(item, Bad):
                _failed(run, item, on_bad)
                if advance is not None:
                    advance(0, item.size)
                continue
            key = ingest_key(item.conversation)
            if key in keys:
                flush()
            pending.append(item)
            keys.add(key)
            if len(pending) >= run.batch:
                flush()
        flush()
    except KeyboardInterrupt:
        run.interrupted = True
    finally:
        run.seconds = time.perf_counter() - started
    return run


def _store_batch(
    service: IngestService,
    reads: list[Read],
    run: BulkRun,
    *,
    advance: Advance | None,
    on_bad: Callable[[Bad], None] | None,
) -> None:
    """Store one batch; a conversation the store refuses (named by its place in the batch) is
    a failure and the rest is stored without it; a refusal naming none fails the batch."""
    size = sum(r.size for r in reads)
    count = len(reads)
    left = list(reads)
    while left:
        try:
            report = service.ingest([r.conversation for r in left])
        except StoreError as exc:
            found = _REFUSED_AT.match(exc.field or "")
            index = int(found.group(1)) if found and len(left) > 1 else None
            if index is None or index >= len(left):
                for read in left:
                    _failed(run, _refused(read, exc), on_bad)
                break
            _failed(run, _refused(left.pop(index), exc), on_bad)
            continue
        run.created += report.count(IngestStatus.CREATED)
        run.updated += report.count(IngestStatus.UPDATED)
        run.unchanged += report.count(IngestStatus.UNCHANGED)
        break
    if advance is not None:
        advance(count, size)


def _refused(read: Read, exc: StoreError) -> Bad:
    """A conversation the store refused, as a failure naming its file and line."""
    position: Position = read.position
    where = Location(file=position.file, line=position.line)
    message = f"conversation {read.conversation.id!r} not stored: {exc.message}"
    error: dict[str, object] = {
        "code": exc.code,
        "message": message,
        "file": position.file,
        "line": position.line,
        "field": exc.field,
    }
    return Bad(position=position, error=error, text=f"{where}: {message}", size=0)


def _failed(run: BulkRun, bad: Bad, on_bad: Callable[[Bad], None] | None) -> None:
    run.failures.append(bad)
    if on_bad is not None:
        on_bad(bad)
