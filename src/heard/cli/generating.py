"""`heard generate`: write the generated demo team's conversations as heard JSON Lines."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from heard.cli.importing import EXIT_OK, EXIT_USAGE, write_jsonl
from heard.cli.output import JsonOpt, console, errors, print_json
from heard.model import Conversation

PROGRESS_FROM = 2_000
"""Show a progress bar when writing at least this many conversations."""


def register(app: typer.Typer) -> None:
    @app.command("generate")
    def generate_command(
        out: Annotated[
            Path, typer.Option("--out", "-o", help="JSON Lines file to write; - for stdout.")
        ],
        weeks: Annotated[int, typer.Option("--weeks", min=1, help="Weeks of conversations.")] = 8,
        seed: Annotated[int, typer.Option("--seed", help="Same seed, same team and text.")] = 7,
        n: Annotated[
            int | None,
            typer.Option(
                "--n",
                min=0,
                help="Write exactly N conversations spread over the agents and weeks "
                "(default: --per-agent-per-week for every agent and week).",
            ),
        ] = None,
        per_agent_per_week: Annotated[
            int, typer.Option("--per-agent-per-week", min=1, help="Conversations per agent-week.")
        ] = 12,
        agents_per_team: Annotated[
            int, typer.Option("--agents-per-team", min=1, help="Agents in each team.")
        ] = 5,
        start: Annotated[
            str | None,
            typer.Option(
                "--start",
                help="Monday of the first week, YYYY-MM-DD (default: the last WEEKS full weeks).",
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Generate the demo team: agents whose listening skills drift (one star, improving,
        steady and one declining agent) and their calls, chats and emails, written as heard JSON
        Lines that `heard import` and `heard analyze` read. See docs/demo.md.

        Exit codes: 0 written, 2 usage error.
        """
        from heard.demo import default_start, generate_team, iter_conversations, roster
        from heard.demo.team import TEAMS

        if as_json and str(out) == "-":
            raise typer.BadParameter(
                "--json and --out - both write to standard output", param_hint="--out"
            )
        first = _parse_start(start) if start is not None else default_start(weeks)
        agents = roster(seed=seed, weeks=weeks, agents_per_team=agents_per_team, teams=TEAMS)
        total = n if n is not None else len(agents) * weeks * per_agent_per_week
        if n is not None:
            stream: Iterator[Conversation] = iter_conversations(
                n, seed=seed, weeks=weeks, agents_per_team=agents_per_team, start=first
            )
        else:
            team = generate_team(
                seed=seed,
                weeks=weeks,
                agents_per_team=agents_per_team,
                per_agent_per_week=per_agent_per_week,
                start=first,
            )
            stream = iter(team.conversations)
        channels: Counter[str] = Counter()

        def counted(conversations: Iterator[Conversation]) -> Iterator[Conversation]:
            for conversation in conversations:
                channels[conversation.channel.value] += 1
                yield conversation

        started = time.perf_counter()
        written = _write(
            counted(stream), out, total=total, bar=total >= PROGRESS_FROM and not as_json
        )
        seconds = time.perf_counter() - started
        summary: dict[str, Any] = {
            "out": str(out),
            "conversations": written,
            "seed": seed,
            "weeks": weeks,
            "start": first.isoformat(),
            "channels": dict(sorted(channels.items())),
            "seconds": round(seconds, 2),
            "agents": [
                {"id": a.id, "name": a.name, "team": a.team, "email": a.email, "trend": a.trend}
                for a in agents
            ],
        }
        if as_json:
            print_json(summary)
        elif str(out) != "-":
            _print_summary(summary)
        raise typer.Exit(EXIT_OK)


def _write(stream: Iterator[Conversation], out: Path, *, total: int, bar: bool) -> int:
    """Write `stream` to `out` as JSON Lines (with a progress bar of `total` when `bar` and
    `out` is a file): how many were written. A file that cannot be written exits with 2."""
    try:
        if bar and str(out) != "-":
            with Progress(
                TextColumn("generating"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=errors,
                transient=True,
            ) as progress:
                task = progress.add_task("generate", total=total)

                def advancing(items: Iterator[Conversation]) -> Iterator[Conversation]:
                    for item in items:
                        yield item
                        progress.advance(task)

                return write_jsonl(advancing(stream), out)
        return write_jsonl(stream, out)
    except OSError as exc:
        errors.print(f"[red]error[/red] cannot write {escape(str(out))}: {exc}")
        raise typer.Exit(EXIT_USAGE) from None


def _parse_start(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-01-05", param_hint="--start"
        ) from None


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(title="heard generate")
    for column in ("agent", "name", "team", "trend"):
        table.add_column(column)
    for agent in summary["agents"]:
        table.add_row(agent["id"], agent["name"], agent["team"], agent["trend"])
    console.print(table)
    channels = ", ".join(f"{k} {v:,}" for k, v in summary["channels"].items())
    console.print(
        f"{summary['conversations']:,} conversations ({channels}) over {summary['weeks']} weeks "
        f"from {summary['start']}, seed {summary['seed']}; written to "
        f"{escape(summary['out'])}",
        soft_wrap=True,  # a path stays whole, for people and for grep
    )
