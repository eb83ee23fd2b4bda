"""`heard analyze examples/*` finds what each example was written to show (the behaviours the
current detectors cover), and never what an example promises is absent."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES
from heard.analysis import Analyzer
from heard.importers import read_file

COVERED = {
    "acknowledgement",
    "apology",
    "backchannel_overlap",
    "blame",
    "callback_offer",
    "check_understanding",
    "closed_question",
    "condescending",
    "dead_air",
    "dismissive",
    "escalation_cue",
    "interruption",
    "not_heard_cue",
    "open_question",
    "resolution_check",
    "talk_over_in_chat",
    "uses_name",
    "customer_emotion",
    "empathy",
    "reassurance",
    "reflection_of_feeling",
    "jargon",
    "premature_solution",
    "clarifying_question",
    "follow_up_question",
    "rushing",
    "hold",
    "template_reply",
    "personalised_reply",
    "uses_details",
    "repeat_ask",
    "unaddressed_concern",
    "paraphrase",
    "summary",
    "ignores_last_turn",
}
"""Behaviours with a detector so far; the rest of the rubric comes with later detectors."""

ANALYZER = Analyzer()
FILES = sorted(EXAMPLES.glob("*.json"))


def _analyse(path):
    conversation = read_file(path)[1][0]
    card = ANALYZER.analyze(conversation).scorecard
    return conversation, {(f.behaviour, f.spans[0].turn) for f in card.findings}


def _emotions(path) -> dict[int, str]:
    card = ANALYZER.analyze(read_file(path)[1][0]).scorecard
    return {e.turn: e.label for e in card.emotions}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_absent_behaviours_are_not_found(path) -> None:
    conversation, found = _analyse(path)
    absent = {
        a["behaviour"] if isinstance(a, dict) else a
        for a in conversation.metadata.get("absent", [])
    }
    assert not {b for b, _ in found} & absent


def test_labelled_moments_are_found() -> None:
    """Every moment a story was written for is found, at its turn."""
    total = 0
    missed = []
    for path in FILES:
        conversation, found = _analyse(path)
        for item in conversation.metadata["expected"]:
            if item["behaviour"] not in COVERED:
                continue
            total += 1
            if (item["behaviour"], item["turn"]) not in found:
                missed.append((path.name, item["behaviour"], item["turn"]))
    assert total > 180
    assert missed == []


def test_labelled_customer_emotions_are_named() -> None:
    """Each labelled customer emotion is the one the analysis names for that turn."""
    wrong = []
    for path in FILES:
        conversation = read_file(path)[1][0]
        named = _emotions(path)
        for item in conversation.metadata["expected"]:
            if (
                item["behaviour"] == "customer_emotion"
                and named.get(item["turn"]) != item["emotion"]
            ):
                wrong.append((path.name, item["turn"], item["emotion"], named.get(item["turn"])))
    assert wrong == []


@pytest.mark.parametrize(
    ("example", "behaviour", "turn"),
    [
        ("01-call-interruptions.json", "interruption", 9),
        ("01-call-interruptions.json", "backchannel_overlap", 6),
        ("01-call-interruptions.json", "dead_air", 4),
        ("01-call-interruptions.json", "not_heard_cue", 10),
        ("02-chat-angry-handled-well.json", "reflection_of_feeling", 1),
        ("02-chat-angry-handled-well.json", "resolution_check", 11),
        ("03-chat-angry-handled-badly.json", "dismissive", 3),
        ("03-chat-angry-handled-badly.json", "blame", 7),
        ("03-chat-angry-handled-badly.json", "not_heard_cue", 6),
        ("03-chat-angry-handled-badly.json", "escalation_cue", 10),
        ("07-call-well-handled.json", "check_understanding", 2),
        ("07-call-well-handled.json", "callback_offer", 6),
        ("08-chat-burst-talk-over.json", "talk_over_in_chat", 1),
        ("11-chat-closed-interrogation.json", "closed_question", 1),
        ("05-chat-jargon.json", "jargon", 1),
        ("05-chat-jargon.json", "jargon", 2),
        ("03-chat-angry-handled-badly.json", "premature_solution", 1),
        ("10-chat-vague-clarify.json", "clarifying_question", 1),
        ("10-chat-vague-clarify.json", "clarifying_question", 3),
        ("10-chat-vague-clarify.json", "follow_up_question", 5),
        ("07-call-well-handled.json", "follow_up_question", 4),
        ("08-chat-burst-talk-over.json", "clarifying_question", 6),
        ("01-call-interruptions.json", "rushing", 16),
        ("03-chat-angry-handled-badly.json", "rushing", 11),
        ("11-chat-closed-interrogation.json", "rushing", 15),
        ("01-call-interruptions.json", "hold", 13),
        ("01-call-interruptions.json", "long_hold", 13),
        ("03-chat-angry-handled-badly.json", "template_reply", 1),
        ("06-email-template-reply.json", "template_reply", 1),
        ("06-email-template-reply.json", "personalised_reply", 3),
        ("04-email-multi-concern.json", "personalised_reply", 4),
        ("14-email-pii-refund.json", "personalised_reply", 2),
        ("03-chat-angry-handled-badly.json", "repeat_ask", 5),
        ("04-email-multi-concern.json", "unaddressed_concern", 2),
        ("06-email-template-reply.json", "unaddressed_concern", 1),
        ("09-chat-happy-short.json", "uses_details", 1),
        ("07-call-well-handled.json", "uses_details", 12),
        ("02-chat-angry-handled-well.json", "paraphrase", 5),
        ("07-call-well-handled.json", "paraphrase", 2),
        ("02-chat-angry-handled-well.json", "summary", 11),
        ("07-call-well-handled.json", "summary", 12),
        ("10-chat-vague-clarify.json", "summary", 7),
        ("13-call-worried-reassurance.json", "summary", 11),
        ("03-chat-angry-handled-badly.json", "ignores_last_turn", 5),
        ("11-chat-closed-interrogation.json", "ignores_last_turn", 9),
        ("11-chat-closed-interrogation.json", "ignores_last_turn", 13),
    ],
)
def test_story_moment(example: str, behaviour: str, turn: int) -> None:
    _, found = _analyse(EXAMPLES / example)
    assert (behaviour, turn) in found
