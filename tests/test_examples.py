"""The bundled examples import cleanly, and their personal data is redacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLES
from heard.importers import read_file
from heard.redact import redact_conversation

FILES = sorted(EXAMPLES.glob("*.json"))


def test_about_a_dozen_examples() -> None:
    assert len(FILES) >= 12


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_example_imports_and_quotes_are_exact(path: Path) -> None:
    name, (conversation,) = read_file(path)
    assert name == "json"
    assert conversation.source == "heard-examples"
    expected = conversation.metadata["expected"]
    assert expected, "each example says which behaviours it shows"
    for item in expected:
        turn = conversation.turns[item["turn"]]
        if "quote" in item:
            assert item["quote"] in turn.text, (path.name, item)


def test_example_personal_data_is_redacted() -> None:
    _, (conversation,) = read_file(EXAMPLES / "14-email-pii-refund.json")
    pii = conversation.metadata["pii"]
    redacted = redact_conversation(conversation)
    text = "\n".join(t.text for t in redacted.turns)
    for item in pii:
        assert item["text"] not in text, item
    assert "[CARD]" in text and "[EMAIL]" in text and "[PHONE]" in text
