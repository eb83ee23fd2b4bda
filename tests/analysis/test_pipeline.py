"""The analyzer: requirements, skips with reasons, rubric weights, needed versus delivered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.test_clarify_patience_replies import HARD, call, convo
from analysis.test_meaning import NoEncoder
from conftest import EXAMPLES
from heard.analysis import Analyzer, detectors, load_rubric
from heard.analysis.analyzer import ordered
from heard.analysis.rubric import MAX_COMPONENTS
from heard.errors import InputError
from heard.importers import read_file
from heard.model import Channel, Verdict


def _example(name: str):
    return read_file(EXAMPLES / name)[1][0]


def test_detectors_are_registered_by_versioned_name() -> None:
    names = set(detectors())
    assert "heard.phrases.v1" in names
    assert all(n.startswith("heard.") and n.rsplit(".", 1)[-1].startswith("v") for n in names)


def test_annotations_are_assigned_before_they_are_needed() -> None:
    order = [d.name for d in ordered(list(detectors().values()))]
    assigned: set[str] = set()
    for name in order:
        cls = detectors()[name]
        assert all(n in assigned for n in cls.needs), name
        assigned.update(cls.assigns)


def test_chat_skips_call_timing_with_a_reason() -> None:
    analysis = Analyzer().analyze(_example("02-chat-angry-handled-well.json"))
    assert analysis.skipped["heard.call_timing.v1"].startswith("needs start and end times")
    assert "heard.chat_talk_over.v1" not in analysis.skipped


def _checklist(analysis) -> dict[str, tuple[Verdict, str]]:
    return {i.behaviour: (i.verdict, i.reason) for i in analysis.scorecard.checklist}


def test_a_behaviour_only_skipped_detectors_find_is_not_checked() -> None:
    """A call's checklist said hard_to_read and talk_over_in_chat were avoided (done) though
    the detectors that find them were skipped on it (issue 19): not checked, saying why."""
    analysis = Analyzer(outcome=False).analyze(
        call(("customer", "Why is my account locked?", 0.0, 2.0), ("agent", HARD, 2.5, 14.0))
    )
    verdicts = _checklist(analysis)
    for behaviour, detector in (
        ("hard_to_read", "heard.readability.v1"),
        ("talk_over_in_chat", "heard.chat_talk_over.v1"),
    ):
        reason = f"not checked: {analysis.skipped[detector]}"
        assert verdicts[behaviour] == (Verdict.NOT_APPLICABLE, reason)
    assert "a call is heard, not read" in verdicts["hard_to_read"][1]
    # what a detector that ran could look for is judged on the call: avoided, or found
    assert verdicts["interruption"] == (Verdict.DONE, "avoided")
    # and the same reply written in an email is hard to read; the email's reading is judged
    written = Analyzer(outcome=False).analyze(
        convo(("customer", "Why is my account locked?"), ("agent", HARD), channel=Channel.EMAIL)
    )
    assert _checklist(written)["hard_to_read"][0] == Verdict.MISSED
    assert _checklist(written)["talk_over_in_chat"] == (Verdict.DONE, "avoided")
    assert _checklist(written)["interruption"][1].startswith("not checked: needs start and end")


def test_a_behaviour_not_checked_neither_adds_to_nor_takes_from_the_score() -> None:
    """Without the sentence encoder, paraphrase (found only by the meaning detectors) is not
    checked: the reflecting component is what was judged, the check of understanding done
    and the feeling not named, rather than a paraphrase missed as well."""
    explained = convo(
        (
            "customer",
            "My internet keeps dropping every evening around eight and I work from home, so "
            "I lose calls with clients.",
        ),
        ("agent", "Just to make sure I understand: it drops every evening around eight?"),
        ("customer", "Yes, that's right."),
        ("agent", "Thanks. I'll run a line test now."),
    )
    bare = Analyzer(outcome=False, encoder=NoEncoder()).analyze(explained)
    verdict, reason = _checklist(bare)["paraphrase"]
    assert verdict == Verdict.NOT_APPLICABLE
    assert reason == f"not checked: {bare.skipped['heard.paraphrase.v1']}"
    points = load_rubric().behaviours
    done, missed = points["check_understanding"].points, points["reflection_of_feeling"].points
    reflecting = {c.component: c.score for c in bare.scorecard.components}["reflecting"]
    assert _checklist(bare)["check_understanding"][0] == Verdict.DONE
    assert reflecting == round(100 * done / (done + missed), 1)
    assert "paraphrase" not in {t.behaviour for t in bare.scorecard.tips}
    # with the encoder, the paraphrase is judged: called for here, and not made
    judged = Analyzer(outcome=False).analyze(explained)
    assert _checklist(judged)["paraphrase"][0] == Verdict.MISSED


def test_empathy_is_not_applicable_in_a_happy_chat() -> None:
    card = Analyzer().analyze(_example("09-chat-happy-short.json")).scorecard
    verdicts = {item.behaviour: item.verdict for item in card.checklist}
    assert verdicts["empathy"] == Verdict.NOT_APPLICABLE
    assert verdicts["reflection_of_feeling"] == Verdict.NOT_APPLICABLE
    assert verdicts["apology"] == Verdict.NOT_APPLICABLE


def test_handled_well_outscores_handled_badly() -> None:
    analyzer = Analyzer()
    well = analyzer.analyze(_example("02-chat-angry-handled-well.json")).scorecard
    badly = analyzer.analyze(_example("03-chat-angry-handled-badly.json")).scorecard
    assert well.listening_score is not None and badly.listening_score is not None
    assert well.listening_score >= badly.listening_score + 40
    assert len(badly.tips) == 3
    assert badly.tips[0].behaviour in {"dismissive", "blame"}
    assert all(tip.suggestion for tip in badly.tips)


def test_rubric_weights_change_the_score(tmp_path: Path) -> None:
    default = load_rubric()
    text = (Path(__file__).parents[2] / "src/heard/analysis/default_rubric.toml").read_text()
    changed = tmp_path / "rubric.toml"
    # the empathy component (missed in this call) counts for nothing: whatever its calibrated
    # weight, the score changes
    changed.write_text(re.sub(r'("Empathy & patience", weight = )[0-9.]+', r"\g<1>0", text))
    assert changed.read_text() != text
    conversation = _example("01-call-interruptions.json")
    base = Analyzer(rubric=default).analyze(conversation).scorecard.listening_score
    other = Analyzer(rubric=load_rubric(changed)).analyze(conversation).scorecard.listening_score
    assert base != other


def test_bad_rubric_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\nversion = "1"\n[components]\na = { label = "A", weight = -1 }\n[behaviours]\n'
    )
    with pytest.raises(InputError) as info:
        load_rubric(bad)
    assert info.value.where.path == "$.components.a.weight"
    broken = tmp_path / "broken.toml"
    broken.write_text("name = ")
    with pytest.raises(InputError, match="malformed TOML"):
        load_rubric(broken)


def test_a_rubric_has_at_most_sixteen_components(tmp_path: Path) -> None:
    """The store copies a conversation's component scores into 16 columns."""
    many = tmp_path / "many.toml"
    components = "".join(f'c{i} = {{ label = "C{i}" }}\n' for i in range(MAX_COMPONENTS + 1))
    many.write_text(f'name = "x"\nversion = "1"\n[components]\n{components}[behaviours]\n')
    with pytest.raises(InputError, match="at most 16") as info:
        load_rubric(many)
    assert info.value.where.path == "$.components"
    enough = tmp_path / "enough.toml"
    components = "".join(f'c{i} = {{ label = "C{i}" }}\n' for i in range(MAX_COMPONENTS))
    enough.write_text(f'name = "x"\nversion = "1"\n[components]\n{components}[behaviours]\n')
    assert len(load_rubric(enough).components) == MAX_COMPONENTS


def test_rubric_thresholds_reach_the_detectors(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "src/heard/analysis/default_rubric.toml").read_text()
    strict = tmp_path / "rubric.toml"
    strict.write_text(text.replace("dead_air_seconds = 5.0", "dead_air_seconds = 100.0"))
    conversation = _example("01-call-interruptions.json")

    def dead_air(analyzer: Analyzer) -> int:
        card = analyzer.analyze(conversation).scorecard
        return sum(f.behaviour == "dead_air" for f in card.findings)

    assert dead_air(Analyzer()) >= 1
    assert dead_air(Analyzer(rubric=load_rubric(strict))) == 0


@pytest.mark.parametrize("texts", [[""], ["", ""], ["  "], ["", "My card was charged twice."]])
def test_empty_customer_turns_are_analysed(texts: list[str]) -> None:
    """A chat whose customer turns are empty (a live feed's blank final) still scores."""
    from heard.model import Conversation, Role, Turn

    turns = [Turn(index=i, role=Role.CUSTOMER, text=t) for i, t in enumerate(texts)]
    turns.append(Turn(index=len(turns), role=Role.AGENT, text="Hello, how can I help you?"))
    card = Analyzer().analyze(Conversation(id="blank", channel="chat", turns=turns)).scorecard
    assert len(card.emotions) == len(texts)
