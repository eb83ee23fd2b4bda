"""`heard ingest`: files of any format into a real store (SQLite and PostgreSQL), redacted and
scored; run again, everything comes back unchanged and nothing is analysed again, also after a
run stopped part way; bad lines and refused conversations named by file and line; the --json
summary; HEARD_ENGINE checked; and a real local Ray cluster storing the local engine's
scorecards."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT
from databases import database_url
from heard.analysis import Analyzer
from heard.cli.main import app
from heard.demo import iter_conversations
from heard.ingest import IngestService
from heard.store import Store
from heard.store.tables import ConversationRow, ScorecardRow

__all__ = ["database_url"]

runner = CliRunner()
FORMATS = ROOT / "tests" / "data" / "formats"
JSONL = FORMATS / "jsonl" / "calls.jsonl"
CSV = FORMATS / "csv" / "two_conversations.csv"
SUMMARY_KEYS = {
    "engine",
    "workers",
    "batch",
    "files",
    "stored",
    "created",
    "updated",
    "unchanged",
    "failed",
    "failed_files",
    "errors",
    "notes",
    "seconds",
    "conversations_per_s",
    "interrupted",
    "database",
    "redacted",
}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HEARD_ENGINE", "HEARD_RAY_ADDRESS", "RAY_ADDRESS", "HEARD_REDACT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HEARD_INGEST_WORKERS", "1")


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the conversations the analyzer analyses (in this process)."""
    seen: list[str] = []
    real = Analyzer.analyze_many

    def counting(self, conversations, **options):  # type: ignore[no-untyped-def]
        seen.extend(c.id for c in conversations)
        return real(self, conversations, **options)

    monkeypatch.setattr(Analyzer, "analyze_many", counting)
    return seen


def ingest(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, ["ingest", *map(str, args)])
    return result.exit_code, result.output


def summary(*args: str | Path) -> tuple[int, dict]:
    code, output = ingest(*args, "--json")
    return code, json.loads(output[output.index("{") :])


def stored(url: str) -> dict[str, tuple[str, str, int]]:
    """Per external id: the stored body, its current scorecard's body and id."""
    store = Store.open(url)
    try:
        with store.engine.connect() as connection:
            return {
                external_id: (body, card, card_id)
                for external_id, body, card, card_id in connection.execute(
                    select(
                        ConversationRow.external_id,
                        ConversationRow.body,
                        ScorecardRow.body,
                        ScorecardRow.id,
                    )
                    .join(ScorecardRow, ScorecardRow.conversation_id == ConversationRow.id)
                    .where(ScorecardRow.current.is_(True))
                )
            }
    finally:
        store.close()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def chat(conversation_id: str, text: str, *, agent: str | None = None, team: str | None = None):
    body: dict = {
        "id": conversation_id,
        "channel": "chat",
        "turns": [
            {"role": "customer", "text": "My parcel has not arrived and I am worried."},
            {"role": "agent", "text": text},
        ],
    }
    if agent:
        body["agent"] = {"id": agent, **({"team": team} if team else {})}
    return json.dumps(body)


def test_examples_are_stored_redacted_and_come_back_unchanged(
    database_url: str, analysed: list[str]
) -> None:
    files = [EXAMPLES, JSONL, CSV]
    code, first = summary(*files, "--database", database_url)
    assert code == 0, first
    assert set(first) == SUMMARY_KEYS
    examples = len(list(EXAMPLES.glob("*.json")))
    total = examples + 2 + 2  # calls.jsonl and the CSV hold two conversations each
    assert (first["created"], first["updated"], first["unchanged"], first["failed"]) == (
        total,
        0,
        0,
        0,
    )
    assert (first["engine"], first["workers"], first["files"]) == ("local", 1, examples + 2)
    assert first["redacted"] is True and first["errors"] == []
    assert len(analysed) == total
    rows = stored(database_url)
    assert len(rows) == total
    pii = rows["HX-2698"][0]  # examples/14-email-pii-refund.json
    assert "jana.novak@example.com" in (EXAMPLES / "14-email-pii-refund.json").read_text()
    assert "jana.novak@example.com" not in pii and "4111 1111 1111 1111" not in pii

    analysed.clear()
    code, again = summary(*files, "--database", database_url)
    assert code == 0
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, total)
    assert analysed == [], "what is stored is not analysed again"
    assert stored(database_url) == rows, "same bodies, same current scorecards"


def test_a_run_stopped_part_way_is_finished_by_running_it_again(
    tmp_path: Path, analysed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    lines = [chat(f"c{i}", f"Let me look into order {i} for you right now.") for i in range(7)]
    archive = write_lines(tmp_path / "archive.jsonl", lines)
    real = IngestService.ingest
    calls = 0

    def stopped_at_second_batch(self, conversations, **options):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second batch is analysed
        return real(self, conversations, **options)

    monkeypatch.setattr(IngestService, "ingest", stopped_at_second_batch)
    code, output = ingest(archive, "--database", url, "--batch", "3")
    assert code == 130, output
    assert "3 created" in output and "interrupted: run the same command again" in output
    assert sorted(stored(url)) == ["c0", "c1", "c2"]
    monkeypatch.setattr(IngestService, "ingest", real)

    analysed.clear()
    code, rerun = summary(archive, "--database", url, "--batch", "3")
    assert code == 0
    assert (rerun["created"], rerun["unchanged"], rerun["interrupted"]) == (4, 3, False)
    assert sorted(analysed) == ["c3", "c4", "c5", "c6"], "the stored batch is not analysed again"


def test_bad_lines_and_refusals_are_named_and_the_rest_is_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    first = write_lines(
        tmp_path / "teams.jsonl",
        [
            chat("a", "Sorry about that, let me check.", agent="sam", team="North"),
            chat("b", "Sorry about that, let me check.", agent="sam", team="South"),
        ],
    )
    assert ingest(first, "--database", url)[0] == 0
    bad = write_lines(
        tmp_path / "bad.jsonl",
        [
            chat("c", "I understand, I will refund it today."),
            "{not json",
            chat("d", "Which team is this?", agent="sam"),  # sam is in North and South
            json.dumps({"id": "e", "channel": "chat", "turns": [{"role": "boss", "text": "Hi"}]}),
            chat("f", "I understand, that must be worrying."),
        ],
    )
    code, output = ingest(bad, "--database", url)
    assert code == 1, output
    assert f"{bad}, line 2" in output
    assert f"{bad}, line 3: conversation 'd' not stored: agent 'sam' is in several teams" in output
    assert f"{bad}, line 4, $.turns[0].role" in output
    assert "2 created, 0 updated, 0 unchanged; 3 failed (in 1 file)" in output
    assert sorted(stored(url)) == ["a", "b", "c", "f"]

    code, again = summary(bad, "--database", url)
    assert code == 1
    assert (again["unchanged"], again["failed"], again["failed_files"]) == (2, 3, [str(bad)])
    found = sorted((e["line"], e["code"], e["file"]) for e in again["errors"])
    assert [line for line, _, _ in found] == [2, 3, 4]
    assert found[1][1] == "invalid"  # the store's refusal; the others are the reader's
    assert {file for _, _, file in found} == {str(bad)}


def test_a_key_repeated_in_the_input_updates_the_earlier(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    repeated = write_lines(
        tmp_path / "repeated.jsonl",
        [chat("x", "First answer."), chat("y", "Other."), chat("x", "Second answer.")],
    )
    code, found = summary(repeated, "--database", url)
    assert code == 0
    assert (found["created"], found["updated"]) == (2, 1)
    assert "Second answer." in stored(url)["x"][0]


def test_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    monkeypatch.setenv("HEARD_ENGINE", "bogus")
    code, output = ingest(EXAMPLES, "--database", url)
    assert code == 2
    assert "HEARD_ENGINE: unknown engine 'bogus'; use one of: local, ray" in output
    for command in (["rescore"], ["serve", "--port", "8123"]):
        refused = runner.invoke(app, [*command, "--database", url])
        assert refused.exit_code == 2 and "HEARD_ENGINE: unknown engine" in refused.output
    monkeypatch.delenv("HEARD_ENGINE")
    code, output = ingest(EXAMPLES, "--database", url, "--engine", "spark")
    assert code == 2 and "--engine: unknown engine 'spark'" in output
    code, output = ingest(EXAMPLES, "--database", url, "--ray-address", "auto")
    assert code == 2 and "--ray-address is for --engine ray" in output
    rescored = runner.invoke(app, ["rescore", "--database", url, "--ray-address", "auto"])
    assert rescored.exit_code == 2 and "--ray-address is for --engine ray" in rescored.output
    code, output = ingest("-", "--database", url)
    assert code == 2
    assert not (tmp_path / "heard.db").exists() or stored(url) == {}


def test_rescore_takes_the_engine_options(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    assert ingest(JSONL, "--database", url)[0] == 0
    result = runner.invoke(
        app, ["rescore", "--database", url, "--engine", "local", "--workers", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"checked": 2, "rescored": 0, "changed": 0}


@pytest.mark.slow
def test_ray_engine_stores_the_local_engines_scorecards(
    tmp_path: Path, analysed: list[str]
) -> None:
    try:
        import ray
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("ray is not installed; scripts/test.sh installs the ray extra")
        pytest.skip("pip install 'heard[ray]' (CI installs it)")
    archive = tmp_path / "gen.jsonl"
    generated = iter_conversations(40, seed=7, weeks=1, start=date(2026, 1, 5))
    write_lines(archive, [c.to_json() for c in generated])  # one batch, on the engine (>= 32)
    local, on_ray = f"sqlite:///{tmp_path / 'local.db'}", f"sqlite:///{tmp_path / 'ray.db'}"
    code, by_local = summary(archive, "--database", local)
    assert code == 0 and by_local["created"] == 40
    assert len(analysed) == 40
    analysed.clear()
    code, by_ray = summary(archive, "--database", on_ray, "--engine", "ray", "--workers", "2")
    assert code == 0, by_ray
    assert (by_ray["engine"], by_ray["workers"], by_ray["created"]) == ("ray", 2, 40)
    assert not ray.is_initialized(), "the cluster started for the run is stopped"
    assert analysed == [], "the Ray actors analysed, not this process"
    assert {k: v[:2] for k, v in stored(on_ray).items()} == {
        k: v[:2] for k, v in stored(local).items()
    }
