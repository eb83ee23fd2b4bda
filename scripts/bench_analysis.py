"""Conversations per second of the default analysis pipeline on STAR chats, with and without
some detectors, and how many sentences went through the embedding model per conversation.

    .venv/bin/python scripts/bench_analysis.py [STAR_JSONL] [--limit N] [--without NAME ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from heard.analysis import Analyzer
from heard.analysis.detector import Requirement
from heard.analysis.registry import detectors
from heard.embed import available, encoder
from heard.importers import read_file

DEFAULT = Path("/work/shared/data/star/star.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--without", nargs="*", default=[], help="detector names to leave out")
    args = parser.parse_args()
    conversations = read_file(args.path, format="star")[1][: args.limit]
    names = [n for n in sorted(detectors()) if n not in args.without]
    analyzer = Analyzer(only=names)
    analyzer.analyze(conversations[0])  # load lexicons outside the timing
    loaded = time.perf_counter()
    if any(d.requires & {Requirement.EMBEDDINGS} for d in analyzer.detectors) and available():
        encoder()  # the weights load once per process
    print(f"embedding model loaded in {time.perf_counter() - loaded:.2f} s")
    embedded_before = _embedded()
    start = time.perf_counter()
    for conversation in conversations:
        analyzer.analyze(conversation)
    seconds = time.perf_counter() - start
    turns = sum(len(c.turns) for c in conversations)
    embedded = _embedded() - embedded_before
    print(
        f"{len(conversations)} conversations ({turns / len(conversations):.1f} turns each) "
        f"in {seconds:.2f} s: {len(conversations) / seconds:.1f} conversations/s; "
        f"{embedded} sentences embedded ({embedded / len(conversations):.2f} per conversation)"
    )


def _embedded() -> int:
    return encoder().encoded if available() else 0


if __name__ == "__main__":
    main()
