"""Where a missed behaviour's tip points (heard.analysis.moments): only at a moment that
clearly called for it, else no tip (the checklist still says missed)."""

from __future__ import annotations

import pytest

from heard.analysis import Analyzer
from heard.analysis.moments import asks_what_is_wrong, bare_cry
from heard.model import Channel, Conversation, Role, Turn, Verdict

ANALYZER = Analyzer()


def chat(*lines: tuple[str, str]) -> Conversation:
    return Conversation(
        id="moments",
        channel=Channel.CHAT,
        turns=[Turn(index=i, role=Role(r), text=t) for i, (r, t) in enumerate(lines)],
    )


def tips(conv: Conversation) -> dict[str, int | None]:
    card = ANALYZER.analyze(conv).scorecard
    return {t.behaviour: (t.span.turn if t.span else None) for t in card.tips}


def verdict(conv: Conversation, behaviour: str) -> Verdict:
    card = ANALYZER.analyze(conv).scorecard
    return next(i.verdict for i in card.checklist if i.behaviour == behaviour)


BOOKING = (
    ("customer", "Hi"),
    ("agent", "Hello, how can I help?"),
    ("customer", "I'd like a table at Legume for 5pm."),
    ("agent", "For how many people should the reservation be made?"),
    ("customer", "4"),
    ("agent", "Your reservation at Legume is confirmed for 4 people at 5pm."),
)


def test_a_plain_booking_gets_no_missed_behaviour_tips() -> None:
    """Nothing called for an acknowledgement, a recap, a next step or empathy here."""
    found = tips(chat(*BOOKING))
    assert not {"acknowledgement", "summary", "next_step", "empathy", "paraphrase"} & set(found)


def test_a_problem_description_is_where_a_missed_acknowledgement_points() -> None:
    conv = chat(
        ("customer", "Hello"),
        ("agent", "Hi, how can I help?"),
        (
            "customer",
            "My router keeps dropping the connection every evening and it isn't working "
            "at all since the storm on Saturday.",
        ),
        ("agent", "Can I have your account number?"),
        ("customer", "55512"),
        ("agent", "A technician will visit tomorrow at 9 am."),
    )
    found = tips(conv)
    assert 3 in found.values() and 1 not in found.values(), found  # not the greeting (turn 1)
    card = ANALYZER.analyze(conv).scorecard
    missed = {i.behaviour for i in card.checklist if i.verdict == Verdict.MISSED}
    assert {"acknowledgement", "paraphrase"} <= missed


def test_empathy_tip_points_at_the_reply_to_the_angry_turn() -> None:
    conv = chat(
        ("customer", "Can I check my order 4411?"),
        ("agent", "It shipped on Monday."),
        ("customer", "This is ridiculous, I am furious! It was promised for last week!"),
        ("agent", "Is there anything else I can do for you?"),
        ("customer", "No."),
        ("agent", "Goodbye."),
    )
    # one tip at that reply: the empathic one, or "rushes" with the same advice (one piece of
    # advice per moment)
    at_three = [t for t in ANALYZER.analyze(conv).scorecard.tips if t.span and t.span.turn == 3]
    assert len(at_three) == 1, at_three
    assert at_three[0].behaviour in ("empathy", "reflection_of_feeling", "rushing")
    assert "I'm sorry" in (at_three[0].suggestion or "") or "feeling" in at_three[0].behaviour


def test_no_closing_check_tip_when_the_chat_ends_mid_intake() -> None:
    conv = chat(
        ("customer", "I need to see a doctor about my knee, it hurts when I walk."),
        ("agent", "Which doctor would you like to see?"),
    )
    assert verdict(conv, "resolution_check") == Verdict.MISSED
    assert "resolution_check" not in tips(conv)


def test_a_next_step_is_called_for_only_when_something_is_pending() -> None:
    assert verdict(chat(*BOOKING), "next_step") == Verdict.NOT_APPLICABLE
    pending = chat(
        ("customer", "Someone took 500 dollars from my account, I need to report fraud."),
        ("agent", "Your report has been submitted."),
        ("customer", "Okay."),
        ("agent", "Goodbye."),
    )
    assert verdict(pending, "next_step") == Verdict.MISSED
    promised = chat(
        ("customer", "Someone took 500 dollars from my account, I need to report fraud."),
        ("agent", "Your report has been submitted. We will contact you in due course."),
    )
    assert verdict(promised, "next_step") == Verdict.DONE  # a commitment says what happens next
    timed = chat(
        ("customer", "Can I get towels sent to room 359?"),
        ("agent", "Your request has been submitted. Housekeeping will knock at 11 am."),
    )
    assert verdict(timed, "next_step") == Verdict.DONE


def test_a_closing_check_only_where_the_customer_never_said_whether_it_worked() -> None:
    lines = (
        ("customer", "I need to book a hotel room at the Hyatt from May 5th to May 9th."),
        ("agent", "Your room at the Hyatt is booked from May 5th to May 9th."),
        ("customer", "I'm indulging since I'm on vacation :)"),
        ("agent", "Lovely, the room has a sea view and breakfast is included."),
    )
    assert "resolution_check" not in tips(chat(*lines))  # a chat's customer says when done
    ends_on_the_fix = chat(*lines).model_copy(update={"channel": Channel.CALL})
    card = ANALYZER.analyze(ends_on_the_fix).scorecard
    check = next((t for t in card.tips if t.behaviour == "resolution_check"), None)
    assert check is not None and check.span is not None and check.span.turn == 3
    assert check.suggestion == 'Close by checking: "Does that solve it for you?"'  # no aside
    thanked = chat(*lines, ("customer", "ok thanks")).model_copy(update={"channel": Channel.CALL})
    assert "resolution_check" not in tips(thanked)


def test_no_tip_asks_to_answer_a_parting_message() -> None:
    """The customer's goodbye answers whatever else they said in it (judged wrong as
    unaddressed concerns: "It's too late I'm going to sleep now. Goodbye")."""
    conv = chat(
        ("customer", "Can you book me a table at Legume for 6pm?"),
        ("agent", "Done: Legume at 6pm."),
        ("customer", "Ok whatever. I need to go now, I'm going to sleep. Goodbye"),
        ("agent", "Thank you and goodbye."),
    )
    assert "unaddressed_concern" not in tips(conv)


def test_a_closing_question_is_not_where_details_are_called_for() -> None:
    conv = chat(
        ("customer", "I know I am going to be late for my interview at 3pm at Forbes Avenue."),
        ("agent", "Is there anything else that I can do for you?"),
    )
    assert tips(conv).get("personalised_reply") != 1


def test_no_acknowledgement_tip_where_the_reply_names_the_customers_details() -> None:
    conv = chat(
        ("customer", "My order 4411 arrived today and the TV screen is cracked right across."),
        ("agent", "Order 4411 with the cracked TV screen: I'm sending a replacement today."),
    )
    card = ANALYZER.analyze(conv).scorecard
    assert any(f.behaviour in ("uses_details", "personalised_reply") for f in card.findings)
    assert "acknowledgement" not in tips(conv)


def test_a_bereaved_customer_calls_for_sympathy_in_its_own_words() -> None:
    conv = chat(
        ("customer", "My mum passed away last week and I need to close her savings account."),
        ("agent", "Please send the death certificate and the account number."),
        ("customer", "OK, I'll post it tomorrow."),
        ("agent", "Thank you. The account will be closed when we receive it."),
    )
    card = ANALYZER.analyze(conv).scorecard
    assert next(i.verdict for i in card.checklist if i.behaviour == "empathy") == Verdict.MISSED
    (tip,) = [t for t in card.tips if t.behaviour == "empathy"]
    assert tip.span is not None and tip.span.turn == 1
    assert tip.suggestion == (
        "Validate before solving: \"I'm so sorry to hear that. I'll make this as easy as I can "
        'for you."'
    )


AT_RISK = (
    ("customer", "I need a flat in North Hill."),
    ("agent", "Sure. Any other wishes for the flat?"),
    ("customer", "Just a high floor and a balcony. Something that might be easy to jump out of."),
)


def test_a_customer_at_risk_is_the_first_tip_until_someone_asks_if_they_are_safe() -> None:
    carried_on = chat(*AT_RISK, ("agent", "I found a flat on level 15 with a balcony."))
    card = ANALYZER.analyze(carried_on).scorecard
    first = card.tips[0]
    assert first.behaviour == "vulnerability_cue"
    assert first.span is not None and first.span.turn == 2
    assert "easy to jump out of" in first.message
    assert first.suggestion is not None and "Are you safe right now?" in first.suggestion
    asked = chat(*AT_RISK, ("agent", "I'm so sorry you feel like this. Are you safe right now?"))
    assert "vulnerability_cue" not in tips(asked)


@pytest.mark.parametrize(
    ("said", "bare"),
    [
        ("HELP! SOS!", True),  # star-2323
        ("Help!", True),
        ("Hello, I need help!", True),
        ("Someone help us please!!!", True),
        ("Help! We're under attack!", False),  # says what is wrong
        ("Our life support is failing! Please help!", False),
        ("Hi", False),  # a greeting alone is no cry
        ("Please!", False),
    ],
)
def test_a_bare_cry_for_help_says_nothing_of_what_is_wrong(said: str, bare: bool) -> None:
    assert bare_cry(said) is bare


@pytest.mark.parametrize(
    ("reply", "asks"),
    [
        ("Hello, how can I help?", True),
        ("What's your emergency?", True),
        ("What happened?", True),
        ("Please provide your name.", False),
        ("Could I get your full name, please?", False),
    ],
)
def test_asking_what_is_wrong(reply: str, asks: bool) -> None:
    assert asks_what_is_wrong(reply) is asks
