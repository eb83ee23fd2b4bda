"""`heard bench store`: seed, API ingest and endpoint latency on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from databases import database_url
from heard.bench import storing
from heard.cli.main import app

__all__ = ["database_url"]

runner = CliRunner()
ENDPOINTS = {
    "list",
    "trends",
    "distribution",
    "moments (a week)",
    "recognition",
    "agents",
    "search + filters",
    "/conversations (search + filters)",
}
TINY = ["--n", "40", "--sample", "20", "--batch", "10", "--repeat", "2", "--no-embeddings"]


@pytest.mark.slow
def test_bench_store_reports_seed_ingest_and_latency(database_url: str) -> None:
    args = [
        *("bench", "store", *TINY, "--workers", "2", "--distinct", "15", "--export", "30"),
        *("--database", database_url, "--json"),
    ]
    storing._ANALYSED.clear()  # an earlier test's seed analysis is not reused
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["database"] == database_url.split(":")[0].split("+")[0]
    # seeded, then an untimed batch of 10, 20 ingested through the API by one client and 20
    # more by two at once
    assert figures["n"] == 40 and figures["conversations"] == 90
    assert figures["seed_conversations_per_s"] > 0
    # 15 distinct conversations analysed, each stored 3 times (the last copy cut at 40)
    assert (figures["seed_distinct"], figures["seed_copies"]) == (15, 3)
    assert figures["seed_embeddings"] is False and figures["seed_analyse_seconds"] > 0
    assert figures["ingest_batches"] == 2 and figures["ingest_conversations_per_s"] > 0
    assert figures["embeddings"] is False and figures["workers"] == 2
    assert figures["ingest_clients"] == 2 and figures["ingest_concurrent_conversations_per_s"] > 0
    latency = figures["latency"]
    assert {(x["endpoint"], x["role"]) for x in latency} >= {
        (e, r) for e in ENDPOINTS for r in ("admin", "lead")
    }
    for item in latency:
        assert item["statuses"] == [200], item  # never a filter the page refuses
        assert item["calls"] == 2 and 0 < item["p50_ms"] <= item["p95_ms"] <= item["p99_ms"]
    exported = figures["export"]  # the newest weeks holding 30 or more, every row once
    assert 30 <= exported["rows"] <= 90 and exported["bytes"] > 0 and exported["since"]
    # a second run refuses the seeded database unless told to reuse it
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "already holds 90 conversations" in again.output
    reused = runner.invoke(app, [*args, "--reuse", "--sample", "0", "--export", "0"])
    assert reused.exit_code == 0, reused.output
    figures = json.loads(reused.stdout)
    assert figures["seed_conversations_per_s"] is None and figures["export"] is None
    assert figures["ingest_concurrent_conversations_per_s"] is None  # nothing to ingest


@pytest.mark.slow
def test_bench_store_table_and_docs_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app,
        [
            *("bench", "store", *TINY, "--workers", "1", "--clients", "3", "--export", "1000"),
            "--write-docs",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "heard bench store — sqlite" in result.output and "p95" in result.output
    text = (tmp_path / "docs" / "performance.md").read_text()
    assert text.count("<!-- begin bench-store-40 -->") == 1  # a section for each size
    assert "## Store and API (`heard bench store`, 40 conversations)" in text
    assert "### sqlite" in text and "search + filters as lead" in text
    assert "export, CSV streamed through the API as admin (every conversation)" in text
    assert "recognition as lead" in text
    assert "batch ingest through the API, 3 clients posting at once" in text
    assert "--clients 3" in text and "from 3 clients posting at once" in text


def test_concurrent_ingest_gives_each_client_an_equal_share() -> None:
    """Clients finish together: none posts a last batch alone while the others are idle."""
    import threading

    posted: dict[str, list[int]] = {}
    lock = threading.Lock()

    class Answer:
        status_code = 200

        def __init__(self, items: int) -> None:
            self.items = items

        def json(self) -> dict[str, list[None]]:
            return {"items": [None] * self.items}

    class Recorder:
        def post(self, path: str, *, content: str, headers: dict[str, str]) -> Answer:
            size = len(json.loads(content)["conversations"])
            with lock:
                posted.setdefault(threading.current_thread().name, []).append(size)
            return Answer(size)

    seconds, batches = storing._ingest(
        Recorder(), "token", 20, 4, lambda *_: None, seed=3, clients=3
    )
    assert seconds > 0 and batches == 6
    assert sorted(sorted(sizes) for sizes in posted.values()) == [[2, 4], [3, 4], [3, 4]]
