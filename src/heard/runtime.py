"""Process-wide settings for heard's own processes (the `heard` command and analysis workers)."""

from __future__ import annotations

import gc

GC_THRESHOLDS = (20_000, 20, 100)
"""Python's cyclic garbage collector runs a young collection after 20,000 new container
objects (default 700) and a full one after 100 × 20 young ones (default 10 × 10).

With the defaults, an analysis worker spent 1.3 ms of every conversation's ~8 ms in full
collections (each walks the ~200,000 objects of the loaded models, lexicons and caches, and
the analysis promotes thousands of short-lived findings and contexts into the old generation
between them); the API process spent 0.6 ms of a conversation's ~2.5 ms. With these
thresholds: 0.2 ms and 0.1 ms (measured on 1,000 generated conversations, `heard bench store`
settings, 2-core AMD EPYC). Memory: at most 20,000 young objects wait for a collection.

`heard serve` replaces them after its warm-up with `heard.web.app.GC_THRESHOLDS` (2,000 / 10 /
100, with the start-up objects frozen): shorter young collections for the live hub's sake.
Its API process then spends ~0.3 ms of garbage collection on an ingested conversation,
against ~0.2 with these."""


def tune_gc() -> None:
    """Set `GC_THRESHOLDS` for this process (the `heard` command and each analysis worker
    call this at start; a library user's own process keeps its own settings)."""
    gc.set_threshold(*GC_THRESHOLDS)
