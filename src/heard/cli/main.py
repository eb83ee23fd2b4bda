"""Entry point of the `heard` command; each sub-command lives in its own module."""

from __future__ import annotations

from typing import Annotated

import typer

from heard import __version__
from heard.cli import (
    analyzing,
    bench,
    bench_engines,
    bench_live,
    bench_store,
    calibrating,
    coaching,
    demoing,
    evaluating,
    generating,
    importing,
    ingesting,
    live,
    replying,
    reviewing,
    schema,
    securing,
    team,
    training,
)

app = typer.Typer(
    name="heard",
    help="heard: active-listening intelligence for customer service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"heard {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """heard: active-listening intelligence for customer service."""
    _check_embedding_settings()


def _check_embedding_settings() -> None:
    """A clear error and exit code 2, before any work, when HEARD_EMBED_MODEL,
    HEARD_EMBED_VARIANT or HEARD_EMBED_BACKEND names something unknown, or HEARD_OUTCOME_MODEL
    a file that is not there."""
    from heard import embed
    from heard.learn import check_outcome_settings

    try:
        embed.check_settings()
        check_outcome_settings()
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


importing.register(app)
ingesting.register(app)
analyzing.register(app)
evaluating.register(app)
schema.register(app)
training.register(app)
calibrating.register(app)
team.register(app)
generating.register(app)
demoing.register(app)
replying.register(app)
bench_store.register(bench.app)
bench_engines.register(bench.app)
bench_live.register(bench.app)
securing.register(bench.app)
app.add_typer(bench.app, name="bench")
app.add_typer(live.app, name="live")
app.add_typer(coaching.app, name="coach")
app.add_typer(reviewing.app, name="reviews")


def run() -> None:
    from heard.runtime import tune_gc

    tune_gc()
    app()
