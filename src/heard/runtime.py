"""Process-wide garbage-collector settings for heard's own processes: batch work (the `heard`
command, analysis workers) and serving (`heard serve`, and `heard bench store`'s in-process
server while it measures)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

GC_THRESHOLDS = (20_000, 20, 100)
"""For batch work: a young collection after 20,000 new container objects (default 700) and a
full one after 100 × 20 young ones (default 10 × 10).

With the defaults, an analysis worker spent 1.3 ms of every conversation's ~8 ms in full
collections (each walks the ~200,000 objects of the loaded models, lexicons and caches, and
the analysis promotes thousands of short-lived findings and contexts into the old generation
between them); the API process spent 0.6 ms of a conversation's ~2.5 ms. With these
thresholds: 0.2 ms and 0.1 ms (measured on 1,000 generated conversations, `heard bench store`
settings, 2-core AMD EPYC). Memory: at most 20,000 young objects wait for a collection. Not
for a server: a middle collection then walks up to 20 × 20,000 survivors at once, a pause a
waiting request would feel."""

SERVING_GC_THRESHOLDS = (2_000, 10, 100)
"""For a serving process, with the objects alive after start-up frozen (`serving_gc`): fewer
young collections than Python's 700, 10, 10, and full ones (which scan every live session)
much rarer; larger first two thresholds made young collections take 30-140 ms under
`heard bench live`. The API process then spends ~0.3 ms of garbage collection on an ingested
conversation, against ~0.2 with `GC_THRESHOLDS`."""


def tune_gc() -> None:
    """Set `GC_THRESHOLDS` for this process (the `heard` command and each analysis worker
    call this at start; a library user's own process keeps its own settings)."""
    gc.set_threshold(*GC_THRESHOLDS)


def serving_gc() -> None:
    """After a server's warm-up: move every object alive now out of the collector's sight
    (`gc.freeze`: the loaded models are never garbage) and set `SERVING_GC_THRESHOLDS`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


@contextmanager
def serving_gc_while() -> Iterator[None]:
    """`serving_gc` for the length of the block, then the collector as it was (frozen objects
    back in its sight, the thresholds restored): a benchmark's in-process server measures
    what `heard serve` runs, and the process that ran it goes on as before."""
    thresholds = gc.get_threshold()
    serving_gc()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024, 1)
