"""The CLI reference (docs/cli.md), rendered from the commands' own --help."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

HEADER = """# CLI reference

Generated from `--help` by `python -m heard.cli.reference > docs/cli.md`; a test keeps it in
step with the code. Exit codes everywhere: 0 success, 1 some input failed (the rest was still
processed), 2 usage error.
"""


def command_paths(app: typer.Typer) -> list[list[str]]:
    """Every command and sub-command, as argument lists: [], ["import"], ["bench", "import"]…"""

    def walk(command: Any, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if not getattr(sub, "hidden", False):
                found += walk(sub, [*path, name])
        return found

    return walk(typer.main.get_command(app), [])


def render(app: typer.Typer) -> str:
    runner = CliRunner()
    parts = [HEADER]
    for path in command_paths(app):
        result = runner.invoke(
            app, [*path, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1"}, prog_name="heard"
        )
        title = " ".join(["heard", *path])
        parts.append(f"## `{title}`\n\n```text\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    from heard.cli.main import app as heard_app

    print(render(heard_app), end="")
