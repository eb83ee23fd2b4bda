"""A call-back offer is called for by a long hold on a call, not by a long call: "The agent did
not offer a call-back instead of a long hold" on a 49-second Harper Valley call with no hold at
all was a tip no lead would sign; nor is a chat's wait one for a call-back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analysis.test_clarify_patience_replies import call
from heard.analysis import Analyzer
from heard.model import Channel, Conversation, Role, Turn, Verdict

ANALYZER = Analyzer()

ASKED = ("customer", "My internet has been down since this morning.", 0.0, 3.0)
BACK = ("agent", "Thanks for holding, I have reset your line and it is working now.")


def _verdict(conversation: Conversation) -> tuple[Verdict, str]:
    card = ANALYZER.analyze(conversation).scorecard
    [item] = [c for c in card.checklist if c.behaviour == "callback_offer"]
    return item.verdict, item.reason


def test_a_long_call_with_no_hold_is_not_owed_a_call_back_offer() -> None:
    lines = []
    for i in range(6):  # twelve turns, one a few seconds after the other
        at = i * 8.0
        lines.append(("customer", f"One more question about my card, number {i}.", at, at + 3))
        lines.append(("agent", "Sure, I can answer that for you right away.", at + 4, at + 7))
    assert _verdict(call(*lines)) == (Verdict.NOT_APPLICABLE, "no long hold")


def test_a_long_hold_without_an_offer_is_missed_and_with_one_is_done() -> None:
    hold = ("agent", "Let me check that for you. Please hold while I look.", 4.0, 7.0)
    assert _verdict(call(ASKED, hold, (*BACK, 97.0, 101.0))) == (Verdict.MISSED, "a hold of 90 s")
    offered = (
        "agent",
        "Let me check that for you. Please hold, or I can call you back if you prefer.",
        4.0,
        8.0,
    )
    assert _verdict(call(ASKED, offered, (*BACK, 98.0, 102.0)))[0] == Verdict.DONE


def test_a_short_hold_or_a_chat_is_not_owed_one() -> None:
    moment = ("agent", "Let me check that for you. Please hold for a moment.", 4.0, 7.0)
    assert _verdict(call(ASKED, moment, (*BACK, 20.0, 24.0))) == (
        Verdict.NOT_APPLICABLE,
        "no long hold",
    )
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    chat = Conversation(
        id="chat",
        channel=Channel.CHAT,
        turns=[
            Turn(index=0, role=Role.CUSTOMER, text=ASKED[1], sent_at=at),
            Turn(index=1, role=Role.AGENT, text=moment[1], sent_at=at + timedelta(seconds=20)),
            Turn(index=2, role=Role.AGENT, text=BACK[1], sent_at=at + timedelta(seconds=200)),
        ],
    )
    assert _verdict(chat) == (Verdict.NOT_APPLICABLE, "not a call")


def test_a_two_word_cue_that_needs_more_is_quoted_as_its_sentence() -> None:
    """The fix in the agent's reply was quoted as “reset your”; a term stays itself."""
    hold = ("agent", "Let me check that for you. Please hold while I look.", 4.0, 7.0)
    card = ANALYZER.analyze(call(ASKED, hold, (*BACK, 97.0, 101.0))).scorecard
    [message] = [t.message for t in card.tips if t.behaviour == "premature_solution"]
    assert message.endswith(f"“{BACK[1]}”")
    [held] = [t.message for t in card.tips if t.behaviour == "long_hold"]
    assert held.endswith("“Please hold”")
