"""Moments from blind-judged STAR chats (data/judgements/2026-12-06i-star): each a tip the
judge called wrong or unusable, rebuilt as a literal conversation, and the reason it no longer
shows; with the nearest case that must still show, so no fix is a blanket silence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from heard.analysis import Analyzer
from heard.language.examples import agent_words
from heard.language.phrasing import say_back
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
    assert rushing and "a lot to have on your mind" in (rushing[0].suggestion or "")
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


# Sample j (2026-12-06j-star): 68% right, 84% grammatical, 50% usable.


def test_an_answer_to_the_agents_ask_is_not_talked_over() -> None:
    """Chat talk-over was judged wrong 4 of 4 in sample j (0 of 42 in all samples): a greeting
    back to "Hullo", or the customer's short answer to what the reply asked ("Diebold",
    "Which day?")."""
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def at(lines: list[tuple[str, str, int]]) -> Conversation:
        return Conversation(
            id="t",
            channel=Channel.CHAT,
            turns=[
                Turn(index=i, role=Role(r), text=t, sent_at=start + timedelta(seconds=s))
                for i, (r, t, s) in enumerate(lines)
            ],
        )

    hello = at(
        [
            ("customer", "Hullo", 0),
            ("agent", "Hello, how can I help?", 13),
            ("customer", "I would like to plan a surprise party for my colleague Mark", 17),
        ]
    )
    answered = at(
        [
            ("customer", "The life support is failing! I need the repair-bot to help me,", 0),
            ("agent", "Please provide the name of the lock manufacturer.", 9),
            ("customer", "Diebold", 24),
        ]
    )
    for conversation in (hello, answered):
        card = ANALYZER.analyze(conversation).scorecard
        assert not findings(card, "talk_over_in_chat")


@pytest.mark.parametrize(
    ("customer", "reply"),
    [
        (
            "Sorry!! I think I will just take this scooter instead. Sorry for the trouble!",
            "Goodbye. Enjoy your ride!",
        ),
        ("Nope, I've got what I need.", "Thank you, goodbye."),
        ("Yes, please book", "Your event has been scheduled. Is there anything else?"),
        ("I want AC and a BMW", "Unfortunately I wasn't able to update your booking, sorry."),
        (
            "I lost my debit card and somebody used it to steal $300 from an ATM.",
            "Your report has been successfully submitted.",
        ),
    ],
)
def test_replies_that_answer_or_withdrawals_leave_no_concern_unaddressed(
    customer: str, reply: str
) -> None:
    """7 of 9 "unaddressed concern" tips in sample j: a request taken back, a goodbye, a
    yes to an offer, a request refused or done in other words."""
    scorecard = card(
        ("customer", "Hi, I need some help today."),
        ("agent", "Sure, what can I do for you?"),
        ("customer", customer),
        ("agent", reply),
    )
    assert 3 not in findings(scorecard, "unaddressed_concern")


def test_a_reply_that_asks_is_working_on_the_request() -> None:
    scorecard = card(
        ("customer", "Please book a table at The Porch."),
        ("agent", "I am sorry, but the reservation request was not successful."),
        ("customer", "No reservation? Can you try to book later times until one works?"),
        ("agent", "For what time should the reservation be made?"),
    )
    assert 3 not in findings(scorecard, "unaddressed_concern")


@pytest.mark.parametrize(
    ("customer", "reply", "expected"),
    [
        (
            "I am at the hospital and I need my regular Lyft to go home this afternoon, but I "
            "do not want Mark as my driver please, he was not very good last time.",
            "May I have your name, please?",
            "Sure, I can help with that. May I have your name, please?",
        ),
        (
            "Someone just stole $300 from me, I lost my debit card and I'm so worried!",
            "Could I get your full name, please?",
            "I'm sorry to hear that. Could I get your full name, please?",
        ),
        (
            "As late as possible, I'm thinking 8 pm or later at the Porch, and it will be for "
            "just two people, my wife and me, for our anniversary dinner this Friday.",
            "Unfortunately there is nothing free then.",
            # "I understand." before bad news added nothing (4 tips unusable, sample p): no
            # acknowledgement tip on such a reply
            None,
        ),
    ],
)
def test_a_chat_acknowledgement_opens_plainly_instead_of_parroting(
    customer: str, reply: str, expected: str | None
) -> None:
    """Acknowledgement tips that said the customer's words back were usable 8 times in 26 in
    sample j (pasted typos, wrong pronouns, echoed remarks): in a chat, where the words are on
    screen, the example opens with a plain acknowledgement fitting what they said."""
    scorecard = card(("customer", customer), ("agent", reply), ("customer", "ok"))
    shown = [t for t in scorecard.tips if t.behaviour == "acknowledgement"]
    if expected is None:
        assert not shown
        return
    [tip] = shown
    assert tip.suggestion is not None and tip.suggestion.endswith(f'"{expected}"')


def test_on_a_call_the_acknowledgement_still_says_their_words_back() -> None:
    lines = [
        ("customer", "My card was declined at the till this morning and I had to leave."),
        ("agent", "Can I take your account number, please?"),
        ("customer", "It's 4471."),
    ]
    call = Conversation(
        id="call",
        channel=Channel.CALL,
        turns=[Turn(index=i, role=Role(r), text=t) for i, (r, t) in enumerate(lines)],
    )
    tips_ = [t for t in ANALYZER.analyze(call).scorecard.tips if t.behaviour == "acknowledgement"]
    assert tips_ and "I see — your card was declined" in (tips_[0].suggestion or "")


def test_another_booking_needs_its_own_id_and_a_full_name_is_quoted_whole() -> None:
    scorecard = card(
        ("customer", "My name is Jane Doe and I want to check my ride."),
        ("agent", "Could you provide your booking ID, please?"),
        ("customer", "274"),
        ("agent", "Your ride is on its way."),
        ("customer", "Can you check on another ride ID"),
        ("agent", "Could you provide your booking ID, please?"),
        ("customer", "648"),
        ("agent", "May I have your name, please?"),
    )
    asked = {f.spans[0].turn: f for f in scorecard.findings if f.behaviour == "repeat_ask"}
    assert 5 not in asked
    assert 7 in asked and asked[7].data["value"] == "My name is Jane Doe"


def test_a_guess_about_others_is_not_said_back() -> None:
    assert say_back(["I bet the bank is tired of me filing fraud reports."]) is None


def test_an_agent_typo_is_not_copied_into_an_example() -> None:
    """ "…not able to accomodate you" in a line to send was judged ungrammatical (sample j)."""
    assert agent_words("It looks like the restaurant is not able to accomodate you.") is None
    assert agent_words("It looks like the restaurant cannot take you.") is not None


# Sample l (2026-12-06l-star), two judges: 68% / 73% right, 98% grammatical, 66% / 64% usable.


@pytest.mark.parametrize("reply", ["HAHHAH!!! Poem was the answer.", "BMW"])
def test_laughter_and_a_car_make_are_not_jargon(reply: str) -> None:
    scorecard = card(
        ("customer", "What type of car is it, and what is an epithalamium?"),
        ("agent", reply),
    )
    assert not findings(scorecard, "jargon")


def test_jargon_advice_is_to_explain_it() -> None:
    """ "Explain or drop SCHUFA" was bad advice: the customer must bring the document."""
    scorecard = card(
        ("customer", "Please book the viewing."),
        ("agent", "Done. Please bring your SCHUFA certificate with you."),
    )
    [jargon] = [f for f in scorecard.findings if f.behaviour == "jargon"]
    assert jargon.suggestion == "Explain SCHUFA in everyday words the first time you use it."


@pytest.mark.parametrize(
    "customer",
    [
        "No, no. Thank you! I'll leave an excellent feedback rating.",
        "When is summer ever going to get here?",
        "Cool! Maybe this could be a new thing?",
    ],
)
def test_a_goodbye_after_thanks_or_musing_is_not_rushing(customer: str) -> None:
    scorecard = card(
        ("customer", "What is the weather in Pittsburgh on Monday?"),
        ("agent", "It will be cloudy all day on Monday, around -5 degrees."),
        ("customer", customer),
        ("agent", "Is there anything else that I can do for you?"),
    )
    assert 3 not in findings(scorecard, "rushing")
    assert 3 not in findings(scorecard, "ignores_last_turn")


def test_an_account_number_is_never_a_detail_to_write_back() -> None:
    from heard.detectors.templates import unused_details

    conversation = chat(
        ("customer", "My account number is 84318931431 and I'm at the Hyatt in Lucca."),
        ("agent", "Right, and your PIN as well please."),
    )
    details = unused_details(ANALYZER.context(conversation))
    assert details[1] and not any("8431" in d for d in details[1])


@pytest.mark.parametrize(
    ("reply", "kwargs", "expected"),
    [
        (
            "Great, there is still a viewing available.",
            {"glad": True, "request": False},
            "Thanks for letting me know",
        ),
        (
            "Is there anything else that I can do for you?",
            {"request": True},
            "Thanks for letting me know",
        ),
        ("May I have your name, please?", {"request": True}, "Sure, I can help with that"),
        # "any other questions?" is the same stock closing as "anything else?"
        ("Do you have any other questions?", {"request": True}, "Thanks for letting me know"),
    ],
)
def test_a_plain_acknowledgement_does_not_echo_or_contradict_the_reply(
    reply: str, kwargs: dict, expected: str
) -> None:
    """ "That sounds great. Great, …" and "Sure, I can help with that. Is there anything else…"
    were judged unusable."""
    from heard.language.examples import heard_it

    assert heard_it(reply, upset=False, **kwargs) == expected


@pytest.mark.parametrize("thanks", ["Thanks, that's the one.", "Cheers, that's the one."])
def test_a_cheers_is_thanked_back_like_a_thanks(thanks: str) -> None:
    """One thanks lexicon for rushing and the acknowledgement: "cheers" is a thanks in British
    chat, so the reply to it opens "You're welcome", not "Thanks for letting me know"."""
    from heard.analysis.scoring import _heard_it

    ctx = ANALYZER.context(chat(("customer", thanks), ("agent", "Have a good day.")))
    assert _heard_it(ctx, 1, "Have a good day.") == "You're welcome"


def test_in_a_chat_a_repeat_is_owned_without_saying_back_the_wrong_detail() -> None:
    scorecard = card(
        ("customer", "I need an appointment with Dr Johnson, I thin I have corona."),
        ("agent", "Who is your doctor?"),
        ("customer", "I already told you, Dr Johnson!"),
        ("agent", "Thanks."),
    )
    [tip] = [t for t in scorecard.tips if t.behaviour == "not_heard_cue"]
    assert tip.suggestion and "you did tell me — thank you for your patience" in tip.suggestion


# Sample m (2026-12-06m-star), two judges: 79% / 70% right, 99% / 89% grammatical, 66% / 68%
# usable.


def test_a_repeat_ask_message_says_which_turn_is_whose() -> None:
    """ "Asks again for information the customer already gave at turn 13" read as if the
    customer gave it at turn 13 (the agent's ask): all 8 repeat-ask messages marked wrong."""
    scorecard = card(
        ("customer", "My name is Angela Smith and I need a ride."),
        ("agent", "Where to?"),
        ("customer", "To the airport."),
        ("agent", "May I have your name, please?"),
    )
    [tip] = [t for t in scorecard.tips if t.behaviour == "repeat_ask"]
    # and "the customer gave at turn 21: “May I have your name” — the customer earlier, at
    # turn 12: “Ben”" still did (all 9 such messages judged ungrammatical, sample n): each
    # side is named with its own turn
    assert tip.message == (
        "Asks again for a detail the customer gave: the customer said “My name is Angela Smith” at"
        " turn 0, and at turn 3 the agent says “May I have your name, please?”"
    )


def test_a_first_name_is_not_a_full_name() -> None:
    scorecard = card(
        ("customer", "I'm John and I want to book a viewing."),
        ("agent", "Could I get your full name, please?"),
    )
    assert not findings(scorecard, "repeat_ask")


def test_a_complaint_in_plain_words_gets_a_sorry() -> None:
    from heard.language.examples import HEARD_IT

    scorecard = card(
        (
            "customer",
            "I booked a ride to the station an hour ago from the hotel on Forbes Avenue and "
            "now it is too late for the train I needed to catch this morning.",
        ),
        ("agent", "Could you provide your booking ID, please?"),
        ("customer", "It's 648."),
    )
    [tip] = [t for t in scorecard.tips if t.behaviour == "acknowledgement"]
    assert HEARD_IT["upset"] in (tip.suggestion or "")


@pytest.mark.parametrize("text", ["I'd say a fraud report, but NEVER MIND! <3", "so scary :)"])
def test_a_smiley_or_a_heart_carries_no_worry(text: str) -> None:
    scorecard = ANALYZER.analyze(chat(("customer", text), ("agent", "Sure."))).scorecard
    assert all(e.label != "worry" for e in scorecard.emotions)


# Sample n (data/judgements/2026-12-06n-star): two judges, blind to each other.


@pytest.mark.parametrize(
    "text",
    [
        "I'm not really too worried about it so if things don't work just change it for me.",
        "Don't worry about the date, any day next week works for me.",
    ],
)
def test_a_feeling_said_only_to_deny_it_is_no_feeling(text: str) -> None:
    """Reassurance was asked of "I'm not really too worried about it" (both judges: wrong);
    the model must not read the denied worry back in either."""
    scorecard = card(("customer", text), ("agent", "On what day do you want to fly?"))
    assert all(e.label == "neutral" for e in scorecard.emotions)
    assert not tips(scorecard, "reassurance")


def test_a_worry_that_is_not_denied_still_calls_for_reassurance() -> None:
    scorecard = card(
        ("customer", "I'm really worried, someone took money out of my account last night."),
        ("agent", "Could you provide your account number, please?"),
    )
    assert [e.label for e in scorecard.emotions] == ["worry"]
    [tip] = tips(scorecard, "reassurance")
    assert "I'll do all I can" not in tip  # it read as a promise before "I'm not able to"


@pytest.mark.parametrize(
    "text", ["Hello. I want to submit a fraud report", "great, let's get that fraud report filed."]
)
def test_a_routine_fraud_report_is_no_worry(text: str) -> None:
    scorecard = card(("customer", text), ("agent", "Could I get your full name and PIN?"))
    assert all(e.label != "worry" for e in scorecard.emotions)


def test_no_details_to_name_no_personalised_reply_tip() -> None:
    """'Name the customer's own details in your reply.' with no detail to name (six tips
    unusable to both judges) is not shown, nor a say-back of the customer's words instead."""
    scorecard = card(
        ("customer", "I got lost again, I can't believe I took the wrong way again today."),
        ("agent", "Where are you now?"),
    )
    assert not tips(scorecard, "personalised_reply")
    assert not tips(scorecard, "uses_details")


def test_a_hope_or_plans_in_a_goodbye_are_no_concerns() -> None:
    for parting in (
        "Thank you so much! I can't wait to get this out of my system!",
        "Nah Phil and I need to start getting ready for dinner. Thank you for all your help!",
    ):
        scorecard = card(
            ("customer", "Can you book me an appointment with Dr. Alexis for tomorrow?"),
            ("agent", "Great, your appointment with Dr. Alexis is booked for tomorrow at 9!"),
            ("customer", parting),
            ("agent", "Be well and good bye."),
        )
        assert not findings(scorecard, "unaddressed_concern"), parting


def test_a_different_detail_given_is_not_the_one_asked_for() -> None:
    """Asked for the date of birth, the customer gave their mother's maiden name: asking
    again for the date of birth is no repeat (both judges: wrong)."""
    scorecard = card(
        ("customer", "Someone has been taking $10 from my account."),
        ("agent", "Could you provide your date of birth, please?"),
        ("customer", "My mother's name is Miller"),
        ("agent", "I need your date of birth as well."),
    )
    assert not findings(scorecard, "repeat_ask")
    again = card(
        ("customer", "Someone has been taking $10 from my account."),
        ("agent", "Could you provide your date of birth, please?"),
        ("customer", "March 3rd 1970"),
        ("agent", "I need your date of birth as well."),
    )
    assert findings(again, "repeat_ask") == [3]


def test_a_short_reaction_gets_a_short_answer_before_the_close() -> None:
    scorecard = card(
        ("customer", "can you check what the weather in chicago will be today"),
        ("agent", "It will be snowing all day in Chicago, around 20 degrees."),
        ("customer", "oh terrible!!"),
        ("agent", "Is there anything else that I can do for you?"),
    )
    [tip] = tips(scorecard, "rushing")  # "that's a lot to have on your mind" overstated it
    assert tip.startswith("Answer their reaction before you close: “Oh no")


SAMPLE_N = Path(__file__).parents[2] / "data" / "judgements" / "2026-12-06n-star"


def judged_chat(chat_id: str, upto: int, sample: Path = SAMPLE_N) -> tuple[tuple[str, str], ...]:
    """A chat of a judged sample as its judges read it, up to the turn a tip was on."""
    for line in (sample / "transcripts.jsonl").read_text().splitlines():
        chat = json.loads(line)
        if chat["conversation"] == chat_id:
            return tuple((t["role"], t["text"]) for t in chat["turns"] if t["turn"] <= upto)
    raise LookupError(chat_id)


@pytest.mark.parametrize(
    ("chat_id", "upto", "opens"),
    [
        ("star-2781", 9, "I'm sorry to hear that. The door is now unlocked."),
        ("star-6090", 15, "Thanks for letting me know. For how many people"),
        # "Excellent, the viewing is scheduled now!" opens with a cheer: no second opener is
        # asked of it (sample o), so no "Thanks for letting me know. Excellent, …" either
        ("star-4523", 11, None),
    ],
)
def test_the_acknowledgement_fits_what_the_customer_said(
    chat_id: str, upto: int, opens: str | None
) -> None:
    """Sample n: "Thanks for letting me know" after "Rey is dead", "I'm sorry to hear that"
    after "if that doesn't work, later is okay", and "Thanks for letting me know. Excellent,
    the viewing is scheduled" to "wish me luck" (all unusable to both judges)."""
    shown = tips(card(*judged_chat(chat_id, upto)), "acknowledgement")
    if opens is None:
        assert not shown
    else:
        [tip] = shown
        assert opens in tip


def test_a_customer_who_asks_for_luck_gets_it() -> None:
    from heard.language.examples import HEARD_IT, heard_it

    said = heard_it("The viewing is scheduled now!", upset=False, request=True, luck=True)
    assert said == HEARD_IT["luck"] == "Good luck"


# Sample o (data/judgements/2026-12-06o-star): two judges, blind to each other.


def test_credentials_are_no_details_to_write_back() -> None:
    """'Name the customer's own details — “06/08/1985” and “Molly”': a date of birth and a
    childhood pet's name, given to verify the customer (a security misstep to both judges)."""
    scorecard = card(
        ("customer", "Hi, I want to check my balance before I go shopping for a new couch."),
        ("agent", "Could you provide your date of birth and the name of your childhood pet?"),
        ("customer", "06/08/1985 and Molly"),
        ("agent", "Your current balance is 5466 in credit."),
    )
    for tip in tips(scorecard, "personalised_reply"):
        assert "1985" not in tip and "Molly" not in tip


def test_a_short_check_or_answer_with_a_question_mark_is_no_concern() -> None:
    for said in ("This evening, maybe 6PM?", "I have an assistant?"):
        scorecard = card(
            ("customer", "I want to book a table at The Porch House."),
            ("agent", "For what time should the reservation be made?"),
            ("customer", said),
            ("agent", "For how many people should the reservation be made?"),
        )
        assert not findings(scorecard, "unaddressed_concern"), said


def test_an_emergency_is_not_answered_breezily() -> None:
    """ "Sure, I can help with that" to a failing life support was too breezy (sample o). The
    customer's alarm ("failing!!", "lack of air") now reads as worry, so four words in reply
    are rushing, the weightiest advice at that turn; an acknowledgement opener, where one is
    still offered, is "Right away"."""
    sample_o = SAMPLE_N.with_name("2026-12-06o-star")
    scorecard = card(*judged_chat("star-2642", 99, sample_o))
    assert scorecard.emotions[0].label == "worry"
    [rushing] = [t for t in scorecard.tips if t.behaviour == "rushing"]
    assert rushing.span is not None and rushing.span.turn == 1
    assert all("Sure, I can help" not in tip for tip in tips(scorecard, "acknowledgement"))
    calm = card(("customer", "Hi, I need help with my booking."), ("agent", "Your name?"))
    assert all("Right away" not in tip for tip in tips(calm, "acknowledgement"))


def test_a_one_word_reply_is_not_quoted_after_the_acknowledgement() -> None:
    """ "I'm sorry to hear that. Name." (both judges: ungrammatical, sample o)."""
    sample_o = SAMPLE_N.with_name("2026-12-06o-star")
    [tip] = tips(card(*judged_chat("star-1216", 99, sample_o)), "acknowledgement")
    assert tip.endswith('"I\'m sorry to hear that."')


def test_ai_is_no_jargon() -> None:
    scorecard = card(
        ("customer", "Are we both users?"),
        ("agent", "No, I'm the AI Assistant. Can I have your account number please?"),
    )
    assert not findings(scorecard, "jargon")


# Sample p (data/judgements/2026-12-06p-star): two judges, blind to each other.


def test_as_i_said_is_about_what_it_repeats_not_every_open_concern() -> None:
    """ "Ok, I already said 6 pm make sure to read." repeats the time asked for, not the RSVP
    raised at the start, which the agent was working on (both judges: wrong)."""
    sample_p = SAMPLE_N.with_name("2026-12-06p-star")
    scorecard = card(*judged_chat("star-4081", 99, sample_p))
    assert not findings(scorecard, "unaddressed_concern")


def test_an_evasive_answer_gives_no_date_of_birth() -> None:
    scorecard = card(
        ("customer", "I want to check my balance, my PIN is 5380."),
        ("agent", "Could you provide your date of birth, please?"),
        ("customer", "I was born long ago"),
        ("agent", "Could you provide your date of birth, please?"),
    )
    assert not findings(scorecard, "repeat_ask")


@pytest.mark.parametrize("said", ["Not right now. I gotta head out.", "Can you help me?"])
def test_not_right_now_and_help_me_are_no_emergency(said: str) -> None:
    from heard.language.lexicon import lexicon

    assert lexicon("urgent").search(said) is None


# Sample r (data/judgements/2026-12-06r-star): two judges, blind to each other.


def test_an_agent_reply_without_its_full_stop_gets_one_before_the_tip_goes_on() -> None:
    from heard.language.examples import agent_reply

    said = agent_reply("Unfortunately, I can not schedule at the same time")
    assert said == "Unfortunately, I can not schedule at the same time."


def test_a_reply_that_asks_to_understand_gets_no_acknowledgement_opener() -> None:
    """ "I understand. I am sorry, I don't quite understand what you mean." (both judges)."""
    scorecard = card(
        (
            "customer",
            "I love all of your films Marty, especially the one where you tell that joke about "
            "the horse and the bartender. Can you tell it to me?",
        ),
        ("agent", "I am sorry, I don't quite understand what you mean."),
    )
    assert not tips(scorecard, "acknowledgement")


def test_all_booked_is_done_not_a_refusal() -> None:
    from heard.language.lexicon import lexicon

    assert lexicon("bad_news").search("All booked!") is None
    assert lexicon("bad_news").search("I'm sorry, the hotel is fully booked.") is not None
