"""Moments from the later blind-judged STAR samples (data/judgements/2026-12-06r-star and
2026-12-07-star), read from the sample's transcripts as the judges read them: each a tip both
judges called wrong, ungrammatical or unusable, with the nearest case that must still get one,
so no fix is a blanket silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.test_judged_cases import card, findings, judged_chat, tips
from heard.analysis.rubric import load_rubric
from heard.detectors.customer_emotion import emotion_of
from heard.language.examples import agent_reply, grammar_problems, heard_it
from heard.language.phrasing import pointing_at

JUDGED = Path(__file__).resolve().parents[2] / "data" / "judgements"
SAMPLE_R = JUDGED / "2026-12-06r-star"
SAMPLE_S = JUDGED / "2026-12-07-star"


@pytest.mark.parametrize(
    ("chat_id", "upto"),
    [
        ("star-5411", 9),  # "We are both afraid of heights, so no balcony is better."
        ("star-111", 9),  # "I know a great joke....why is 6 afraid of 7?"
        ("star-2739", 1),  # "I urgently need to find a ride": a hurry, not a voiced worry
    ],
)
def test_no_reassurance_for_a_fear_of_a_thing_or_a_hurry(chat_id: str, upto: int) -> None:
    """Sample r: "I can see why that would worry you" after a taste, a joke and a hurry."""
    assert tips(card(*judged_chat(chat_id, upto, SAMPLE_R)), "reassurance") == []


@pytest.mark.parametrize(
    "said",
    [
        "I'm really scared of losing my savings, the app shows a payment I never made.",
        "I'm so worried, my card was declined twice and I need to pay rent today.",
        "I am afraid of the bank closing my account over this, can you check it?",
    ],
)
def test_a_worry_about_what_may_happen_still_gets_reassurance(said: str) -> None:
    scorecard = card(
        ("customer", said),
        ("agent", "What is your account number?"),
        ("customer", "It is 4411."),
        ("agent", "Thanks, one moment."),
    )
    assert findings(scorecard, "customer_emotion")[:1] == [0]
    assert len(tips(scorecard, "reassurance")) == 1


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("We are both afraid of heights, so no balcony is better.", "neutral"),
        ("why is 6 afraid of 7?", "neutral"),
        ("I'm scared of losing my money", "worry"),
        ("I am afraid of the bank closing it", "worry"),
        ("I'm so afraid.", "worry"),
    ],
)
def test_a_fear_of_a_thing_is_no_worry(text: str, label: str) -> None:
    assert emotion_of(text)[0] == label


@pytest.mark.parametrize(
    ("chat_id", "upto", "behaviour"),
    [
        # "name is John" answered "the name of the host": asking the customer's own is no repeat
        ("star-433", 11, "repeat_ask"),
        # "Anything else?" — "Well I guess not, catch the thief!": the customer closed
        ("star-579", 15, "rushing"),
        # "How did I forget that?" asks nothing of the agent
        ("star-6552", 31, "rushing"),
        ("star-6552", 31, "ignores_last_turn"),
        # the request the agent is working on ("At what venue…?") and one answered with the
        # directions asked for are no unanswered points
        ("star-6199", 1, "unaddressed_concern"),
        ("star-2402", 1, "unaddressed_concern"),
        # "not Saturday like I said at first. Sorry!" corrects, it does not repeat
        ("star-6199", 8, "not_heard_cue"),
        # a date of birth and a pet's name given unasked are credentials, not details to name
        ("star-4945", 1, "personalised_reply"),
        # "I can pick from pizza, Indian…", "Could you double check the name…": another way
        ("star-5068", 3, "no_alternative"),
        ("star-5144", 11, "no_alternative"),
    ],
)
def test_no_tip_where_sample_s_found_none_called_for(
    chat_id: str, upto: int, behaviour: str
) -> None:
    scorecard = card(*judged_chat(chat_id, upto, SAMPLE_S))
    assert upto not in [t.span.turn for t in scorecard.tips if t.behaviour == behaviour and t.span]


def test_the_customers_own_name_asked_again_is_still_a_repeat() -> None:
    scorecard = card(
        ("customer", "Hi, I need a table for four tonight."),
        ("agent", "Could you provide me with the name of the host, please?"),
        ("customer", "Yes his name is John, and my name is Sarah Brown."),
        ("agent", "How many guests will you be bringing?"),
        ("customer", "Four."),
        ("agent", "May I have your name, please?"),
    )
    assert findings(scorecard, "repeat_ask") == [5]


def test_a_no_with_nothing_else_still_gets_another_way() -> None:
    scorecard = card(
        ("customer", "Can you book me a table at Nando's for 8 tonight?"),
        ("agent", "Unfortunately Nando's is fully booked tonight."),
        ("customer", "Oh."),
    )
    assert findings(scorecard, "no_alternative") == [1]


def test_a_when_question_answered_with_a_day_leaves_the_other_question() -> None:
    """Sample s: "When will the weather be nice again?" was answered ("sunny all day on
    Monday"); "Will it be nice on Sunday?" was not, and the tip names that one."""
    shown = tips(card(*judged_chat("star-51", 5, SAMPLE_S)), "unaddressed_concern")
    assert shown == [
        "Answer every point the customer raised, including “Will it be nice on Sunday?”."
    ]


def test_an_agent_question_without_its_mark_gets_it_back_and_a_slip_is_not_quoted() -> None:
    """Sample s: "Thanks for letting me know. Do you want to fill a fraud report." (both judges:
    ungrammatical)."""
    assert agent_reply("Do you want to fill a fraud report.") is None
    assert (
        agent_reply("Do you want to file a fraud report.") == "Do you want to file a fraud report?"
    )
    assert agent_reply("Could not find your booking.") == "Could not find your booking."


SAMPLE_T = JUDGED / "2026-12-07b-star"
SAMPLE_U = JUDGED / "2026-12-07c-star"
BASE_RUBRIC = (
    Path(__file__).resolve().parents[2] / "src" / "heard" / "analysis" / "base_rubric.toml"
)


def _messages(chat_id: str, upto: int, behaviour: str) -> list[str]:
    scorecard = card(*judged_chat(chat_id, upto, SAMPLE_T))
    return [t.message for t in scorecard.tips if t.behaviour == behaviour]


def test_a_cue_cut_mid_sentence_is_quoted_whole() -> None:
    """Sample t: "Customer had to repeat themselves at turn 2: “I just gave”" (ungrammatical
    to both judges); a single term stays itself."""
    assert _messages("star-2426", 3, "not_heard_cue") == [
        "Customer had to repeat themselves at turn 2: “I just gave you all of them!”"
    ]


def test_a_customers_typo_is_not_quoted_back() -> None:
    """Sample t: "Answer the customer's question before you close: “Im exhasuted, hows your day
    going?”" and the detail “Jennys” (a possessive without its apostrophe)."""
    shown = tips(card(*judged_chat("star-992", 5, SAMPLE_T)), "personalised_reply")
    assert shown and all("Jennys" not in s for s in shown)
    assert pointing_at("Answer it first: “{words}”", "Im exhasuted?", alone="Answer it.") == (
        "Answer it."
    )
    assert pointing_at("Answer it first: “{words}”", "Is it sunny?", alone="Answer it.") == (
        "Answer it first: “Is it sunny?”"
    )


def test_every_behaviour_a_tip_can_say_was_missed_says_so_in_a_sentence() -> None:
    """Sample u: "Missed: acknowledges what the customer said (always expected)." read as if
    the agent had acknowledged (ungrammatical to both judges, all 6 such messages)."""
    for rubric in (load_rubric(), load_rubric(BASE_RUBRIC)):
        for name, behaviour in rubric.behaviours.items():
            if behaviour.polarity == "positive" and behaviour.tip:
                assert behaviour.missed and behaviour.missed.startswith("The "), name
                assert not grammar_problems(
                    behaviour.missed + " (expected in every conversation)."
                ), name
    scorecard = card(*judged_chat("star-1047", 5, SAMPLE_U))
    [tip] = [t for t in scorecard.tips if t.behaviour == "acknowledgement"]
    assert (
        tip.message
        == "The agent did not acknowledge what the customer said (expected in every conversation)."
    )


@pytest.mark.parametrize(
    ("chat_id", "upto"),
    [
        ("star-58", 9),  # "5pm is not available, but 6pm is."
        ("star-2226", 15),  # "Unfortunately that's incorrect." (a trivia verdict)
        ("star-1623", 13),  # "Would you like for me to check Tamarind now?"
    ],
)
def test_no_another_way_tip_where_sample_u_found_one_offered(chat_id: str, upto: int) -> None:
    scorecard = card(*judged_chat(chat_id, upto, SAMPLE_U))
    assert upto not in findings(scorecard, "no_alternative")


def test_good_news_after_an_upset_opens_with_good_news() -> None:
    """Sample u: "I'm sorry to hear that. Your reservation has been confirmed for 6 pm." to a
    customer's "Noooo too late try 6pm or later"."""
    shown = tips(card(*judged_chat("star-6538", 35, SAMPLE_U)), "acknowledgement")
    assert all("sorry to hear" not in s for s in shown)
    assert heard_it("Your reservation has been confirmed for 6 pm.", upset=True, request=True) == (
        "Good news"
    )


def test_a_long_quote_is_cut_at_a_word_end() -> None:
    scorecard = card(
        ("customer", "Can I get a room at the Hilton from the 3rd to the 9th of May please?"),
        (
            "agent",
            "I'm very sorry, but there is no room available at the Hilton Hotel for your "
            "requested dates in May.",
        ),
        ("customer", "Oh."),
    )
    [message] = [t.message for t in scorecard.tips if t.behaviour == "no_alternative"]
    assert message.endswith("for your requested…”")


SAMPLE_V = JUDGED / "2026-12-07d-star"


@pytest.mark.parametrize(
    ("chat_id", "upto", "behaviour"),
    [
        # "Would you like a different time or place?" is another way
        ("star-2222", 13, "no_alternative"),
        # "woudl you like me to try somewhere else?" too
        ("star-5959", 11, "no_alternative"),
        # "I was starting to worry thank you so much!" once the flight was booked: relief
        ("star-6149", 15, "reassurance"),
    ],
)
def test_no_tip_where_sample_v_found_none_called_for(
    chat_id: str, upto: int, behaviour: str
) -> None:
    scorecard = card(*judged_chat(chat_id, upto, SAMPLE_V))
    assert upto not in [t.span.turn for t in scorecard.tips if t.behaviour == behaviour and t.span]


def test_a_cue_that_opens_on_a_conjunction_is_quoted_as_its_sentence() -> None:
    """The README's own tour quoted “or not” for "Are you going to replace it or not?"; a
    phrase of two words that stands as one ("calm down") stays itself."""
    scorecard = card(
        ("customer", "My TV arrived with a cracked screen. I want a replacement."),
        ("agent", "Sir, please calm down. Can you please provide your order number?"),
        ("customer", "Don't tell me to calm down. Are you going to replace it or not?"),
        ("agent", "Can you please provide your order number?"),
    )
    messages = {t.behaviour: t.message for t in scorecard.tips}
    assert messages["not_heard_cue"].endswith("“Are you going to replace it or not?”")
    assert messages["dismissive"].endswith("“calm down”")
