"""Whether the agent did what a nudge suggested within the next two agent turns."""

from __future__ import annotations

from heard.live.nudges import NudgePolicy
from livefeed import feed

ANGRY = "This is ridiculous, I'm so frustrated. My order is three weeks late!"
ONLY = NudgePolicy(kinds=["acknowledge_emotion"], interval_seconds=0, min_turns=0)


def test_acknowledgement_in_the_next_agent_turn_is_adopted(analyzer) -> None:
    fed = feed(
        analyzer,
        [("customer", ANGRY), ("agent", "I'm so sorry, that sounds really frustrating.")],
        policy=ONLY,
    )
    [adoption] = fed.adoptions
    assert (adoption.kind, adoption.adopted, adoption.turn) == ("acknowledge_emotion", True, 1)
    report = fed.session.adoption_report()["acknowledge_emotion"]
    assert (report.shown, report.decided, report.adopted, report.rate) == (1, 1, 1, 1.0)


def test_two_agent_turns_without_acknowledgement_is_not_adopted(analyzer) -> None:
    fed = feed(
        analyzer,
        [
            ("customer", ANGRY),
            ("agent", "What is the order number?"),
            ("customer", "W123."),
            ("agent", "It ships on Monday."),
        ],
        policy=ONLY,
    )
    assert [(a.kind, a.adopted) for a in fed.adoptions] == [("acknowledge_emotion", False)]
    assert fed.session.adoption_report()["acknowledge_emotion"].rate == 0.0


def test_undecided_until_the_window_closes_then_decided_at_the_end(analyzer) -> None:
    fed = feed(analyzer, [("customer", ANGRY), ("agent", "What is the order number?")], policy=ONLY)
    assert fed.adoptions == []
    ended = feed(
        analyzer,
        [("customer", ANGRY), ("agent", "What is the order number?")],
        policy=ONLY,
        end=True,
    )
    assert [(a.adopted) for a in ended.adoptions] == [False]


def test_jargon_adopted_when_the_plain_word_is_used(analyzer) -> None:
    policy = NudgePolicy(kinds=["jargon"], interval_seconds=0, min_turns=0)
    events = [
        ("customer", "Hi"),
        ("agent", "I'll issue an RMA for you now."),
        ("customer", "A what?"),
    ]
    adopted = feed(analyzer, [*events, ("agent", "A return label, sent by email.")], policy=policy)
    assert [(a.kind, a.adopted, a.turn) for a in adopted.adoptions] == [("jargon", True, 3)]
    repeated = feed(analyzer, [*events, ("agent", "The RMA comes by email.")], policy=policy)
    assert [(a.kind, a.adopted) for a in repeated.adoptions] == [("jargon", False)]


def test_open_concern_adopted_when_addressed(analyzer) -> None:
    policy = NudgePolicy(kinds=["open_concern"], interval_seconds=0, min_turns=0)
    two = (
        "I was charged twice for my April box, there are two payments of $64.\n\n"
        "Also, my replacement card never arrived and I need it for my trip on Friday."
    )
    fed = feed(
        analyzer,
        [
            ("customer", two),
            ("agent", "I've refunded the second $64 payment for your April box."),
            ("customer", "OK."),
            (
                "agent",
                "Your replacement card goes out today and arrives before your trip on Friday.",
            ),
        ],
        policy=policy,
    )
    assert [(a.kind, a.adopted, a.turn) for a in fed.adoptions] == [("open_concern", True, 3)]


def test_interruption_adopted_when_the_agent_lets_them_finish(analyzer) -> None:
    from heard.model import Channel

    policy = NudgePolicy(kinds=["interruption"], interval_seconds=0, min_turns=0)
    waited = "I have been waiting for the engineer since eight this morning."
    fed = feed(
        analyzer,
        [
            ("customer", waited, 0.0, 6.0),
            ("agent", "Right, let me look at the booking for you now.", 3.0, 9.0),
            ("customer", "And nobody called me to say they would be late.", 9.5, 13.0),
            ("agent", "I understand, I will find out where they are.", 13.5, 16.0),
            ("customer", "Thanks.", 16.5, 17.0),
            ("agent", "They arrive within the hour.", 17.5, 19.0),
        ],
        channel=Channel.CALL,
        policy=policy,
    )
    assert [(a.kind, a.adopted) for a in fed.adoptions] == [("interruption", True)]


def test_silence_adopted_when_the_agent_checks_in(analyzer) -> None:
    from heard.model import Channel

    policy = NudgePolicy(kinds=["silence"])
    fed = feed(
        analyzer,
        [
            ("customer", "Can you check my order?", 0.0, 3.0),
            ("tick", 25.0),
            ("agent", "I'm still here, checking it now.", 26.0, 28.0),
        ],
        channel=Channel.CALL,
        policy=policy,
    )
    assert [(a.kind, a.adopted, a.turn) for a in fed.adoptions] == [("silence", True, 1)]
