"""Write benchmark and evaluation figures into a Markdown file, one marked section each."""

from __future__ import annotations

import re
from pathlib import Path

HEADER = """# Performance

Figures in this file are written by `heard bench … --write-docs`, never by hand.
Each section names the machine and settings it was measured with; re-run the command to refresh it.
"""


def write_section(path: Path, name: str, body: str, *, header: str = HEADER) -> None:
    """Replace (or append) the section between `<!-- name -->` markers in a Markdown file."""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else header
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def table(rows: list[tuple[str, str]]) -> str:
    lines = ["| measure | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)
