"""`heard live replay --url`: the same nudges through a real server's WebSocket as in
process, the conversation stored when it ends, and a clear error without a token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from heard.cli.main import app
from heard.store import live_sessions
from live.liveserver import Site, live_site

runner = CliRunner()
FILES = [
    str(EXAMPLES / "03-chat-angry-handled-badly.json"),
    str(EXAMPLES / "01-call-interruptions.json"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with live_site(f"sqlite:///{tmp_path_factory.mktemp('replay') / 'heard.db'}") as site:
        yield site


def nudges(output: str) -> list[tuple[str, int, str, str]]:
    figures = json.loads(output)
    return [
        (run["conversation_id"], n["event"], n["kind"], n["message"])
        for run in figures["replays"]
        for n in run["nudges"]
    ]


def test_replay_over_the_websocket_gives_the_nudges_of_the_in_process_replay(site: Site) -> None:
    local = runner.invoke(app, ["live", "replay", *FILES, "--speed", "0", "--json"])
    assert local.exit_code == 0, local.output
    remote = runner.invoke(
        app,
        ["live", "replay", *FILES, "--speed", "0", "--json", "--url", site.url],
        env={"HEARD_TOKEN": site.tokens["admin"]},
    )
    assert remote.exit_code == 0, remote.output
    assert nudges(remote.output), "the examples should raise nudges"
    assert nudges(remote.output) == nudges(local.output)
    figures = json.loads(remote.output)
    assert figures["events"] == json.loads(local.output)["events"]
    for run in figures["replays"]:
        stored = live_sessions.live_session(site.store, run["conversation_id"])
        assert stored is not None and stored.status == "ended" and stored.stored_id


def test_replay_prints_nudges_as_they_arrive(site: Site) -> None:
    example = str(EXAMPLES / "05-chat-jargon.json")
    args = ["live", "replay", example, "--speed", "0", "--url", site.url]
    result = runner.invoke(app, [*args, "--token", site.tokens["admin"]], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "jargon" in result.output
    assert "ended: stored as conversation" in result.output
    assert "per-event latency p50" in result.output


def test_a_lead_may_not_replay_another_teams_agent(site: Site, tmp_path) -> None:
    # its own conversation id and an agent of no team of the lead's, whichever tests ran first
    conversation = json.loads((EXAMPLES / "03-chat-angry-handled-badly.json").read_text())
    conversation["id"] = "lead-refused"
    conversation["agent"] = {"id": "agent-elsewhere", "name": "Elsa", "team": "Elsewhere"}
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(conversation))
    result = runner.invoke(
        app,
        [
            "live",
            "replay",
            str(elsewhere),
            "--speed",
            "0",
            "--url",
            site.url,
            "--token",
            site.tokens["lead"],
        ],
        env={"COLUMNS": "200"},
    )
    # the lead may not feed a conversation of an agent outside their teams
    assert result.exit_code == 1, result.output
    assert "forbidden" in result.output


def test_url_without_a_token_is_a_usage_error(site: Site) -> None:
    result = runner.invoke(
        app, ["live", "replay", FILES[0], "--url", site.url], env={"HEARD_TOKEN": ""}
    )
    assert result.exit_code == 2
    assert "--token" in result.output
