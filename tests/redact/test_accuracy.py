"""Recall and precision of redaction on generated sentences, per kind of personal data."""

from __future__ import annotations

from heard.redact.benchmark import format_table, generate, measure
from heard.redact.detect import PATTERN_KINDS

N = 6000  # sentences with personal data (≥ 1,000 of each kind), and as many look-alikes


def test_generator_is_deterministic_and_varied() -> None:
    first, first_decoys = generate(200, 7)
    again, again_decoys = generate(200, 7)
    assert [s.text for s in first] == [s.text for s in again]
    assert [s.text for _, s in first_decoys] == [s.text for _, s in again_decoys]
    kinds = {kind for s in first for kind, _, _ in s.truth}
    assert kinds == set(PATTERN_KINDS)
    assert len({name for name, _ in first_decoys}) >= 20
    for sample in first:
        for _, start, end in sample.truth:
            assert sample.text[start:end].strip() == sample.text[start:end]


def test_recall_and_precision_per_kind() -> None:
    result = measure(N, 20240315)
    print()
    print(format_table(result))
    for line in result["misses"] + result["errors"]:  # type: ignore[operator]
        print("  ", line)
    kinds = result["kinds"]
    assert isinstance(kinds, dict)
    for kind in PATTERN_KINDS:
        figures = kinds[kind.value]
        assert figures["true"] >= 1000, kind
        assert figures["recall"] >= 0.99, (kind, figures)
        assert figures["precision"] >= 0.95, (kind, figures)
