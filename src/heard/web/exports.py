"""An export of the filtered conversations, streamed as it is read: CSV or Parquet, one row a
conversation with its scores.

The store hands the rows over a thousand at a time (`Store.iter_conversations`, keyset pages,
nothing counted), and each part is written and sent before the next is read, so an export of
a million rows holds one part in memory and its first bytes leave at once. The columns are
known before the first row: the summary's fields, then one `component_<name>` column for every
component a stored scorecard scores (empty where a conversation's rubric has no such part).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from heard.store.records import ConversationSummary

COLUMNS = [
    "id",
    "source",
    "external_id",
    "conversation_id",
    "channel",
    "started_at",
    "occurred_at",
    "agent_id",
    "agent",
    "team_id",
    "team",
    "turns",
    "redacted",
    "listening_score",
    "emotion",
    "escalated",
    "felt_heard",
]
"""An export's columns before the component scores."""
COMPONENT = "component_"
"""The start of a component score's column name (`component_empathy`)."""
_TYPES = {
    "id": "int64",
    "agent_id": "int64",
    "team_id": "int64",
    "turns": "int64",
    "redacted": "bool_",
    "listening_score": "float64",
    "escalated": "bool_",
    "felt_heard": "float64",
}
"""Parquet types of the columns that are not text (component scores are float64)."""


def columns(components: Iterable[str]) -> list[str]:
    """An export's columns, with one per component name."""
    return COLUMNS + [f"{COMPONENT}{name}" for name in components]


def rows(parts: Iterable[list[ConversationSummary]]) -> Iterator[list[dict[str, Any]]]:
    """Each part's conversations as export rows (JSON-ready values, component scores spread
    into their columns)."""
    for part in parts:
        out = []
        for item in part:
            row = item.model_dump(mode="json", exclude={"components", "snippet"})
            for component, score in item.components.items():
                row[f"{COMPONENT}{component}"] = score
            out.append(row)
        yield out


def csv_chunks(names: list[str], parts: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    """The CSV text (UTF-8): the header, then each part's rows as one chunk."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, extrasaction="ignore")
    writer.writeheader()
    yield _drain(buffer).encode()
    for part in parts:
        writer.writerows(part)
        yield _drain(buffer).encode()


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


class _Sink(io.RawIOBase):
    """Where the Parquet writer writes: bytes kept until taken, the position counted."""

    def __init__(self) -> None:
        self.held = bytearray()
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.held += view
        self.written += len(view)
        return len(view)

    def tell(self) -> int:
        return self.written

    def take(self) -> bytes:
        out = bytes(self.held)
        self.held.clear()
        return out


def parquet_chunks(names: list[str], parts: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    """The Parquet file: one row group a part, sent as it is written, then the footer (a file
    without rows still has the schema)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [(c, pa.float64() if c.startswith(COMPONENT) else _type(pa, c)) for c in names]
    )
    sink = _Sink()
    with pq.ParquetWriter(sink, schema) as writer:
        for part in parts:
            if not part:
                continue
            table = pa.Table.from_pylist([{c: r.get(c) for c in names} for r in part], schema)
            writer.write_table(table)
            yield sink.take()
    yield sink.take()


def _type(pa: Any, column: str) -> Any:
    return getattr(pa, _TYPES.get(column, "string"))()


def counted(
    parts: Iterable[list[dict[str, Any]]], done: Callable[[int, bool], None]
) -> Iterator[list[dict[str, Any]]]:
    """`parts` passed through, then `done(rows, finished)` once: with every row sent, or with
    those sent before the client went away or a read failed."""
    sent = 0
    finished = False
    try:
        for part in parts:
            yield part
            sent += len(part)
        finished = True
    finally:
        done(sent, finished)
