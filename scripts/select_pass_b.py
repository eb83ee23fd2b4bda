"""The items of labelling pass b (issue 19): every dev and test item plus a seeded train sample.

Rule: all items whose split is dev or test, then train items ordered by SHA-256 of
"passb-19:<id>" and taken from the front until the pass holds TARGET items. The order of the
output is the reading order (by that hash, so batches mix sources and splits). Prints one id a
line; `python scripts/select_pass_b.py > data/corpus/pass_b_ids.txt`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

TARGET = 640
SEED = "passb-19"
ITEMS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "items.jsonl"


def key(item_id: str) -> str:
    return hashlib.sha256(f"{SEED}:{item_id}".encode()).hexdigest()


def select(rows: list[dict]) -> list[str]:
    held = [r["id"] for r in rows if r["split"] in ("dev", "test")]
    train = sorted((r["id"] for r in rows if r["split"] == "train"), key=key)
    chosen = held + train[: max(0, TARGET - len(held))]
    return sorted(chosen, key=key)


def main() -> None:
    rows = [json.loads(line) for line in ITEMS.read_text().splitlines() if line.strip()]
    print("\n".join(select(rows)))


if __name__ == "__main__":
    main()
