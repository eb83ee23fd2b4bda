"""`heard bench security`, `heard bench fuzz` and `heard bench writers`: the figures of
docs/security.md (issue 18), printed and optionally written there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from heard.bench.docs import table, write_section
from heard.cli.bench import machine_text, show
from heard.cli.output import JsonOpt, console, errors, print_json

SECURITY_DOCS = Path("docs/security.md")

SECURITY_HEADER = """# Security

What heard protects, and how. Figures in marked sections are written by commands
(`heard bench security --write-docs`, …), never by hand; each names the machine and
settings it was measured with.
"""


def _latency(found: dict[str, Any]) -> str:
    if not found["n"]:
        return "none measured"
    return f"p50 {found['p50']} ms, p95 {found['p95']} ms ({found['n']:,} requests)"


def _answers(phase: dict[str, Any]) -> str:
    named = {"401": "wrong password (checked)", "429": "throttled", "503": "busy"}
    return ", ".join(
        f"{count:,} × {status} {named.get(status, '')}".rstrip()
        for status, count in phase["statuses"].items()
    )


def _security_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    settings: dict[str, Any] = result["settings"]
    one: dict[str, Any] = result["one_address"]
    crowd: dict[str, Any] = result["crowd"]
    throttled = one["throttled_after"]
    argon2 = settings["argon2"]
    limits = settings["sign_in"]
    return [
        (
            f"{settings['attempts']} wrong sign-ins in {settings['seconds']:g} s, one address, "
            "one account",
            _answers(one)
            + (
                f"; throttled (429) after {throttled} checked attempts"
                if throttled is not None
                else "; never throttled (429)"
            )
            + f"; longest Retry-After {one['longest_retry_after_s']} s",
        ),
        (
            f"{settings['crowd']} attackers at once from {settings['crowd']} addresses for "
            f"{settings['crowd_seconds']:g} s (unknown emails)",
            f"{crowd['attempts']:,} attempts: {_answers(crowd)}",
        ),
        (
            "server memory (RSS of the server and its children)",
            f"idle {result['idle_rss_mb']} MB, peak {result['peak_rss_mb']} MB: "
            f"**+{result['peak_over_idle_mb']} MB** over idle",
        ),
        ("signed-in user's token GET, before", _latency(result["before"]["user_ms"])),
        ("… during the one-address attack", _latency(one["user_ms"])),
        ("… during the crowd", _latency(crowd["user_ms"])),
        (
            "signed-in user's errors during the attacks",
            f"{one['user_errors'] + crowd['user_errors']}",
        ),
        (
            "settings",
            f"argon2id t={argon2['time_cost']}, m={argon2['memory_kib'] // 1024} MiB, "
            f"p={argon2['parallelism']}; "
            + ", ".join(f"{k.removeprefix('sign_in_')}={v}" for k, v in limits.items())
            + f"; each crowd attacker tries again when answered, at most every "
            f"{settings['crowd_pace_s']:g} s; the user's GET /api/v1/me every "
            f"{settings['probe_every_s'] * 1000:g} ms; client and server on this machine "
            "(loopback), SQLite store",
        ),
        (
            "machine busy (CPU pressure)",
            "not available"
            if result["cpu_pressure_percent"] is None
            else f"some task waited for a CPU {result['cpu_pressure_percent']} % of the run",
        ),
    ]


def bench_security_command(
    attempts: Annotated[
        int, typer.Option("--attempts", min=1, help="Wrong sign-ins from one address.")
    ] = 200,
    seconds: Annotated[
        float, typer.Option("--seconds", min=0.1, help="Seconds they are spread over.")
    ] = 10.0,
    crowd: Annotated[
        int,
        typer.Option("--crowd", min=1, max=10_000, help="Attackers at once, one address each."),
    ] = 40,
    crowd_seconds: Annotated[
        float, typer.Option("--crowd-seconds", min=0.1, help="Seconds the crowd attacks.")
    ] = 10.0,
    quiet_seconds: Annotated[
        float,
        typer.Option("--quiet-seconds", min=0.1, help="Seconds the user is timed before."),
    ] = 5.0,
    as_json: JsonOpt = False,
    write_docs: Annotated[
        bool, typer.Option("--write-docs", help=f"Record the figures in {SECURITY_DOCS}.")
    ] = False,
) -> None:
    """Sign-in under attack on a real `heard serve`: throttling, memory, other users' latency."""
    from heard.bench.security import bench_security

    result = bench_security(
        attempts=attempts,
        seconds=seconds,
        crowd=crowd,
        crowd_seconds=crowd_seconds,
        quiet_seconds=quiet_seconds,
        progress=None if as_json else (lambda text: errors.print(f"[dim]{text}[/dim]")),
    )
    machine: dict[str, object] = result["machine"]
    rows = [
        *_security_rows(result),
        ("machine", machine_text(machine)),
        ("measured", str(machine["date"])),
        (
            "targets",
            "throttled after a handful; peak within 100 MB of idle; the user's p50 unaffected",
        ),
    ]
    if as_json:
        print_json(result)
    else:
        show("heard bench security", rows)
    if write_docs:
        body = (
            "### Sign-in under attack (`heard bench security`)\n\n"
            f"Command: `heard bench security --attempts {attempts} --seconds {seconds:g} "
            f"--crowd {crowd} --crowd-seconds {crowd_seconds:g} --write-docs`\n\n" + table(rows)
        )
        write_section(SECURITY_DOCS, "sign-in", body, header=SECURITY_HEADER)
        if not as_json:
            console.print(f"written to {SECURITY_DOCS}")


PostgresOpt = Annotated[
    str | None,
    typer.Option(
        "--postgres",
        envvar="HEARD_BENCH_POSTGRES",
        help="Also run on this PostgreSQL server (a fresh database is made and dropped), "
        "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres.",
    ),
]
WriteSecurityOpt = Annotated[
    bool, typer.Option("--write-docs", help=f"Record the figures in {SECURITY_DOCS}.")
]


def _databases(postgres: str | None) -> list[tuple[str, str | None]]:
    """(name, URL for the bench) of each database to run on: SQLite, then PostgreSQL if asked."""
    return [("SQLite", None)] + ([("PostgreSQL", postgres)] if postgres else [])


def _statuses(statuses: dict[str, int]) -> str:
    return ", ".join(f"{count:,} × {status}" for status, count in statuses.items()) or "none"


def _fuzz_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    settings: dict[str, Any] = result["settings"]
    rows = [
        (
            f"{result['database']}: cases",
            f"{result['cases']:,} ({settings['operations']} operations × "
            f"{len(settings['roles'])} roles × {settings['cases_per_operation_and_role']}) "
            f"in {result['seconds']:g} s",
        ),
        (
            f"{result['database']}: server errors (5xx or an exception)",
            f"**{result['server_errors']}**",
        ),
    ]
    for role, found in result["roles"].items():
        rows.append((f"… as {role}", f"{found['cases']:,} cases: {_statuses(found['statuses'])}"))
    failures = result["failures"]
    rows.append(
        (
            f"{result['database']}: other checks failed",
            ", ".join(f"{name} × {count:,}" for name, count in failures.items()) or "none",
        )
    )
    return rows


def _fuzz_findings(results: list[dict[str, Any]]) -> str:
    """The distinct failures of the checks other than server errors, once each, with the
    operations and databases they were seen on."""
    from heard.bench.fuzzing import distinct_failures

    seen: dict[tuple[str, str], dict[str, set[str]]] = {}
    first: dict[tuple[str, str], str] = {}
    for result in results:
        for role, check, operation, message in distinct_failures(result):
            entry = seen.setdefault((check, operation), {"roles": set(), "databases": set()})
            entry["roles"].add(role)
            entry["databases"].add(result["database"])
            first.setdefault((check, operation), message)
    if not seen:
        return "No check failed.\n"
    lines = [
        "| check | operation | roles | databases | first message |",
        "| --- | --- | --- | --- | --- |",
    ]
    for (check, operation), entry in sorted(seen.items()):
        message = first[(check, operation)].replace("|", "\\|")
        lines.append(
            f"| {check} | `{operation}` | {', '.join(sorted(entry['roles']))} | "
            f"{', '.join(sorted(entry['databases']))} | {message[:160]} |"
        )
    return "\n".join(lines) + "\n"


def bench_fuzz_command(
    cases: Annotated[
        int,
        typer.Option("--cases", min=1, max=100_000, help="Generated cases per operation and role."),
    ] = 60,
    roles: Annotated[
        list[str] | None,
        typer.Option("--role", help="Fuzz as this role (repeatable; default: all four)."),
    ] = None,
    postgres: PostgresOpt = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated cases.")] = 18,
    as_json: JsonOpt = False,
    write_docs: WriteSecurityOpt = False,
) -> None:
    """schemathesis against the API with every check, as admin, lead, agent and anonymous, on
    SQLite and (with --postgres) PostgreSQL. Exit code 1 on any server error."""
    from heard.bench.fuzzing import ROLES, bench_fuzz

    chosen = tuple(roles or ROLES)
    unknown = [role for role in chosen if role not in ROLES]
    if unknown:
        raise typer.BadParameter(
            f"unknown role {unknown[0]!r}; expected one of {', '.join(ROLES)}", param_hint="--role"
        )
    results = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=as_json,
    ) as progress:
        for name, url in _databases(postgres):
            task = progress.add_task(f"fuzzing on {name}", total=None)
            results.append(
                bench_fuzz(
                    database_url=url,
                    cases=cases,
                    roles=chosen,
                    seed=seed,
                    started=lambda total, task=task: progress.update(task, total=total),
                    advance=lambda role, operation, task=task, name=name: progress.update(
                        task, advance=1, description=f"{name}: {role} {operation}"[:60]
                    ),
                )
            )
    rows = [row for result in results for row in _fuzz_rows(result)]
    machine: dict[str, object] = results[0]["machine"]
    settings = results[0]["settings"]
    remade = sum(r["roles"][role]["credentials_remade"] for r in results for role in r["roles"])
    rows += [
        (
            "settings",
            f"schemathesis {settings['schemathesis']}, checks: {', '.join(settings['checks'])}; "
            f"{settings['generation']} (invalid cases include missing or mangled credentials, "
            "answered 401); the app in this process on a fresh store seeded with the demo "
            "(2 teams, their leads and agents, conversations, notes, surveys); a fuzzed admin "
            "call that takes the fuzzer's own token or role away is undone before the next case "
            f"({remade} times)",
        ),
        ("machine", machine_text(machine)),
        ("measured", str(machine["date"])),
        ("target", "0 server errors, ≥ 10,000 cases on each database"),
    ]
    server_errors = sum(result["server_errors"] for result in results)
    if as_json:
        print_json({"results": results, "server_errors": server_errors})
    else:
        show("heard bench fuzz", rows)
        for result in results:
            for role, found in result["roles"].items():
                for example in found["server_error_examples"]:
                    errors.print(f"[red]{result['database']} {role}: {example}[/red]")
    if write_docs:
        command = f"heard bench fuzz --cases {cases}"
        command += "".join(f" --role {role}" for role in roles or ())
        command += " --postgres URL" if postgres else ""
        body = (
            "### schemathesis, every check, every role (`heard bench fuzz`)\n\n"
            f"Command: `{command} --write-docs`\n\n"
            + table(rows)
            + "\n\nWhat the other checks found (each is a rule stricter than the schema can say — "
            "turn indexes counting 0, 1, 2, a file heard can read, one of two fields — or a "
            "status the schema does not list; none is a server error):\n\n"
            + _fuzz_findings(results)
        )
        write_section(SECURITY_DOCS, "fuzz", body, header=SECURITY_HEADER)
        if not as_json:
            console.print(f"written to {SECURITY_DOCS}")
    if server_errors:
        raise typer.Exit(1)


def _writers_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    checks: dict[str, int] = result["checks"]
    database = result["database"]
    return [
        (
            f"{database}: answers",
            f"{result['requests']:,} requests in {result['seconds']:g} s: "
            f"{_statuses(result['statuses'])}; {result['retries']} retried after 409",
        ),
        (f"{database}: server errors", f"**{result['server_errors']}**"),
        (
            f"{database}: batches given up, transport errors",
            f"{len(result['failed_batches'])}, {len(result['transport_errors'])}",
        ),
        (
            f"{database}: the store afterwards",
            ("**consistent**" if result["consistent"] else "**not consistent**")
            + ": "
            + ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in checks.items()),
        ),
    ]


def bench_writers_command(
    clients: Annotated[int, typer.Option("--clients", min=2, max=64, help="Clients at once.")] = 4,
    conversations: Annotated[
        int,
        typer.Option("--conversations", min=1, max=100_000, help="Conversations each posts."),
    ] = 120,
    batch: Annotated[
        int, typer.Option("--batch", min=1, max=1000, help="Conversations per request.")
    ] = 20,
    postgres: PostgresOpt = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the demo conversations.")] = 18,
    as_json: JsonOpt = False,
    write_docs: WriteSecurityOpt = False,
) -> None:
    """Concurrent writers on a real `heard serve`: every client posts the same conversations,
    edited its own way, in shuffled batches at once; then the store is checked. Exit code 1
    on any server error or an inconsistent store."""
    from heard.bench.writers import bench_writers, fresh_postgres

    results = []
    for name, url in _databases(postgres):
        say = (
            None
            if as_json
            else (lambda text, name=name: errors.print(f"[dim]{name}: {text}[/dim]"))
        )
        if url is None:
            results.append(
                bench_writers(
                    clients=clients,
                    conversations=conversations,
                    batch=batch,
                    seed=seed,
                    progress=say,
                )
            )
        else:
            with fresh_postgres(url) as fresh:
                results.append(
                    bench_writers(
                        database_url=fresh,
                        clients=clients,
                        conversations=conversations,
                        batch=batch,
                        seed=seed,
                        progress=say,
                    )
                )
    machine: dict[str, object] = results[0]["machine"]
    rows = [row for result in results for row in _writers_rows(result)]
    rows += [
        (
            "settings",
            f"{clients} clients × {conversations} conversations in batches of {batch} "
            "(POST /api/v1/conversations/batch), each client's copy edited its own way and its "
            "batches shuffled, all started at once; a 409 is sent again after Retry-After; "
            "`heard serve` with 2 ingest workers, client and server on this machine",
        ),
        ("machine", machine_text(machine)),
        ("measured", str(machine["date"])),
        ("target", "0 × 500 on PostgreSQL, the store consistent"),
    ]
    bad = any(result["server_errors"] or not result["consistent"] for result in results)
    if as_json:
        print_json({"results": results, "failed": bad})
    else:
        show("heard bench writers", rows)
    if write_docs:
        command = f"heard bench writers --clients {clients} --conversations {conversations}"
        command += f" --batch {batch}" + (" --postgres URL" if postgres else "")
        body = (
            "### Concurrent writers (`heard bench writers`)\n\n"
            f"Command: `{command} --write-docs`\n\n"
            "The store is consistent when each conversation is one row holding one client's "
            "version, with one current scorecard, and the copies of the current scores and the "
            "daily rollups equal what the scorecards give.\n\n" + table(rows)
        )
        write_section(SECURITY_DOCS, "writers", body, header=SECURITY_HEADER)
        if not as_json:
            console.print(f"written to {SECURITY_DOCS}")
    if bad:
        raise typer.Exit(1)


def register(bench: typer.Typer) -> None:
    """Add the security benchmarks to `heard bench`."""
    bench.command("security")(bench_security_command)
    bench.command("fuzz")(bench_fuzz_command)
    bench.command("writers")(bench_writers_command)
