"""The redaction docs name every kind, placeholder and public function."""

from __future__ import annotations

import heard.redact
from conftest import ROOT
from heard.redact import Kind

DOC = ROOT / "docs" / "redaction.md"


def test_every_kind_and_function_is_documented() -> None:
    text = DOC.read_text()
    missing = [f"`{k.value}`" for k in Kind if f"`{k.value}`" not in text]
    missing += [k.placeholder for k in Kind if f"`{k.placeholder}`" not in text]
    missing += [name for name in heard.redact.__all__ if name not in text]
    assert not missing, f"missing from docs/redaction.md: {missing}"
