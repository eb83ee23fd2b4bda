"""Shared fixtures: paths to the repository's data and to the shared labelled data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

pytest_plugins = ["security_report"]

# The same examples on every run (tests are deterministic; a failure found once is found
# again), no example database carried between runs, and no per-example deadline (a busy
# 2-core machine is no reason to fail). `--hypothesis-profile explore` searches afresh.
settings.register_profile("heard", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile("heard")

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
TEST_DATA = TESTS / "data"
EXAMPLES = ROOT / "examples"
SHARED_DATA = Path(os.environ.get("HEARD_SHARED_DATA", ROOT.parent / "shared" / "data"))


def require_shared_data() -> Path:
    """The shared data folder; in CI its absence is a failure, elsewhere a skip."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data not found at {SHARED_DATA} (set HEARD_SHARED_DATA)")
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    return require_shared_data()
