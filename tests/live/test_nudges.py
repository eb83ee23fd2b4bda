"""Each nudge kind on literal conversations, positive and negative, and the policy."""

from __future__ import annotations

import pytest

from heard.live.nudges import KINDS, NudgePolicy, candidates, plain_words
from heard.model import Channel
from livefeed import feed

ANGRY = "This is ridiculous, I'm so frustrated. My order is three weeks late!"
TWO = (
    "I was charged twice for my April box, there are two payments of $64.\n\n"
    "Also, my replacement card never arrived and I need it for my trip on Friday."
)
LONG = (
    "My router keeps dropping the connection every evening since the upgrade last week, and I "
    "work from home so I lose my video calls with clients, which is embarrassing for me."
)


def test_acknowledge_emotion_from_the_customers_words(analyzer) -> None:
    fed = feed(analyzer, [("customer", ANGRY)])
    [nudge] = fed.of("acknowledge_emotion")
    assert nudge.message == "They sound angry — acknowledge before solving"
    assert (
        nudge.suggestion
        == "“That sounds really frustrating — your order is three weeks late. I'm sorry.”"
    )
    assert nudge.evidence is not None and nudge.evidence.turn == 0


def test_acknowledge_a_bereaved_customer_with_sympathy(analyzer) -> None:
    said = "My wife passed away in March and I need to cancel her phone contract."
    fed = feed(analyzer, [("customer", said)])
    [nudge] = fed.of("acknowledge_emotion")
    assert nudge.message == "They sound sad — acknowledge before solving"
    assert nudge.suggestion is not None
    assert nudge.suggestion.startswith("“I'm so sorry")
    assert nudge.suggestion.endswith("I'll make this as easy as I can for you.”")
    assert "frustrating" not in nudge.suggestion


def test_a_customer_at_risk_is_the_first_nudge(analyzer) -> None:
    said = "I can't do this any more. Honestly I don't want to live any more."
    fed = feed(analyzer, [("customer", said)])
    [nudge] = fed.of("vulnerable_customer")
    assert nudge.severity == "urgent"
    assert nudge.message == "They may be at risk — pause the task and ask if they're safe"
    assert nudge.suggestion is not None and "Are you safe right now?" in nudge.suggestion
    asked = feed(
        analyzer,
        [("customer", said), ("agent", "I'm so sorry you feel like this. Are you safe right now?")],
    )
    # once the agent has asked, the situation no longer calls for it
    assert "vulnerable_customer" in [c.kind for c in candidates(fed.session._situation())]
    assert "vulnerable_customer" not in [c.kind for c in candidates(asked.session._situation())]


def test_no_acknowledge_emotion_for_a_calm_customer(analyzer) -> None:
    fed = feed(analyzer, [("customer", "Hi, could you change the delivery address on my order?")])
    assert fed.of("acknowledge_emotion") == []


def test_premature_solution_before_any_acknowledgement(analyzer) -> None:
    fed = feed(analyzer, [("customer", ANGRY), ("agent", "Please fill in the claim form online.")])
    [nudge] = fed.of("premature_solution")
    assert nudge.severity == "urgent"
    assert nudge.suggestion == "“I'm sorry — your order is three weeks late. Here's what I'll do.”"


def test_no_premature_solution_after_an_apology(analyzer) -> None:
    reply = "I'm so sorry, that sounds really frustrating. Please fill in the claim form online."
    fed = feed(analyzer, [("customer", ANGRY), ("agent", reply)])
    assert fed.of("premature_solution") == []


@pytest.mark.parametrize(
    ("agent_start", "expected"), [(3.0, ["interruption"]), (6.5, [])], ids=["over", "after"]
)
def test_interruption_from_call_timings(analyzer, agent_start, expected) -> None:
    fed = feed(
        analyzer,
        [
            (
                "customer",
                "I have been waiting for the engineer since eight this morning.",
                0.0,
                6.0,
            ),
            ("agent", "Right, let me look at the booking for you now.", agent_start, 9.0),
        ],
        channel=Channel.CALL,
    )
    assert [n.kind for n in fed.nudges if n.kind == "interruption"] == expected
    if expected:
        assert fed.of("interruption")[0].message == "You interrupted — let them finish"


def test_interruption_from_partials_while_the_customer_still_speaks(analyzer) -> None:
    fed = feed(
        analyzer,
        [
            ("partial", "customer", "I have been waiting since eight and", 0.0, 4.0),
            ("partial", "agent", "okay let me stop you there because", 2.0, 3.5),
        ],
        channel=Channel.CALL,
    )
    [nudge] = fed.of("interruption")
    assert nudge.message == "You are talking over them — let them finish"
    assert fed.session.turns == []


def test_a_backchannel_partial_is_no_interruption(analyzer) -> None:
    fed = feed(
        analyzer,
        [
            ("partial", "customer", "I have been waiting since eight and", 0.0, 4.0),
            ("partial", "agent", "mm-hm", 2.0, 2.4),
        ],
        channel=Channel.CALL,
    )
    assert fed.of("interruption") == []


def test_open_concern_names_the_point_still_open(analyzer) -> None:
    fed = feed(
        analyzer,
        [("customer", TWO), ("agent", "I've refunded the second $64 payment for your April box.")],
    )
    [nudge] = fed.of("open_concern")
    assert (
        "“Also, my replacement card never arrived and I need it for…” is still open"
        in nudge.message
    )
    assert nudge.evidence is not None and nudge.evidence.turn == 0


def test_open_concern_phrasing_takes_up_the_point(analyzer) -> None:
    fed = feed(
        analyzer,
        [("customer", TWO), ("agent", "I've refunded the second $64 payment for your April box.")],
    )
    [nudge] = fed.of("open_concern")
    assert nudge.suggestion == (
        "“You told me your replacement card never arrived and you need it for your trip on "
        "Friday — here's what I'll do about that.”"
    )


def test_open_question_is_asked_back(analyzer) -> None:
    text = (
        "Can I change the delivery address on order 4411? When will the refund for the broken "
        "lamp arrive?"
    )
    fed = feed(analyzer, [("customer", text), ("agent", "Yes, I've changed the address on 4411.")])
    [nudge] = fed.of("open_concern")
    assert nudge.suggestion == (
        "“You also asked: when will the refund for the broken lamp arrive? Here's the answer.”"
    )


@pytest.mark.parametrize(
    "text",
    [
        "DON'T tell me to calm down!!! This is ridiculous.",
        "Stop it. I'm furious. Ugh!!!",
        "As I said, it's in my first message. This is ridiculous!",
    ],
)
def test_orders_to_the_agent_are_not_said_back(analyzer, text) -> None:
    fed = feed(analyzer, [("customer", text)])
    [nudge] = fed.of("acknowledge_emotion")
    assert nudge.suggestion is not None
    assert "tell you" not in nudge.suggestion and "first message" not in nudge.suggestion
    assert "calm down" not in nudge.suggestion


@pytest.mark.parametrize(
    ("text", "kept", "dropped"),
    [
        ("DON'T tell me to calm down!!! This is ridiculous.", "", "ridiculous"),
        (
            "This is absolutely unacceptable. My order W4821 never arrived and I'm furious!",
            "your order W4821 never arrived",
            "unacceptable",
        ),
        ("It's a joke. The router died again and I'm so angry!", "the router died again", "joke"),
    ],
)
def test_verdicts_on_the_company_are_not_said_back(analyzer, text, kept, dropped) -> None:
    """The agent should not repeat "this is ridiculous": it agrees with the insult."""
    fed = feed(analyzer, [("customer", text)])
    [nudge] = fed.of("acknowledge_emotion")
    assert nudge.suggestion is not None
    assert dropped not in nudge.suggestion.lower() and kept in nudge.suggestion


def test_no_open_concern_when_both_are_answered(analyzer) -> None:
    reply = (
        "I've refunded the second $64 payment for your April box, and a new replacement card "
        "goes out today so it arrives before your trip on Friday."
    )
    fed = feed(analyzer, [("customer", TWO), ("agent", reply)])
    assert fed.of("open_concern") == []


def test_paraphrase_after_a_long_turn_with_no_reflection(analyzer) -> None:
    turns = [("customer", LONG), ("agent", "Let me check your line.")]
    fed = feed(analyzer, turns, channel=Channel.EMAIL)
    [nudge] = fed.of("paraphrase")
    assert nudge.suggestion is not None and nudge.suggestion.startswith("“So your router keeps")
    # in a chat the customer's words are on screen: saying them back adds nothing
    assert feed(analyzer, turns).of("paraphrase") == []


def test_no_paraphrase_when_the_agent_reflects(analyzer) -> None:
    reply = "That sounds really frustrating. Let me check your line."
    fed = feed(analyzer, [("customer", LONG), ("agent", reply)], channel=Channel.EMAIL)
    assert fed.of("paraphrase") == []


def test_jargon_with_its_plain_word(analyzer) -> None:
    fed = feed(analyzer, [("customer", "Hi"), ("agent", "I'll issue an RMA for you now.")])
    [nudge] = fed.of("jargon")
    assert nudge.message == "“RMA” is jargon here — say “return label”"
    assert nudge.suggestion == "return label"


def test_no_jargon_in_plain_words(analyzer) -> None:
    fed = feed(analyzer, [("customer", "Hi"), ("agent", "I'll email you a return label now.")])
    assert fed.of("jargon") == []


def test_talk_ratio_when_the_agent_talks_most_of_the_window(analyzer) -> None:
    fed = feed(
        analyzer,
        [
            ("customer", "My bill went up.", 0.0, 3.0),
            ("agent", "So the way our pricing works is " + "quite involved " * 20, 3.5, 60.0),
        ],
        channel=Channel.CALL,
    )
    [nudge] = fed.of("talk_ratio")
    assert nudge.message == "You have talked 95% of the last 2 minutes — ask, then listen"
    assert fed.session.state().talk_ratio == 0.95


def test_no_talk_ratio_in_a_balanced_call(analyzer) -> None:
    fed = feed(
        analyzer,
        [
            ("customer", "My bill went up and I don't know why " * 4, 0.0, 30.0),
            ("agent", "Let me look at the bill with you " * 4, 30.5, 60.0),
        ],
        channel=Channel.CALL,
    )
    assert fed.of("talk_ratio") == []


@pytest.mark.parametrize(("tick", "count"), [(25.0, 1), (10.0, 0)])
def test_silence_from_ticks(analyzer, tick, count) -> None:
    fed = feed(
        analyzer,
        [("customer", "Can you check my order?", 0.0, 3.0), ("tick", tick)],
        channel=Channel.CALL,
        policy=NudgePolicy(kinds=["silence"]),
    )
    assert len(fed.of("silence")) == count
    if count:
        assert fed.of("silence")[0].message == "22 s of silence — check in or offer a call-back"


@pytest.mark.parametrize(
    ("agent", "nudged"),
    [
        ("Could I have your account number, please?", False),  # they were finding it
        ("how can i help you today", False),  # a question unpunctuated, as recognition writes
        ("Let me look into that for you.", True),  # the agent's silence to fill
        ("Can I put you on a brief hold?", True),  # a hold is the agent's too
    ],
)
def test_breaking_a_silence_after_the_agents_question_is_answering_it(
    analyzer, agent: str, nudged: bool
) -> None:
    """The customer's 24 s before answering the agent's question was no silence they had to
    break: the same rule as the post-call dead air (heard.detectors.timing.waits_for_answer,
    issue 19). After the agent's own statement or hold, it still is."""
    fed = feed(
        analyzer,
        [
            ("customer", "Hi, my card was declined.", 0.0, 3.0),
            ("agent", agent, 3.5, 6.0),
            ("customer", "Okay, here it is: 4417 2290 1180.", 30.0, 33.0),
        ],
        channel=Channel.CALL,
        policy=NudgePolicy(kinds=["silence"]),
    )
    messages = [n.message for n in fed.of("silence")]
    expected = ["24 s of silence before they spoke — check in or offer a call-back"]
    assert messages == (expected if nudged else [])


def test_blame_is_a_low_priority_tone_nudge(analyzer) -> None:
    fed = feed(
        analyzer, [("customer", "Hi, it broke"), ("agent", "You should have read the manual.")]
    )
    assert fed.of("blame")[0].message == "Avoid blame — say what happens next"
    polite = feed(
        analyzer, [("customer", "Hi, it broke"), ("agent", "Let's get it fixed for you.")]
    )
    assert polite.of("blame") == []


def test_interval_lets_one_nudge_through_per_interval(analyzer) -> None:
    events = [
        ("customer", ANGRY, 0.0),
        ("agent", "I'll issue an RMA for you now.", 5.0),
        ("customer", "Fine.", 10.0),
        ("agent", "You should have read the manual.", 20.0),
    ]
    policy = NudgePolicy(interval_seconds=15, kinds=["acknowledge_emotion", "jargon", "blame"])
    fed = feed(analyzer, events, policy=policy)
    assert [(n.kind, n.time) for n in fed.nudges] == [("acknowledge_emotion", 0.0), ("blame", 20.0)]


def test_untimed_chats_count_turns_between_nudges(analyzer) -> None:
    events = [
        ("customer", ANGRY),
        ("agent", "I'll issue an RMA for you now."),
        ("customer", "Fine."),
        ("agent", "You should have read the manual."),
    ]
    policy = NudgePolicy(min_turns=3, kinds=["acknowledge_emotion", "jargon", "blame"])
    fed = feed(analyzer, events, policy=policy)
    assert [(n.kind, n.turn) for n in fed.nudges] == [("acknowledge_emotion", 0), ("blame", 3)]


def test_priority_picks_the_most_urgent_pending_nudge(analyzer) -> None:
    fed = feed(
        analyzer,
        [("customer", ANGRY), ("agent", "Please fill in the RMA claim form online.")],
        policy=NudgePolicy(kinds=["jargon", "premature_solution"], interval_seconds=0),
    )
    assert fed.kinds() == ["premature_solution"]
    reordered = feed(
        analyzer,
        [("customer", ANGRY), ("agent", "Please fill in the RMA claim form online.")],
        policy=NudgePolicy(
            kinds=["jargon", "premature_solution"], priority={"jargon": 1000}, interval_seconds=0
        ),
    )
    assert reordered.kinds() == ["jargon"]


def test_no_repeats_of_the_same_term(analyzer) -> None:
    events = [
        ("customer", "Hi"),
        ("agent", "I'll issue an RMA for you now."),
        ("customer", "OK"),
        ("agent", "The RMA is on its way."),
    ]
    fed = feed(analyzer, events, policy=NudgePolicy(kinds=["jargon"], min_turns=0))
    assert fed.kinds() == ["jargon"]


def test_stale_candidates_are_dropped(analyzer) -> None:
    """Acknowledged before the interval allowed the nudge: it is never shown."""
    events = [
        ("customer", "Hi, I need to change my address.", 0.0),
        ("agent", "I'll issue an RMA for you now.", 1.0),
        ("customer", ANGRY, 5.0),
        ("agent", "I'm so sorry, that sounds really frustrating.", 10.0),
        ("customer", "OK.", 60.0),
    ]
    fed = feed(analyzer, events, policy=NudgePolicy(interval_seconds=15))
    assert fed.kinds() == ["jargon"]


def test_policy_refuses_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown nudge kinds \\['shouting'\\]"):
        NudgePolicy(kinds=["shouting"])
    assert set(NudgePolicy().priority) == set(KINDS)


def test_policy_from_settings(monkeypatch) -> None:
    monkeypatch.setenv("HEARD_LIVE_NUDGE_INTERVAL", "30")
    monkeypatch.setenv("HEARD_LIVE_NUDGE_KINDS", '["jargon", "silence"]')
    monkeypatch.setenv("HEARD_LIVE_SILENCE_SECONDS", "12")
    policy = NudgePolicy.from_settings()
    assert (policy.interval_seconds, policy.kinds, policy.silence_seconds) == (
        30.0,
        ["jargon", "silence"],
        12.0,
    )


def test_plain_words_cover_the_glossary_terms() -> None:
    assert plain_words()["rma"] == "return label"
    assert plain_words()["provisioning"] == "setting up"
