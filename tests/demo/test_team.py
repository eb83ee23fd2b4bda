"""The generated demo team: deterministic, eight weeks covered, every agent every week, valid
heard conversations with timings for calls, realistic variety and personal data to redact."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date

import pytest

from heard.demo import (
    MOODS,
    SCENARIOS,
    SKILLS,
    DemoError,
    Trend,
    generate_team,
    iter_conversations,
)
from heard.model import Channel, Conversation, Role
from heard.redact import Kind, find_pii

START = date(2026, 1, 5)  # a Monday


@pytest.fixture(scope="module")
def team():
    return generate_team(seed=7, start=START, per_agent_per_week=3)


def test_same_seed_same_team_other_seed_other_team(team) -> None:
    again = generate_team(seed=7, start=START, per_agent_per_week=3)
    assert [c.to_json() for c in again.conversations] == [c.to_json() for c in team.conversations]
    other = generate_team(seed=8, start=START, per_agent_per_week=3)
    assert [c.to_json() for c in other.conversations] != [c.to_json() for c in team.conversations]


def test_roster_has_one_star_one_decliner_and_improvers(team) -> None:
    assert len(team.agents) == 10
    assert Counter(a.team for a in team.agents) == {"Billing": 5, "Deliveries": 5}
    trends = Counter(a.trend for a in team.agents)
    assert trends[Trend.STAR] == 1 and trends[Trend.DECLINING] == 1
    assert trends[Trend.IMPROVING] >= 2 and trends[Trend.STEADY] >= 4
    assert len({a.id for a in team.agents}) == 10 and len({a.email for a in team.agents}) == 10
    for agent in team.agents:
        first, last = agent.profile.mean(0), agent.profile.mean(team.weeks - 1)
        assert set(agent.profile.at(0)) == set(SKILLS)
        assert all(0 <= v <= 1 for w in range(team.weeks) for v in agent.profile.at(w).values())
        match agent.trend:
            case Trend.STAR:
                assert min(agent.profile.mean(w) for w in range(team.weeks)) > 0.8
            case Trend.IMPROVING:
                assert last - first > 0.25
            case Trend.DECLINING:
                assert first - last > 0.25
            case Trend.STEADY:
                assert abs(last - first) < 0.15


def test_every_agent_has_conversations_every_week_in_working_hours(team) -> None:
    weeks: dict[str, set[int]] = defaultdict(set)
    for conversation in team.conversations:
        at = conversation.started_at
        assert at is not None and at.tzinfo is not None
        assert at.weekday() < 5 and 8 <= at.hour < 18, at
        weeks[conversation.agent.id].add(team.week_of(conversation))
    assert weeks == {a.id: set(range(8)) for a in team.agents}
    assert len(team.conversations) == 10 * 8 * 3
    times = [c.started_at for c in team.conversations]
    assert times == sorted(times)


def test_conversations_are_valid_heard_conversations(team) -> None:
    ids = set()
    for conversation in team.conversations:
        assert Conversation.model_validate_json(conversation.to_json()) == conversation
        assert conversation.source == "heard-demo"
        assert conversation.external_id == conversation.id
        ids.add(conversation.external_id)
        agent = team.agent(conversation.agent.id)
        assert (conversation.agent.name, conversation.agent.team) == (agent.name, agent.team)
        assert conversation.customer.id and conversation.customer.name
        roles = {t.role for t in conversation.turns}
        assert roles == {Role.AGENT, Role.CUSTOMER}
        if conversation.channel == Channel.CALL:
            assert conversation.timed
            for turn in conversation.turns:
                assert turn.end - turn.start > 0.5
        else:
            assert all(t.sent_at is not None for t in conversation.turns)
            stamps = [t.sent_at for t in conversation.turns]
            assert stamps == sorted(stamps)
    assert len(ids) == len(team.conversations)
    assert {c.channel for c in team.conversations} == {Channel.CALL, Channel.CHAT, Channel.EMAIL}


def test_calls_leave_pauses_except_where_the_agent_cuts_in(team) -> None:
    calls = [c for c in team.conversations if c.channel == Channel.CALL]
    for call in calls:
        interrupting = "not_interrupting" not in call.metadata["demo"]["shown"]
        overlaps = [
            b.start < a.end
            for a, b in zip(call.turns, call.turns[1:], strict=False)
            if a.role == Role.CUSTOMER and b.role == Role.AGENT
        ]
        assert any(overlaps) == interrupting, call.id
        gaps = [b.start - a.end for a, b in zip(call.turns, call.turns[1:], strict=False)]
        assert max(gaps) < 5  # no dead air


def test_scenario_library_is_broad_and_varied(team) -> None:
    assert len(SCENARIOS) >= 12
    assert len({s.key for s in SCENARIOS}) == len(SCENARIOS)
    assert set(MOODS) == {m for s in SCENARIOS for m in s.moods}
    for scenario in SCENARIOS:
        for move in ("openings", "paraphrases", "open_questions", "closed_questions", "answers"):
            assert len(getattr(scenario, move)) >= 2, (scenario.key, move)
    used = Counter(c.metadata["demo"]["scenario"] for c in team.conversations)
    assert len(used) == len(SCENARIOS)
    assert set(Counter(c.metadata["demo"]["mood"] for c in team.conversations)) == set(MOODS)
    openings = [c.turns[0 if c.channel == Channel.EMAIL else 1].text for c in team.conversations]
    assert len(set(openings)) > 0.95 * len(openings)


def test_customers_give_details_and_sometimes_personal_data(team) -> None:
    with_pii = Counter()
    for conversation in team.conversations:
        text = "\n".join(t.text for t in conversation.turns)
        assert re.search(r"\d", text), conversation.id  # order numbers, dates, amounts
        for hit in find_pii(text):
            with_pii[hit.kind] += 1
    share = sum(with_pii.values()) / len(team.conversations)
    assert 0.15 < share < 0.8
    assert {Kind.EMAIL, Kind.PHONE, Kind.CARD} <= set(with_pii)


def test_iter_conversations_streams_exactly_n_from_the_same_generator(team) -> None:
    assert [c.id for c in iter_conversations(240, seed=7, start=START)] == [
        c.id for c in team.conversations
    ]
    assert sum(1 for _ in iter_conversations(1001, seed=7, start=START)) == 1001
    assert list(iter_conversations(0, start=START)) == []
    streamed = list(iter_conversations(50, seed=7, weeks=2, agents_per_team=1, start=START))
    assert len({c.id for c in streamed}) == 50
    assert {c.agent.team for c in streamed} == {"Billing", "Deliveries"}


@pytest.mark.parametrize(
    "options",
    [{"weeks": 0}, {"agents_per_team": 0}, {"teams": ()}],
)
def test_impossible_options_are_refused(options) -> None:
    with pytest.raises(DemoError):
        generate_team(start=START, **options)


def test_negative_n_is_refused() -> None:
    with pytest.raises(DemoError, match="n must not be negative"):
        list(iter_conversations(-1))
