"""heard.refusals.v1: a no with another way and a no without one, as literal chats."""

from __future__ import annotations

import pytest

from heard.analysis import Analyzer
from heard.model import Channel, Conversation, Role, Turn

ANALYZER = Analyzer()


def chat(*lines: tuple[str, str]) -> Conversation:
    return Conversation(
        id="refusal",
        channel=Channel.CHAT,
        turns=[Turn(index=i, role=Role(r), text=t) for i, (r, t) in enumerate(lines)],
    )


def found(*lines: tuple[str, str]) -> list[int]:
    card = ANALYZER.analyze(chat(*lines)).scorecard
    return [f.spans[0].turn for f in card.findings if f.behaviour == "no_alternative"]


ASKED = ("customer", "Can I see Dr. Johnson at 7 pm on Friday? I still have to work until 6.")


@pytest.mark.parametrize(
    "reply",
    [
        "Unfortunately Dr. Johnson has no appointment available at 7 pm.",
        "I'm sorry, but your booking request failed.",
        "I am sorry, but the reservation request was not successful. Is there anything else?",
    ],
)
def test_a_no_without_another_way_is_found(reply: str) -> None:
    assert found(ASKED, ("agent", reply)) == [1]


@pytest.mark.parametrize(
    "reply",
    [
        "Unfortunately 7 pm is taken. Would 6:30 pm or Saturday morning work for you instead?",
        "The 7 pm slot is unavailable. Would you like me to try another time?",
        "I'm sorry, there is no appointment at 7 pm, but I can offer you 8 am on Saturday.",
        "Your appointment with Dr. Johnson is booked for 7 pm on Friday.",
    ],
)
def test_a_no_with_another_way_or_a_yes_is_not(reply: str) -> None:
    assert found(ASKED, ("agent", reply)) == []


def test_the_other_way_may_follow_in_the_agents_next_message() -> None:
    assert (
        found(
            ASKED,
            ("agent", "Unfortunately there is no appointment available at 7 pm."),
            ("agent", "How about 6:30 pm, or another doctor at 7?"),
        )
        == []
    )


def test_the_tip_keeps_the_agents_words_and_adds_the_other_way() -> None:
    card = ANALYZER.analyze(
        chat(ASKED, ("agent", "Unfortunately Dr. Johnson has no appointment available at 7 pm."))
    ).scorecard
    [tip] = [t for t in card.tips if t.behaviour == "no_alternative"]
    assert tip.suggestion == (
        'Offer another way when you have to say no: "Unfortunately Dr. Johnson has no '
        'appointment available at 7 pm. Would another time work for you?"'
    )


@pytest.mark.parametrize(
    ("refusal", "offer"),
    [
        (
            "I'm very sorry, but there is no room available at the Hyatt Hotel for your dates.",
            "date or option",
        ),
        ("Unfortunately I wasn't able to update your driver.", "another ride"),
        ("I am not able to do that on my system.", "try something else"),
        ("Unfortunately I wasn't able to change your pickup point.", "another ride"),
    ],
)
def test_the_other_way_fits_what_was_refused(refusal: str, offer: str) -> None:
    """ "Would another time work?" to a refused driver or pickup point fitted badly (9 tips,
    sample q)."""
    from heard.language.examples import another_way

    assert offer in another_way(refusal)


def test_a_quiz_verdict_is_no_refusal() -> None:
    """Ten "Unfortunately your answer was wrong" verdicts were read as refusals (sample q)."""
    assert (
        found(
            ("customer", "Is it Paris?"),
            ("agent", "Unfortunately your answer was wrong. It was Rome."),
        )
        == []
    )
