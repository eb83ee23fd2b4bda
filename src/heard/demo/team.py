"""A generated demo team: agents with listening skill profiles that drift over the weeks, and
their conversations, deterministic for a seed.

`generate_team` builds the whole team (the demo store loads it); `iter_conversations` streams
any number of conversations from the same generator (the store benchmark seeds 100,000).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TypeVar

from heard.demo.compose import Person, Plan, compose
from heard.demo.draw import Draw
from heard.demo.people import AGENT_NAMES, CUSTOMER_FIRST, CUSTOMER_LAST, DEFAULT_BRAND, email_of
from heard.demo.scenario import Scenario
from heard.demo.scenarios import SCENARIOS
from heard.demo.skills import SkillProfile, Trend, make_profile, trend_for
from heard.model import Channel, Conversation

T = TypeVar("T")

TEAMS = ("Billing", "Deliveries")
CHANNELS = ((Channel.CHAT, 0.45), (Channel.CALL, 0.35), (Channel.EMAIL, 0.20))
MOOD_WEIGHTS = {"angry": 0.3, "worried": 0.2, "confused": 0.15, "calm": 0.25, "happy": 0.1}
OPENING_HOUR = 8
CLOSING_HOUR = 18
CUSTOMERS = 400
"""Size of the customer pool: regulars come back, as they do."""


class DemoError(ValueError):
    """Options that cannot make a team (no weeks, no agents…)."""

    code = "demo.options"


@dataclass(frozen=True)
class DemoAgent:
    """A demo agent and their listening skills week by week."""

    id: str
    name: str
    team: str
    email: str
    profile: SkillProfile = field(repr=False)

    @property
    def trend(self) -> Trend:
        return self.profile.trend


@dataclass
class DemoTeam:
    """The agents and their conversations (in order of `started_at`)."""

    seed: int
    weeks: int
    start: date
    agents: list[DemoAgent]
    conversations: list[Conversation]

    def agent(self, agent_id: str) -> DemoAgent:
        return next(a for a in self.agents if a.id == agent_id)

    def week_of(self, conversation: Conversation) -> int:
        """The week (0 first) a conversation falls in."""
        assert conversation.started_at is not None
        return (conversation.started_at.date() - self.start).days // 7


def default_start(weeks: int, *, today: date | None = None) -> date:
    """The Monday `weeks` weeks before this week's: the team's last week is the one just past."""
    today = today or date.today()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks)


def roster(
    *, seed: int, weeks: int, agents_per_team: int, teams: tuple[str, ...]
) -> list[DemoAgent]:
    """The agents, team by team, each with a skill profile for every week."""
    if weeks < 1:
        raise DemoError("weeks must be at least 1")
    if agents_per_team < 1 or not teams:
        raise DemoError("a team needs at least one agent and one team name")
    agents = []
    names = _agent_names(seed, agents_per_team * len(teams))
    for position in range(agents_per_team * len(teams)):
        team = teams[position // agents_per_team]
        name = names[position]
        rng = Draw(f"{seed}/profile/{position}")
        agents.append(
            DemoAgent(
                id=f"demo-ag-{position + 1:02d}",
                name=name,
                team=team,
                email=email_of(name, domain="larkspur.example"),
                profile=make_profile(rng, trend_for(position), weeks),
            )
        )
    return agents


def generate_team(
    *,
    seed: int = 7,
    weeks: int = 8,
    agents_per_team: int = 5,
    teams: tuple[str, ...] = TEAMS,
    per_agent_per_week: int = 12,
    start: date | None = None,
) -> DemoTeam:
    """The demo team: agents with drifting skills and `per_agent_per_week` conversations each
    week, on weekdays in working hours. The same seed and start give the same team."""
    start = _monday(start or default_start(weeks))
    agents = roster(seed=seed, weeks=weeks, agents_per_team=agents_per_team, teams=teams)
    conversations = [
        c
        for week in range(weeks)
        for c in _week(seed=seed, week=week, start=start, agents=agents, per=per_agent_per_week)
    ]
    return DemoTeam(seed=seed, weeks=weeks, start=start, agents=agents, conversations=conversations)


def iter_conversations(
    n: int,
    *,
    seed: int = 7,
    weeks: int = 8,
    agents_per_team: int = 5,
    teams: tuple[str, ...] = TEAMS,
    start: date | None = None,
) -> Iterator[Conversation]:
    """`n` conversations of the demo team, week by week (each week in time order), spread
    evenly over its agents; the first `agents × weeks × k` are those of
    `generate_team(per_agent_per_week=k)` when `n` fills whole weeks."""
    if n < 0:
        raise DemoError("n must not be negative")
    if n == 0:
        return
    start = _monday(start or default_start(weeks))
    agents = roster(seed=seed, weeks=weeks, agents_per_team=agents_per_team, teams=teams)
    per = math.ceil(n / (len(agents) * weeks))
    left = n
    for week in range(weeks):
        batch = _week(seed=seed, week=week, start=start, agents=agents, per=per)
        yield from batch[:left]
        left -= len(batch)
        if left <= 0:
            return


def _week(
    *, seed: int, week: int, start: date, agents: list[DemoAgent], per: int
) -> list[Conversation]:
    conversations = []
    brand = DEFAULT_BRAND
    for agent in agents:
        skills = agent.profile.at(week)
        person = Person(agent.id, agent.name, agent.team)
        draws = _stratified(Draw(f"{seed}/{agent.id}/{week}/draws"), skills, per)
        for k in range(per):
            rng = Draw(f"{seed}/{agent.id}/{week}/{k}")
            scenario = rng.choice(_scenarios(agent.team))
            channel = _weighted(rng, CHANNELS)
            mood = _weighted(rng, [(m, w) for m, w in MOOD_WEIGHTS.items() if m in scenario.moods])
            customer_no = rng.randrange(CUSTOMERS)
            plan = Plan(
                id=f"demo-{seed}-{agent.id.removeprefix('demo-')}-w{week + 1}-{k + 1:04d}",
                scenario=scenario,
                mood=mood,
                channel=channel,
                agent=person,
                customer=_customer(seed, customer_no),
                brand=brand,
                started_at=_working_time(rng, start, week),
                week=week,
            )
            conversations.append(
                compose(rng, plan, skills, draws={s: u[k] for s, u in draws.items()})
            )
    conversations.sort(key=lambda c: (c.started_at, c.id))
    return conversations


def _stratified(rng: random.Random, skills: dict[str, float], per: int) -> dict[str, list[float]]:
    """Per skill, one uniform draw for each of the week's `per` conversations, stratified: a
    shuffled grid with a random offset, so that a skill of 0.6 is shown in 60% (±1) of them
    while each conversation's draw is still uniform."""
    draws = {}
    for skill in skills:
        order = list(range(per))
        rng.shuffle(order)
        offset = rng.random()
        draws[skill] = [(slot + offset) / per for slot in order]
    return draws


def _scenarios(team: str) -> tuple[Scenario, ...]:
    own = tuple(s for s in SCENARIOS if s.team == team)
    return own or SCENARIOS


def _weighted(rng: random.Random, choices: Sequence[tuple[T, float]]) -> T:
    values = [c for c, _ in choices]
    weights = [w for _, w in choices]
    return rng.choices(values, weights=weights)[0]


@lru_cache(maxsize=CUSTOMERS * 4)
def _customer(seed: int, number: int) -> Person:
    rng = Draw(f"{seed}/customer/{number}")
    name = f"{rng.choice(CUSTOMER_FIRST)} {rng.choice(CUSTOMER_LAST)}"
    return Person(id=f"demo-cu-{number + 1:04d}", name=name)


def _agent_names(seed: int, count: int) -> list[str]:
    names = list(AGENT_NAMES)
    Draw(f"{seed}/agents").shuffle(names)
    if count <= len(names):
        return names[:count]
    firsts = [n.split()[0] for n in names]
    lasts = [n.split()[1] for n in names]
    return [
        f"{firsts[i % len(firsts)]} {lasts[(i * 7 + i // len(lasts)) % len(lasts)]}"
        for i in range(count)
    ]


def _working_time(rng: random.Random, start: date, week: int) -> datetime:
    day = start + timedelta(weeks=week, days=rng.randrange(5))
    minutes = rng.randrange((CLOSING_HOUR - OPENING_HOUR) * 60 - 30)
    at = datetime.combine(day, time(OPENING_HOUR), tzinfo=UTC) + timedelta(minutes=minutes)
    return at + timedelta(seconds=rng.randrange(60))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
