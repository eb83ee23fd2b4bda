"""Listening skill profiles of the demo agents, and how they drift week by week.

A skill is the chance (0–1) that the agent shows a listening behaviour when a conversation calls
for it. Each agent follows a trend: the star is excellent throughout, improving agents start
weak and gain as coaching works, one agent declines, the rest hold steady with weekly noise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum

SKILLS: tuple[str, ...] = (
    "acknowledgement",
    "paraphrase",
    "empathy",
    "personalisation",
    "open_questions",
    "not_interrupting",
    "plain_language",
    "answers_concerns",
    "resolution_check",
    "no_repeat_asks",
    "no_dismissive_language",
)
"""The behaviours a profile covers: acknowledgement; paraphrase; empathy and reflection of
feeling; using the customer's name and details; open (not closed) questions; not interrupting;
plain language instead of jargon; answering every concern; checking the problem is solved; not
asking again for what the customer gave; no dismissive or blaming language."""

FLOOR = 0.05
CEILING = 0.97


class Trend(StrEnum):
    """How an agent's skills move over the weeks."""

    STAR = "star"
    IMPROVING = "improving"
    STEADY = "steady"
    DECLINING = "declining"


TREND_CYCLE: tuple[Trend, ...] = (
    Trend.STAR,
    Trend.IMPROVING,
    Trend.STEADY,
    Trend.DECLINING,
    Trend.STEADY,
    Trend.IMPROVING,
    Trend.STEADY,
    Trend.STEADY,
    Trend.IMPROVING,
    Trend.STEADY,
)
"""Trend of the n-th agent of the whole roster; past the tenth, improving and steady alternate
(there is one star and one declining agent)."""


def trend_for(position: int) -> Trend:
    """The trend of the agent at `position` in the roster."""
    if position < len(TREND_CYCLE):
        return TREND_CYCLE[position]
    return Trend.IMPROVING if position % 3 == 0 else Trend.STEADY


@dataclass(frozen=True)
class SkillProfile:
    """Per-skill levels for every week (week 0 is the first)."""

    trend: Trend
    weekly: tuple[dict[str, float], ...] = field(repr=False)

    def at(self, week: int) -> dict[str, float]:
        return self.weekly[week]

    def mean(self, week: int) -> float:
        """The agent's mean skill in a week: what the Listening Score should follow."""
        levels = self.weekly[week]
        return sum(levels.values()) / len(levels)


def _clip(value: float) -> float:
    return round(min(CEILING, max(FLOOR, value)), 3)


def make_profile(rng: random.Random, trend: Trend, weeks: int) -> SkillProfile:
    """A profile with the trend's start and end levels per skill, and weekly noise."""
    start: dict[str, float] = {}
    end: dict[str, float] = {}
    if trend == Trend.STAR:
        for skill in SKILLS:
            start[skill] = end[skill] = rng.uniform(0.86, 0.96)
    elif trend == Trend.STEADY:
        base = rng.uniform(0.42, 0.72)
        for skill in SKILLS:
            start[skill] = end[skill] = base + rng.uniform(-0.15, 0.15)
    elif trend == Trend.IMPROVING:
        # coaching works best on the behaviours it targets, a little on the rest
        coached = set(rng.sample(SKILLS, 7))
        base = rng.uniform(0.2, 0.35)
        for skill in SKILLS:
            start[skill] = base + rng.uniform(-0.1, 0.1)
            gain = rng.uniform(0.45, 0.65) if skill in coached else rng.uniform(0.1, 0.25)
            end[skill] = start[skill] + gain
    else:  # declining
        base = rng.uniform(0.72, 0.82)
        for skill in SKILLS:
            start[skill] = base + rng.uniform(-0.08, 0.08)
            end[skill] = start[skill] - rng.uniform(0.35, 0.5)
    weekly = []
    for week in range(weeks):
        progress = week / (weeks - 1) if weeks > 1 else 0.0
        weekly.append(
            {
                skill: _clip(
                    start[skill] + (end[skill] - start[skill]) * progress + rng.gauss(0, 0.04)
                )
                for skill in SKILLS
            }
        )
    return SkillProfile(trend=trend, weekly=tuple(weekly))
