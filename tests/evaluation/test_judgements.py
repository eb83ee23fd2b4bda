"""Blind judgements of tips: rates per sample and behaviour from the verdict files, clear
errors for verdicts that do not match the sample, and the checked-in sample complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from heard.evaluation import judgements


def _write(folder: Path, tips: list[dict], verdicts: list[dict]) -> None:
    folder.mkdir(parents=True)
    (folder / "tips.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tips))
    (folder / "judgements.jsonl").write_text("".join(json.dumps(v) + "\n" for v in verdicts))


TIPS = [
    {"id": 1, "behaviour": "paraphrase", "message": "Missed: paraphrase", "suggestion": "Say so."},
    {"id": 2, "behaviour": "paraphrase", "message": "Missed: paraphrase", "suggestion": None},
    {"id": 3, "behaviour": "jargon", "message": "Jargon: NGA", "suggestion": "Drop NGA."},
]


def test_rates_per_sample_and_behaviour(tmp_path: Path) -> None:
    verdicts = [
        {"id": 1, "finding_right": 1, "grammatical": 1, "usable": 1, "note": ""},
        {"id": 2, "finding_right": 0, "grammatical": 1, "usable": 0, "note": "said 'hi' only"},
        {"id": 3, "finding_right": 0, "grammatical": 0, "usable": 0, "note": "a licence plate"},
    ]
    _write(tmp_path / "2026-01-01-x", TIPS, verdicts)
    (judged,) = judgements.read_all(tmp_path)
    assert judged.n == 3
    assert judged.rates == pytest.approx(
        {"finding_right": 1 / 3, "grammatical": 2 / 3, "usable": 1 / 3}
    )
    assert judged.by_behaviour["paraphrase"] == pytest.approx(
        {"n": 2, "finding_right": 0.5, "grammatical": 1.0, "usable": 0.5}
    )
    assert [f["behaviour"] for f in judged.failures] == ["paraphrase", "jargon"]
    assert judged.failures[0]["wrong"] == "1 of 2" and "said 'hi'" in judged.failures[0]["note"]
    text = "\n".join(judgements.section([judged]))
    assert "| 2026-01-01-x | – | – | 3 | 33% | 67% | 33% |" in text
    assert "| paraphrase | 2 | 50% | 100% | 50% |" in text


def test_a_folder_without_verdicts_is_not_a_sample(tmp_path: Path) -> None:
    folder = tmp_path / "pending"
    folder.mkdir()
    (folder / "tips.jsonl").write_text(json.dumps(TIPS[0]) + "\n")
    assert judgements.read_all(tmp_path) == []
    assert "No judged sample" in "\n".join(judgements.section([]))


@pytest.mark.parametrize(
    ("verdicts", "message"),
    [
        ([{"id": 9, "finding_right": 1, "grammatical": 1, "usable": 1}], "no tip 9"),
        ([{"id": 1, "finding_right": 2, "grammatical": 1, "usable": 1}], "finding_right must"),
        ([{"id": 1, "finding_right": 1, "grammatical": 1, "usable": 1}], "no verdict for tips"),
    ],
)
def test_verdicts_that_do_not_match_are_refused(
    tmp_path: Path, verdicts: list[dict], message: str
) -> None:
    _write(tmp_path / "s", TIPS, verdicts)
    with pytest.raises(ValueError, match=message) as error:
        judgements.read_all(tmp_path)
    assert "judgements.jsonl" in str(error.value)


def test_the_checked_in_samples_are_complete() -> None:
    judged = judgements.read_all()
    assert judged, "data/judgements holds at least one judged sample"
    # JUDGING.md: keep 80 or more, unless the sampler drew every chat nobody had read and
    # found fewer tips (meta.json says so: the source is spent)
    assert all(sample.n >= 80 or sample.meta.get("exhausted") is True for sample in judged)


def test_a_second_judge_adds_rates_and_agreement(tmp_path: Path) -> None:
    first = [
        {"id": 1, "finding_right": 1, "grammatical": 1, "usable": 1},
        {"id": 2, "finding_right": 0, "grammatical": 1, "usable": 0},
        {"id": 3, "finding_right": 1, "grammatical": 0, "usable": 0},
    ]
    second = [
        {"id": 1, "finding_right": 1, "grammatical": 1, "usable": 0},
        {"id": 2, "finding_right": 0, "grammatical": 1, "usable": 0},
        {"id": 3, "finding_right": 1, "grammatical": 0, "usable": 0},
    ]
    folder = tmp_path / "2026-01-02-y"
    _write(folder, TIPS, first)
    (folder / judgements.SECOND).write_text("".join(json.dumps(v) + "\n" for v in second))
    (judged,) = judgements.read_all(tmp_path)
    assert judged.second == pytest.approx(
        {"finding_right": 2 / 3, "grammatical": 2 / 3, "usable": 0.0}
    )
    agree, kappa = judged.agreement["finding_right"]
    assert agree == 1.0 and kappa == pytest.approx(1.0)
    agree, kappa = judged.agreement["usable"]
    assert agree == pytest.approx(2 / 3)
    assert kappa == pytest.approx(0.0, abs=1e-9)  # no better than chance: one said 0 to all
    text = "\n".join(judgements.section([judged]))
    assert (
        "| 2026-01-02-y | 67% / 67% / 0% | 100% (κ 1.00) | 100% (κ 1.00) | 67% (κ 0.00) |" in text
    )


def test_a_second_judge_missing_a_tip_is_refused(tmp_path: Path) -> None:
    verdicts = [{"id": i, "finding_right": 1, "grammatical": 1, "usable": 1} for i in (1, 2, 3)]
    _write(tmp_path / "s", TIPS, verdicts)
    (tmp_path / "s" / judgements.SECOND).write_text(json.dumps(verdicts[0]) + "\n")
    with pytest.raises(ValueError, match=r"second-judge\.jsonl: no verdict for tips"):
        judgements.read_all(tmp_path)


def test_tips_on_chats_an_earlier_sample_tipped_are_not_fresh(tmp_path: Path) -> None:
    """A sample drawn over chats an earlier sample showed tips on (and causes were fixed on)
    reports how many of its tips sit on them, and rates the fresh tips alone."""
    first = [{**TIPS[0], "conversation": "star-1"}]
    _write(tmp_path / "2026-01-01-a", first, [{"id": 1, **dict.fromkeys(judgements.ASKED, 1)}])
    (tmp_path / "2026-01-01-a" / "transcripts.jsonl").write_text(
        json.dumps({"conversation": "star-1", "turns": []}) + "\n"
    )
    second = [
        {**TIPS[0], "conversation": "star-1"},
        {**TIPS[1], "conversation": "star-2"},
        {**TIPS[2], "conversation": "star-3"},
    ]
    verdicts = [
        {"id": 1, "finding_right": 1, "grammatical": 1, "usable": 1},
        {"id": 2, "finding_right": 1, "grammatical": 1, "usable": 0},
        {"id": 3, "finding_right": 0, "grammatical": 1, "usable": 0},
    ]
    _write(tmp_path / "2026-01-02-b", second, verdicts)
    a, b = judgements.read_all(tmp_path)
    assert (a.seen_before, b.seen_before) == (0, 1)
    assert b.fresh == pytest.approx({"finding_right": 0.5, "grammatical": 1.0, "usable": 0.0})
    table = "\n".join(judgements.section([a, b]))
    assert "| 2026-01-02-b | – | – | 3 | 67% | 100% | 33% | 1 | 50% / 100% / 0% (2) |" in table
