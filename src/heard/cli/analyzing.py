"""`heard analyze`: score conversations and show the evidence, for people or scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from heard.cli.importing import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    FormatOpt,
    check_format,
    run_imports,
)
from heard.cli.output import console, errors, print_json
from heard.errors import InputError
from heard.importers import ImportOptions
from heard.model import Conversation, Polarity, Scorecard, Verdict

POLARITY_STYLE = {Polarity.POSITIVE: "green", Polarity.NEGATIVE: "red", Polarity.NEUTRAL: "blue"}
VERDICT_MARK = {
    Verdict.DONE: "[green]✓[/green]",
    Verdict.MISSED: "[red]✗[/red]",
    Verdict.NOT_APPLICABLE: "[dim]–[/dim]",
}


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze_command(
        files: Annotated[list[Path], typer.Argument(help="Files or folders to analyse.")],
        format: FormatOpt = "auto",
        output: Annotated[
            str, typer.Option("--output", "-o", help="text (default) or json.")
        ] = "text",
        rubric: Annotated[
            Path | None, typer.Option("--rubric", help="A rubric TOML file (default: heard's).")
        ] = None,
    ) -> None:
        """Score each conversation: findings with evidence, scorecard, coaching tips.

        Several conversations are analysed together, so agent replies that are near-duplicates
        of a reply in another of them are marked as template replies.
        """
        from heard.analysis import Analyzer, load_rubric

        check_format(format)
        if output not in ("text", "json"):
            raise typer.BadParameter("use text or json", param_hint="--output")
        try:
            analyzer = Analyzer(rubric=load_rubric(rubric))
        except InputError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(2) from None
        results = run_imports(
            files,
            format=format,
            options=ImportOptions(),
            redact=False,
            show_progress=output == "text",
        )
        loaded: list[tuple[str, Conversation]] = []
        for result in results:
            if result.error is not None:
                errors.print(f"[red]error[/red] {escape(result.error['text'])}")
                continue
            loaded.extend((result.file, c) for c in result.conversations)
        # several conversations are analysed together: replies copied between them are marked
        conversations = [c for _, c in loaded]
        analyses = (
            analyzer.analyze_many(conversations)
            if len(conversations) > 1
            else [analyzer.analyze(c) for c in conversations]
        )
        reports = []
        for (file, conversation), analysis in zip(loaded, analyses, strict=True):
            if output == "json":
                reports.append(
                    {
                        "file": file,
                        "scorecard": analysis.scorecard.model_dump(mode="json"),
                        "skipped": analysis.skipped,
                    }
                )
            else:
                print_report(conversation, analysis.scorecard, analysis.skipped)
        if output == "json":
            print_json(reports)
        raise typer.Exit(EXIT_SOME_FAILED if any(r.error for r in results) else EXIT_OK)


def print_report(conversation: Conversation, card: Scorecard, skipped: dict[str, str]) -> None:
    score = "n/a" if card.listening_score is None else f"{card.listening_score:.0f}"
    console.rule(
        f"[bold]{escape(conversation.id)}[/bold] · {conversation.channel.value} · "
        f"Listening Score [bold]{score}[/bold]/100"
    )
    by_turn: dict[int, list] = {}
    for finding in card.findings:
        by_turn.setdefault(finding.spans[0].turn, []).append(finding)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for turn in conversation.turns:
        text = turn.text
        marks = sorted(by_turn.get(turn.index, []), key=lambda f: f.spans[0].start)
        rendered, cursor = "", 0
        for finding in marks:
            span = finding.spans[0]
            if span.start < cursor or span.end - span.start >= len(text):
                continue
            style = POLARITY_STYLE[finding.polarity]
            rendered += escape(text[cursor : span.start])
            rendered += f"[{style} underline]{escape(text[span.start : span.end])}[/]"
            cursor = span.end
        rendered += escape(text[cursor:])
        labels = " ".join(f"[{POLARITY_STYLE[f.polarity]}]⟨{f.behaviour}⟩[/]" for f in marks)
        grid.add_row(
            f"{turn.index} {turn.role.value}", rendered + (f"  {labels}" if labels else "")
        )
    console.print(grid)
    table = Table(title="Scorecard", show_edge=False)
    table.add_column("component")
    table.add_column("score", justify="right")
    table.add_column("weight", justify="right")
    for component in card.components:
        table.add_row(
            component.component,
            "n/a" if component.score is None else f"{component.score:.0f}",
            f"{component.weight:g}",
        )
    console.print(table)
    console.print(
        "[bold]Checklist[/bold]  "
        + "  ".join(f"{VERDICT_MARK[item.verdict]} {item.behaviour}" for item in card.checklist)
    )
    shown = {k: v for k, v in card.metrics.items() if v is not None}
    if shown:
        console.print("[bold]Metrics[/bold]  " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    for n, tip in enumerate(card.tips, start=1):
        console.print(f"[bold]Tip {n}[/bold] {escape(tip.message)}")
        if tip.suggestion:
            console.print(f"       try: [italic]{escape(tip.suggestion)}[/italic]")
    for name, reason in skipped.items():
        console.print(f"[dim]skipped {name}: {reason}[/dim]")
    console.print()
