"""Reading an archive one conversation at a time: files of one conversation a line (heard
JSONL, STAR, Harper Valley) are read line by line, never whole, so a file of millions fits in
the memory of one; other files are read one at a time. A line or file that cannot be read
becomes a `Bad` item naming the file and line, and the reading goes on.

Every item has a `Position` (file, line, index in the file), in a fixed order for the same
inputs, so a run can resume after the last position it finished (`Stream(after=…)`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from heard.errors import InputError, Location
from heard.importers.base import Importer, ImportOptions, Source
from heard.importers.registry import get, load_source, read_source, sniff
from heard.model import Conversation

LINE_FORMATS = frozenset({"jsonl", "star", "harper-valley"})
"""Formats with one conversation a line: streamed line by line."""

SNIFF_BYTES = 1 << 17
"""How much of a file (whole lines) is read to recognise its format before streaming it."""


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """Where an item was read: its file (as given), its line (line formats) and its place
    among the items of the file, from 0."""

    file: str
    line: int | None
    index: int


@dataclass(slots=True)
class Read:
    """A conversation read, where from, and the bytes of input it stands for (progress)."""

    position: Position
    conversation: Conversation
    size: int


@dataclass(slots=True)
class Bad:
    """A line or file that could not be read: the error names file, line and what was wrong."""

    position: Position
    error: dict[str, object]
    text: str
    size: int


@dataclass(slots=True)
class Note:
    """Something read with a doubt or passed over, for the person running the command."""

    file: str
    text: str


class _LineSource(Source):
    """One line of a file as a Source: locations name the line in the file."""

    def __init__(self, name: str, data: bytes, line: int) -> None:
        super().__init__(name, data)
        self.line = line

    def where(self, *, line: int | None = None, path: str | None = None) -> Location:
        return Location(file=self.name, line=self.line + (line or 1) - 1, path=path)


def _as_bad(exc: BaseException, position: Position, size: int) -> Bad:
    if isinstance(exc, InputError):
        error = exc.to_dict()
        text = str(exc)
    else:  # a bug in heard: reported like an input error, the rest still read
        where = Location(file=position.file, line=position.line)
        message = f"internal error ({type(exc).__name__}: {exc}); please report it"
        error = {"code": "internal", "message": message, "file": position.file}
        error["line"] = position.line
        text = f"{where}: {message}"
    return Bad(position=position, error=error, text=text, size=size)


@dataclass
class Stream:
    """The items of `paths` in order (see the module's docstring). With `after`, everything up
    to and including that position is passed over unread (its bytes are counted in
    `skipped_bytes`), for a run that resumes."""

    paths: list[Path]
    format: str = "auto"
    options: ImportOptions = field(default_factory=ImportOptions)
    after: Position | None = None
    skipped_bytes: int = 0
    notes: list[Note] = field(default_factory=list)

    def total_bytes(self) -> int:
        return sum(_size(p) for p in self.paths)

    def __iter__(self) -> Iterator[Read | Bad]:
        files = [str(p) for p in self.paths]
        start = 0
        if self.after is not None:
            if self.after.file not in files:
                raise InputError(
                    f"the results to resume end at {self.after.file}, which is not among the "
                    "inputs",
                    where=Location(file=self.after.file),
                    expected="the inputs of the run being resumed (or --overwrite to start afresh)",
                    code="resume",
                )
            start = files.index(self.after.file)
            self.skipped_bytes += sum(_size(p) for p in self.paths[:start])
        for number, path in enumerate(self.paths[start:], start=start):
            after = self.after if self.after is not None and number == start else None
            importer = self._line_importer(path)
            if importer is not None:
                yield from self._lines(path, importer, after)
            else:
                yield from self._whole(path, after)

    def _line_importer(self, path: Path) -> Importer | None:
        """The importer to read `path` line by line with, or None to read it whole."""
        if self.format != "auto":
            return get(self.format) if self.format in LINE_FORMATS else None
        if not path.is_file():
            return None
        try:
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            return None
        cut = head.rfind(b"\n")
        if cut < 0 and len(head) == SNIFF_BYTES:
            return None  # no whole line in the head: read whole (and report)
        try:
            found = sniff(Source(str(path), head[: cut + 1] if cut >= 0 else head))
        except InputError:
            return None
        return found if found.name in LINE_FORMATS else None

    def _lines(
        self, path: Path, importer: Importer, after: Position | None
    ) -> Iterator[Read | Bad]:
        name = str(path)
        empty: list[int] = []
        index = -1
        try:
            handle = path.open("rb")
        except OSError as exc:
            error = InputError(
                f"cannot read: {exc.strerror or exc}",
                where=Location(file=name),
                expected="a readable file",
                code="not_a_file",
            )
            yield _as_bad(error, Position(name, None, 0), _size(path))
            return
        with handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                index += 1
                if after is not None and (number <= (after.line or 0)):
                    self.skipped_bytes += len(raw)
                    continue
                position = Position(name, number, index)
                if len(raw) > self.options.max_bytes:
                    error = InputError(
                        f"line is {len(raw):,} bytes, over the limit of {self.options.max_bytes:,}",
                        where=Location(file=name, line=number),
                        expected="a smaller conversation (raise the limit with --max-size)",
                        code="too_large",
                    )
                    yield _as_bad(error, position, len(raw))
                    continue
                source = _LineSource(name, raw.rstrip(b"\r\n"), number)
                try:
                    conversations = importer.parse(source, self.options)
                except InputError as exc:
                    if exc.code == "empty":
                        empty.append(number)  # nothing to analyse: noted, not an error
                        continue
                    yield _as_bad(exc, position, len(raw))
                    continue
                except Exception as exc:
                    yield _as_bad(exc, position, len(raw))
                    continue
                for warning in source.warnings:
                    self.notes.append(Note(name, f"line {number}: {warning}"))
                for conversation in conversations:
                    yield Read(position, conversation, len(raw))
        if empty:
            lines = ", ".join(str(n) for n in empty[:5]) + (", …" if len(empty) > 5 else "")
            self.notes.append(
                Note(name, f"skipped {len(empty):,} lines with no messages (line {lines})")
            )

    def _whole(self, path: Path, after: Position | None) -> Iterator[Read | Bad]:
        name = str(path)
        size = _size(path)
        try:
            if path.is_dir():
                from heard.importers.audio import read_call_folder

                conversations = read_call_folder(path, self.options)
                warnings: list[str] = []
            else:
                source = load_source(path, max_bytes=self.options.max_bytes)
                _, conversations = read_source(source, format=self.format, options=self.options)
                warnings = source.warnings
        except Exception as exc:
            if after is None:
                yield _as_bad(exc, Position(name, None, 0), size)
            return
        for warning in warnings:
            self.notes.append(Note(name, warning))
        share = size // max(1, len(conversations))
        for index, conversation in enumerate(conversations):
            if after is not None and index <= after.index:
                self.skipped_bytes += share
                continue
            last = index == len(conversations) - 1
            yield Read(
                Position(name, None, index),
                conversation,
                size - share * index if last else share,
            )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0
