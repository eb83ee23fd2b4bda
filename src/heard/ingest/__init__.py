"""Ingest: conversations redacted, analysed and handed to the store as finished records.

`IngestService` is the one way conversations enter the store (the API and upload page, the
CLI, live sessions, the demo, the benchmarks): redact → analyse (in this process, on the
analysis pool or a batch engine) → `heard.store.writing.write_ingest`; and rescore: stored
conversations → analyse → new scorecards. `card_rows` and `analysis_version` say how a
scorecard is kept and which analysis made it.
"""

from heard.ingest.cards import analysis_version, card_rows
from heard.ingest.pool import PARALLEL_MIN, default_workers
from heard.ingest.service import IngestService

__all__ = ["PARALLEL_MIN", "IngestService", "analysis_version", "card_rows", "default_workers"]
