"""Moments from blind-judged STAR chats (data/judgements/2026-12-06i-star): each a tip the
judge called wrong or unusable, rebuilt as a literal conversation, and the reason it no longer
shows; with the nearest case that must still show, so no fix is a blanket silence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heard.analysis import Analyzer
from heard.language.phrasing import agent_words, say_back
from heard.model import Channel, Conversation, Role, Scorecard, Turn

ANALYZER = Analyzer()


def chat(*lines: tuple[str, str]) -> Conversation:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    return Conversation(
        id="judged",
        channel=Channel.CHAT,
        turns=[
            Turn(index=i, role=Role(role), text=text, sent_at=start + timedelta(minutes=i))
            for i, (role, text) in enumerate(lines)
        ],
    )


def card(*lines: tuple[str, str]) -> Scorecard:
    return ANALYZER.analyze(chat(*lines)).scorecard


def findings(scorecard: Scorecard, behaviour: str) -> list[int]:
    return [f.spans[0].turn for f in scorecard.findings if f.behaviour == behaviour]


def tips(scorecard: Scorecard, behaviour: str) -> list[str]:
    return [t.suggestion or "" for t in scorecard.tips if t.behaviour == behaviour]


OPENING = [
    ("customer", "Hi, I need some help with a booking for tonight please."),
    ("agent", "Could I get your name, please?"),
    ("customer", "It's Sam Jones."),
]


@pytest.mark.parametrize(
    ("asked", "reply"),
    [
        ("What is the weather like on the 28th, tomorrow?", "For which city?"),
        ("Is tomorrow at 9 open?", "PM or AM?"),
        (
            "Are there any tables open at The Porch?",
            "For what time should the reservation be made?",
        ),
        ("Did you reserve a table for me?", "Not yet, what time would you arrive?"),
        ("Oh that sounds perfect! can you  book a table please?", "For what time?"),
        (
            "I would like your help reserving a seat on flight 632. What really is a reservation?",
            "May I have your name, please?",
        ),
    ],
)
def test_a_question_that_gathers_what_the_answer_needs_does_not_ignore_them(
    asked: str, reply: str
) -> None:
    """8 of 10 "ignores what the customer asked" tips in sample i were the agent asking for
    the city, the time, AM or PM: the detail needed to answer."""
    scorecard = card(*OPENING, ("agent", "Thanks Sam."), ("customer", asked), ("agent", reply))
    assert 5 not in findings(scorecard, "ignores_last_turn")


def test_a_question_that_changes_the_subject_still_ignores_them() -> None:
    scorecard = card(
        *OPENING,
        ("agent", "Thanks Sam."),
        ("customer", "Why was I charged twice for the same room last week?"),
        ("agent", "Would you like to hear about our loyalty programme?"),
    )
    assert 5 in findings(scorecard, "ignores_last_turn")


def test_a_booking_offer_needs_no_open_question() -> None:
    """ "Should I book that for you?" after a clear request was tipped "turn it into an open
    question" (0 of 3 right)."""
    scorecard = card(
        (
            "customer",
            "Hello, my name is Alexis and I really need to find a ride from the Airport to "
            "University, and I don't want to take an Uber.",
        ),
        (
            "agent",
            "I found a Lyft ride for you from 'Airport' to 'University' for 19 credits. "
            "Should I book that for you?",
        ),
        ("customer", "ok"),
    )
    assert not tips(scorecard, "open_question")


@pytest.mark.parametrize(
    "text", ["I will really need some extra towels as well.", "I really need to get out."]
)
def test_really_needing_something_is_not_worry(text: str) -> None:
    scorecard = ANALYZER.analyze(chat(("customer", text), ("agent", "Sure."))).scorecard
    assert all(e.label != "worry" for e in scorecard.emotions)


def test_asking_to_move_on_to_the_next_direction_is_not_rushing() -> None:
    scorecard = card(
        ("customer", "I need directions to 5th and Main please."),
        ("agent", "Drive south on Cassiar. After 3 blocks, turn left on Broadway."),
        ("customer", "ok"),
        ("agent", "Can I move on to the next step?"),
    )
    assert 3 not in findings(scorecard, "rushing")


def test_a_question_in_a_thank_you_is_not_left_open_by_a_goodbye() -> None:
    scorecard = card(
        ("customer", "Please open the door to the bridge."),
        ("agent", "The door is now unlocked."),
        ("customer", "Oh, it was an access code? Awesome, I'm in. Thanks computer."),
        ("agent", "Goodbye."),
    )
    assert 3 not in findings(scorecard, "rushing")


def test_closing_on_a_nervous_customer_asks_for_a_kind_word_not_a_sorry() -> None:
    """A customer nervous about a job interview had no complaint: "I'm sorry — I can see why
    that's frustrating" was wrong for them (judged unusable twice)."""
    scorecard = card(
        ("customer", "Can you book the viewing for Friday at 10 am?"),
        ("agent", "Excellent, the viewing is scheduled now!"),
        ("customer", "Great, I'm so nervous and worried about my job interview tomorrow."),
        ("agent", "Thank you and goodbye."),
    )
    rushing = [f for f in scorecard.findings if f.behaviour == "rushing"]
    assert rushing and "hope it goes well" in (rushing[0].suggestion or "")
    assert "frustrating" not in (rushing[0].suggestion or "")


def test_again_in_a_first_message_is_not_a_repeat() -> None:
    scorecard = card(
        ("customer", "Omg i got lost again, i think i got on the wrong bus again, can you help?"),
        ("agent", "Where do you need to go?"),
    )
    assert not findings(scorecard, "not_heard_cue")
    # "Where do you need to go?" gathers a detail: it offers no fix
    assert not findings(scorecard, "premature_solution")


def test_again_opening_a_sentence_still_is() -> None:
    scorecard = card(
        ("customer", "My card was declined at the till."),
        ("agent", "Please try it again."),
        ("customer", "I did. Again, my card was declined!"),
        ("agent", "Let me check."),
    )
    assert 2 in findings(scorecard, "not_heard_cue")


def test_a_mothers_maiden_name_is_not_the_customers_name() -> None:
    scorecard = card(
        ("customer", "I want to check my balance."),
        ("agent", "Could you answer your security questions, please?"),
        ("customer", "My mother's maiden name is Wong and my pet as a child was Molly."),
        ("agent", "Your balance is 4581 in credit."),
        ("customer", "Can you help me reserve a restaurant?"),
        ("agent", "May I have your name, please?"),
    )
    assert 5 not in findings(scorecard, "repeat_ask")


def test_surprise_is_no_concern_and_a_request_done_is_answered() -> None:
    scorecard = card(
        ("customer", "Can I view the apartment at 1 pm?"),
        ("agent", "I am sorry, there is no viewing available at that time."),
        ("customer", "Really? How about 2 pm?"),
        ("agent", "Sorry, there is no viewing available then either."),
        ("customer", "I would like a BMW please, I am feeling fancy"),
        ("agent", "Your BMW has been booked."),
    )
    assert all(c.quote != "Really?" for c in scorecard.concerns)
    bmw = next(c for c in scorecard.concerns if "BMW" in c.quote)
    assert bmw.addressed == 5


def test_an_answered_question_is_no_moment_to_acknowledge() -> None:
    scorecard = card(
        ("customer", "I'd like to view the Shadyside apartment."),
        ("agent", "What time do you want to see the apartment?"),
        (
            "customer",
            "I don't remember if I paid that fee. I know I pay a lot of fees, teenager fees. "
            "That's enough. Is Tuesday at 6pm available?",
        ),
        ("agent", "Great, there is still a viewing available at that time."),
        ("customer", "Yes"),
    )
    assert all(t.span is None or t.span.turn != 3 for t in scorecard.tips)


@pytest.mark.parametrize(
    "text",
    [
        "My mother's maiden name is Wong and my pet as a child was Molly.",
        "I was going to say Thursday at 10 pm but I have a job interview then.",
        "I can't believe I got lost again.",
        "I am so lost.",
        "You can proceed.",
        "I mean it just got rejected in this restaurant.",
    ],
)
def test_words_never_said_back(text: str) -> None:
    """Security answers, a plan the customer dropped, a state that mocks when said back, an
    instruction to the agent."""
    assert say_back([text]) is None


def test_an_ellipsis_ends_what_is_said_back() -> None:
    said = say_back(["I woke up today and my card was gone...oh wait"])
    assert said is not None and "oh wait" not in said and "..." not in said


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Hello, how can I help?", None),
        (
            "Great, the The Porch is happy to accommodate you.",
            "the Porch is happy to accommodate you.",
        ),
        ("Where do you need to go?", "where do you need to go?"),
    ],
)
def test_agent_words_skip_greetings_and_interjections(reply: str, expected: str | None) -> None:
    assert agent_words(reply) == expected
