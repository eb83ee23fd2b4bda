"""heard.next_step.v1: literal agent turns that say what happens next, and ones that do not."""

from __future__ import annotations

import pytest

from heard.analysis import Analyzer
from heard.model import Channel, Conversation, Role, Turn

ANALYZER = Analyzer(only=["heard.next_step.v1"])


def found(reply: str) -> list[str]:
    conversation = Conversation(
        id="n",
        channel=Channel.CHAT,
        turns=[
            Turn(index=0, role=Role.CUSTOMER, text="My parcel hasn't arrived."),
            Turn(index=1, role=Role.AGENT, text=reply),
        ],
    )
    card = ANALYZER.analyze(conversation).scorecard
    return [
        reply[f.spans[0].start : f.spans[0].end]
        for f in card.findings
        if f.behaviour == "next_step"
    ]


@pytest.mark.parametrize(
    ("reply", "cue"),
    [
        ("I'll email you the return label.", "I'll email"),
        ("We will refund the delivery charge.", "We will refund"),
        ("You'll receive a tracking link shortly.", "You'll receive"),
        ("It should arrive on Thursday.", "It should arrive"),
        ("The new card will arrive in 3-5 business days.", "The new card will arrive"),
        ("A refund of $12 goes back to your card within 24 hours.", "within 24 hours"),
        ("Your parcel goes out by 6 pm tonight.", "by 6 pm"),
        ("That's what happens next: a courier collects it.", "what happens next"),
        ("Let me check the tracking for you.", "Let me check"),
        ("We're checking the depot now.", "We're checking"),
        ("An engineer is booked to visit tomorrow.", "is booked to"),
        ("I've arranged a redelivery.", "I've arranged"),
        ("I'll follow up with the courier.", "I'll follow up"),
        ("Please reply with your order number.", "Please reply with your"),
    ],
)
def test_next_step_cues(reply: str, cue: str) -> None:
    assert found(reply) == [cue]


@pytest.mark.parametrize(
    "reply",
    [
        "I understand how frustrating that is.",
        "I'll be honest, that's our policy.",
        "I'd be happy to help.",
        "Thank you for contacting us. Have a great day!",
        "Your parcel was delivered on Monday.",
        "You should have checked the parcel before signing.",
        "Three outages in one week is too many.",
        "That should have been sorted last week.",
    ],
)
def test_not_next_steps(reply: str) -> None:
    assert found(reply) == []
