"""The text heard's small encoder is distilled on (`heard.embed.student`), read by
``scripts/distil_encoder.py``.

It splits conversations as the detectors do and keeps the bodies the paraphrase detector
encodes, so it needs the analysis and the detectors; it lives here, not in `heard.embed`, so
that the encoders know nothing of what uses them (docs/architecture.md). Only data whose
licence allows commercial use is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heard.analysis.context import Context
from heard.analysis.rubric import load_rubric
from heard.detectors.reflecting import restatement
from heard.importers import read_file
from heard.learn.classifier import data_sha256
from heard.learn.datasets import read_jsonl

SOURCES = {
    "goemotions": ("goemotions.jsonl", "Apache-2.0"),
    "star": ("star.jsonl", "MIT"),
    "harper_valley_bank": ("hvb_sample.jsonl", "CC BY 4.0"),
}
"""The data sets the student learns from (folder: file, licence); all allow commercial use."""


def corpus(data_dir: Path) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The texts the student learns from, once each in a fixed order, and per data set its
    file, sha256, licence and number of texts.

    GoEmotions gives its comments; the conversations give each turn's sentences (split as the
    detectors split them) and, for agent sentences that open like a restatement, the body the
    paraphrase detector encodes ("So the card was charged twice" → "the card was charged
    twice")."""
    texts: dict[str, None] = {}
    sources: dict[str, dict[str, Any]] = {}
    rubric = load_rubric()
    for folder, (file, licence) in SOURCES.items():
        path = data_dir / folder / file
        if not path.is_file():
            continue
        before = len(texts)
        if folder == "goemotions":
            for _, row in read_jsonl(path):
                text = str(row.get("text", "")).strip()
                if text:
                    texts[text] = None
        else:
            _, conversations = read_file(path)
            for conversation in conversations:
                ctx = Context(conversation, rubric)
                for sentences in ctx.sentences:
                    for sentence in sentences:
                        texts[sentence.text] = None
                        found = restatement(sentence)
                        if found is not None:
                            texts[found.body] = None
        sources[folder] = {
            "file": f"{folder}/{file}",
            "sha256": data_sha256(path),
            "licence": licence,
            "texts": len(texts) - before,
        }
    return list(texts), sources
