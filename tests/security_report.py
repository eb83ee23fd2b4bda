"""`pytest --security-report tests/…`: the security regression tests' own report (issue 18).

Each test of the modules below counts towards one defect or target; after the run the counts
of passed, failed and skipped tests per database (SQLite, PostgreSQL, or neither for tests
that need no store) are written into the marked `tests` section of docs/security.md, with the
machine and the date, so the figures there come from a run, never from a hand. `make
security-report` runs them all (`pytest --security-report tests`: only these tests run)."""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

GROUPS: dict[str, tuple[str, ...]] = {
    "1 cross-team matrix: every write path × every role × own / other team / missing, every "
    "route with an id, live ids; 0 wrongly allowed, 0 existence leaks": (
        "web/api/test_cross_team.py",
        "live/test_ws_cross_team.py",
        "web/api/test_matrix.py",
    ),
    "2 revocation, deactivation, role change and sign-out reach open sockets": (
        "live/test_ws_credentials.py",
        "web/test_sockets.py",
        "store/test_credentials.py",
    ),
    "3 concurrent writers (4 clients, shuffled edited batches, real server): 0 × 500, consistent": (
        "store/test_concurrent_ingest.py",
        "cli/test_bench_fuzz_writers.py",
    ),
    "4, 5 bad strings, lengths, dates, empty conversations; schemathesis as every role": (
        "web/api/test_bad_values.py",
        "web/pages/test_page_values.py",
        "live/test_live_values.py",
        "model/test_values.py",
        "web/api/test_schemathesis.py",
    ),
    "6, 7 personal data at rest and in logs: 0 raw matches in database files and logs": (
        "web/test_personal_data_at_rest.py",
        "store/test_redaction_at_rest.py",
        "live/test_ws_redaction.py",
        "web/test_logs.py",
    ),
    "8 sign-in throttling": (
        "web/test_throttle.py",
        "web/api/test_sign_in.py",
        "cli/test_bench_security.py",
    ),
    "9 one large live turn": ("live/test_ws_limits.py",),
    "10 orphaned workers": ("store/test_workers.py",),
    "11 headers, sessions, tokens, survey links, last admin": (
        "web/api/test_sessions_headers.py",
        "store/test_access.py",
    ),
}
DOCS = Path(__file__).resolve().parent.parent / "docs" / "security.md"
DATABASE = re.compile(r"[\[-](sqlite|postgresql)[\]-]")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--security-report",
        action="store_true",
        help="write the security tests' counts into docs/security.md (section `tests`)",
    )


def _group(nodeid: str) -> str | None:
    path = nodeid.split("::", 1)[0].removeprefix("tests/")
    return next((name for name, files in GROUPS.items() if path in files), None)


class Tally:
    def __init__(self) -> None:
        self.counts: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        group = _group(report.nodeid)
        if group is None:
            return
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            found = DATABASE.search(report.nodeid)
            database = found.group(1) if found else "no store"
            self.counts[group][(database, report.outcome)] += 1

    def table(self) -> str:
        lines = [
            "| defect or target | SQLite | PostgreSQL | no store |",
            "| --- | --- | --- | --- |",
        ]
        for group in GROUPS:
            counts = self.counts.get(group, Counter())
            cells = []
            for database in ("sqlite", "postgresql", "no store"):
                passed = counts[(database, "passed")]
                failed = counts[(database, "failed")]
                skipped = counts[(database, "skipped")]
                cell = f"{passed} passed" + (f", **{failed} failed**" if failed else "")
                cells.append(cell + (f", {skipped} skipped" if skipped else ""))
            lines.append(f"| {group} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --security-report, only the tests of the table run."""
    if not config.getoption("--security-report"):
        return
    keep = [item for item in items if _group(item.nodeid) is not None]
    dropped = [item for item in items if _group(item.nodeid) is None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--security-report"):
        config.pluginmanager.register(Tally(), "security-tally")


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    tally = config.pluginmanager.get_plugin("security-tally")
    if tally is None or hasattr(config, "workerinput"):  # xdist workers report to the controller
        return
    from heard.bench.docs import write_section
    from heard.bench.machine import machine
    from heard.cli.securing import SECURITY_HEADER

    found = machine()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = (
        "### The regression tests' own report (`make security-report`)\n\n"
        "Command: `pytest --security-report` over the modules of the table above "
        f"(`make security-report`); run {stamp} on {found['cpu']}, {found['cores']} cores, "
        f"Python {found['python']}, PostgreSQL at "
        f"`{os.environ.get('HEARD_TEST_POSTGRES_URL', '127.0.0.1:5432')}`. A test is counted "
        "under the database it ran on; tests of a real server with a store of their own, or "
        "of no store, under “no store”.\n\n" + tally.table()
    )
    write_section(DOCS, "tests", body, header=SECURITY_HEADER)
