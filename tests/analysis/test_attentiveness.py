"""uses_details, repeat_ask and the concern tracker: one literal conversation per cue."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from conftest import EXAMPLES
from heard.analysis import Analyzer
from heard.importers import read_file
from heard.model import Channel, ConcernStatus, Conversation, Customer, Role, Turn, Verdict

ANALYZER = Analyzer()


def conversation(*lines: tuple[str, str], channel: Channel = Channel.CHAT) -> Conversation:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    return Conversation(
        id="t",
        channel=channel,
        customer=Customer(name="Ana Lopez"),
        turns=[
            Turn(index=i, role=Role(role), text=text, sent_at=start + timedelta(minutes=i))
            for i, (role, text) in enumerate(lines)
        ],
    )


def found(conv: Conversation, behaviour: str) -> set[int]:
    card = ANALYZER.analyze(conv).scorecard
    return {f.spans[0].turn for f in card.findings if f.behaviour == behaviour}


DETAILS = [
    # (customer says, agent replies, the reply uses the customer's details?)
    ("My order W48213377 arrived broken.", "I can see W48213377 was dispatched late.", True),
    ("I was charged $64.99 twice.", "I've refunded one $64.99 payment.", True),
    ("It was delivered on March 2nd.", "I see it came back to us on March 2nd.", True),
    ("It left the Columbus hub on Monday.", "It stopped scanning in Columbus.", True),
    ("I need the money, my rent is due.", "I've marked it urgent because of your rent.", True),
    (
        "The little box just blinks red.",
        "If the box with the red light is broken we'll swap it.",
        True,
    ),
    (
        "I have a problem with my order, please help.",
        "Thanks, I can help with your order today.",
        False,
    ),
    ("I think it is not right.", "I think that is right.", False),
    ("Hi, I'm Ana Lopez.", "Thanks Ana.", False),
    ("It took 20 minutes to get through.", "I've added a $20 credit.", False),
    ("I waited 3 days.", "There are 3 options.", False),
]


@pytest.mark.parametrize(("customer", "reply", "present"), DETAILS)
def test_uses_details(customer: str, reply: str, present: bool) -> None:
    conv = conversation(("customer", customer), ("agent", reply))
    assert (1 in found(conv, "uses_details")) is present


def test_uses_details_only_counts_what_the_customer_said_first() -> None:
    conv = conversation(
        ("agent", "Your tracking code is ZX99812."),
        ("customer", "ZX99812 doesn't work on the website."),
        ("agent", "ZX99812 should work now."),
    )
    assert found(conv, "uses_details") == set()


def test_uses_details_spans_point_at_the_agents_words() -> None:
    conv = conversation(
        ("customer", "I was charged $64.99 twice on April 2nd."),
        ("agent", "Sorry about that. I've refunded the $64.99 from April 2nd."),
    )
    finding = next(
        f for f in ANALYZER.analyze(conv).scorecard.findings if f.behaviour == "uses_details"
    )
    words = [conv.turns[1].text[s.start : s.end] for s in finding.spans]
    assert words == ["$64.99", "April 2nd"]
    assert finding.data["customer_turns"] == [0]


@pytest.mark.parametrize(
    ("customer", "verdict"),
    [
        ("My order W48213377 arrived broken.", Verdict.MISSED),
        ("hi, something is wrong", Verdict.NOT_APPLICABLE),
    ],
)
def test_uses_details_is_judged_only_when_the_customer_gave_details(
    customer: str, verdict: Verdict
) -> None:
    conv = conversation(("customer", customer), ("agent", "Let me look into that."))
    card = ANALYZER.analyze(conv).scorecard
    assert next(c for c in card.checklist if c.behaviour == "uses_details").verdict == verdict


REPEAT_ASKS = [
    # (customer said earlier, agent asks, is it a repeat-ask?)
    ("My order W48213377 arrived cracked.", "Can you please provide your order number?", True),
    ("You can reach me at ana@example.com.", "What's your email address?", True),
    ("You can reach me at [EMAIL].", "Could you give me your email?", True),
    ("My email is [XXXXXXXXXXXXXXXX].", "What is your email?", True),
    ("Call me on (312) 555-0147.", "Can I have your phone number?", True),
    ("Call me on [PHONE] after six.", "Can I have your phone number?", True),
    ("Hi, my name is Ana Lopez.", "Can I take your name, please?", True),
    ("Please send it to 88 Birchwood Ave instead.", "What's the delivery address?", True),
    ("My zip is 97205.", "And the ZIP code?", True),
    ("My account number is FW-7730215.", "Could you tell me your account number?", True),
    ("My parcel is late.", "Can you please provide your order number?", False),
    ("My email is ana@example.com.", "Can you confirm the email is still ana@example.com?", False),
    ("Call me on (312) 555-0147.", "Is the number ending in 0147 the best one?", False),
    ("My email is ana@example.com.", "Is there a different email we can use?", False),
    ("My order W48213377 arrived.", "What's your email address?", False),
    ("I was charged $249 on my order.", "Can I have your order number?", False),
    ("My email is ana@example.com.", "What's your address?", False),
    ("I live at 88 Birchwood Ave.", "What's your email address?", False),
    ("Hi, my name is Mark.", "Could you give me the name of the host, please?", False),
]


@pytest.mark.parametrize(("customer", "ask", "present"), REPEAT_ASKS)
def test_repeat_ask(customer: str, ask: str, present: bool) -> None:
    conv = conversation(("customer", customer), ("agent", "Thanks."), ("agent", ask))
    assert (2 in found(conv, "repeat_ask")) is present


def test_an_answer_to_an_earlier_ask_counts_as_given() -> None:
    conv = conversation(
        ("agent", "Can I have your postcode?"),
        ("customer", "Four four one oh two."),
        ("agent", "And your postcode, please?"),
    )
    card = ANALYZER.analyze(conv).scorecard
    finding = next(f for f in card.findings if f.behaviour == "repeat_ask")
    assert finding.spans[0].turn == 2
    assert finding.data["customer_turn"] == 1
    assert "Four four one oh two" in (finding.suggestion or "")


def test_asking_again_when_the_customer_did_not_answer_is_fine() -> None:
    conv = conversation(
        ("agent", "Can I have your name, please?"),
        ("customer", "Wait, I just remembered I can't do Thursday because of an interview."),
        ("agent", "No problem. Could you give me your name, please?"),
    )
    assert found(conv, "repeat_ask") == set()


def test_asking_before_the_customer_said_it_is_fine() -> None:
    conv = conversation(
        ("agent", "Can I take your name?"),
        ("customer", "Margaret Collins."),
        ("agent", "Thank you, Mrs. Collins."),
    )
    assert found(conv, "repeat_ask") == set()


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("How do I pause my deliveries?", ["question"]),
        ("My internet isn't working.", ["problem"]),
        ("I need a new charger for the blender.", ["request"]),
        ("Thanks, have a nice day.", []),
        ("I have three things I need help with.", []),
        ("My card was declined. Also, I want to change my address.", ["problem", "request"]),
        ("As I said, it's in my first message.", []),
        (
            "Can I change the delivery address? When will the refund for the lamp arrive?",
            ["question", "question"],
        ),
        ("My card was charged twice this month. Why? Or not?", ["question"]),
        ("Why was my card charged twice? Why?", ["question"]),
    ],
)
def test_concerns_raised(text: str, kinds: list[str]) -> None:
    conv = conversation(("customer", text), ("agent", "Okay."))
    concerns = ANALYZER.analyze(conv).scorecard.concerns
    assert [c.kind for c in concerns] == kinds


@pytest.mark.parametrize(
    ("reaction", "quotes"),
    [
        # echoing the agent's words is disbelief, not a question of its own
        (
            "A FORM? I don't want a form, I want a TV that works.",
            ["I don't want a form, I want a TV that works."],
        ),
        ("Calm down?", []),
        # a short question with a word of the customer's own asks something
        ("Which form?", ["Which form?"]),
        ("A form for the broken screen?", ["A form for the broken screen?"]),
    ],
)
def test_an_echo_of_the_agents_words_raises_no_concern(reaction: str, quotes: list[str]) -> None:
    conv = conversation(
        ("agent", "Please complete a form at our site, and calm down."),
        ("customer", reaction),
        ("agent", "Okay."),
    )
    concerns = ANALYZER.analyze(conv).scorecard.concerns
    assert [c.quote for c in concerns] == quotes


def test_concern_addressed_and_confirmed() -> None:
    conv = conversation(
        ("customer", "How do I pause deliveries for May?"),
        ("agent", "I've paused your deliveries for May."),
        ("customer", "Perfect, thanks."),
    )
    card = ANALYZER.analyze(conv).scorecard
    (concern,) = card.concerns
    assert (concern.status, concern.addressed, concern.confirmed) == (
        ConcernStatus.CONFIRMED,
        1,
        2,
    )
    assert card.metrics["concern_coverage"] == 100.0
    assert found(conv, "unaddressed_concern") == set()


def test_concern_acknowledged_but_never_addressed() -> None:
    conv = conversation(
        ("customer", "Will a new router fix the evening drops on my street?"),
        ("agent", "I see. We'll see how it goes. Is there anything else?"),
    )
    card = ANALYZER.analyze(conv).scorecard
    assert card.concerns[0].status == ConcernStatus.ACKNOWLEDGED
    assert card.metrics["concern_coverage"] == 0.0
    assert found(conv, "unaddressed_concern") == {1}


def test_email_reply_must_answer_every_point() -> None:
    conv = conversation(
        (
            "customer",
            "Please refund the $64.99 double charge.\n\nAlso, the chicken in my box "
            "arrived warm and the ice packs had melted. Can I get a credit?",
        ),
        ("agent", "I've refunded the $64.99 double charge."),
        ("customer", "Thanks. What about the warm chicken?"),
        ("agent", "I've added a credit for the warm chicken and you'll get extra ice packs."),
        channel=Channel.EMAIL,
    )
    card = ANALYZER.analyze(conv).scorecard
    assert [(c.addressed, c.raised_again) for c in card.concerns] == [(1, []), (3, [2])]
    assert found(conv, "unaddressed_concern") == {1}


@pytest.mark.parametrize(
    ("lines", "flagged"),
    [
        (  # clarified first, answered later: fine in a chat
            [
                ("customer", "My router keeps dropping the connection every evening."),
                ("agent", "When did the evening drops start?"),
                ("customer", "Since we moved it into the closet on Saturday."),
                ("agent", "The closet walls weaken the signal, so move it back out."),
            ],
            set(),
        ),
        (  # answering the agent's question with the same details is not raising it again
            [
                ("customer", "I want to throw a surprise party for Alexis."),
                ("agent", "At what venue would you like the party?"),
                ("customer", "I want the surprise party for Alexis at West Bay Venue."),
                ("agent", "Done: the surprise party for Alexis is booked at West Bay Venue."),
            ],
            set(),
        ),
        (  # a short question answered directly
            [("customer", "When will the engineer come?"), ("agent", "Tomorrow at 9 am.")],
            set(),
        ),
        (  # a verification question first is working on it, even if asked again after
            [
                ("customer", "Why was I charged $249?"),
                ("agent", "Is this for the account ending in 2231?"),
                ("customer", "Yes. What is the $249 charge?"),
                ("agent", "The $249 is a fee for the modem."),
            ],
            set(),
        ),
        (  # the reply answered something else and asked nothing: the customer asked again
            [
                ("customer", "Why was I charged $249? And can you move my install to Friday?"),
                ("agent", "Your install is now on Friday at 10 am."),
                ("customer", "OK. But what is the $249 charge?"),
                ("agent", "The $249 is a fee for the modem."),
            ],
            {1},
        ),
        (  # the customer asked for the balance first: the fraud report waits its turn
            [
                (
                    "customer",
                    "I need help filing a fraud report. But first, can I check my balance?",
                ),
                ("agent", "Your balance is 2991 in credit."),
                ("customer", "That's low. Can you help me file the fraud report?"),
                ("agent", "Your fraud report has been submitted."),
            ],
            set(),
        ),
        (  # the customer took a partial answer as the answer and thanked the agent
            [
                ("customer", "Is it going to rain the whole weekend? Can you check Sunday?"),
                ("agent", "Sunday will be cloudy, 28 degrees."),
                ("customer", "Better than rain! Thanks for your help!"),
            ],
            set(),
        ),
        (  # never answered, and the customer did not take the reply as an answer
            [
                ("customer", "Can you check Sunday? Also, is the museum open on Monday?"),
                ("agent", "Sunday will be cloudy, 28 degrees."),
                ("customer", "Hmm."),
            ],
            {1},
        ),
    ],
)
def test_unaddressed_concern_in_chat(lines: list[tuple[str, str]], flagged: set[int]) -> None:
    assert found(conversation(*lines), "unaddressed_concern") == flagged


def test_tracker_matches_the_labelled_concerns() -> None:
    path = EXAMPLES / "04-email-multi-concern.json"
    conv = read_file(path)[1][0]
    card = ANALYZER.analyze(conv).scorecard
    labelled = json.loads(path.read_text())["metadata"]["concerns"]
    assert [(c.span.turn, c.addressed) for c in card.concerns] == [
        (c["turn"], c["addressed_in"][0]) for c in labelled
    ]
    assert json.loads(card.model_dump_json())["concerns"][2]["raised_again"] == [3]
