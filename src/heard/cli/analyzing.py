"""`heard analyze`: score conversations and show the evidence, for people or scripts."""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from heard.cli.importing import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_USAGE,
    AgentChannelOpt,
    AsrModelOpt,
    RedactedAudioOpt,
    TimingOnlyOpt,
    build_options,
    check_format,
    check_redacted_audio,
    print_redacted_audio,
    run_imports,
    save_redacted_audio,
)
from heard.cli.output import console, errors, write_atomically
from heard.errors import InputError
from heard.importers.base import DEFAULT_MAX_BYTES
from heard.model import Conversation
from heard.report import ConversationReport

REPORT_WIDTH = 100
"""Columns of a text report written to a file."""


class ReportFormat(StrEnum):
    """What `heard analyze` writes."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


def render_text(reports: list[ConversationReport], *, target: Console) -> None:
    from heard.report import print_report, print_summary

    for report in reports:
        print_report(report, target)
    if len(reports) > 1:
        print_summary(reports, target)


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze_command(
        files: Annotated[list[Path], typer.Argument(help="Files or folders to analyse.")],
        format: Annotated[
            ReportFormat,
            typer.Option(
                "--format",
                "-f",
                help="Report format: text (terminal), json (scorecards for scripts), "
                "markdown, or html (one self-contained file).",
            ),
        ] = ReportFormat.TEXT,
        input_format: Annotated[
            str,
            typer.Option("--input-format", help="Input format name (see heard formats), or auto."),
        ] = "auto",
        out: Annotated[
            Path | None,
            typer.Option(
                "--out", "-o", help="Write the report to this file (atomically) instead of stdout."
            ),
        ] = None,
        rubric: Annotated[
            Path | None, typer.Option("--rubric", help="A rubric TOML file (default: heard's).")
        ] = None,
        agent_channel: AgentChannelOpt = None,
        asr_model: AsrModelOpt = None,
        timing_only: TimingOnlyOpt = False,
        redacted_audio: RedactedAudioOpt = None,
    ) -> None:
        """Score each conversation: findings with evidence, scorecard, coaching tips.

        Several conversations make one report: markdown and html put a summary table on top
        and a section per conversation; they are analysed together, so agent replies that are
        near-duplicates of a reply in another of them are marked as template replies. Exit
        codes: 0 all analysed, 1 some files could not be read (the rest are still reported),
        2 usage error.
        """
        from heard.analysis import Analyzer, load_rubric

        check_format(input_format, option="--input-format")
        check_redacted_audio(redacted_audio, timing_only=timing_only)
        options = build_options(
            [],
            [],
            None,
            DEFAULT_MAX_BYTES / 1024 / 1024,
            agent_channel=agent_channel,
            asr_model=asr_model,
            timing_only=timing_only,
        )
        if out is not None and not out.suffix and out.name in {f.value for f in ReportFormat}:
            raise typer.BadParameter(
                f"{out.name!r} looks like a report format; use --format {out.name} "
                "(--out/-o names the file to write)",
                param_hint="--out",
            )
        if out is not None and out.is_dir():
            raise typer.BadParameter(f"{out} is a folder", param_hint="--out")
        try:
            analyzer = Analyzer(rubric=load_rubric(rubric))
        except InputError as exc:
            errors.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(EXIT_USAGE) from None
        results = run_imports(
            files,
            format=input_format,
            options=options,
            redact=redacted_audio is not None,  # the report shows what the copy hides
            show_progress=format == ReportFormat.TEXT or out is not None,
        )
        if redacted_audio is not None:  # (on stderr: stdout may be the report)
            print_redacted_audio(save_redacted_audio(results, redacted_audio, options), errors)
        loaded: list[tuple[str, Conversation]] = []
        failures: list[str] = []
        for result in results:
            if result.error is not None:
                failures.append(result.error["text"])
                errors.print(f"[red]error[/red] {escape(result.error['text'])}")
                continue
            for warning in result.warnings:
                errors.print(f"[yellow]note[/yellow] {escape(result.file)}: {escape(warning)}")
            loaded.extend((result.file, c) for c in result.conversations)
        # several conversations are analysed together: replies copied between them are marked
        conversations = [c for _, c in loaded]
        analyses = (
            analyzer.analyze_many(conversations)
            if len(conversations) > 1
            else [analyzer.analyze(c) for c in conversations]
        )
        reports = [
            ConversationReport(
                conversation=conversation,
                scorecard=analysis.scorecard,
                skipped=analysis.skipped,
                file=file,
            )
            for (file, conversation), analysis in zip(loaded, analyses, strict=True)
        ]
        if format == ReportFormat.TEXT and out is None:
            render_text(reports, target=console)
        else:
            text = _render(reports, format, failures)
            if out is None:
                typer.echo(text, nl=False)
            else:
                try:
                    write_atomically(out, text)
                except OSError as exc:
                    errors.print(f"[red]error[/red] cannot write {escape(str(out))}: {exc}")
                    raise typer.Exit(EXIT_USAGE) from None
                count = f"{len(reports)} conversation{'s' if len(reports) != 1 else ''}"
                errors.print(f"wrote {format.value} report of {count} to {escape(str(out))}")
        raise typer.Exit(EXIT_SOME_FAILED if failures else EXIT_OK)


def _render(reports: list[ConversationReport], format: ReportFormat, failures: list[str]) -> str:
    """The report as one string, for stdout or a file."""
    match format:
        case ReportFormat.JSON:
            import orjson

            rows = [
                {
                    "file": r.file,
                    "scorecard": r.scorecard.model_dump(mode="json"),
                    "skipped": r.skipped,
                }
                for r in reports
            ]
            return orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n"
        case ReportFormat.MARKDOWN:
            from heard.report import render_markdown

            return render_markdown(reports, errors=failures)
        case ReportFormat.HTML:
            from heard.report import render_html

            return render_html(reports, errors=failures)
    buffer = io.StringIO()
    render_text(
        reports,
        target=Console(file=buffer, width=REPORT_WIDTH, no_color=True, highlight=False),
    )
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
