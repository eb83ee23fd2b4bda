"""The learned listening detector (heard.learned.v1) and its shipped weights."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from heard.analysis import Analyzer
from heard.analysis.context import Context
from heard.analysis.rubric import load_rubric
from heard.detectors import learned
from heard.embed import available
from heard.learn import listening
from heard.learn.listening import ListeningModel, default_listening_path
from heard.model import Channel, Conversation, Role, Turn

pytestmark = pytest.mark.skipif(not available(), reason="sentence-embedding model not installed")

ROOT = Path(__file__).resolve().parents[2]


def chat(*lines: tuple[str, str]) -> Conversation:
    return Conversation(
        id="t",
        channel=Channel.CHAT,
        turns=[Turn(index=i, role=Role(r), text=t) for i, (r, t) in enumerate(lines)],
    )


def learned_findings(conversation: Conversation) -> dict[tuple[str, int], tuple[str, float]]:
    """(behaviour, turn) → (evidence text, confidence) of heard.learned.v1's findings."""
    analysis = Analyzer(only=["heard.customer_emotion.v1", "heard.learned.v1"]).analyze(
        conversation
    )
    out = {}
    for f in analysis.scorecard.findings:
        if f.detector == "heard.learned.v1":
            span = f.spans[0]
            out[(f.behaviour, span.turn)] = (
                conversation.turns[span.turn].text[span.start : span.end],
                f.confidence,
            )
    return out


def test_shipped_weights_load_with_their_digest_and_training_data() -> None:
    path = default_listening_path()
    model = ListeningModel.load(path)
    head = json.loads(path.read_text("utf-8"))
    weights = path.with_suffix(".npz")
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == head["weights_sha256"]
    corpus = ROOT / "data" / "corpus"
    for name in ("items.jsonl", "labels.jsonl"):
        digest = hashlib.sha256((corpus / name).read_bytes()).hexdigest()
        assert head["data_sha256"][f"data/corpus/{name}"] == digest  # trained on today's corpus
    assert set(model.decides) <= set(listening.BEHAVIOURS)
    assert {"clarifying_question", "empathy", "paraphrase"} <= set(model.decides)
    assert all(0.0 < h.threshold < 1.0 for h in model.heads.values())


def test_weights_that_do_not_match_their_digest_are_refused(tmp_path: Path) -> None:
    path = default_listening_path()
    shutil.copy(path, tmp_path / path.name)
    data = bytearray(path.with_suffix(".npz").read_bytes())
    data[-1] ^= 0xFF
    (tmp_path / path.with_suffix(".npz").name).write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256"):
        ListeningModel.load(tmp_path / path.name)


UPSET = "My parcel was supposed to come on Monday and it still hasn't arrived, I'm so stressed."


@pytest.mark.parametrize(
    ("behaviour", "customer", "reply"),
    [
        (
            "clarifying_question",
            "The app keeps doing the thing again.",
            "Could you tell me a bit more about what happens when you open the app?",
        ),
        (
            "empathy",
            UPSET,
            "Oh no, I'm so sorry to hear that, that must be really stressful for you.",
        ),
    ],
)
def test_finds_clear_examples_with_evidence_and_confidence(
    behaviour: str, customer: str, reply: str
) -> None:
    found = learned_findings(chat(("customer", customer), ("agent", reply)))
    assert (behaviour, 1) in found
    evidence, confidence = found[(behaviour, 1)]
    assert evidence and evidence in reply  # a sentence of the reply
    assert 0.0 < confidence <= 1.0


def test_finds_a_resolution_check_after_the_first_answer() -> None:
    reply = "I've rebooked the delivery for Friday. Is there anything else I can help you with?"
    found = learned_findings(
        chat(
            ("customer", UPSET),
            ("agent", "Let me check the tracking for you."),
            ("customer", "Thanks. Can you rebook it for Friday?"),
            ("agent", reply),
        )
    )
    model = ListeningModel.load(default_listening_path())
    if "resolution_check" in model.decides:
        assert ("resolution_check", 3) in found
        evidence, confidence = found[("resolution_check", 3)]
        assert evidence and evidence in reply  # a sentence of the reply
        assert 0.0 < confidence <= 1.0
    else:  # the rule decides it (the head was not better on dev by the margin): it finds it
        assert ("resolution_check", 3) not in found
        card = (
            Analyzer()
            .analyze(
                chat(
                    ("customer", UPSET),
                    ("agent", "Let me check the tracking for you."),
                    ("customer", "Thanks. Can you rebook it for Friday?"),
                    ("agent", reply),
                )
            )
            .scorecard
        )
        assert any(
            f.behaviour == "resolution_check" and f.spans[0].turn == 3 for f in card.findings
        )


@pytest.mark.parametrize(
    ("behaviour", "reply"),
    [
        ("resolution_check", "Your order number is W48213377 and it ships from Leeds."),
        ("clarifying_question", "The parcel left our warehouse on Monday."),
        ("empathy", "The parcel left our warehouse on Monday."),
    ],
)
def test_does_not_find_clear_negatives(behaviour: str, reply: str) -> None:
    found = learned_findings(chat(("customer", UPSET), ("agent", reply)))
    assert (behaviour, 1) not in found


def test_evidence_is_the_sentence_that_carries_the_decision() -> None:
    reply = "The parcel left our warehouse on Monday. I'm so sorry, that must be stressful."
    found = learned_findings(chat(("customer", UPSET), ("agent", reply)))
    assert found[("empathy", 1)][0] == "I'm so sorry, that must be stressful."


def test_skipped_with_a_reason_without_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learned, "default_listening_model", lambda: "no listening model (test)")
    analysis = Analyzer().analyze(chat(("customer", UPSET), ("agent", "Okay, I see.")))
    assert analysis.skipped["heard.learned.v1"] == "no listening model (test)"
    # the rule detectors decide alone again
    assert any(f.detector == "heard.phrases.v1" for f in analysis.scorecard.findings)


def test_union_keeps_one_finding_a_turn() -> None:
    conversation = chat(
        ("customer", UPSET),
        ("agent", "I understand how stressful that is. I'm so sorry to hear it."),
    )
    empathy = [
        f
        for f in Analyzer().analyze(conversation).scorecard.findings
        if f.behaviour == "empathy" and f.spans[0].turn == 1
    ]
    assert len(empathy) == 1


def test_features_of_a_turn_and_its_sentences_line_up() -> None:
    from heard.embed.static import token_embedder

    maker = listening.FeatureMaker(token_embedder().encode)
    ctx = Context(chat(("customer", UPSET), ("agent", "Okay. Sorry to hear.")), load_rubric())
    rows = maker.rows([s.text for s in ctx.sentences[1]], UPSET, per_sentence=True)
    assert rows.shape == (3, len(listening.feature_names(token_embedder().dim)))


@pytest.mark.parametrize(
    ("customer", "reply", "evidence"),
    [
        ("My order number is 48213.", "Got it, thanks. Let me pull that up.", "Got it, thanks."),
        (
            "I need to change my flight to Friday.",
            "Hello! Sure, I can help with that. What's your booking reference?",
            "Sure, I can help with that.",
        ),
    ],
)
def test_an_acknowledgement_is_the_receipt_opening_the_reply(
    customer: str, reply: str, evidence: str
) -> None:
    found = learned_findings(chat(("customer", customer), ("agent", reply)))
    assert found[("acknowledgement", 1)][0] == evidence  # after the greeting, not the question


@pytest.mark.parametrize(
    ("customer", "reply"),
    [
        ("Thanks, that's all.", "Thanks for chatting with us, take care."),  # a farewell
        ("Thanks, that's all.", "Thank you, goodbye!"),
        ("My parcel never came and I'm furious.", "That sounds really frustrating."),  # a feeling
        (  # a paraphrase closed by a check: "Is that right?" is no receipt
            "I ordered size 9 trainers and got size 7.",
            "So, you got size 7 instead of the size 9 trainers. Is that right?",
        ),
    ],
)
def test_no_acknowledgement_without_a_receipt(customer: str, reply: str) -> None:
    found = learned_findings(chat(("customer", customer), ("agent", reply)))
    assert ("acknowledgement", 1) not in found


def test_an_emotional_reaction_carries_its_level() -> None:
    """EPITOME's weak (1, generic) and strong (2, specific to this customer) forms."""
    complaint = "My card was charged twice for the same order, this is really annoying."
    specific = (
        "Oh no, I'm really sorry you were charged twice for your order, that's a horrible "
        "thing to find on your statement."
    )
    analyzer = Analyzer(only=["heard.customer_emotion.v1", "heard.learned.v1"])
    levels = {}
    for reply in (specific, "Sorry about that. Can I have your order number?"):
        card = analyzer.analyze(chat(("customer", complaint), ("agent", reply))).scorecard
        (empathy,) = [f for f in card.findings if f.behaviour == "empathy"]
        levels[reply] = empathy.data["level"]
    assert list(levels.values()) == [2, 1]
    card = analyzer.analyze(chat(("customer", complaint), ("agent", specific))).scorecard
    assert not any("level" in f.data for f in card.findings if f.behaviour != "empathy")


def test_a_heartfelt_reaction_is_strong_whatever_the_strength_head_says() -> None:
    """docs/annotation.md, emotional reaction 2: "specific … or clearly heartfelt" (the
    strength head alone grades both replies 1)."""
    complaint = "The engineer didn't turn up again, I took the day off work for this."
    analyzer = Analyzer(only=["heard.customer_emotion.v1", "heard.learned.v1"])
    levels = []
    for reply in ("I'm really sorry. Can I have your reference?", "Sorry. Your reference?"):
        card = analyzer.analyze(chat(("customer", complaint), ("agent", reply))).scorecard
        (empathy,) = [f for f in card.findings if f.behaviour == "empathy"]
        levels.append(empathy.data["level"])
    assert levels == [2, 1]
