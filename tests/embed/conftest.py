"""Fixtures of the encoder tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from heard.embed import bert


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder for built graphs (and the small encoder's assembled folder)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("HEARD_EMBED_CACHE", str(folder))
    monkeypatch.delenv(bert.VARIANT_ENV, raising=False)
    return folder
