"""Turn heard's written conversations into corpus items, and check a labelling file against them.

The written part of the listening corpus (`source: written`) is whole conversations the project
wrote (data/corpus/written.jsonl, one JSON object per line:
`{"conversation_id": "w1-0001", "channel": "chat|voice|email", "industry": "...",
"turns": [{"role": "customer|agent", "text": "..."}, ...]}`). Every agent turn that answers a
customer turn becomes an item, in the same shape as the real items (scripts/select_corpus.py):
up to three turns of context, the customer turn, the agent turn, the split from the
conversation's hash.

    python scripts/written_items.py CONVERSATIONS.jsonl --out ITEMS.jsonl [--labels LABELS.jsonl]

With --labels, the labels are checked against the items (format of docs/annotation.md) and the
items still unlabelled are listed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from select_corpus import candidates, item, merge

CHANNELS = ("chat", "voice", "email")
ROLES = ("customer", "agent")


def conversation_items(row: dict[str, Any], where: str) -> list[dict[str, Any]]:
    conv_id = str(row.get("conversation_id", ""))
    if not conv_id.startswith("w"):
        raise SystemExit(f"{where}: conversation_id {conv_id!r}: expected 'w<writer>-<number>'")
    channel = row.get("channel")
    if channel not in CHANNELS:
        raise SystemExit(f"{where}: channel {channel!r}: expected one of {CHANNELS}")
    raw = row.get("turns")
    if not isinstance(raw, list) or len(raw) < 2:
        raise SystemExit(f"{where}: turns: expected a list of at least two turns")
    for n, turn in enumerate(raw):
        if turn.get("role") not in ROLES or not str(turn.get("text", "")).strip():
            raise SystemExit(f"{where}: turns[{n}]: expected a role in {ROLES} and some text")
    turns = merge([(t["role"], t["text"]) for t in raw])
    meta = {"stratum": "written", "industry": str(row.get("industry", ""))}
    return [item("written", conv_id, channel, turns, i, meta) for i in candidates(turns)]


def build(conversations: Path) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, line in enumerate(conversations.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{conversations}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{where}: not JSON ({exc})") from None
        if row.get("conversation_id") in seen:
            raise SystemExit(f"{where}: duplicate conversation_id {row.get('conversation_id')!r}")
        seen.add(row.get("conversation_id"))
        items += conversation_items(row, where)
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("conversations", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--labels", type=Path)
    args = ap.parse_args()
    items = build(args.conversations)
    with args.out.open("w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"{len(items)} items -> {args.out}")
    if args.labels:
        from heard.learn.corpus import load_items, load_labels

        labels = load_labels(args.labels, load_items(args.out))
        done = {lab.id for lab in labels}
        todo = [it["id"] for it in items if it["id"] not in done]
        print(f"{len(labels)} labelled, format OK; {len(todo)} unlabelled")
        for item_id in todo[:20]:
            print("  todo:", item_id)


if __name__ == "__main__":
    main()
