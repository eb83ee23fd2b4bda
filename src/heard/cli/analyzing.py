"""`heard analyze`: score conversations and show the evidence, for people or scripts."""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from heard.cli.archiving import EngineOpt, RayAddressOpt, WorkersOpt, run_archive
from heard.cli.importing import (
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_USAGE,
    AgentChannelOpt,
    AsrModelOpt,
    FileResult,
    RedactedAudioOpt,
    RoleOpt,
    SpeakersOpt,
    TimingOnlyOpt,
    build_options,
    check_format,
    check_redacted_audio,
    expand,
    print_redacted_audio,
    run_imports,
    save_redacted_audio,
)
from heard.cli.output import console, errors, write_atomically
from heard.errors import InputError
from heard.importers.base import DEFAULT_MAX_BYTES
from heard.model import Conversation, Scorecard
from heard.report import ConversationReport

if TYPE_CHECKING:
    from heard.analysis import Analyzer
    from heard.importers import ImportOptions

REPORT_WIDTH = 100
"""Columns of a text report written to a file."""


class ReportFormat(StrEnum):
    """What `heard analyze` writes."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"
    JSONL = "jsonl"
    PARQUET = "parquet"


ARCHIVE_FORMATS = (ReportFormat.JSONL, ReportFormat.PARQUET)
"""Formats written as results come, one row a conversation, resumable (`heard.cli.archiving`)."""

SUFFIX_FORMATS = {".jsonl": ReportFormat.JSONL, ".ndjson": ReportFormat.JSONL}
SUFFIX_FORMATS[".parquet"] = ReportFormat.PARQUET


def render_text(reports: list[ConversationReport], *, target: Console) -> None:
    from heard.report import print_report, print_summary

    for report in reports:
        print_report(report, target)
    if len(reports) > 1:
        print_summary(reports, target)


ReportFormatOpt = Annotated[
    ReportFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Report format: text (terminal), json (scorecards for scripts), "
        "markdown, html (one self-contained file); or, for archives of any size, jsonl "
        "or parquet (a scorecard a row, written as it comes, resumable). Default: from "
        "the --out suffix (.jsonl, .parquet), else text.",
        show_default=False,
    ),
]
InputFormatOpt = Annotated[
    str,
    typer.Option("--input-format", help="Input format name (see heard formats), or auto."),
]
ReportOutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", help="Write the report to this file (atomically) instead of stdout."
    ),
]
RubricOpt = Annotated[
    Path | None, typer.Option("--rubric", help="A rubric TOML file (default: heard's).")
]
BatchOpt = Annotated[
    int,
    typer.Option(
        "--batch",
        min=1,
        help="jsonl/parquet: conversations analysed together (template replies are "
        "found among them).",
    ),
]
OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="jsonl/parquet: replace the results in --out instead of resuming them.",
    ),
]
SummaryJsonOpt = Annotated[
    bool, typer.Option("--json", help="jsonl/parquet: print a JSON summary of the run.")
]


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_command)


def analyze_command(
    files: Annotated[list[Path], typer.Argument(help="Files or folders to analyse.")],
    format: ReportFormatOpt = None,
    input_format: InputFormatOpt = "auto",
    out: ReportOutOpt = None,
    rubric: RubricOpt = None,
    agent_channel: AgentChannelOpt = None,
    asr_model: AsrModelOpt = None,
    timing_only: TimingOnlyOpt = False,
    speakers: SpeakersOpt = None,
    role: RoleOpt = [],  # noqa: B006 - typer reads the default, never mutated
    redacted_audio: RedactedAudioOpt = None,
    engine: EngineOpt = None,
    workers: WorkersOpt = None,
    ray_address: RayAddressOpt = None,
    batch: BatchOpt = 256,
    overwrite: OverwriteOpt = False,
    as_json: SummaryJsonOpt = False,
) -> None:
    """Score each conversation: findings with evidence, scorecard, coaching tips.

    Several conversations make one report: markdown and html put a summary table on top
    and a section per conversation; they are analysed together, so agent replies that are
    near-duplicates of a reply in another of them are marked as template replies.

    Archives of any size: --out results.jsonl or results.parquet streams the inputs
    (never all in memory), analyses them on --engine in batches, writes each batch's
    scorecards as it is done and, run again, goes on after the last one written.

    Exit codes: 0 all analysed, 1 some files or rows could not be read (the rest are still
    analysed), 2 usage error, 3 the engine failed (rerun to resume), 130 interrupted.
    """
    from heard.analysis import Analyzer, load_rubric

    check_format(input_format, option="--input-format")
    check_redacted_audio(redacted_audio, timing_only=timing_only)
    if format is None:
        suffix = out.suffix.lower() if out is not None else ""
        format = SUFFIX_FORMATS.get(suffix, ReportFormat.TEXT)
    options = build_options(
        role,
        [],
        None,
        DEFAULT_MAX_BYTES / 1024 / 1024,
        agent_channel=agent_channel,
        asr_model=asr_model,
        timing_only=timing_only,
        speakers=speakers,
    )
    _check_out(out)
    if format in ARCHIVE_FORMATS:
        _analyze_archive(
            files,
            format,
            out=out,
            input_format=input_format,
            options=options,
            rubric=rubric,
            engine=engine,
            workers=workers,
            ray_address=ray_address,
            batch=batch,
            overwrite=overwrite,
            as_json=as_json,
        )
    if as_json:
        raise typer.BadParameter(
            "--json is for jsonl and parquet results; for a JSON report use --format json",
            param_hint="--json",
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
    loaded, failures = _loaded(results)
    # several conversations are analysed together: replies copied between them are marked
    conversations = [c for _, c in loaded]
    scored = _score(analyzer, conversations, engine, workers, ray_address)
    reports = [
        ConversationReport(conversation=conversation, scorecard=card, skipped=skipped, file=file)
        for (file, conversation), (card, skipped) in zip(loaded, scored, strict=True)
    ]
    _write_reports(reports, format, out, failures)
    raise typer.Exit(EXIT_SOME_FAILED if failures else EXIT_OK)


def _check_out(out: Path | None) -> None:
    """A usage error when --out names a report format rather than a file."""
    if out is not None and not out.suffix and out.name in {f.value for f in ReportFormat}:
        raise typer.BadParameter(
            f"{out.name!r} looks like a report format; use --format {out.name} "
            "(--out/-o names the file to write)",
            param_hint="--out",
        )


def _analyze_archive(
    files: list[Path],
    format: ReportFormat,
    *,
    out: Path | None,
    input_format: str,
    options: ImportOptions,
    rubric: Path | None,
    engine: str | None,
    workers: int | None,
    ray_address: str | None,
    batch: int,
    overwrite: bool,
    as_json: bool,
) -> NoReturn:
    """`heard analyze` to jsonl or parquet results (`heard.cli.archiving`): exits with the
    run's exit code."""
    if format == ReportFormat.PARQUET and out is None:
        raise typer.BadParameter("parquet results need --out FOLDER", param_hint="--out")
    if as_json and out is None:
        raise typer.BadParameter(
            "--json and jsonl results both write to standard output; add --out FILE",
            param_hint="--json",
        )
    raise typer.Exit(
        run_archive(
            expand(files),
            out=out,
            format=format.value,
            input_format=input_format,
            options=options,
            rubric=rubric,
            engine=engine,
            workers=workers,
            ray_address=ray_address,
            batch=batch,
            overwrite=overwrite,
            as_json=as_json,
        )
    )


def _loaded(results: list[FileResult]) -> tuple[list[tuple[str, Conversation]], list[str]]:
    """The conversations read, each with its file, and the errors of the files that could not
    be read (printed, with each file's warnings, as they are met)."""
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
    return loaded, failures


def _write_reports(
    reports: list[ConversationReport],
    format: ReportFormat,
    out: Path | None,
    failures: list[str],
) -> None:
    """The report of `reports` in `format`, on the terminal, standard output or `out`."""
    if format == ReportFormat.TEXT and out is None:
        render_text(reports, target=console)
        return
    text = _render(reports, format, failures)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        write_atomically(out, text)
    except OSError as exc:
        errors.print(f"[red]error[/red] cannot write {escape(str(out))}: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    count = f"{len(reports)} conversation{'s' if len(reports) != 1 else ''}"
    errors.print(f"wrote {format.value} report of {count} to {escape(str(out))}")


def _score(
    analyzer: Analyzer,
    conversations: list[Conversation],
    engine: str | None,
    workers: int | None,
    ray_address: str | None,
) -> list[tuple[Scorecard, dict[str, str]]]:
    """Scorecards and skip reasons: on the local engine in this process (a report is a few
    conversations), on another engine as one batch."""
    from heard.engines import EngineError, engine_name, open_engine

    try:
        name = engine_name(engine)
        if name == "local" or not conversations:
            if ray_address:
                raise EngineError("--ray-address is for --engine ray", usage=True)
            analyses = (
                analyzer.analyze_many(conversations)
                if len(conversations) > 1
                else [analyzer.analyze(c) for c in conversations]
            )
            return [(a.scorecard, a.skipped) for a in analyses]
        with open_engine(
            name, workers=workers, rubric=analyzer.rubric, ray_address=ray_address
        ) as chosen:
            done = [s for batch in chosen.score([conversations]) for s in batch]
        return [(s.scorecard, s.skipped) for s in done]
    except EngineError as exc:
        errors.print(f"[red]error[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE if exc.usage else 3) from None


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
