"""The importer registry: built-in formats and third-party ones from entry points."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from heard.errors import InputError, Location, input_error_from_validation
from heard.importers.base import DEFAULT_MAX_BYTES, Importer, ImportOptions, Source
from heard.model import Conversation
from heard.plugins import Registry

ENTRY_POINT_GROUP = "heard.importers"

_REGISTRY: Registry[Importer] = Registry(
    kind="importer",
    package="heard.importers",
    group=ENTRY_POINT_GROUP,
    skip=frozenset({"base", "registry", "streaming"}),  # modules holding no importer
)
register = _REGISTRY.register


def importers() -> dict[str, type[Importer]]:
    """Every registered importer by name, in registration order."""
    return _REGISTRY.all()


def get(name: str) -> Importer:
    """The importer registered under `name`, or an InputError listing the known ones."""
    found = importers().get(name)
    if found is None:
        raise InputError(
            f"unknown format {name!r}",
            expected=f"one of: auto, {', '.join(sorted(importers()))}",
            code="unknown_format",
        )
    return found()


def sniff(source: Source) -> Importer:
    """The importer most sure it can read `source`, or an InputError when none is."""
    best: tuple[float, Importer] | None = None
    for cls in importers().values():
        importer = cls()
        score = importer.sniff(source)
        if score > 0 and (best is None or score > best[0]):
            best = (score, importer)
    if best is None:
        # Say what is wrong where we can: undecodable bytes, then broken JSON.
        if source.text.lstrip().startswith(("{", "[")):
            source.json  # noqa: B018 - raises the located syntax error
        raise InputError(
            "could not recognise the format",
            where=source.where(),
            expected="a known format; name it with --format (see `heard formats`)",
            code="unknown_format",
        )
    return best[1]


def read_source(
    source: Source, *, format: str = "auto", options: ImportOptions | None = None
) -> tuple[str, list[Conversation]]:
    """(format name, conversations) for one source."""
    options = options or ImportOptions()
    importer = sniff(source) if format == "auto" else get(format)
    try:
        return importer.name, importer.parse(source, options)
    except ValidationError as exc:  # a value an importer checked without locating it
        found = input_error_from_validation(exc, source.where())
        raise InputError(
            f"{exc.title}: {found.message}",
            where=found.where,
            expected=found.expected,
            code=found.code,
        ) from exc


def load_source(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """The file's bytes as a Source; refuses missing, unreadable and over-size files."""
    path = Path(path)
    where = Location(file=str(path))
    try:
        if not path.is_file():
            raise InputError(
                "no such file" if not path.exists() else "not a regular file",
                where=where,
                expected="a readable file",
                code="not_a_file",
            )
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"file is {size:,} bytes, over the limit of {max_bytes:,}",
                where=where,
                expected="a smaller file (raise the limit with --max-size)",
                code="too_large",
            )
        return Source(str(path), path.read_bytes())
    except OSError as exc:
        raise InputError(
            f"cannot read: {exc.strerror or exc}",
            where=where,
            expected="a readable file",
            code="not_a_file",
        ) from exc


def read_file(
    path: str | Path, *, format: str = "auto", options: ImportOptions | None = None
) -> tuple[str, list[Conversation]]:
    """(format name, conversations) for one file."""
    options = options or ImportOptions()
    return read_source(
        load_source(path, max_bytes=options.max_bytes), format=format, options=options
    )
