"""`heard coach`: coaching language — samples of heard's suggestions on real conversations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heard.cli.bench import shared_data_dir
from heard.cli.output import console

app = typer.Typer(
    help="Coaching language: heard's suggestions on real conversations.", no_args_is_help=True
)

DOCS = Path("docs/coaching-samples.md")


@app.command("samples")
def samples_command(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="The shared data folder (star/, harper_valley_bank/)."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="The Markdown file to write.")] = DOCS,
    count: Annotated[int, typer.Option("--count", min=1, help="Suggestions to write.")] = 150,
    star: Annotated[int, typer.Option("--star", min=1, help="STAR chats to sample.")] = 800,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sample.")] = 19,
) -> None:
    """Write COUNT suggestions (tips, nudges and reply-check suggestions) for real STAR chats
    and Harper Valley calls, each with the moment it answers, to a Markdown file anyone can
    read. Exit code 1 when a suggestion breaks one of the mechanical grammar rules."""
    from heard.analysis import Analyzer
    from heard.coaching.samples import collect, load, markdown

    folder = data or shared_data_dir()
    if folder is None or not (folder / "star" / "star.jsonl").is_file():
        raise typer.BadParameter(
            "no shared data folder with star/star.jsonl (pass --data DIR)", param_hint="--data"
        )
    conversations = load(folder, star=star, seed=seed)
    samples = collect(conversations, Analyzer(), count=count, seed=seed)
    command = f"heard coach samples --data ../shared/data --out {out}"
    if (count, star, seed) != (150, 800, 19):
        command += f" --count {count} --star {star} --seed {seed}"
    out.write_text(markdown(samples, command=command, conversations=len(conversations)) + "\n")
    broken = [s for s in samples if s.problems]
    console.print(
        f"{len(samples)} suggestions from {len(conversations)} conversations written to {out}; "
        f"{len(broken)} break a grammar rule"
    )
    if broken:
        raise typer.Exit(1)
