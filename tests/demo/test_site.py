"""The demo site's store: examples and a generated team analysed, users for every role linked
to their rows, coaching notes in each state, simulated survey answers; and `heard demo`."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from heard.cli.main import app
from heard.demo.site import DEMO_PASSWORD, example_conversations, lead_email, seed_store
from heard.store import Store, UserRole, Viewer, coaching_notes, disputes, signins, surveys
from teamdata import open_store

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'demo.db'}")
    yield store
    store.close()


def test_seed_store_fills_every_page(store: Store) -> None:
    examples = example_conversations(EXAMPLES)
    demo = seed_store(store, examples=examples, weeks=2, agents_per_team=2, per_agent_per_week=2)
    system = Viewer.system()
    assert demo.conversations == len(examples) + 2 * 2 * 2 * 2
    assert store.list_conversations(system).total == demo.conversations
    roles = Counter(s.role for s in demo.sign_ins)
    teams = store.list_teams(system)
    assert roles == {UserRole.LEAD: len(teams), UserRole.AGENT: 4, UserRole.ADMIN: 1}
    for sign_in in demo.sign_ins:
        user = signins.verify_password(store, sign_in.email, DEMO_PASSWORD)
        assert user is not None and user.role == sign_in.role
        if sign_in.role == UserRole.AGENT:
            assert store.list_conversations(user.viewer()).total == 4, sign_in.email
        if sign_in.role == UserRole.LEAD:
            assert len(user.team_ids) == 1
    billing = signins.verify_password(store, lead_email("Billing"), DEMO_PASSWORD)
    assert billing is not None
    statuses = Counter(n.status.value for n in coaching_notes.list_notes(store, billing.viewer()))
    assert statuses == {"open": 1, "disputed": 1, "acknowledged": 1}
    assert demo.notes == 6
    assert demo.disputes == len({a.team for a in demo.team.agents})  # one per demo team
    assert disputes.open_count(store, billing.viewer()) == 1
    pairs = surveys.feedback_pairs(store, system)
    assert len(pairs) == demo.surveys == 4 * 4  # each agent has 4, fewer than SURVEYS_PER_AGENT
    assert all(1 <= p.csat <= 5 and 1 <= p.felt_heard <= 5 for p in pairs)  # type: ignore[operator]


def test_lead_emails_are_addresses() -> None:
    assert lead_email("Connect & Pay") == "lead.connect-pay@larkspur.example"


@pytest.mark.slow
def test_heard_demo_loads_prints_sign_ins_and_refuses_a_full_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEARD_SECRET_KEY", "demo-test-key")
    examples = tmp_path / "examples"
    examples.mkdir()
    shutil.copy(EXAMPLES / "09-chat-happy-short.json", examples)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["demo", "--no-serve", "--database", url, "--weeks", "1", "--per-week", "1"]
    result = runner.invoke(app, [*args, "--examples", str(examples)])
    assert result.exit_code == 0, result.output
    assert "11 conversations (1 examples)" in result.output
    assert f"password for everyone: {DEMO_PASSWORD}" in result.output
    assert "lead.billing@larkspur.example" in result.output
    assert "admin@larkspur.example" in result.output
    store = Store.open(url)
    try:
        assert store.list_conversations(Viewer.system()).total == 11
    finally:
        store.close()
    again = runner.invoke(app, [*args, "--examples", str(examples)])
    assert again.exit_code == 1 and "is not empty" in again.output
    missing = runner.invoke(app, [*args, "--examples", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2
