"""The live session: incremental analysis, partials, running state."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heard.live.events import EndEvent, PartialEvent, StartEvent, TickEvent, TurnEvent
from heard.live.session import LiveSession
from heard.model import Channel, Role
from livefeed import feed


def test_turns_are_the_finals_and_partials_are_replaced(analyzer) -> None:
    fed = feed(
        analyzer,
        [
            ("partial", "customer", "my internet", 0.0, 1.0),
            ("partial", "customer", "my internet keeps dropping", 0.0, 2.0),
            ("customer", "My internet keeps dropping.", 0.0, 2.5),
            ("partial", "agent", "I'm sorry", 3.0, 3.5),
        ],
        channel=Channel.CALL,
    )
    session = fed.session
    assert [t.text for t in session.turns] == ["My internet keeps dropping."]
    assert set(session.partials) == {Role.AGENT}
    assert session.now == 3.5


def test_the_analysis_is_the_batch_analysis_of_the_turns_so_far(analyzer) -> None:
    fed = feed(analyzer, [("customer", "My order is late."), ("agent", "I'm sorry about that.")])
    batch = analyzer.analyze(fed.session.conversation).scorecard
    assert fed.session.analysis is not None
    assert fed.session.analysis.scorecard.model_dump() == batch.model_dump()


def test_escalation_risk_rises_with_anger_and_a_manager_request(analyzer) -> None:
    calm = feed(analyzer, [("customer", "Hi, could you change my address?")])
    angry = feed(
        analyzer,
        [("customer", "This is ridiculous, I'm furious. I want to speak to your manager now!")],
    )
    assert calm.session.state().escalation_risk == 0.0
    assert angry.session.state().escalation_risk >= 0.8


def test_a_customer_at_risk_tops_the_risk(analyzer) -> None:
    quiet = feed(analyzer, [("customer", "I just don't want to live any more, to be honest.")])
    assert quiet.session.state().escalation_risk == 1.0


def test_chat_messages_get_their_sent_time(analyzer) -> None:
    fed = feed(analyzer, [("customer", "Hi", 0.0), ("agent", "Hello!", 12.0)])
    first, second = fed.session.turns
    assert first.sent_at is not None and second.sent_at is not None
    assert (second.sent_at - first.sent_at).total_seconds() == 12.0


def test_no_events_after_the_end(analyzer) -> None:
    session = LiveSession("t", StartEvent(seq=1), analyzer=analyzer)
    update = session.apply(EndEvent(seq=2))
    assert update.scorecard is not None and update.state is not None and update.state.ended
    with pytest.raises(ValueError, match="has ended"):
        session.apply(TickEvent(seq=3, time=1.0))


@st.composite
def live_events(draw):
    count = draw(st.integers(min_value=0, max_value=8))
    events = []
    for _ in range(count):
        role = draw(st.sampled_from([Role.AGENT, Role.CUSTOMER]))
        start = draw(st.floats(min_value=0, max_value=100))
        length = draw(st.floats(min_value=0, max_value=20))
        text = draw(
            st.sampled_from(
                ["I'm so angry!", "Let me check the RMA.", "ok", "So your bill is wrong?", ""]
            )
        )
        kind = draw(st.sampled_from(["partial", "turn", "tick"]))
        events.append((kind, role, text, start, start + length))
    return events


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=live_events(), channel=st.sampled_from([Channel.CALL, Channel.CHAT]))
def test_any_order_of_partials_and_finals_never_crashes(analyzer, events, channel) -> None:
    session = LiveSession("h", StartEvent(seq=1, channel=channel), analyzer=analyzer)
    finals = []
    for seq, (kind, role, text, start, end) in enumerate(events, 2):
        if kind == "partial":
            event = PartialEvent(seq=seq, role=role, text=text, start=start, end=end)
        elif kind == "tick":
            event = TickEvent(seq=seq, time=end)
        else:
            event = TurnEvent(seq=seq, role=role, text=text, start=start, end=end, time=end)
            if text.strip():
                finals.append(text)  # an empty final only clears the partial
        update = session.apply(event)
        assert len(update.nudges) <= 1
    session.apply(EndEvent(seq=len(events) + 2))
    assert [t.text for t in session.turns] == finals
    assert session.partials == {}


CUSTOMER = "I booked a table for six people tonight at eight but the confirmation never came."
RESTATED = "So you're saying your reservation for a group of six this evening was never confirmed?"


def test_an_analysis_waiting_for_embeddings_resumes_to_the_same_result(analyzer) -> None:
    """Inside `deferred()` a turn whose analysis needs new sentence embeddings is taken in,
    raises EmbeddingsNeeded, refuses the next event until `resume`, and then gives what an
    analysis with the encoder on the spot gives."""
    from heard import embed

    if not embed.available():
        pytest.skip(embed.INSTALL_HINT)
    session = feed(analyzer, [("customer", CUSTOMER)]).session
    agent = TurnEvent(seq=3, role=Role.AGENT, text=RESTATED)
    with embed.deferred(), pytest.raises(embed.EmbeddingsNeeded) as need:
        session.apply(agent)
    assert RESTATED not in need.value.texts and CUSTOMER in need.value.texts
    assert [t.text for t in session.turns] == [CUSTOMER, RESTATED]
    with pytest.raises(ValueError, match="resume"):
        session.apply(TickEvent(seq=4, time=1.0))
    embed.encode(need.value.texts)
    with embed.deferred():
        update = session.resume()
    assert update.state is not None and update.state.turns == 2
    assert session.analysis is not None
    with pytest.raises(ValueError, match="no event"):
        session.resume()
    direct = feed(analyzer, [("customer", CUSTOMER), ("agent", RESTATED)]).session
    assert direct.analysis is not None
    assert session.analysis.scorecard.model_dump() == direct.analysis.scorecard.model_dump()
