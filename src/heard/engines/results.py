"""Where an archive run writes its scorecards, as they come: a JSONL file, or a Parquet
dataset (a folder of part files). Each knows how far an earlier run got (`resume`), so a run
killed or interrupted goes on from there, losing and repeating nothing.

A result row: the conversation's place in the input (file, line, index in the file), its id,
its scorecard (exactly as the engine returned it) and the detectors skipped on it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import orjson

from heard.engines import Scored
from heard.errors import InputError, Location
from heard.importers.streaming import Position

PART_ROWS = 2048
"""Rows a Parquet part file holds (the last may hold fewer); rows not yet in a part when a run
is killed are analysed again by the next run."""

Row = tuple[Position, Scored]


class Results(Protocol):
    path: Path | None

    def resume(self) -> tuple[int, Position | None]:
        """(rows an earlier run wrote, the position of its last row), after dropping any row
        it left half-written."""
        ...

    def write(self, rows: Sequence[Row]) -> None: ...

    def close(self) -> None: ...


def open_results(path: Path | None, format: str, *, overwrite: bool = False) -> Results:
    """The results of `format` (jsonl or parquet) at `path` (None: JSONL on stdout, which
    cannot resume); with `overwrite`, earlier results there are removed first."""
    if path is None:
        return StdoutResults()
    if overwrite and path.exists():
        if path.is_dir():
            for part in path.glob("*part-*"):
                part.unlink()
            path.rmdir()
        else:
            path.unlink()
    if format == "parquet":
        return ParquetResults(path)
    return JsonlResults(path)


def _not_results(path: Path, why: str) -> InputError:
    return InputError(
        f"{why}; it is not the results of `heard analyze`",
        where=Location(file=str(path)),
        expected="results of an earlier run to resume, or --overwrite to replace them",
        code="resume",
    )


def jsonl_row(position: Position, scored: Scored) -> bytes:
    return orjson.dumps(
        {
            "file": position.file,
            "line": position.line,
            "index": position.index,
            "conversation_id": scored.conversation_id,
            "scorecard": orjson.Fragment(scored.scorecard_json),
            "skipped": scored.skipped,
        }
    )


def _position(row: dict[str, object]) -> Position:
    line = row.get("line")
    return Position(str(row["file"]), None if line is None else int(line), int(row["index"]))  # type: ignore[call-overload]


class JsonlResults:
    """One JSON object a line, appended a batch at a time (one write per batch)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: int | None = None

    def resume(self) -> tuple[int, Position | None]:
        if not self.path.exists():
            return 0, None
        if not self.path.is_file():
            raise _not_results(self.path, "a folder, not a file")
        count, good, last = 0, 0, b""
        with self.path.open("rb") as handle:
            for line in handle:
                if not line.endswith(b"\n"):
                    break  # half-written by a run that was killed: dropped below
                count += 1
                good += len(line)
                last = line
        if good < self.path.stat().st_size:
            os.truncate(self.path, good)
        if not count:
            return 0, None
        try:
            row = orjson.loads(last)
            return count, _position(row)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise _not_results(self.path, f"line {count} has no file, line and index") from None

    def write(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        data = memoryview(b"".join(jsonl_row(p, s) + b"\n" for p, s in rows))
        while data:
            data = data[os.write(self._handle, data) :]

    def close(self) -> None:
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None


class StdoutResults:
    path: Path | None = None

    def resume(self) -> tuple[int, Position | None]:
        return 0, None

    def write(self, rows: Sequence[Row]) -> None:
        sys.stdout.buffer.write(b"".join(jsonl_row(p, s) + b"\n" for p, s in rows))
        sys.stdout.buffer.flush()

    def close(self) -> None:
        sys.stdout.buffer.flush()


class ParquetResults:
    """A folder of Parquet files (part-000000.parquet, …), each written whole under a temporary
    name then renamed, so a part is there complete or not at all. Read it as one table with
    `pyarrow.parquet.read_table(path)` or `pandas.read_parquet(path)`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rows: list[Row] = []
        self._parts = 0

    def resume(self) -> tuple[int, Position | None]:
        import pyarrow.parquet as pq

        if not self.path.exists():
            return 0, None
        if not self.path.is_dir():
            raise _not_results(self.path, "a file, not a folder of Parquet parts")
        for stray in self.path.glob(".part-*"):
            stray.unlink()  # a part a killed run was writing
        parts = sorted(self.path.glob("part-*.parquet"))
        unknown = [p.name for p in self.path.iterdir() if not p.name.startswith("part-")]
        if unknown:
            raise _not_results(self.path, f"the folder holds {unknown[0]}")
        self._parts = len(parts)
        if not parts:
            return 0, None
        count = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
        table = pq.read_table(parts[-1], columns=["file", "line", "index"])
        last = {name: table.column(name)[-1].as_py() for name in ("file", "line", "index")}
        return count, _position(last)

    def write(self, rows: Sequence[Row]) -> None:
        self._rows.extend(rows)
        if len(self._rows) >= PART_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows, self._rows = self._rows, []
        scores = [orjson.loads(s.scorecard_json).get("listening_score") for _, s in rows]
        table = pa.table(
            {
                "file": pa.array([p.file for p, _ in rows], pa.string()),
                "line": pa.array([p.line for p, _ in rows], pa.int64()),
                "index": pa.array([p.index for p, _ in rows], pa.int64()),
                "conversation_id": pa.array([s.conversation_id for _, s in rows], pa.string()),
                "listening_score": pa.array(scores, pa.float64()),
                "scorecard": pa.array([s.scorecard_json for _, s in rows], pa.string()),
                "skipped": pa.array(
                    [orjson.dumps(s.skipped).decode() for _, s in rows], pa.string()
                ),
            }
        )
        self.path.mkdir(parents=True, exist_ok=True)
        name = f"part-{self._parts:06d}.parquet"
        tmp = self.path / f".{name}"
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, self.path / name)
        self._parts += 1

    def close(self) -> None:
        self._flush()
