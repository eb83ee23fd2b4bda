"""A generated demo team for heard: agents whose listening skills drift over eight weeks, and
their calls, chats and emails, written from a scenario library and deterministic for a seed."""

from heard.demo.scenario import MOODS, Scenario
from heard.demo.scenarios import SCENARIOS
from heard.demo.skills import SKILLS, SkillProfile, Trend
from heard.demo.team import (
    DemoAgent,
    DemoError,
    DemoTeam,
    default_start,
    generate_team,
    iter_conversations,
    roster,
)

__all__ = [
    "MOODS",
    "SCENARIOS",
    "SKILLS",
    "DemoAgent",
    "DemoError",
    "DemoTeam",
    "Scenario",
    "SkillProfile",
    "Trend",
    "default_start",
    "generate_team",
    "iter_conversations",
    "roster",
]
