"""Where the CLI writes: rich consoles for people, plain JSON for scripts."""

from __future__ import annotations

import sys
from typing import Any

import orjson
from rich.console import Console

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)
"""Errors are never wrapped: a path or a message must stay whole for people and for grep."""


def print_json(value: Any) -> None:
    """JSON on stdout, for scripts (no colour, no wrapping)."""
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()
