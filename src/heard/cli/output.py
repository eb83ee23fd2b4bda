"""Where the CLI writes: rich consoles for people, plain JSON for scripts."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
"""The --json flag every command with output for scripts takes."""

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)
"""Errors are never wrapped: a path or a message must stay whole for people and for grep."""


def print_json(value: Any) -> None:
    """JSON on stdout, for scripts (no colour, no wrapping)."""
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def write_atomically(path: Path, text: str) -> None:
    """Write a text file so that a failed run leaves any old file intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
