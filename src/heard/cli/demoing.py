"""`heard demo`: a fresh store with the examples and a generated team, sign-ins, then serve."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from heard.cli.output import console, errors

if TYPE_CHECKING:
    from heard.demo.site import DemoSite
    from heard.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
"""The bundled examples of a source checkout (the demo loads them when present)."""


def default_database() -> str:
    """A new SQLite file in a fresh temporary folder: the demo never touches your store."""
    folder = Path(tempfile.mkdtemp(prefix="heard-demo-"))
    return f"sqlite:///{folder / 'demo.db'}"


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_command(
        database: Annotated[
            str | None,
            typer.Option(
                "--database",
                help="Store URL to fill; it must be empty (default: a new SQLite file in a "
                "temporary folder, printed).",
                show_default=False,
            ),
        ] = None,
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
        weeks: Annotated[
            int, typer.Option("--weeks", min=1, max=52, help="Weeks of the generated team.")
        ] = 8,
        per_week: Annotated[
            int,
            typer.Option("--per-week", min=1, max=200, help="Conversations per agent per week."),
        ] = 12,
        examples: Annotated[
            Path | None,
            typer.Option(
                "--examples",
                help="A folder of example conversations to load too (default: the bundled "
                "examples when heard runs from its source folder).",
                show_default=False,
            ),
        ] = None,
        serve: Annotated[
            bool, typer.Option("--serve/--no-serve", help="Serve the app after loading.")
        ] = True,
    ) -> None:
        """Load the examples and a generated team into a fresh store, print sign-ins, serve."""
        from heard.demo.site import example_conversations, seed_store
        from heard.ingest import IngestService
        from heard.settings import Settings
        from heard.store import Store, Viewer, accounts

        url = database or default_database()
        folder = examples if examples is not None else (EXAMPLES if EXAMPLES.is_dir() else None)
        if examples is not None and not examples.is_dir():
            raise typer.BadParameter(f"{examples} is not a folder", param_hint="--examples")
        settings = Settings(database_url=url)
        store = Store.from_settings(settings)
        ingest = IngestService.from_settings(store, settings)
        try:
            if store.list_conversations(Viewer.system(), limit=1).total or accounts.list_users(
                store
            ):
                errors.print(
                    f"[red]error[/red] the store at {escape(url)} is not empty; "
                    "heard demo fills a new one (leave out --database)"
                )
                raise typer.Exit(1)
            started = time.perf_counter()
            found = example_conversations(folder) if folder else []
            with Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=errors,
                transient=False,
            ) as bar:
                task = bar.add_task("analysing and storing", total=None)

                def advance(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                site = seed_store(
                    store,
                    ingest=ingest,
                    examples=found,
                    weeks=weeks,
                    per_agent_per_week=per_week,
                    progress=advance,
                )
            seconds = time.perf_counter() - started
        finally:
            ingest.close()
            store.close()
        _print_sign_ins(site, url=url, examples=len(found), seconds=seconds)
        if not serve:
            return
        _serve(settings, host=host, port=port)


def _print_sign_ins(site: DemoSite, *, url: str, examples: int, seconds: float) -> None:
    """What the demo loaded and the sign-ins to try (the first three agents)."""
    console.print(
        f"demo store {escape(url)}: {site.conversations:,} conversations "
        f"({examples} examples), {site.notes} coaching notes, {site.surveys} survey "
        f"answers, loaded in {seconds:.1f} s"
    )
    console.print("sign in with (password for everyone: " + site.sign_ins[0].password + ")")
    shown_agents = 0
    for sign_in in site.sign_ins:
        if sign_in.role.value == "agent":
            shown_agents += 1
            if shown_agents > 3:
                continue
        console.print(f"  {sign_in.role.value:<6} {sign_in.email}  ({escape(sign_in.detail)})")
    agents = sum(1 for s in site.sign_ins if s.role.value == "agent")
    if agents > 3:
        console.print(f"  … and {agents - 3} more agents, each firstname.lastname@larkspur.example")


def _serve(settings: Settings, *, host: str, port: int) -> None:
    """Serve the demo's app until Ctrl-C."""
    import uvicorn

    from heard.web import create_app
    from heard.web.logs import log_config, log_uncaught

    console.print(f"open http://{host}:{port}/ — Ctrl-C stops the demo")
    log_uncaught()
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        log_config=log_config(settings.log_format, level="warning"),
        proxy_headers=False,  # the app believes X-Forwarded-* from trusted_proxies only
    )
