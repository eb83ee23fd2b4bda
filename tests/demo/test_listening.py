"""The demo team's Listening Scores follow its skills: heard's real analyzer, run on a sample
of the generated conversations, finds the behaviours each profile shows and scores agent-weeks
in the order of their skill; the improving agents' scores rise."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np
import pytest

from heard.analysis import Analyzer
from heard.demo import SCENARIOS, Trend, generate_team

pytestmark = pytest.mark.slow

UPSET = {"angry", "worried", "confused"}


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""

    def ranks(values: list[float]) -> np.ndarray:
        order = np.argsort(values, kind="stable")
        result = np.empty(len(values))
        sorted_values = np.asarray(values)[order]
        i = 0
        while i < len(values):
            j = i
            while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
                j += 1
            result[order[i : j + 1]] = (i + j) / 2
            i = j + 1
        return result

    return float(np.corrcoef(ranks(xs), ranks(ys))[0, 1])


def test_spearman_helper() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 2, 2, 3]) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def analysed():
    team = generate_team(seed=7, start=date(2026, 1, 5), per_agent_per_week=3)
    analyzer = Analyzer()
    return team, [(c, analyzer.analyze(c).scorecard) for c in team.conversations]


def _agent_weeks(analysed) -> dict[tuple[str, int], list[float]]:
    team, results = analysed
    scores: dict[tuple[str, int], list[float]] = defaultdict(list)
    for conversation, card in results:
        assert card.listening_score is not None
        scores[(conversation.agent.id, team.week_of(conversation))].append(card.listening_score)
    return scores


def test_listening_scores_follow_the_skill_profiles(analysed) -> None:
    team, _ = analysed
    scores = _agent_weeks(analysed)
    skill = [team.agent(agent).profile.mean(week) for agent, week in scores]
    score = [sum(v) / len(v) for v in scores.values()]
    rho = spearman(skill, score)
    assert rho >= 0.6, f"Spearman {rho:.2f} between agent-week skill and Listening Score"


def test_the_star_leads_and_improving_agents_rise(analysed) -> None:
    team, _ = analysed
    scores = _agent_weeks(analysed)

    def mean(agent: str, weeks: range) -> float:
        values = [s for w in weeks for s in scores[(agent, w)]]
        return sum(values) / len(values)

    everyone = {a.id: mean(a.id, range(team.weeks)) for a in team.agents}
    star = next(a.id for a in team.agents if a.trend == Trend.STAR)
    assert everyone[star] == max(everyone.values())
    gains = {
        a.id: mean(a.id, range(6, 8)) - mean(a.id, range(2))
        for a in team.agents
        if a.trend in (Trend.IMPROVING, Trend.DECLINING)
    }
    improving = [g for a, g in gains.items() if team.agent(a).trend == Trend.IMPROVING]
    assert min(improving) > 5 and sum(improving) / len(improving) >= 12, gains
    declining = [g for a, g in gains.items() if team.agent(a).trend == Trend.DECLINING]
    assert declining[0] < -10, gains


# skill → (behaviours that show it, behaviours that show its absence); a conversation that
# shows the skill must have one of the first, one that does not must have one of the second
EVIDENCE: dict[str, tuple[set[str], set[str]]] = {
    "acknowledgement": ({"acknowledgement"}, set()),
    "paraphrase": ({"paraphrase"}, set()),
    "empathy": ({"empathy", "reflection_of_feeling", "apology"}, set()),
    "open_questions": ({"open_question"}, set()),
    "resolution_check": ({"resolution_check"}, set()),
    "plain_language": (set(), {"jargon"}),
    "no_dismissive_language": (set(), {"dismissive", "blame"}),
    "not_interrupting": (set(), {"interruption", "talk_over_in_chat"}),
    "no_repeat_asks": (set(), {"repeat_ask"}),
    "answers_concerns": (set(), {"unaddressed_concern"}),
}


def _applies(skill: str, conversation) -> bool:
    demo = conversation.metadata["demo"]
    match skill:
        case "empathy":
            return demo["mood"] in UPSET
        case "open_questions" | "not_interrupting":
            return conversation.channel != "email"
        case "no_repeat_asks":
            return bool(demo["asked_again"]) or "no_repeat_asks" in demo["shown"]
        case "answers_concerns":
            return demo["second_question"]
    return True


def _second_question_unanswered(conversation, card) -> bool:
    """Whether a finding says the customer's second question (not the opening) went
    unanswered; the opening can go unanswered for other reasons (a generic action)."""
    scenario = next(s for s in SCENARIOS if s.key == conversation.metadata["demo"]["scenario"])
    starts = [" ".join(c.question.lower().split()[:3]) for c in scenario.concerns]
    return any(
        f.behaviour == "unaddressed_concern"
        and any(start in f.data["quote"].lower() for start in starts)
        for f in card.findings
    )


@pytest.mark.parametrize("skill", sorted(EVIDENCE))
def test_the_behaviours_a_profile_shows_are_detected(analysed, skill: str) -> None:
    _, results = analysed
    positive, negative = EVIDENCE[skill]
    agree = total = 0
    for conversation, card in results:
        if not _applies(skill, conversation):
            continue
        found = {f.behaviour for f in card.findings}
        if skill == "answers_concerns":
            found = (
                {"unaddressed_concern"}
                if _second_question_unanswered(conversation, card)
                else set()
            )
        shown = skill in conversation.metadata["demo"]["shown"]
        if positive:
            agree += shown == bool(found & positive)
        if negative:
            agree += shown != bool(found & negative)
        total += bool(positive) + bool(negative)
    assert total > 50
    # Empathy: the learned head (trained on heard's human-labelled corpus, where it beats the
    # rule 0.82 vs 0.15 F1 on the test part) also reads generic warmth in the generated
    # "no empathy" replies ("Glad I could help", "Let me know if that works for you") as an
    # emotional reaction: 0.857 agreement with the generator's profiles (issue 19 note).
    floor = 0.85 if skill == "empathy" else 0.9
    assert agree / total >= floor, f"{skill}: detected as generated in {agree} of {total}"
