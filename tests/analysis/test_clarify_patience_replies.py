"""Clarifying and follow-up questions, rushing, holds, template versus personalised replies,
near-duplicate replies across conversations, and readability: one literal conversation per
cue, positive and negative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heard.analysis import Analyzer
from heard.analysis.duplicates import near_duplicates
from heard.detectors.readability import grade_level, reading_ease, syllables
from heard.model import Channel, Conversation, Customer, Role, Turn, Verdict

ANALYZER = Analyzer()


def convo(
    *lines: tuple[str, str], channel: Channel = Channel.CHAT, name: str | None = None, id="t"
) -> Conversation:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    return Conversation(
        id=id,
        channel=channel,
        customer=Customer(name=name) if name else None,
        turns=[
            Turn(index=i, role=Role(role), text=text, sent_at=start + timedelta(minutes=i))
            for i, (role, text) in enumerate(lines)
        ],
    )


def call(*lines: tuple[str, str, float, float]) -> Conversation:
    return Conversation(
        id="c",
        channel=Channel.CALL,
        turns=[
            Turn(index=i, role=Role(r), text=t, start=s, end=e)
            for i, (r, t, s, e) in enumerate(lines)
        ],
    )


def found(conversation: Conversation) -> set[tuple[str, int]]:
    card = ANALYZER.analyze(conversation).scorecard
    return {(f.behaviour, f.spans[0].turn) for f in card.findings}


VAGUE = ("customer", "hi, my app isn't working right")

CLARIFYING = [
    ("When you say it isn't working, what do you see on the screen?", True),
    ("Which account do you mean, the joint one or your own?", True),
    ("Could you tell me a bit more about the error?", True),
    ("Tell me more about what happens when you open it.", True),
    ("What exactly happens when you open it?", True),
    ("Did you make a payment to this shop today?", True),
    ("Can I have your account number, please?", False),
    ("Have you tried reinstalling it?", False),
    ("What's your date of birth?", False),
    ("I've reset it, so it should work now.", False),
]


@pytest.mark.parametrize(("reply", "present"), CLARIFYING)
def test_clarifying_question(reply: str, present: bool) -> None:
    assert (("clarifying_question", 1) in found(convo(VAGUE, ("agent", reply)))) is present


def test_clarifying_question_is_still_one_question_for_the_metrics() -> None:
    card = ANALYZER.analyze(
        convo(VAGUE, ("agent", "Which phone do you mean? And when did it start?"))
    ).scorecard
    assert card.metrics["questions"] == 1


FOLLOW_UP = [
    # (agent question before, customer answer, agent question after, present?)
    (
        "What does the tracking say?",
        "It left the Columbus hub on Monday and nothing since.",
        "What did the tracking show after Columbus?",
        True,
    ),
    (
        "What happens on the TV?",
        "It freezes, but only in the living room.",
        "What changed in the living room recently?",
        True,
    ),
    (
        "What happens on the TV?",
        "It freezes, but only in the living room.",
        "Did you move the living room router?",
        True,
    ),
    (
        "What does the tracking say?",
        "It left the Columbus hub on Monday and nothing since.",
        "Can I have your postcode?",
        False,
    ),
    (
        "Have you restarted the router?",
        "Yes, I restarted the router twice.",
        "What colour is the router light?",
        False,
    ),
    (
        "What happens on the TV?",
        "It freezes, but only in the living room.",
        "Is the room upstairs?",
        False,
    ),
]


@pytest.mark.parametrize(("before", "answer", "question", "present"), FOLLOW_UP)
def test_follow_up_question(before: str, answer: str, question: str, present: bool) -> None:
    conversation = convo(
        ("customer", "My order has not arrived."),
        ("agent", before),
        ("customer", answer),
        ("agent", question),
    )
    assert (("follow_up_question", 3) in found(conversation)) is present


@pytest.mark.parametrize("greeting", [(), (("agent", "Hello, how can I help?"),)])
def test_a_first_message_is_not_an_answer_to_follow_up(greeting: tuple) -> None:
    conversation = convo(
        *greeting,
        ("customer", "My card was declined at the gas station."),
        ("agent", "What did the gas station screen say?"),
    )
    assert ("follow_up_question", len(greeting) + 1) not in found(conversation)


@pytest.mark.parametrize(
    ("opening", "vague"),
    [
        ("hi my thing isnt working right", True),
        ("Something's wrong with my account.", True),
        ("I have a problem with the app.", True),
        ("My router light has been orange since 8 pm and the internet drops.", False),
        (
            "The app doesn't work when I log in with my fingerprint on my new phone since "
            "the update last week, it just closes.",
            False,
        ),
        ("My card 4471 doesn't work.", False),
    ],
)
def test_clarification_is_called_for_only_when_the_problem_is_vague(
    opening: str, vague: bool
) -> None:
    card = ANALYZER.analyze(convo(("customer", opening), ("agent", "Let me check."))).scorecard
    verdict = {i.behaviour: i.verdict for i in card.checklist}["clarifying_question"]
    assert verdict == (Verdict.MISSED if vague else Verdict.NOT_APPLICABLE)


COMPLAINT = (
    "customer",
    "This is ridiculous, I've been charged twice and nobody answers my emails. Why?",
)
LONG_COMPLAINT = (
    "customer",
    "This is ridiculous. I've been charged twice for the same box, I've emailed three times, "
    "nobody answers, and now my rent payment has bounced because of your mistake.",
)
CALM = ("customer", "Could you change my delivery address to 12 Elm Street?")

RUSHING = [
    # (customer turn, agent reply, present?)
    (COMPLAINT, "Is there anything else I can help you with today?", True),
    (COMPLAINT, "Let's move on to your address.", True),
    (COMPLAINT, "Can you quickly confirm your card number?", True),
    (COMPLAINT, "I don't have much time, so tell me the order number.", True),
    (LONG_COMPLAINT, "Ok.", True),
    (LONG_COMPLAINT, "Ok, noted.", True),
    (COMPLAINT, "Ok.", False),  # a short complaint may get a short answer
    (
        COMPLAINT,
        "I'm sorry, being charged twice is not okay. I've refunded the second charge. "
        "Is there anything else I can help with?",
        False,
    ),
    (COMPLAINT, "I'll get that refunded as quickly as I can.", False),
    (CALM, "Done, it's changed. Anything else I can help with?", False),
    (CALM, "Ok.", False),
    (
        ("customer", "oh my friend just texted, she likes indian food, can you update it?"),
        "Updated. Is there anything else I can do?",
        False,
    ),
    (("customer", "Thanks, that's all."), "Thanks for contacting us, have a great day!", False),
    # small talk needs no answer before "anything else?"; a short real answer is an answer
    (("customer", "Cool! Also how are you doing today?"), "I'm doing well, anything else?", False),
    (
        ("customer", "Do you know what the weather will be like in Detroit tomorrow?"),
        "It will be raining, 8 degrees. Anything else I can help you with?",
        False,
    ),
    (("customer", "Is it available on the 7th?"), "Yes. Anything else?", False),
    (("customer", "Is it available on the 7th?"), "Not sure. Anything else?", True),
]


@pytest.mark.parametrize(("customer", "reply", "present"), RUSHING)
def test_rushing(customer: tuple[str, str], reply: str, present: bool) -> None:
    assert (("rushing", 1) in found(convo(customer, ("agent", reply)))) is present


def test_closing_while_the_customers_question_is_open_is_rushing() -> None:
    question = (
        "customer",
        "Will a new router actually fix it, though, if it only happens at night?",
    )
    short = convo(question, ("agent", "We'll see. Is there anything else I can help with?"))
    answered = convo(
        question,
        (
            "agent",
            "Yes: the test shows your router drops when it gets warm in the evening, and the "
            "new one fixes that. Anything else I can help with?",
        ),
    )
    assert ("rushing", 1) in found(short)
    assert ("rushing", 1) not in found(answered)


def test_closing_after_the_fix_is_not_rushing_an_earlier_upset() -> None:
    """An upset answered by the fix is the empathy tip's business, not a rushed close."""
    conversation = convo(
        ("customer", "Ugh, so frustrating, I got on the wrong bus. I need to get to Forbes."),
        ("agent", "Take the 61A to the last stop."),
        ("customer", "Thank you!!!!"),
        ("agent", "Is there anything else that I can do for you?"),
    )
    assert ("rushing", 3) not in found(conversation)


def test_a_canned_goodbye_to_the_customers_goodbye_is_no_template() -> None:
    conversation = convo(
        ("customer", "I need a table at the Porch, 3pm for 50 guests, for the reunion."),
        ("agent", "Done: the Porch at 3pm, 50 guests."),
        ("customer", "Thank you, goodbye."),
        ("agent", "You're welcome. Have a great day. Goodbye."),
    )
    assert ("template_reply", 3) not in found(conversation)


def test_a_backchannel_during_an_upset_turn_is_not_rushing() -> None:
    conversation = call(
        (
            "customer",
            "I'm so frustrated, this is the third time the internet has dropped this week and "
            "every time I ring you tell me to restart the router, which does nothing at all.",
            0.0,
            12.0,
        ),
        ("agent", "Mm-hm.", 5.0, 5.4),
    )
    assert ("rushing", 1) not in found(conversation)


HOLDS = [
    ("Let me put you on a brief hold while I run that test.", True),
    ("One moment, please, while I check.", True),
    ("Please bear with me while I look.", True),
    ("Give me a minute to pull that up.", True),
    ("Rather than keep you on hold, can I call you back?", False),
    ("It takes a minute to restart.", False),
]


@pytest.mark.parametrize(("reply", "present"), HOLDS)
def test_hold_announced(reply: str, present: bool) -> None:
    conversation = convo(("customer", "My bill is wrong."), ("agent", reply))
    assert (("hold", 1) in found(conversation)) is present


def _held_call(announce: str, wait: float) -> Conversation:
    return call(
        ("customer", "My bill is wrong this month.", 0.0, 2.0),
        ("agent", announce, 2.5, 5.0),
        ("customer", "Sure.", 5.3, 5.6),
        ("agent", "Thanks for waiting. I've found it.", 5.6 + wait, 8.0 + wait),
    )


@pytest.mark.parametrize(
    ("announce", "wait", "long"),
    [
        ("Let me put you on hold while I check.", 90.0, True),
        ("Let me put you on hold while I check.", 20.0, False),
        ("I can call you back, or let me put you on hold while I check.", 90.0, False),
    ],
)
def test_hold_length_and_long_hold_without_callback(announce: str, wait: float, long: bool) -> None:
    analysis = ANALYZER.analyze(_held_call(announce, wait))
    findings = {(f.behaviour, f.spans[0].turn): f for f in analysis.scorecard.findings}
    assert findings[("hold", 1)].data["seconds"] == pytest.approx(wait, abs=0.1)
    assert analysis.scorecard.metrics["hold_seconds"] == pytest.approx(wait, abs=0.1)
    assert (("long_hold", 1) in findings) is long


def test_system_hold_marker_carries_the_hold_and_its_length() -> None:
    conversation = call(
        ("agent", "Let me put you on hold while I run that test.", 0.0, 3.0),
        ("customer", "Sure.", 3.2, 3.6),
        ("system", "Call on hold.", 4.0, 80.0),
        ("agent", "Thanks for holding.", 80.2, 81.5),
    )
    holds = [f for f in ANALYZER.analyze(conversation).scorecard.findings if f.behaviour == "hold"]
    assert [(f.spans[0].turn, f.data["seconds"], f.data["announced"]) for f in holds] == [
        (2, 76.0, True)
    ]


PARCEL = (
    "customer",
    "My order W48190254 (cast-iron pans) shows delivered on Tuesday at 2:14 pm but never came. "
    "I think the driver left it at 421 Maple Court instead of 412.",
)

REPLIES = [
    # (reply, template?, personalised?)
    (
        "Dear Customer, Thank you for contacting us. We value your feedback. Your enquiry has "
        "been received and will be processed within 24-48 hours.",
        True,
        False,
    ),
    (
        "Thank you for contacting us. If you have any further questions, please do not hesitate "
        "to contact us.",
        True,
        False,
    ),
    (
        "Hi Samuel, I checked the driver's scan: your pans were left at 421 Maple Court on "
        "Tuesday at 2:14 pm, not 412. Thank you for contacting us.",
        False,
        True,
    ),
    ("I've checked and the pans were left at 421, not 412.", False, True),
    ("I'll look into it and get back to you.", False, False),
]


@pytest.mark.parametrize(("reply", "template", "personal"), REPLIES)
def test_template_versus_personalised_reply(reply: str, template: bool, personal: bool) -> None:
    result = found(convo(PARCEL, ("agent", reply), channel=Channel.EMAIL, name="Samuel Osei"))
    assert (("template_reply", 1) in result) is template
    assert (("personalised_reply", 1) in result) is personal


def test_no_template_before_the_customer_has_said_anything_specific() -> None:
    conversation = convo(("customer", "Hi"), ("agent", "Thanks for contacting us! How can I help?"))
    assert ("template_reply", 1) not in found(conversation)


def test_calls_have_no_written_replies() -> None:
    conversation = call(
        ("customer", PARCEL[1], 0.0, 9.0),
        ("agent", "Thank you for contacting us, have a great day.", 9.5, 12.0),
    )
    card = ANALYZER.analyze(conversation).scorecard
    assert ("template_reply", 1) not in {(f.behaviour, f.spans[0].turn) for f in card.findings}
    verdict = {i.behaviour: i.verdict for i in card.checklist}["personalised_reply"]
    assert verdict == Verdict.NOT_APPLICABLE


CANNED = (
    "Our team is looking into your request and we will update you by email within two "
    "working days with the outcome of the review."
)


def _ticket(id: str, question: str, answer: str) -> Conversation:
    return convo(("customer", question), ("agent", answer), channel=Channel.EMAIL, id=id)


def test_analyze_many_marks_near_duplicate_replies_across_conversations() -> None:
    batch = [
        _ticket("a", "Where is my refund for the blender?", CANNED),
        _ticket("b", "Why was I charged $249 in March?", CANNED.replace("two", "three")),
        _ticket(
            "c",
            "Can I pause my deliveries in May?",
            "Yes: I've paused your deliveries for May 4th to May 25th, and you won't be "
            "charged for those weeks at all.",
        ),
    ]
    analyses = ANALYZER.analyze_many(batch)
    marked = [
        [f for f in a.scorecard.findings if f.behaviour == "template_reply"] for a in analyses
    ]
    assert [len(m) for m in marked] == [1, 1, 0]
    assert marked[0][0].data["near_duplicate_of"] == {"conversation": "b", "turn": 1}
    assert marked[1][0].data["similarity"] >= 0.7
    alone = {i.behaviour: i.verdict for i in ANALYZER.analyze(batch[0]).scorecard.checklist}
    together = {i.behaviour: i.verdict for i in analyses[0].scorecard.checklist}
    assert (alone["template_reply"], together["template_reply"]) == (Verdict.DONE, Verdict.MISSED)


def test_one_conversation_repeating_itself_is_not_a_near_duplicate() -> None:
    same = _ticket("a", "Where is my refund?", CANNED)
    same.turns.append(Turn(index=2, role=Role.AGENT, text=CANNED))
    assert near_duplicates([same], threshold=0.7, min_words=12) == []


@pytest.mark.parametrize(
    ("a", "b", "duplicate"),
    [
        (CANNED, CANNED, True),
        (CANNED, CANNED.replace("two", "three"), True),
        (
            CANNED,
            "Your refund of $89.99 went to your card today and should show within "
            "three working days, with an email from us confirming it.",
            False,
        ),
        ("Thanks, bye.", "Thanks, bye.", False),  # shorter than min_words
    ],
)
def test_near_duplicate_pairs(a: str, b: str, duplicate: bool) -> None:
    batch = [_ticket("a", "Question one?", a), _ticket("b", "Question two?", b)]
    assert bool(near_duplicates(batch, threshold=0.7, min_words=12)) is duplicate


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("cat", 1),
        ("table", 2),
        ("recorded", 3),
        ("wanted", 2),
        ("jumped", 1),
        ("make", 1),
        ("provisioning", 4),
        ("you're", 1),
        ("didn't", 2),
        ("beautiful", 3),
        ("2026", 1),
    ],
)
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_reading_ease_and_grade_formulas() -> None:
    assert reading_ease(100, 10, 130) == pytest.approx(206.835 - 10.15 - 109.98)
    assert grade_level(100, 10, 130) == pytest.approx(3.9 + 15.34 - 15.59)


HARD = (
    "In accordance with the applicable regulatory requirements, your authorisation "
    "documentation must be comprehensively verified by our compliance department prior to "
    "the reinstatement of your subscription privileges."
)
PLAIN_LONG = (
    "Move the router out of the closet and onto the shelf, keep the door open, and if the TV "
    "still stops in the evening just send us a message and we will mail you a booster."
)


@pytest.mark.parametrize(
    ("reply", "hard"),
    [(HARD, True), (PLAIN_LONG, False), ("We need to verify your documentation.", False)],
)
def test_hard_to_read(reply: str, hard: bool) -> None:
    analysis = ANALYZER.analyze(convo(("customer", "Why is my account locked?"), ("agent", reply)))
    result = {(f.behaviour, f.spans[0].turn) for f in analysis.scorecard.findings}
    assert (("hard_to_read", 1) in result) is hard
    assert isinstance(analysis.scorecard.metrics["agent_reading_ease"], float)
    assert isinstance(analysis.scorecard.metrics["agent_grade_level"], float)


def test_a_call_is_heard_not_read_so_its_reading_ease_is_not_judged() -> None:
    """A spoken call's transcript got "hard to read … split it into short sentences", advice
    about where speech recognition put the full stops: the readability detector skips calls,
    saying why, as other detectors do what a conversation cannot support."""
    spoken = call(("customer", "Why is my account locked?", 0.0, 2.0), ("agent", HARD, 2.5, 14.0))
    analysis = ANALYZER.analyze(spoken)
    assert "hard_to_read" not in {f.behaviour for f in analysis.scorecard.findings}
    assert "call is heard, not read" in analysis.skipped["heard.readability.v1"]
    assert "agent_reading_ease" not in analysis.scorecard.metrics
    # the same reply written in an email is still hard to read
    written = convo(
        ("customer", "Why is my account locked?"), ("agent", HARD), channel=Channel.EMAIL
    )
    assert ("hard_to_read", 1) in found(written)


def test_asking_again_after_a_reply_that_gave_no_value_is_no_repeat_ask() -> None:
    conversation = convo(
        ("customer", "I need to check my balance."),
        ("agent", "Could you provide your date of birth, please?"),
        ("customer", "Ok"),
        ("agent", "Could you provide your date of birth, please?"),
    )
    assert ("repeat_ask", 3) not in found(conversation)
