"""The terminal report: transcript with highlighted moments, scorecard, checklist, metrics,
customer emotion trajectory and tips, printed with rich."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from heard.model import Polarity, Verdict
from heard.report.content import (
    ConversationReport,
    agent_name,
    findings_by_turn,
    label,
    metric_text,
    outcome_text,
    score_text,
    segments,
    trajectory,
)

POLARITY_STYLE = {Polarity.POSITIVE: "green", Polarity.NEGATIVE: "red", Polarity.NEUTRAL: "blue"}
VERDICT_MARK = {
    Verdict.DONE: "[green]✓[/green]",
    Verdict.MISSED: "[red]✗[/red]",
    Verdict.NOT_APPLICABLE: "[dim]–[/dim]",
}


def print_report(report: ConversationReport, console: Console) -> None:
    """Print one conversation's report."""
    conversation, card = report.conversation, report.scorecard
    agent = agent_name(conversation)
    console.rule(
        f"[bold]{escape(conversation.id)}[/bold] · {conversation.channel.value}"
        + (f" · agent {escape(agent)}" if agent else "")
        + f" · Listening Score [bold]{score_text(card.listening_score)}[/bold]/100"
    )
    outcome = outcome_text(card)
    if outcome:
        console.print(f"[dim]{escape(outcome)}[/dim]")
    by_turn = findings_by_turn(card)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for turn in conversation.turns:
        marks = by_turn.get(turn.index, [])
        rendered = ""
        for piece in segments(turn, marks):
            if piece.polarity is None:
                rendered += escape(piece.text)
            else:
                rendered += f"[{POLARITY_STYLE[piece.polarity]} underline]{escape(piece.text)}[/]"
        if not turn.text and turn.start is not None and turn.end is not None:
            rendered = f"[dim]{turn.start:.1f}–{turn.end:.1f} s (timing only)[/dim]"
        labels = " ".join(
            f"[{POLARITY_STYLE[f.polarity]}]⟨{escape(label(f).replace(': ', '='))}⟩[/]"
            for f in marks
        )
        grid.add_row(
            f"{turn.index} {turn.role.value}", rendered + (f"  {labels}" if labels else "")
        )
    console.print(grid)
    table = Table(title="Scorecard", show_edge=False)
    table.add_column("component")
    table.add_column("score", justify="right")
    table.add_column("weight", justify="right")
    for component in card.components:
        table.add_row(component.component, score_text(component.score), f"{component.weight:g}")
    console.print(table)
    checklist = Table.grid(padding=(0, 1))
    checklist.add_column(no_wrap=True)
    checklist.add_column()
    for verdict, word in (
        (Verdict.DONE, "done"),
        (Verdict.MISSED, "missed"),
        (Verdict.NOT_APPLICABLE, "n/a"),
    ):
        names = [item.behaviour for item in card.checklist if item.verdict == verdict]
        if names:
            checklist.add_row(f"{VERDICT_MARK[verdict]} {word}", ", ".join(names))
    console.print("[bold]Checklist[/bold]")
    console.print(checklist)
    shown = {k: v for k, v in card.metrics.items() if v is not None}
    if shown:
        console.print(
            "[bold]Metrics[/bold]  "
            + ", ".join(f"{k}={escape(metric_text(v))}" for k, v in shown.items())
        )
    if card.emotions:
        console.print(
            f"[bold]Customer emotion[/bold]  {escape(trajectory(card.emotions).describe())}"
        )
    tips = Table.grid(padding=(0, 1))
    tips.add_column(no_wrap=True)
    tips.add_column()
    for n, tip in enumerate(card.tips, start=1):
        text = escape(tip.message)
        if tip.suggestion:
            text += f"\n[dim]try:[/dim] [italic]{escape(tip.suggestion)}[/italic]"
        tips.add_row(f"[bold]Tip {n}[/bold]", text)
    console.print(tips)
    for name, reason in report.skipped.items():
        console.print(f"[dim]skipped {escape(name)}: {escape(reason)}[/dim]")
    console.print()


def print_summary(reports: Sequence[ConversationReport], console: Console) -> None:
    """A table of every conversation's Listening Score, emotion trajectory and first tip."""
    table = Table(title="Summary", show_edge=False)
    table.add_column("conversation", overflow="fold")
    table.add_column("channel")
    table.add_column("score", justify="right")
    table.add_column("customer emotion")
    table.add_column("top tip", overflow="fold")
    for report in reports:
        card = report.scorecard
        table.add_row(
            escape(report.conversation.id),
            report.conversation.channel.value,
            score_text(card.listening_score),
            escape(trajectory(card.emotions).describe()),
            escape(card.tips[0].behaviour) if card.tips else "",
        )
    console.print(table)
