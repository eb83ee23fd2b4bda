"""`heard bench store`: the store's and the API's speed (seed, batch ingest through the API,
dashboard and list latency), printed and optionally written to docs/performance.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heard.bench.docs import table, write_section
from heard.cli.bench import CORES, DOCS, WriteDocsOpt, encoder, machine_text, show
from heard.cli.output import JsonOpt, console, errors, print_json

NOpt = Annotated[int, typer.Option("--n", min=1, help="Conversations to seed.")]
DatabaseOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--database",
        help="Store URL, empty (repeat for several; default: a throwaway SQLite file).",
    ),
]
BatchOpt = Annotated[
    int, typer.Option("--batch", min=1, help="Conversations per API ingest batch.")
]
SampleOpt = Annotated[
    int, typer.Option("--sample", min=0, help="Conversations ingested through the API.")
]
RepeatOpt = Annotated[
    int, typer.Option("--repeat", min=1, help="Timed calls per endpoint and role.")
]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="Analysis processes.")]
ReuseOpt = Annotated[
    bool,
    typer.Option("--reuse", help="Use a database this bench already seeded with N."),
]
EmbeddingsOpt = Annotated[
    bool,
    typer.Option(
        "--embeddings/--no-embeddings",
        help="Run the detectors that need the sentence-embedding model (when installed).",
    ),
]
SeedEmbeddingsOpt = Annotated[
    bool | None,
    typer.Option(
        "--seed-embeddings/--no-seed-embeddings",
        help="Whether the seed's analysis runs the embedding detectors (default: as "
        "--embeddings, which rules the API ingest).",
    ),
]
DistinctOpt = Annotated[
    int,
    typer.Option(
        "--distinct",
        min=1,
        help="Distinct conversations the seed analyses; each is stored ceil(N / distinct) "
        "times under as many external ids.",
    ),
]
ClientsOpt = Annotated[
    int,
    typer.Option(
        "--clients",
        min=1,
        help="Clients posting batches at once for a second ingest measurement of --sample "
        "more conversations (1: one client only).",
    ),
]

ExportOpt = Annotated[
    int,
    typer.Option(
        "--export",
        min=0,
        help="Then export, as CSV streamed through the API, the newest weeks holding at least "
        "this many conversations (0: no export).",
    ),
]


def _store_rows(result: dict[str, object]) -> list[tuple[str, str]]:
    seed_rate = result["seed_conversations_per_s"]
    rows = [
        ("database", f"{result['database']} (`{result['url']}`)"),
        ("conversations stored", f"{result['conversations']:,}"),
        (
            "seed (generate, redact, analyse on the pool, bulk insert)",
            "reused an earlier seed"
            if seed_rate is None
            else f"{result['n']:,} in {result['seed_seconds']:.1f} s: {seed_rate:,} conversations/s"
            + f" ({result['seed_distinct']:,} distinct conversations analysed"
            + (
                f" in {result['seed_analyse_seconds']:.1f} s"
                if result["seed_analyse_seconds"] is not None
                else " by the run's first database"
            )
            + f", each stored {result['seed_copies']} times)",
        ),
        (
            f"batch ingest through the API ({result['batch']} per batch)",
            f"{result['ingest_conversations']:,} in {result['ingest_seconds']} s: "
            f"{result['ingest_conversations_per_s']:,} conversations/s",
        ),
    ]
    if result["ingest_concurrent_seconds"]:
        rows.append(
            (
                f"batch ingest through the API, {result['ingest_clients']} clients posting at once",
                f"{result['ingest_conversations']:,} in {result['ingest_concurrent_seconds']} s: "
                f"{result['ingest_concurrent_conversations_per_s']:,} conversations/s",
            )
        )
    for item in result["latency"]:  # type: ignore[attr-defined]
        rows.append(
            (
                f"{item['endpoint']} as {item['role']}",
                f"p50 {item['p50_ms']} ms, p95 {item['p95_ms']} ms, p99 {item['p99_ms']} ms"
                + ("" if item["statuses"] == [200] else f" (status {item['statuses']})"),
            )
        )
    exported = result.get("export")
    if exported:
        since = exported["since"]  # type: ignore[index]
        rows.append(
            (
                "export, CSV streamed through the API as admin"
                + (f" (conversations since {since})" if since else " (every conversation)"),
                f"{exported['rows']:,} rows, {exported['bytes'] / 1e6:.1f} MB in "  # type: ignore[index]
                f"{exported['seconds']} s: {exported['rows_per_s']:,} rows/s",  # type: ignore[index]
            )
        )
    if not result["dashboard_route"]:
        rows.append(("/dashboard", "no such route in this build: not measured"))
    load = result.get("load_average")
    if load:
        rows.append(
            (
                "machine load (1-minute average, 2 cores)",
                f"{load[0]} when the timed part began, {load[1]} when it ended",  # type: ignore[index]
            )
        )
    return rows


def bench_store_command(
    n: NOpt = 100_000,
    database: DatabaseOpt = None,
    batch: BatchOpt = 200,
    sample: SampleOpt = 2000,
    repeat: RepeatOpt = 20,
    workers: WorkersOpt = CORES,
    reuse: ReuseOpt = False,
    embeddings: EmbeddingsOpt = True,
    seed_embeddings: SeedEmbeddingsOpt = None,
    distinct: DistinctOpt = 10_000,
    clients: ClientsOpt = 2,
    export: ExportOpt = 100_000,
    as_json: JsonOpt = False,
    write_docs: WriteDocsOpt = False,
) -> None:
    """Store speed: seed N conversations, batch ingest through the API, dashboard latency."""
    import tempfile

    options = {
        "n": n,
        "batch": batch,
        "sample": sample,
        "repeat": repeat,
        "workers": workers,
        "reuse": reuse,
        "embeddings": embeddings,
        "seed_embeddings": seed_embeddings,
        "distinct": distinct,
        "clients": clients,
        "export": export,
    }
    with tempfile.TemporaryDirectory(prefix="heard-bench-") as scratch:
        urls = database or [f"sqlite:///{Path(scratch) / 'bench.db'}"]
        results = [_measure(url, as_json=as_json, **options) for url in urls]
    machine: dict[str, object] = results[0]["machine"]  # type: ignore[assignment]
    settings = _settings(**options)
    if as_json:
        print_json(results if len(results) > 1 else results[0])
    else:
        for result in results:
            show(f"heard bench store — {result['database']}", _store_rows(result))
        console.print(f"settings: {settings}")
        console.print(f"client: {results[0]['client']}")
        console.print(f"machine: {machine_text(machine)}, measured {machine['date']}")
    if write_docs:
        command = (
            f"heard bench store --n {n} "
            + "".join(f"--database {r['database']}… " for r in results if database)
            + f"--batch {batch} --sample {sample} --repeat {repeat} --workers {workers} "
            + f"--distinct {distinct} --clients {clients} --export {export} "
            + (
                ""
                if seed_embeddings is None
                else ("--seed-embeddings " if seed_embeddings else "--no-seed-embeddings ")
            )
            + ("" if embeddings else "--no-embeddings ")
            + ("--reuse " if reuse else "")
            + "--write-docs"
        )
        _write_docs(results, command=command, settings=settings, n=n)
        if not as_json:
            console.print(f"written to {DOCS}")


def _measure(url: str, *, as_json: bool, **options: object) -> dict[str, object]:
    """`heard.bench.storing.bench_store` on the store at `url` with `options`, its progress
    shown (unless `as_json`); a store error is printed and exits with 1."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from heard.bench.storing import bench_store
    from heard.store import StoreError

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=as_json,
        transient=True,
    ) as progress:
        tasks: dict[str, object] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done)  # type: ignore[arg-type]

        try:
            return bench_store(url, progress=report, **options).to_dict()  # type: ignore[arg-type]
        except StoreError as exc:
            errors.print(f"[red]error[/red] {exc}")
            raise typer.Exit(1) from None


def _settings(
    *,
    n: int,
    batch: int,
    sample: int,
    repeat: int,
    workers: int,
    reuse: bool,
    embeddings: bool,
    seed_embeddings: bool | None,
    distinct: int,
    clients: int,
    export: int,
) -> str:
    """The settings a store benchmark ran with, as one sentence."""
    return (
        f"n={n:,}, batch={batch}, sample={sample:,}, repeat={repeat} per endpoint and role, "
        f"workers={workers}, API ingest with "
        + (
            f"every detector (sentence encoder {encoder()})"
            if embeddings
            else "no detector that needs sentence embeddings"
        )
        + f"; the seed analyses {min(distinct, n):,} distinct generated conversations (redacted, "
        "with "
        + (
            "every detector"
            if (embeddings if seed_embeddings is None else seed_embeddings)
            else "no detector that needs sentence embeddings"
        )
        + "; every scorecard the pipeline's own) and stores each "
        f"{-(-n // min(distinct, n))} times under as many external ids"
        + (" (a reused seed was made with these settings)" if reuse else "")
        + "; the API ingest posts one untimed batch, then one batch at a time"
        + (
            f", then another {sample:,} conversations from {clients} clients posting at once"
            f" (an equal share each, in batches of at most {batch:,})"
            if clients > 1
            else ""
        )
        + "; ANALYZE after the seed (VACUUM ANALYZE on PostgreSQL), then a checkpoint (on "
        "PostgreSQL where the role may); "
        "filters drawn at random "
        "(none, agent, channel, date range, score + behaviour done, emotion / escalation / "
        "predicted outcome / notes / survey answer); a search is one or two words drawn from "
        "the seed's own (six letters or more), with such filters; moments over one week"
        + (
            f"; the export is the newest whole weeks holding at least {export:,} conversations"
            if export
            else ""
        )
    )


TARGETS = (
    "dashboard and list answer in ≤ 300 ms (p95) at 100,000 conversations; batch ingest "
    "through the API ≥ 250 conversations/s including analysis on 2 cores"
)
TARGETS_AT_SCALE = (
    "at 1,000,000 stored conversations, search + filters (the API's list and the "
    "conversations page) answer in ≤ 300 ms (p95) on SQLite and PostgreSQL, and an export "
    "of 100,000 rows streams in ≤ 30 s"
)


def section(n: int) -> str:
    """The docs section of a store benchmark of `n` conversations (100,000: the usual one)."""
    return "bench-store" if n == 100_000 else f"bench-store-{n}"


def _write_docs(results: list[dict[str, object]], *, command: str, settings: str, n: int) -> None:
    """Record the store benchmark's figures, one table per database, in DOCS (a section of
    its own for each size of store)."""
    machine: dict[str, object] = results[0]["machine"]  # type: ignore[assignment]
    size = "" if n == 100_000 else f", {n:,} conversations"
    body = (
        f"## Store and API (`heard bench store`{size})\n\n"
        f"Command: `{command}`\n\n"
        f"Settings: {settings}. Client: {results[0]['client']}; a request's time is the "
        "server's plus the in-process hop.\n\n"
        f"Machine: {machine_text(machine)}; measured {machine['date']}.\n\n"
        f"Targets: {TARGETS if n < 1_000_000 else TARGETS_AT_SCALE}.\n"
    )
    for result in results:
        body += f"\n### {result['database']}\n\n" + table(_store_rows(result)) + "\n"
    write_section(DOCS, section(n), body)


def register(app: typer.Typer) -> None:
    """Add `heard bench store` to the `heard bench` app."""
    app.command("store")(bench_store_command)
