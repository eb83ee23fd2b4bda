"""`heard user add`, `heard token create`, `heard rescore`, `heard serve` on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.cli.main import app
from heard.store import Store, UserRole, accounts, api_tokens, signins
from teamdata import conversation, ingest, open_store

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    monkeypatch.setenv("HEARD_DATABASE_URL", url)
    monkeypatch.setenv("HEARD_SECRET_KEY", "cli-test-key")
    return url


def test_user_add_and_token_create(database: str) -> None:
    added = runner.invoke(
        app,
        ["user", "add", "Lee@X.test", "--role", "lead", "--team", "Blue", "--password-stdin"],
        input="a long password\n",
    )
    assert added.exit_code == 0, added.output
    assert added.output == "added lee@x.test as lead (user 1)\n"
    again = runner.invoke(
        app,
        ["user", "add", "lee@x.test", "--role", "lead", "--password-stdin"],
        input="pw-pw-pw-pw\n",
    )
    assert again.exit_code == 1 and "already exists" in again.output
    bad_role = runner.invoke(app, ["user", "add", "a@x.test", "--role", "boss", "--password-stdin"])
    assert bad_role.exit_code == 2
    created = runner.invoke(
        app, ["token", "create", "lee@x.test", "--scope", "read", "--scope", "write", "--json"]
    )
    assert created.exit_code == 0, created.output
    token = json.loads(created.output)
    store = Store.open(database)
    try:
        user, scopes = api_tokens.verify_token(store, token["token"])
        assert (user.email, user.role, [s.value for s in scopes]) == (
            "lee@x.test",
            UserRole.LEAD,
            ["read", "write"],
        )
        assert signins.verify_password(store, "lee@x.test", "a long password") is not None
        assert [t.name for t in store.list_teams(user.viewer())] == ["Blue"]
    finally:
        store.close()
    refused = runner.invoke(app, ["token", "create", "lee@x.test", "--scope", "admin"])
    assert refused.exit_code == 1 and "only admins" in refused.output


def test_rescore_reports_what_it_did(database: str, tmp_path: Path) -> None:
    store = open_store(database)
    ingest(store, [conversation("c1"), conversation("c2", good=False)])
    store.close()
    result = runner.invoke(app, ["rescore"])
    assert result.exit_code == 0, result.output
    assert result.output == "rescored 0 of 2 conversations with rubric heard-default@6\n"
    rubric = tmp_path / "rubric.toml"
    missing = runner.invoke(app, ["rescore", "--rubric", str(rubric)])
    assert missing.exit_code == 1 and "rubric.toml" in missing.output


def test_serve_runs_uvicorn_on_the_app(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    assert seen["app"].state.settings.database_url == database
    assert "serving on http://127.0.0.1:8123" in result.output


def test_token_lifetime_revoke_and_the_last_admin(database: str) -> None:
    added = runner.invoke(
        app,
        ["user", "add", "root@x.test", "--role", "admin", "--password-stdin"],
        input="a long password\n",
    )
    assert added.exit_code == 0, added.output
    refused = runner.invoke(app, ["user", "deactivate", "root@x.test"])
    assert refused.exit_code == 1
    assert "no active admin would be left able to act" in refused.output
    short = runner.invoke(app, ["token", "create", "root@x.test", "--days", "3", "--json"])
    assert short.exit_code == 0, short.output
    made = json.loads(short.output)
    from datetime import datetime, timedelta

    lifetime = datetime.fromisoformat(made["expires_at"]) - datetime.fromisoformat(
        made["created_at"]
    )
    assert lifetime == timedelta(days=3)
    assert runner.invoke(app, ["token", "create", "root@x.test", "--days", "0"]).exit_code == 2
    revoked = runner.invoke(app, ["token", "revoke", str(made["id"])])
    assert (revoked.exit_code, revoked.output) == (0, f"token {made['id']} is revoked\n")
    store = open_store(database)
    try:
        bot = accounts.create_user(store, "bot@x.test", role=UserRole.ADMIN)
        record, _ = api_tokens.create_token(store, bot.id, scopes=["read", "admin"])
    finally:
        store.close()
    out = runner.invoke(app, ["user", "deactivate", "root@x.test"])
    assert out.output == "root@x.test is deactivated (sessions revoked, tokens refused)\n"
    last = runner.invoke(app, ["token", "revoke", str(record.id)])
    assert last.exit_code == 1 and "no active admin would be left" in last.output
    assert runner.invoke(app, ["user", "activate", "root@x.test"]).output == (
        "root@x.test is active\n"
    )
    assert runner.invoke(app, ["token", "revoke", str(record.id)]).exit_code == 0
    assert runner.invoke(app, ["user", "deactivate", "nobody@x.test"]).exit_code == 1


@pytest.mark.parametrize(
    ("args", "option", "words"),
    [
        # undecodable bytes in argv reach Python as lone surrogates (surrogateescape)
        (["user", "add", "lee\udcff@x.test", "--role", "lead"], "EMAIL", "lone surrogate"),
        (["user", "add", "lee", "--role", "lead"], "EMAIL", "email address"),
        (["user", "add", "lee@x.test", "--role", "lead", "--team", "t" * 201], "--team", "200"),
        (["user", "add", "lee@x.test", "--role", "lead", "--name", "L\udcffee"], "--name", ""),
        (["user", "add", "a@x.test", "--role", "agent", "--agent-id", "a" * 201], "--agent-id", ""),
        (["token", "create", "lee\udcff@x.test"], "EMAIL", "lone surrogate"),
        (["token", "create", "lee@x.test", "--name", "n" * 201], "--name", "200"),
    ],
)
def test_bad_values_are_usage_errors_naming_the_option(
    database: str, args: list[str], option: str, words: str
) -> None:
    result = runner.invoke(
        app, [*args, "--password-stdin"] if args[0] == "user" else args, input="a long password\n"
    )
    assert result.exit_code == 2, result.output
    assert option in result.output and words in result.output
    store = Store.open(database)
    try:
        assert store.counts()["users"] == 0
    finally:
        store.close()


def test_user_edit_changes_what_the_admin_pages_change(database: str) -> None:
    store = open_store(database)
    try:
        accounts.create_user(store, "root@x.test", role=UserRole.ADMIN, password="a long password")
        lee = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, teams=["Blue"])
    finally:
        store.close()
    edited = runner.invoke(
        app, ["user", "edit", "Lee@x.test", "--name", "Lee Q", "--team", "Red", "--team", "Green"]
    )
    assert (edited.exit_code, edited.output) == (
        0,
        "lee@x.test: lead, Red, Green, active, named Lee Q\n",
    )
    two = runner.invoke(app, ["user", "edit", "lee@x.test", "--role", "agent"])
    assert two.exit_code == 1
    assert two.output == "error An agent is in one team: choose one. (field teams)\n"
    agent = runner.invoke(
        app, ["user", "edit", "lee@x.test", "--role", "agent", "--team", "Red", "--disable"]
    )
    assert agent.output == "lee@x.test: agent, Red, deactivated, named Lee Q\n"
    shown = runner.invoke(
        app, ["user", "edit", "lee@x.test", "--role", "lead", "--enable", "--no-teams", "--json"]
    )
    assert shown.exit_code == 0, shown.output
    assert {k: v for k, v in json.loads(shown.output).items() if k != "created_at"} == {
        "id": lee.id,
        "email": "lee@x.test",
        "name": "Lee Q",
        "role": "lead",
        "active": True,
        "agent_id": None,
        "team_ids": [],
    }
    store = open_store(database)
    try:
        from heard.store import Viewer, audit_log

        entries = audit_log.search(store, Viewer.system(), limit=50).entries
        done = [(e.action, e.detail) for e in reversed(entries) if e.object_id == str(lee.id)]
        assert done[1:] == [
            ("edit", "name changed; teams Blue → Red, Green"),
            ("deactivate", None),
            ("edit", "role lead → agent; teams Red, Green → Red"),
            ("edit", "role agent → lead; teams Red → none"),
            ("activate", None),
        ]
    finally:
        store.close()
    last = runner.invoke(app, ["user", "edit", "root@x.test", "--role", "lead"])
    assert last.exit_code == 1 and "no active admin would be left" in last.output
    assert "(field role)" in last.output


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["nobody@x.test", "--name", "X"], 1, "error no user nobody@x.test (field email)"),
        (["lee@x.test"], 2, "nothing to change"),
        (["lee@x.test", "--role", "boss"], 2, "'boss' is not a role"),
        (["lee@x.test", "--team", "Red", "--no-teams"], 2, "--team or --no-teams"),
        (["lee@x.test", "--name", "x" * 201], 2, "--name"),
    ],
)
def test_user_edit_refusals_name_the_field(
    database: str, args: list[str], code: int, words: str
) -> None:
    store = open_store(database)
    try:
        accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, teams=["Blue"])
    finally:
        store.close()
    result = runner.invoke(app, ["user", "edit", *args])
    assert result.exit_code == code, result.output
    assert words in " ".join(result.output.split())


def test_user_reset_link_is_printed_once_and_kept_hashed(database: str) -> None:
    from heard.store import accounts

    store = open_store(database)
    try:
        lee = accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, teams=["Blue"])
    finally:
        store.close()
    plain = runner.invoke(
        app, ["user", "reset-link", "lee@x.test", "--base-url", "https://heard.example.com/"]
    )
    assert plain.exit_code == 0, plain.output
    url = plain.stdout.strip()
    assert url.startswith("https://heard.example.com/reset/")
    assert "for lee@x.test, working once until" in plain.stderr
    made = runner.invoke(app, ["user", "reset-link", "lee@x.test", "--json"])
    link = json.loads(made.stdout)
    assert set(link) == {"id", "user_id", "created_at", "expires_at", "url"}
    assert link["url"].startswith("/reset/") and link["user_id"] == lee.id
    store = open_store(database)
    try:
        secret = link["url"].removeprefix("/reset/")
        assert accounts.reset_user(store, secret).id == lee.id
        with pytest.raises(accounts.ResetLinkUnusable):
            accounts.reset_user(store, url.rsplit("/", 1)[1])  # replaced by the newer link
        assert [k.id for k in accounts.reset_links(store, lee.id)] == [link["id"], link["id"] - 1]
        accounts.set_active(store, lee.id, active=False)
    finally:
        store.close()
    off = runner.invoke(app, ["user", "reset-link", "lee@x.test"])
    assert off.exit_code == 1 and "deactivated" in off.output and "(field user_id)" in off.output
    bad = runner.invoke(app, ["user", "reset-link", "lee@x.test", "--base-url", "heard.example"])
    assert bad.exit_code == 2 and "--base-url" in bad.output
