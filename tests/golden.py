"""Golden-file comparison: HEARD_UPDATE_GOLDEN=1 rewrites the files instead of comparing."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def check_golden(actual: Any, golden: Path) -> None:
    text = json.dumps(actual, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("HEARD_UPDATE_GOLDEN") or not golden.exists():
        if not os.environ.get("HEARD_UPDATE_GOLDEN") and os.environ.get("CI"):
            raise AssertionError(f"golden file {golden} is missing")
        golden.write_text(text, encoding="utf-8")
        return
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert json.loads(text) == expected, f"output differs from {golden}"
