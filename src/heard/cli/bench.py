"""`heard bench …`: speed and memory figures, printed and optionally written to the docs.

This module holds the `heard bench` app, what its commands share (finding the data, showing
the figures, recording them in docs/performance.md) and `bench import` and `bench analyze`;
`bench store` is `heard.cli.bench_store`'s, `bench engines` is `heard.cli.bench_engines`',
`bench live` and `bench audio` are `heard.cli.bench_live`'s, and the security figures are
`heard.cli.securing`'s."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from heard.bench.docs import table, write_section
from heard.cli.output import JsonOpt, console, errors, print_json

app = typer.Typer(
    help="Measure speed and memory (figures go to docs/performance.md).", no_args_is_help=True
)

DOCS = Path("docs/performance.md")
WriteDocsOpt = Annotated[bool, typer.Option("--write-docs", help=f"Record the figures in {DOCS}.")]
CORES = os.cpu_count() or 1
"""The default `--workers` of the analysis and store benchmarks: one process per core."""


def shared_data_dir() -> Path | None:
    """The shared labelled data: $HEARD_SHARED_DATA, else ../shared/data from here."""
    candidates = [os.environ.get("HEARD_SHARED_DATA"), "../shared/data", "shared/data"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def machine_text(machine: dict[str, object]) -> str:
    return (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Python {machine['python']}, heard {machine['heard']}"
    )


def show(title: str, rows: list[tuple[str, str]]) -> None:
    shown = Table(title=title)
    shown.add_column("measure")
    shown.add_column("value")
    for key, value in rows:
        shown.add_row(key, value.replace("`", ""))
    console.print(shown)


def data_folder(data: Path | None, under: str) -> Path:
    """`--data` when given, else the folder `under` the shared data (a usage error when it
    is not there)."""
    if data is not None:
        return data
    shared = shared_data_dir()
    if shared is None or not (shared / under).is_dir():
        raise typer.BadParameter(
            f"no --data given and ../shared/data/{under} not found (set HEARD_SHARED_DATA "
            "or pass --data FOLDER)",
            param_hint="--data",
        )
    return shared / under


def figures(run: Callable[[], dict[str, object]]) -> dict[str, object]:
    """What `run` measured; an input error is printed and exits with 1."""
    from heard.errors import InputError

    try:
        return run()
    except InputError as exc:
        errors.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from None


def report(
    result: dict[str, object],
    found: list[tuple[str, str]],
    *,
    title: str,
    target: str,
    as_json: bool,
    write_docs: bool,
    section: str,
    heading: str,
    command: str,
) -> None:
    """Show a benchmark's rows followed by the machine, the date and the `target` (or its
    JSON), and with `write_docs` record them in DOCS under `heading` with the `command`."""
    machine: dict[str, object] = result["machine"]  # type: ignore[assignment]
    found = [
        *found,
        ("machine", machine_text(machine)),
        ("measured", str(machine["date"])),
        ("target", target),
    ]
    if as_json:
        print_json(result)
    else:
        show(title, found)
    if write_docs:
        body = f"## {heading}\n\nCommand: `{command}`\n\n" + table(found)
        write_section(DOCS, section, body)
        if not as_json:
            console.print(f"written to {DOCS}")


def default_import_data() -> Path:
    shared = shared_data_dir()
    if shared is not None and (shared / "star" / "star.jsonl").is_file():
        return shared / "star" / "star.jsonl"
    raise typer.BadParameter(
        "no --data given and ../shared/data/star/star.jsonl not found "
        "(set HEARD_SHARED_DATA or pass --data FILE)",
        param_hint="--data",
    )


@app.command("import")
def bench_import_command(
    data: Annotated[Path | None, typer.Option("--data", help="File to import.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="Input format.")] = "auto",
    repeat: Annotated[int, typer.Option("--repeat", min=1, help="Timed runs per stage.")] = 3,
    redact: Annotated[
        bool, typer.Option("--redact/--no-redact", help="Also time redaction.")
    ] = True,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes for the parallel stage.")
    ] = os.cpu_count() or 1,
    as_json: JsonOpt = False,
    write_docs: WriteDocsOpt = False,
) -> None:
    """Import throughput: turns/s to parse, redact and write JSONL; peak memory."""
    from heard.bench.importing import bench_import
    from heard.errors import InputError

    path = data or default_import_data()
    try:
        result = bench_import(
            path, format=format, repeat=repeat, redact=redact, workers=workers
        ).to_dict()
    except InputError as exc:
        errors.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from None
    machine = result["machine"]
    rows = [
        (
            "data",
            f"`{Path(str(result['file'])).name}` ({result['format']}, "
            f"{result['size_mb']} MB, {result['conversations']:,} conversations, "
            f"{result['turns']:,} turns)",
        ),
        (
            "parse (median of runs)",
            f"{result['parse_turns_per_s']:,} turns/s, "
            f"{result['parse_conversations_per_s']:,} conversations/s",
        ),
    ]
    if "redact_turns_per_s" in result:
        rows.append(("redact", f"{result['redact_turns_per_s']:,} turns/s"))
        rows.append(("parse + redact", f"{result['parse_and_redact_turns_per_s']:,} turns/s"))
    if "parallel_turns_per_s" in result:
        rows.append(
            (
                f"parse{' + redact' if redact else ''}, {result['workers']} processes",
                f"{result['parallel_turns_per_s']:,} turns/s, "
                f"{result['parallel_conversations_per_s']:,} conversations/s",
            )
        )
    rows += [
        ("write JSONL", f"{result['write_jsonl_turns_per_s']:,} turns/s"),
        ("peak RSS", f"{result['peak_rss_mb']} MB"),
        (
            "settings",
            f"repeat={result['repeat']}, format={format}, stages one process unless marked",
        ),
        ("machine", machine_text(machine)),  # type: ignore[arg-type]
        ("measured", str(machine["date"])),  # type: ignore[index]
        ("target", "≥ 20,000 turns/s on 2 cores"),
    ]
    if as_json:
        print_json(result)
    else:
        show("heard bench import", rows)
    if write_docs:
        body = (
            "## Import (`heard bench import`)\n\n"
            f"Command: `heard bench import --data {path.name} --repeat {repeat} "
            f"--workers {workers}"
            f"{'' if redact else ' --no-redact'} --write-docs`\n\n" + table(rows)
        )
        write_section(DOCS, "bench-import", body)
        if not as_json:
            console.print(f"written to {DOCS}")


@app.command("analyze")
def bench_analyze_command(
    data: Annotated[
        Path | None, typer.Option("--data", help="Conversations to analyse (default: STAR).")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="Input format.")] = "auto",
    n: Annotated[
        int, typer.Option("--n", min=1, help="Analyse the first N usable conversations.")
    ] = 1000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes for the throughput run.")
    ] = CORES,
    as_json: JsonOpt = False,
    write_docs: WriteDocsOpt = False,
) -> None:
    """Analysis speed with every default detector: conversations/s, latency, memory."""
    from heard.bench.analyzing import bench_analyze
    from heard.errors import InputError

    path = data or default_import_data()
    try:
        result = bench_analyze(path, format=format, n=n, workers=workers).to_dict()
    except InputError as exc:
        errors.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from None
    rows = _analyze_rows(result, n=n, workers=workers)
    if as_json:
        print_json(result)
    else:
        show("heard bench analyze", rows)
    if write_docs:
        detectors: dict[str, float] = result["detector_ms_per_conversation"]  # type: ignore[assignment]
        _write_analyze_docs(rows, detectors, path=path, n=n, workers=workers)
        if not as_json:
            console.print(f"written to {DOCS}")


def _analyze_rows(result: dict[str, object], *, n: int, workers: int) -> list[tuple[str, str]]:
    """The rows `heard bench analyze` shows for its `result`."""
    machine: dict[str, object] = result["machine"]  # type: ignore[assignment]
    latency: dict[str, float] = result["latency_ms"]  # type: ignore[assignment]
    detectors: dict[str, float] = result["detector_ms_per_conversation"]  # type: ignore[assignment]
    rows = [
        (
            "data",
            f"`{Path(str(result['file'])).name}` ({result['format']}), first "
            f"{result['conversations']:,} conversations with both parties, "
            f"{result['turns']:,} turns",
        ),
        (
            "1 process",
            f"{result['conversations_per_s']:,} conversations/s, {result['turns_per_s']:,} turns/s",
        ),
        (
            "latency per conversation",
            f"p50 {latency['p50']} ms, p90 {latency['p90']} ms, p99 {latency['p99']} ms, "
            f"max {latency['max']} ms",
        ),
    ]
    if "parallel_conversations_per_s" in result:
        rows.append(
            (
                f"{result['workers']} processes",
                f"{result['parallel_conversations_per_s']:,} conversations/s, "
                f"{result['parallel_turns_per_s']:,} turns/s",
            )
        )
    rows += [
        ("startup (load rubric, lexicons, models)", f"{result['startup_seconds']} s"),
        (
            "slowest stages (ms per conversation)",
            ", ".join(f"{k} {v}" for k, v in list(detectors.items())[:5]),
        ),
        (
            "peak RSS",
            f"{result['peak_rss_mb']} MB main process"
            + (
                f", {result['worker_peak_rss_mb']} MB per worker"
                if result.get("worker_peak_rss_mb")
                else ""
            ),
        ),
        ("torch loaded", "yes" if result["torch_loaded"] else "no"),
        (
            "settings",
            f"default rubric, every registered detector, n={n}, workers={workers}, "
            f"sentence encoder {encoder()}",
        ),
        ("machine", machine_text(machine)),
        ("measured", str(machine["date"])),
        ("target", "≥ 100 conversations/s for STAR chats on 2 cores, ≤ 600 MB, no torch"),
    ]
    return rows


def _write_analyze_docs(
    rows: list[tuple[str, str]],
    detectors: dict[str, float],
    *,
    path: Path,
    n: int,
    workers: int,
) -> None:
    """Record the analysis figures in DOCS."""
    body = (
        "## Analysis (`heard bench analyze`)\n\n"
        f"Command: `heard bench analyze --data {path.name} --n {n} --workers {workers} "
        "--write-docs`\n\n" + table(rows) + "\n\nTime per stage, ms per conversation "
        "(single process):\n\n" + table([(k, str(v)) for k, v in detectors.items()])
    )
    write_section(DOCS, "bench-analyze", body)


def encoder() -> str:
    """The sentence encoder the meaning detectors run on, as the analysis version names it."""
    from heard import embed

    return embed.identity() if embed.available() else "not installed"
