"""`heard reviews export`: the answers reviewers gave in the team app and the decided disputes,
as JSON lines shaped like `heard train`'s examples (docs/web.md: reviews, disputes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from heard.cli.output import console, errors
from heard.cli.team import DatabaseOpt, _store

app = typer.Typer(help="Reviews made in the team app.", no_args_is_help=True)


@app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="JSON lines file to write.")],
    database: DatabaseOpt = None,
) -> None:
    """Write every answer of the submitted reviews (a checklist verdict per behaviour, an agree
    or disagree per finding, beside heard's answer), then every decided dispute (an agent's
    disagreement a lead accepted or rejected), to OUT, one JSON object a line."""
    from heard.store.records import Viewer
    from heard.store.reviews import export_jsonl

    store = _store(database)
    try:
        lines = 0
        with out.open("wb") as file:
            for line in export_jsonl(store, Viewer.system()):
                file.write(line)
                lines += 1
    except OSError as exc:
        errors.print(
            f"[red]error[/red] cannot write {escape(str(out))}: {escape(exc.strerror or '')}"
        )
        raise typer.Exit(1) from None
    finally:
        store.close()
    console.print(f"Wrote {lines} review label{'s' if lines != 1 else ''} to {escape(str(out))}.")
