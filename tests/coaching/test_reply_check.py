"""The reply checker: literal conversations and drafts, each issue kind found where it should be
and not where it should not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heard.analysis import Analyzer
from heard.coaching.reply_check import ReplyCheck, check_reply, pick_conversation, with_draft
from heard.errors import InputError
from heard.errors import Location as Where
from heard.model import Channel, Conversation, Customer, Role, Turn

ANALYZER = Analyzer()


def conversation(channel: str, *turns: tuple[str, str], name: str | None = None) -> Conversation:
    return Conversation(
        id="c1",
        channel=Channel(channel),
        customer=Customer(name=name) if name else None,
        turns=[Turn(index=i, role=Role(r), text=t) for i, (r, t) in enumerate(turns)],
    )


def check(conv: Conversation, draft: str) -> ReplyCheck:
    return check_reply(conv, draft, analyzer=ANALYZER)


def kinds(result: ReplyCheck) -> list[str]:
    return [i.kind for i in result.issues]


# (conversation, draft answering both questions, draft skipping one, the skipped question)
TWO_QUESTIONS = [
    (
        conversation(
            "chat",
            ("customer", "Hi, I have two questions about order W48213377."),
            ("customer", "Can I change the delivery address to 12 Elm Street?"),
            ("customer", "Also, when will the refund for the broken lamp come through?"),
        ),
        "Hi! I've changed the delivery address on order W48213377 to 12 Elm Street, and the "
        "refund for the broken lamp will reach your card within 3 working days.",
        "Hi! I've changed the delivery address on order W48213377 to 12 Elm Street. You'll get "
        "a confirmation email within the hour.",
        "Also, when will the refund for the broken lamp come through?",
    ),
    (
        conversation(
            "chat",
            ("customer", "Does the Aria 300 blender come with a glass jug?"),
            ("customer", "And can I pay for it in three instalments?"),
        ),
        "Yes, the Aria 300 blender comes with a 1.5 litre glass jug. You can pay in three "
        "instalments: choose Split Pay at checkout and I'll email you the schedule.",
        "Yes, the Aria 300 blender comes with a 1.5 litre glass jug, and it's dishwasher safe.",
        "And can I pay for it in three instalments?",
    ),
    (
        conversation(
            "email",
            (
                "customer",
                "Hello,\n\nI was charged twice for my March invoice, two payments of $42.50 "
                "on March 3rd. Please refund one of them.\n\nSecond, how do I add my partner "
                "Sam as a second user on the account?\n\nThanks,\nLena",
            ),
        ),
        "Hi Lena,\n\nYou're right, the March invoice was charged twice on March 3rd. I've "
        "refunded one of the $42.50 payments; it should appear within 5 working days.\n\nTo "
        "add Sam as a second user on the account, go to Settings, then Users, and choose "
        "Invite partner; Sam will get an email to set a password.\n\nBest,\nOmar",
        "Hi Lena,\n\nYou're right, the March invoice was charged twice on March 3rd. I've "
        "refunded one of the $42.50 payments; it should appear within 5 working days.\n\n"
        "Best,\nOmar",
        "Second, how do I add my partner Sam as a second user on the account?",
    ),
    (
        conversation(
            "email",
            (
                "customer",
                "Hi,\n\nMy new Lumo desk lamp flickers whenever I dim it. Can you send a "
                "replacement?\n\nAlso, can I get the replacement delivered to my office at 4 "
                "Quay Street instead of my home?\n\nRegards,\nPat",
            ),
        ),
        "Hi Pat,\n\nI'm sorry the Lumo desk lamp flickers when you dim it. I've ordered a "
        "replacement lamp for you and it will be delivered to your office at 4 Quay Street "
        "by Friday.\n\nBest,\nOmar",
        "Hi Pat,\n\nI'm sorry the Lumo desk lamp flickers when you dim it. I've ordered a "
        "replacement lamp for you and it will arrive by Friday.\n\nBest,\nOmar",
        "Also, can I get the replacement delivered to my office at 4 Quay Street instead of "
        "my home?",
    ),
    (  # both questions in one message, no "also"
        conversation(
            "chat",
            (
                "customer",
                "Hi, I moved house last week. Can I change the delivery address on order "
                "4411? When will the refund for the broken lamp arrive?",
            ),
        ),
        "Yes, I've changed the delivery address on order 4411 to your new one, and the refund "
        "for the broken lamp will arrive within 3 working days.",
        "Yes, I've changed the delivery address on order 4411 to your new one.",
        "When will the refund for the broken lamp arrive?",
    ),
    (
        conversation(
            "email",
            (
                "customer",
                "Hello,\n\nIs my Pro plan renewal on the 14th still at the old price? And can "
                "you move the renewal to my new Visa card?\n\nThanks,\nJo",
            ),
        ),
        "Hi Jo,\n\nYes, your Pro plan renewal on the 14th stays at the old price. I've moved "
        "the renewal to your new Visa card.\n\nBest,\nOmar",
        "Hi Jo,\n\nYes, your Pro plan renewal on the 14th stays at the old price.\n\nBest,\nOmar",
        "And can you move the renewal to my new Visa card?",
    ),
]


@pytest.mark.parametrize(("conv", "both", "_", "__"), TWO_QUESTIONS)
def test_a_draft_answering_both_questions_is_not_flagged(conv, both, _, __) -> None:
    result = check(conv, both)
    assert "unaddressed_concern" not in kinds(result), result


@pytest.mark.parametrize(("conv", "_", "skips", "question"), TWO_QUESTIONS)
def test_a_draft_skipping_a_question_names_it(conv, _, skips, question) -> None:
    result = check(conv, skips)
    unaddressed = [i for i in result.issues if i.kind == "unaddressed_concern"]
    assert [i.concern for i in unaddressed] == [question]
    assert f"They asked “{question}”" in unaddressed[0].message
    assert unaddressed[0].suggestion
    assert result.issues[0].kind == "unaddressed_concern"  # the most important issue first


def test_a_concern_answered_earlier_is_fine() -> None:
    conv = conversation(
        "chat",
        ("customer", "Can I change the delivery address on order W48213377 to 12 Elm Street?"),
        ("agent", "Yes, I've changed the delivery address on order W48213377 to 12 Elm Street."),
        ("customer", "Thanks! And will the courier still deliver it on Tuesday?"),
    )
    result = check(conv, "Yes, the courier will still deliver it on Tuesday, between 9 and 12.")
    assert result.ok, result


def test_a_draft_asking_about_the_concern_is_working_on_it() -> None:
    conv = conversation(
        "chat",
        ("customer", "The Aria 300 blender I bought makes a burning smell. Can I return it?"),
    )
    result = check(conv, "Sorry about that! Which order number was the Aria 300 blender on?")
    assert "unaddressed_concern" not in kinds(result)
    assert "no_next_step" not in kinds(result)  # a question: the answer is the next step


UPSET = conversation(
    "chat",
    (
        "customer",
        "This is the third time I'm contacting you about my washing machine. "
        "It still leaks all over the kitchen floor.",
    ),
    name="Dana Smith",
)


def test_an_upset_customer_needs_an_acknowledgement() -> None:
    result = check(
        UPSET, "An engineer is booked for Friday morning to fix the leak in your washing machine."
    )
    (issue,) = [i for i in result.issues if i.kind == "missing_acknowledgement"]
    assert issue.message == (
        "The customer sounds frustrated (“This is the third time I'm contacting you about my "
        "washing machine.”) and this reply doesn't acknowledge it."
    )
    assert issue.suggestion == (
        "Acknowledge it before solving: “I'm sorry — this is the third time you're contacting "
        "us about your washing machine. I can see how frustrating that is.”"
    )


@pytest.mark.parametrize(
    "draft",
    [
        "I'm so sorry, Dana, that's really frustrating. An engineer is booked for Friday "
        "morning to fix the leak in your washing machine.",
        "I apologise for the trouble with your washing machine, Dana. An engineer is booked "
        "for Friday morning to fix the leak.",
    ],
)
def test_an_acknowledging_draft_is_fine(draft: str) -> None:
    assert "missing_acknowledgement" not in kinds(check(UPSET, draft))


def test_an_acknowledgement_earlier_counts() -> None:
    conv = conversation(
        "chat",
        ("customer", UPSET.turns[0].text),
        ("agent", "I'm so sorry, that's really frustrating. Let me check what happened."),
        ("customer", "Ok. The washing machine is the Bosch WX-40."),
        name="Dana Smith",
    )
    result = check(conv, "Thanks. An engineer is booked for Friday morning to fix the leak.")
    assert "missing_acknowledgement" not in kinds(result)


def test_a_calm_customer_needs_no_acknowledgement() -> None:
    conv = conversation("chat", ("customer", "Hi, what time does the Leeds store open on Sunday?"))
    result = check(conv, "Hi! The Leeds store opens at 10 am on Sunday.")
    assert result.ok, result


def test_jargon_is_flagged_with_the_plain_word() -> None:
    conv = conversation(
        "chat", ("customer", "My internet isn't working since Monday. The little box blinks red.")
    )
    draft = "Your line is still provisioning; we'll issue an RMA for the ONT by Friday."
    result = check(conv, draft)
    jargon = [i for i in result.issues if i.kind == "jargon"]
    assert [(draft[i.span.start : i.span.end], i.suggestion) for i in jargon if i.span] == [
        ("provisioning", "Say “setting up” instead."),
        ("RMA", "Say “return label” instead."),
        ("ONT", "Say “fibre box” instead."),
    ]


def test_jargon_the_customer_used_first_is_fine() -> None:
    conv = conversation("chat", ("customer", "Can you send me an RMA for the router?"))
    result = check(conv, "Sure, I'll email you the RMA for the router within the hour.")
    assert "jargon" not in kinds(result)


def test_a_template_reply_is_asked_to_personalise() -> None:
    conv = conversation(
        "email",
        (
            "customer",
            "My order W48213377 arrived with a cracked TV screen on Monday. I want a refund.",
        ),
    )
    draft = "Dear Customer, thank you for contacting us. Your request has been received."
    result = check(conv, draft)
    (issue,) = [i for i in result.issues if i.kind == "template"]
    assert issue.span is not None
    assert draft[issue.span.start : issue.span.end] == "Dear Customer"
    assert issue.suggestion == "Personalise: mention “W48213377” and “Monday”."


def test_a_long_reply_with_nothing_of_the_customer_is_template_like() -> None:
    conv = conversation(
        "chat",
        ("customer", "My order W48213377 arrived with a cracked TV screen on Monday."),
        name="Ravi Patel",
    )
    draft = (
        "We are sorry to hear about the problem. Our team works hard to make every delivery "
        "perfect, and we take every report seriously. Please keep the packaging for now, and "
        "our returns team will contact you within two working days to arrange the next steps "
        "with you."
    )
    result = check(conv, draft)
    (issue,) = [i for i in result.issues if i.kind == "template"]
    assert issue.message == "This 47-word reply uses none of the customer's details."
    assert issue.suggestion == ("Personalise: mention their name (Ravi), “W48213377” and “Monday”.")


BROKEN = conversation(
    "chat", ("customer", "My Aria 300 blender stopped working after a week. I want it replaced.")
)


@pytest.mark.parametrize(
    "draft",
    [
        "Sorry to hear the Aria 300 blender stopped working after a week.",
        "The Aria 300 blender has a two-year warranty, so a replacement is covered.",
    ],
)
def test_no_next_step(draft: str) -> None:
    result = check(BROKEN, draft)
    (issue,) = [i for i in result.issues if i.kind == "no_next_step"]
    assert issue.message == "The reply doesn't say what happens next."


@pytest.mark.parametrize(
    "draft",
    [
        "Sorry the Aria 300 blender stopped working; I'll send you a replacement today.",
        "Sorry the Aria 300 blender stopped working. A replacement will arrive by Friday.",
        "Sorry the Aria 300 blender stopped working. You'll receive a replacement next week.",
        "Sorry the Aria 300 blender stopped working. Let me check the warranty on it.",
        "Sorry the Aria 300 blender stopped working. A courier is booked to collect it.",
    ],
)
def test_a_next_step_is_fine(draft: str) -> None:
    assert "no_next_step" not in kinds(check(BROKEN, draft))


def test_an_answered_question_needs_no_next_step() -> None:
    conv = conversation("chat", ("customer", "Is the Aria 300 blender in stock in Leeds?"))
    assert check(conv, "Yes, the Leeds store has the Aria 300 blender in stock.").ok


def test_a_closing_reply_needs_no_next_step() -> None:
    conv = conversation(
        "chat",
        ("customer", "Is the Aria 300 blender in stock in Leeds?"),
        ("agent", "Yes, the Leeds store has the Aria 300 blender; I'll reserve one for you now."),
        ("customer", "Perfect, thank you so much!"),
    )
    assert check(conv, "You're welcome, enjoy the blender!").ok


def test_negative_findings_in_the_draft_are_issues_in_order() -> None:
    conv = conversation(
        "chat", ("customer", "My order W48213377 arrived with a cracked TV screen on Monday.")
    )
    draft = "You should have checked the TV before signing. Calm down, there is nothing we can do."
    result = check(conv, draft)
    assert kinds(result)[:2] == ["dismissive", "blame"]
    blame = result.issues[1]
    assert blame.span is not None and draft[blame.span.start : blame.span.end] == "You should have"
    assert all(i.suggestion for i in result.issues)


def test_a_good_draft_has_no_issues() -> None:
    conv = conversation(
        "chat",
        ("customer", "My order W48213377 arrived with a cracked TV screen on Monday."),
        name="Ravi Patel",
    )
    draft = (
        "I'm so sorry, Ravi, a cracked TV screen is the last thing you want. I've arranged a "
        "replacement TV for order W48213377 and you'll get the delivery date by email today."
    )
    result = check(conv, draft)
    assert result.ok, result
    assert result.model_dump() == {"issues": [], "ok": True}


def test_the_draft_gets_a_send_time_when_the_messages_have_one() -> None:
    start = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
    conv = conversation("chat", ("customer", "Hi"), ("customer", "Is the Leeds store open?"))
    for n, turn in enumerate(conv.turns):
        turn.sent_at = start + timedelta(seconds=30 * n)
    whole = with_draft(conv, "Yes, it opens at 9 am.")
    assert whole.turns[-1].role == Role.AGENT
    assert whole.turns[-1].sent_at == start + timedelta(seconds=30)
    assert len(conv.turns) == 2  # the conversation itself is left alone


@pytest.mark.parametrize("draft", ["", "  \n "])
def test_an_empty_draft_is_refused(draft: str) -> None:
    with pytest.raises(InputError, match="the draft is empty") as caught:
        check(conversation("chat", ("customer", "Hi")), draft)
    assert caught.value.where.path == "$.draft"


def test_pick_conversation_names_the_ids() -> None:
    one = conversation("chat", ("customer", "Hi"))
    two = one.model_copy(update={"id": "c2"})
    assert pick_conversation([one], None, where=Where(file="f")) is one
    assert pick_conversation([one, two], "c2", where=Where(file="f")) is two
    with pytest.raises(InputError, match=r"holds 2 conversations.*one of them: c1, c2"):
        pick_conversation([one, two], None, where=Where(file="f"))
    with pytest.raises(InputError, match="no conversation with id 'c3'"):
        pick_conversation([one, two], "c3", where=Where(file="f"))
    with pytest.raises(InputError, match="holds no conversation"):
        pick_conversation([], None, where=Where(file="f"))


def test_a_goodbye_to_a_customer_who_signed_off_raises_nothing_open() -> None:
    """ "Thank you and goodbye." to "Thank you." was told to address a venue the customer asked
    for ten turns before and to acknowledge a long-gone upset (docs/coaching-samples.md)."""
    conv = conversation(
        "chat",
        ("customer", "I want North Heights venue. Ugh, this is so frustrating!"),
        ("agent", "Alright, what day would you like?"),
        ("customer", "Thank you."),
    )
    result = check(conv, "Thank you and goodbye.")
    assert not {"unaddressed_concern", "missing_acknowledgement", "no_next_step"} & set(
        kinds(result)
    )


def test_asking_for_what_a_request_needs_is_working_on_it() -> None:
    conv = conversation("chat", ("customer", "I need a ride"))
    assert "unaddressed_concern" not in kinds(check(conv, "May I have your name, please?"))


def test_an_older_concern_is_blamed_on_a_closing_draft_only_when_raised_again() -> None:
    """Whether a later reply answered an older concern in other words the tracker cannot
    always tell ("I need a ride", long since booked): a closing draft is held to the concerns
    the customer had to raise again."""
    conv = conversation(
        "chat",
        ("customer", "I need to make a reservation at the Shadyside Inn today."),
        ("agent", "Sure."),
        ("customer", "It's for two people."),
    )
    assert "unaddressed_concern" not in kinds(check(conv, "When are you arriving?"))
    assert "unaddressed_concern" not in kinds(check(conv, "Is there anything else for you?"))
    again = conversation(
        "chat",
        ("customer", "I need to make a reservation at the Shadyside Inn today."),
        ("agent", "Sure."),
        ("customer", "As I said, I need the reservation at the Shadyside Inn today."),
        ("agent", "What is your name?"),
        ("customer", "Sam."),
    )
    assert "unaddressed_concern" in kinds(check(again, "Is there anything else I can do?"))


def test_a_request_for_information_is_working_on_it() -> None:
    conv = conversation("chat", ("customer", "I need your help to get to the engineering deck"))
    draft = "Please provide the name of the lock manufacturer."
    assert "unaddressed_concern" not in kinds(check(conv, draft))


def test_a_yes_answers_the_question_and_a_done_needs_no_next_step() -> None:
    conv = conversation(
        "chat",
        ("customer", "Can I get an appointment at the same time as mine tonight for John?"),
    )
    result = check(conv, "Yes, that is confirmed for the two of you.")
    assert not {"unaddressed_concern", "no_next_step"} & set(kinds(result))


def test_information_asked_for_needs_no_next_step_but_a_request_does() -> None:
    weather = conversation(
        "chat",
        ("customer", "I want to know what the weather will be like in Detroit tomorrow."),
    )
    answer = "It will be raining all day on Tuesday in Detroit, around 28 degrees."
    assert "no_next_step" not in kinds(check(weather, answer))
    booking = conversation(
        "chat", ("customer", "I need an appointment with Dr Morgan today at 5 pm.")
    )
    refusal = "Unfortunately Dr. Morgan has no appointment available at 5 pm."
    assert "no_next_step" in kinds(check(booking, refusal))


def test_a_second_message_in_a_row_still_answers_the_customer() -> None:
    """A draft sent after the agent's own message answers the customer turns before it."""
    conv = conversation(
        "chat",
        ("customer", "A FORM? I don't want a form. This is ridiculous, I lost a day's pay!"),
        ("agent", "Sir, please calm down."),
    )
    assert "missing_acknowledgement" in kinds(check(conv, "Please fill in the form."))


BEREAVED = conversation(
    "chat",
    (
        "customer",
        "My husband passed away last month. I need to close his account, it's in his name.",
    ),
    name="Mary Holt",
)


def test_a_bereaved_customer_is_owed_sympathy_not_frustration() -> None:
    result = check(BEREAVED, "Please send a copy of the death certificate to close the account.")
    (issue,) = [i for i in result.issues if i.kind == "missing_acknowledgement"]
    assert issue.message.startswith("The customer sounds sad (“My husband passed away")
    assert "frustrating" not in (issue.suggestion or "")
    assert (issue.suggestion or "").endswith("I'll make this as easy as I can for you.”")


def test_sympathy_answers_a_bereaved_customer() -> None:
    draft = (
        "I'm so sorry for your loss, Mary. Please send a copy of the death certificate and "
        "I'll close the account for you."
    )
    assert "missing_acknowledgement" not in kinds(check(BEREAVED, draft))


AT_RISK = conversation(
    "chat",
    ("customer", "I need a flat in North Hill."),
    ("agent", "Sure. Any other wishes for the flat?"),
    ("customer", "Just a high floor and a balcony. Something that might be easy to jump out of."),
)


def test_a_customer_at_risk_comes_before_the_task() -> None:
    draft = (
        "OK, I found a free flat in North Hill Apartments on level 15 with a south facing "
        "balcony, at 491 per month."
    )
    result = check(AT_RISK, draft)
    assert result.issues[0].kind == "vulnerable_customer"
    assert "easy to jump out of" in result.issues[0].message
    assert "Are you safe right now?" in result.issues[0].suggestion
    assert "template" not in kinds(result)  # "personalise" is not the point here


def test_asking_whether_they_are_safe_answers_a_customer_at_risk() -> None:
    draft = (
        "I'm really sorry you're feeling like this, and I'm glad you told me. Are you safe "
        "right now?"
    )
    assert "vulnerable_customer" not in kinds(check(AT_RISK, draft))


@pytest.mark.parametrize(
    ("draft", "answered"),
    [
        ("Are you safe right now?", True),
        ("If you are in danger, please call 999 straight away.", True),
        ("I'm so sorry you feel like this. Here is the flat on level 15.", False),
    ],
)
def test_the_reply_check_and_the_scorecard_answer_a_risk_alike(draft: str, answered: bool) -> None:
    """One rule (heard.analysis.moments.answers_risk): a draft the reply check passes is a reply
    after which the scorecard no longer tips the risk, and the other way round."""
    passed = "vulnerable_customer" not in kinds(check(AT_RISK, draft))
    turns = [(t.role.value, t.text) for t in AT_RISK.turns] + [("agent", draft)]
    card = (
        Analyzer()
        .analyze(
            conversation("chat", *turns)  # type: ignore[arg-type]
        )
        .scorecard
    )
    tipped = any(t.behaviour == "vulnerability_cue" for t in card.tips)
    assert passed is answered
    assert tipped is not answered
