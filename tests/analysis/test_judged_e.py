"""Moments from the blind-judged STAR sample data/judgements/2026-12-07e-star, read from its
transcripts as the judges read them: each a tip both judges called wrong, ungrammatical or
unusable, with the nearest case that must still get one, so no fix is a blanket silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.test_judged_cases import card, judged_chat, tips
from heard.language.examples import (
    EASE,
    REASSURANCE,
    SYMPATHY,
    VALIDATION,
    asks_for_something,
    validation,
)

SAMPLE_E = Path(__file__).resolve().parents[2] / "data" / "judgements" / "2026-12-07e-star"


def _reassurance(chat_id: str, upto: int) -> list[str]:
    return tips(card(*judged_chat(chat_id, upto, SAMPLE_E)), "reassurance")


@pytest.mark.parametrize(
    ("chat_id", "upto"),
    [
        ("star-865", 1),  # "AHHHHHHHHHHHH. THE SPACESHIP LIFE SUPPORT IS FAILING!"
        ("star-4064", 1),  # "Help! The life support is failing."
        ("star-993", 99),  # "My ship's under attack! I need to get to the combat deck and now!"
    ],
)
def test_an_emergency_is_reassured_with_speed_not_a_worry(chat_id: str, upto: int) -> None:
    """27 of 31 reassurance tips said "I can see why that would worry you. Let's see what we
    can do." to a customer whose ship was under attack: both judges called it unusable."""
    (tip,) = _reassurance(chat_id, upto)
    assert REASSURANCE["urgent"] in tip
    assert "worry" not in tip


@pytest.mark.parametrize(
    ("chat_id", "upto"),
    [
        ("star-1394", 1),  # "Help! Someone transferred 500 bucks from my account"
        ("star-931", 99),  # lost in the city before a job interview
    ],
)
def test_a_worry_without_an_emergency_keeps_the_worry_words(chat_id: str, upto: int) -> None:
    """The tips both judges called usable are unchanged."""
    (tip,) = _reassurance(chat_id, upto)
    assert REASSURANCE["worry"] in tip


@pytest.mark.parametrize(
    ("chat_id", "upto"),
    [
        ("star-4879", 9),  # "Ok not bad. That's about what I was expecting to pay."
        ("star-4971", 17),  # "I don't believe so." to "Is there anything else…?"
    ],
)
def test_no_rushing_after_a_calm_answer_the_model_read_as_frustration(
    chat_id: str, upto: int
) -> None:
    assert tips(card(*judged_chat(chat_id, upto, SAMPLE_E)), "rushing") == []


def test_closing_on_a_complaint_said_outright_is_still_rushing() -> None:
    scorecard = card(
        ("customer", "My parcel is lost again and this is completely unacceptable."),
        ("agent", "I have logged it."),
        ("customer", "That's ridiculous, I'm so frustrated with this service."),
        ("agent", "Is there anything else that I can do for you?"),
    )
    (tip,) = tips(scorecard, "rushing")
    assert VALIDATION["frustration"] in tip


def test_closing_on_loneliness_answers_with_sympathy_not_frustration() -> None:
    """ "I'm lonely and have nobody to talk to" then "Anything else?": the tip said "I can see
    why that's frustrating"."""
    scorecard = card(*judged_chat("star-4879", 23, SAMPLE_E))
    (tip,) = tips(scorecard, "rushing")
    assert SYMPATHY in tip
    assert "frustrating" not in tip


def test_a_closing_sentence_is_quoted_whole() -> None:
    """ "Rushes the customer at turn 7: “goodbye”" when the agent wrote "Thank you and
    goodbye." (judged ungrammatical by both)."""
    scorecard = card(
        ("customer", "Hi, my parcel never came."),
        ("agent", "What is the order number?"),
        ("customer", "It is 4411. This is completely unacceptable, I am so frustrated."),
        ("agent", "Thank you and goodbye."),
    )
    messages = [t.message for t in scorecard.tips if t.behaviour == "rushing"]
    assert messages == ["Rushes the customer at turn 3: “Thank you and goodbye.”"]


def test_sympathy_for_a_lonely_customer_promises_no_task() -> None:
    """ "I'm so sorry to hear that. I'll make this as easy as I can for you." after "I'm lonely
    and have nobody to talk to": no task to make easy (unusable to both judges)."""
    scorecard = card(
        ("customer", "Hi, I would like to book a table for one tonight."),
        ("agent", "Sure, which restaurant?"),
        ("customer", "Any is fine. Honestly I am so lonely, I have nobody to talk to."),
        ("agent", "Table booked at Legume for 7 pm."),
    )
    (tip,) = tips(scorecard, "empathy")
    assert SYMPATHY in tip and EASE not in tip


def test_a_bereaved_customer_with_a_task_still_hears_it_will_be_easy() -> None:
    scorecard = card(
        ("customer", "My husband passed away last month and I need to close his account."),
        ("agent", "Please send the death certificate to our address."),
    )
    (tip,) = tips(scorecard, "empathy")
    assert SYMPATHY in tip and EASE in tip


@pytest.mark.parametrize(
    ("said", "asks"),
    [
        ("I'm lonely and have nobody to talk to.", False),
        ("My dog died. Can you cancel his insurance?", True),
        ("My mum passed away and I need to close her account.", True),
    ],
)
def test_sympathy_alone_unless_they_ask_for_something(said: str, asks: bool) -> None:
    assert asks_for_something(said) is asks
    expected = f"{SYMPATHY} {EASE}." if asks else SYMPATHY
    assert validation("sadness", said) == expected
    assert validation("frustration", said) == VALIDATION["frustration"]


def test_asking_what_is_wrong_answers_a_bare_cry_for_help() -> None:
    """star-2323: "HELP! SOS!" → "Hello, how can I help?" got a reassurance tip; the judge: the
    customer had only cried for help, and asking what was wrong was right."""
    assert _reassurance("star-2323", 1) == []


@pytest.mark.parametrize(
    ("chat_id", "upto"),
    [
        ("star-2302", 1),  # "The life support on my spaceship is failing" → "how can I help?"
        ("star-2972", 1),  # "Our life support is failing! Please help!" → the same
    ],
)
def test_a_generic_question_to_an_emergency_told_is_still_reassured(
    chat_id: str, upto: int
) -> None:
    (tip,) = _reassurance(chat_id, upto)
    assert REASSURANCE["urgent"] in tip


@pytest.mark.parametrize(
    "cry",
    [
        "I need help!",  # star-3683
        "HELP! SOS!",  # an emergency, but not yet what it is: "I'm on it" would be on nothing
    ],
)
def test_a_bare_cry_for_help_the_reply_ignores_is_asked_what_happened(cry: str) -> None:
    """star-3683: "I need help!" → "Could I get your full name, please?" got "I can see why
    that would worry you…", a worry the customer never told (issue 19). The reply that passed
    over the cry still gets its tip, and the tip asks what is wrong."""
    scorecard = card(("customer", cry), ("agent", "Could I get your full name, please?"))
    (tip,) = tips(scorecard, "reassurance")
    assert REASSURANCE["bare_cry"] in tip
    assert "worry" not in tip


def test_a_cry_for_help_that_says_what_is_wrong_keeps_the_worry_words() -> None:
    """The same reply to star-1394's cry, which says what happened, is reassured as before."""
    said = "Help! Someone transferred 500 bucks from my account"
    scorecard = card(("customer", said), ("agent", "Could I get your full name, please?"))
    (tip,) = tips(scorecard, "reassurance")
    assert REASSURANCE["worry"] in tip
