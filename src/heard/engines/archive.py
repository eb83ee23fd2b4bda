"""Analysing an archive: conversations streamed from disk, scored on an engine batch by batch,
each batch's results written as soon as it is done, resuming where an earlier run stopped.

Memory stays flat whatever the archive's size: the reader holds one line (or one file), the
engine a few parts per worker, the results writer one batch (a Parquet part at most).
Batches are cut at fixed places of the stream (every `batch` conversations read), so an
uninterrupted run and one resumed after an interruption give the same scorecards.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from heard.engines import Engine
from heard.engines.results import Results
from heard.importers.streaming import Bad, Position, Stream
from heard.model import Conversation

BATCH = 256
"""Conversations analysed together by default: replies nearly repeated between them are
marked as template replies (as `heard analyze` does for the files of one run)."""


@dataclass
class ArchiveRun:
    """What a run did (`to_dict` is the --json summary)."""

    engine: str
    workers: int
    batch: int
    analysed: int = 0
    """Conversations analysed and written by this run."""
    resumed: int = 0
    """Conversations an earlier run had written, passed over."""
    bad: list[Bad] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    out: str | None = None

    @property
    def rate(self) -> float:
        return self.analysed / self.seconds if self.seconds else 0.0

    def to_dict(self, *, notes: list[str] | None = None) -> dict[str, object]:
        return {
            "engine": self.engine,
            "workers": self.workers,
            "batch": self.batch,
            "out": self.out,
            "analysed": self.analysed,
            "resumed": self.resumed,
            "written": self.analysed + self.resumed,
            "bad_rows": len(self.bad),
            "errors": [b.error for b in self.bad],
            "notes": notes or [],
            "seconds": round(self.seconds, 2),
            "conversations_per_s": round(self.rate, 1),
            "interrupted": self.interrupted,
        }


Advance = Callable[[int, int], None]
"""Called with (conversations just finished, bytes of input they stand for)."""


def analyze_archive(
    stream: Stream,
    results: Results,
    engine: Engine,
    *,
    batch: int = BATCH,
    resumed: int = 0,
    advance: Advance | None = None,
    on_bad: Callable[[Bad], None] | None = None,
) -> ArchiveRun:
    """Read `stream`, score on `engine`, write to `results`, batch by batch. `resumed` is the
    number of rows `results` already held (from `results.resume()`, whose position `stream`
    starts after). KeyboardInterrupt is caught: the run is marked interrupted, what is written
    stays written (the caller cancels the engine)."""
    run = ArchiveRun(engine=engine.name, workers=engine.workers, batch=batch, resumed=resumed)
    run.out = None if results.path is None else str(results.path)
    waiting: deque[list[tuple[Position, int]]] = deque()  # positions of each batch sent

    def batches() -> Iterator[list[Conversation]]:
        conversations: list[Conversation] = []
        places: list[tuple[Position, int]] = []
        read = resumed  # conversations of the stream so far, with those a resumed run passed
        for item in stream:
            if isinstance(item, Bad):
                run.bad.append(item)
                if on_bad is not None:
                    on_bad(item)
                if advance is not None:
                    advance(0, item.size)
                continue
            conversations.append(item.conversation)
            places.append((item.position, item.size))
            read += 1
            # cut where the stream is at a multiple of `batch`, counting what a resumed run
            # passed over, so the batches are the ones an uninterrupted run has
            if read % batch == 0:
                waiting.append(places)
                yield conversations
                conversations, places = [], []
        if conversations:
            waiting.append(places)
            yield conversations

    started = time.perf_counter()
    try:
        for scored in engine.score(batches()):
            places = waiting.popleft()
            results.write([(position, s) for (position, _), s in zip(places, scored, strict=True)])
            run.analysed += len(scored)
            if advance is not None:
                advance(len(scored), sum(size for _, size in places))
    except KeyboardInterrupt:
        run.interrupted = True
    finally:
        run.seconds = time.perf_counter() - started
        results.close()
    return run
