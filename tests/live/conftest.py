"""A shared analyzer for the live tests."""

from __future__ import annotations

import pytest

from heard.analysis import Analyzer


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()
