"""What every report shows: highlighted pieces of a turn, the emotion trajectory, and the
per-turn customer emotion the scorecard now carries."""

from __future__ import annotations

import pytest

from heard.model import Conversation, Finding, Polarity, Role, Span, Turn, TurnEmotion
from heard.report import segments, trajectory
from heard.report.content import findings_by_turn, tip_moment
from report.reports import example, report_of

TEXT = "Sir, please calm down. I can only help you if you stay calm."
TURN = Turn(index=3, role=Role.AGENT, text=TEXT)


def finding(behaviour: str, start: int, end: int, polarity=Polarity.NEGATIVE, turn=3) -> Finding:
    return Finding(
        detector="test.v1",
        behaviour=behaviour,
        component="empathy",
        polarity=polarity,
        spans=[Span(turn=turn, start=start, end=end)],
    )


CALM = (TEXT.index("calm down"), TEXT.index("calm down") + len("calm down"))
ONLY = (TEXT.index("I can only"), len(TEXT))


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([], [(TEXT, ())]),
        (
            [finding("dismissive", *CALM)],
            [("Sir, please ", ()), ("calm down", ("dismissive",)), (TEXT[CALM[1] :], ())],
        ),
        (  # a span at the end of the turn: no empty piece after it
            [finding("condescending", *ONLY)],
            [(TEXT[: ONLY[0]], ()), (TEXT[ONLY[0] :], ("condescending",))],
        ),
        (  # overlapping spans: the shared piece carries both findings
            [finding("dismissive", 5, CALM[1]), finding("rushing", CALM[0], ONLY[0])],
            [
                ("Sir, ", ()),
                ("please ", ("dismissive",)),
                ("calm down", ("dismissive", "rushing")),
                (TEXT[CALM[1] : ONLY[0]], ("rushing",)),
                (TEXT[ONLY[0] :], ()),
            ],
        ),
        ([finding("interruption", 0, len(TEXT))], [(TEXT, ())]),  # whole turn: a tag only
        ([finding("dismissive", 4, 4)], [(TEXT, ())]),  # empty span
        ([finding("dismissive", *CALM, turn=5)], [(TEXT, ())]),  # another turn's span
    ],
    ids=["none", "middle", "at-end", "overlap", "whole-turn", "empty", "other-turn"],
)
def test_segments_cut_the_turn_where_spans_begin_and_end(findings, expected) -> None:
    pieces = segments(TURN, findings)
    assert "".join(p.text for p in pieces) == TEXT
    assert [(p.text, tuple(f.behaviour for f in p.findings)) for p in pieces] == expected


@pytest.mark.parametrize(
    ("polarities", "shown"),
    [
        ([Polarity.POSITIVE, Polarity.NEGATIVE], Polarity.NEGATIVE),
        ([Polarity.NEUTRAL, Polarity.POSITIVE], Polarity.POSITIVE),
        ([Polarity.NEUTRAL], Polarity.NEUTRAL),
    ],
)
def test_a_piece_shows_its_strongest_polarity(polarities, shown) -> None:
    findings = [finding(f"b{i}", *CALM, polarity=p) for i, p in enumerate(polarities)]
    assert [p.polarity for p in segments(TURN, findings)] == [None, shown, None]


def emotions(*items: tuple[int, str, float]) -> list[TurnEmotion]:
    return [TurnEmotion(turn=t, label=label, intensity=i) for t, label, i in items]


@pytest.mark.parametrize(
    ("items", "described"),
    [
        ([], "not measured"),
        ([(0, "neutral", 0.0)], "neutral → neutral"),
        (
            [(0, "anger", 0.6), (2, "satisfaction", 0.8), (4, "frustration", 0.6)],
            "anger → frustration; peak anger 0.6 at turn 0",  # the earliest of equals
        ),
        (
            [(0, "worry", 0.4), (2, "anger", 0.8), (4, "satisfaction", 1.0)],
            "worry → satisfaction; peak anger 0.8 at turn 2",  # negative outranks satisfaction
        ),
        (
            [(1, "neutral", 0.0), (3, "satisfaction", 0.6)],
            "neutral → satisfaction; peak satisfaction 0.6 at turn 3",
        ),
    ],
)
def test_trajectory_start_end_and_peak(items, described) -> None:
    assert trajectory(emotions(*items)).describe() == described


@pytest.mark.parametrize("name", ["02", "03", "07", "13"])
def test_scorecard_carries_one_emotion_per_customer_turn(name) -> None:
    report = example(name)
    card, conversation = report.scorecard, report.conversation
    assert [e.turn for e in card.emotions] == [
        t.index for t in conversation.turns if t.role == Role.CUSTOMER
    ]
    assert card.emotions[0].label == card.metrics["customer_emotion_start"]
    assert card.emotions[-1].label == card.metrics["customer_emotion_end"]
    labelled = {
        f.spans[0].turn: f.data["emotion"]
        for f in card.findings
        if f.behaviour == "customer_emotion"
    }
    assert {e.turn: e.label for e in card.emotions if e.label != "neutral"} == labelled


def test_no_customer_turns_means_no_emotions() -> None:
    conversation = Conversation(
        id="agent-only", channel="chat", turns=[Turn(index=0, role=Role.AGENT, text="Hello?")]
    )
    assert report_of(conversation).scorecard.emotions == []


def test_findings_by_turn_lists_a_finding_in_each_turn_it_points_to() -> None:
    report = example("03")
    by_turn = findings_by_turn(report.scorecard)
    assert {"dismissive", "condescending"} <= {f.behaviour for f in by_turn[3]}
    for turn, listed in by_turn.items():
        assert all(any(s.turn == turn for s in f.spans) for f in listed)
    for finding in report.scorecard.findings:  # a finding with spans in two turns is in both
        assert all(finding in by_turn[s.turn] for s in finding.spans)
    assert set(by_turn) == {s.turn for f in report.scorecard.findings for s in f.spans}


def test_tip_moment_is_the_whole_turn_of_the_tip() -> None:
    report = example("03")
    tip = report.scorecard.tips[0]
    assert tip.span is not None and tip.span.turn == 3
    assert tip_moment(report.conversation, tip) == TEXT
