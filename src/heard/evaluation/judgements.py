"""Tips judged blind (../shared/JUDGING.md): each folder of data/judgements/ holds a sample of
heard's tips on conversations nobody tuned on (tips.jsonl, drawn by
scripts/sample_tips_for_judging.py), their transcripts, and a reader's verdicts
(judgements.jsonl: finding_right, grammatical, usable, note). `heard eval --write-docs`
reports the rates per sample and per behaviour, with the commonest failures quoted, so the
figures in docs/accuracy.md come from the files, never from a hand."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ASKED = ("finding_right", "grammatical", "usable")
TARGETS = {"finding_right": 0.85, "grammatical": 1.0, "usable": 0.75}
"""Issue 19's targets for tips on real conversations."""


def default_folder() -> Path:
    """data/judgements of the repository this package was imported from."""
    return Path(__file__).resolve().parents[3] / "data" / "judgements"


@dataclass
class Judged:
    """One judged sample."""

    name: str
    n: int
    rates: dict[str, float]
    by_behaviour: dict[str, dict[str, float | int]]
    meta: dict[str, object] = field(default_factory=dict)
    """How the sample was drawn (meta.json: seed, heard's commit, command)."""
    failures: list[dict[str, str]] = field(default_factory=list)
    """The judged-wrong tips with a note, commonest behaviour first (one example each)."""


def read(folder: Path) -> Judged | None:
    """The sample in `folder`, or None when it has no verdicts yet. A verdict for a tip the
    sample does not hold, or a tip without a verdict, is an error naming the file and line."""
    tips_path, verdicts_path = folder / "tips.jsonl", folder / "judgements.jsonl"
    if not verdicts_path.is_file() or not tips_path.is_file():
        return None
    tips = {}
    for line in tips_path.read_text(encoding="utf-8").splitlines():
        tip = json.loads(line)
        tips[tip["id"]] = tip
    verdicts = {}
    for number, line in enumerate(verdicts_path.read_text(encoding="utf-8").splitlines(), 1):
        verdict = json.loads(line)
        if verdict.get("id") not in tips:
            raise ValueError(
                f"{verdicts_path}:{number}: no tip {verdict.get('id')!r} in tips.jsonl"
            )
        for key in ASKED:
            if verdict.get(key) not in (0, 1):
                raise ValueError(f"{verdicts_path}:{number}: {key} must be 0 or 1")
        verdicts[verdict["id"]] = verdict
    missing = sorted(set(tips) - set(verdicts))
    if missing:
        raise ValueError(f"{verdicts_path}: no verdict for tips {missing[:5]}")
    groups: dict[str, list[dict]] = defaultdict(list)
    for tip_id, verdict in verdicts.items():
        groups[tips[tip_id]["behaviour"]].append(verdict)
    n = len(verdicts)
    rates = {key: sum(v[key] for v in verdicts.values()) / n for key in ASKED}
    by_behaviour: dict[str, dict[str, float | int]] = {}
    for behaviour, found in sorted(groups.items(), key=lambda pair: -len(pair[1])):
        by_behaviour[behaviour] = {"n": len(found)}
        by_behaviour[behaviour].update({k: sum(v[k] for v in found) / len(found) for k in ASKED})
    failures = []
    for behaviour, found in sorted(groups.items(), key=lambda pair: -len(pair[1])):
        wrong = [v for v in found if not v["finding_right"]]
        noted = [v for v in wrong if v.get("note")]
        if noted:
            tip = tips[noted[0]["id"]]
            failures.append(
                {
                    "behaviour": behaviour,
                    "wrong": f"{len(wrong)} of {len(found)}",
                    "tip": f"{tip['message']} — {tip['suggestion'] or ''}".strip(" —"),
                    "note": noted[0]["note"],
                }
            )
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    return Judged(folder.name, n, rates, by_behaviour, meta, failures[:5])


def read_all(root: Path | None = None) -> list[Judged]:
    """Every judged sample under data/judgements, oldest first (folders are named by date)."""
    root = root or default_folder()
    if not root.is_dir():
        return []
    return [j for folder in sorted(root.iterdir()) if folder.is_dir() and (j := read(folder))]


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def section(judged: list[Judged]) -> list[str]:
    """The docs section: one table per sample, per behaviour, and its five commonest failures."""
    lines = ["## Tips judged blind", ""]
    if not judged:
        return [*lines, "No judged sample in data/judgements yet.", ""]
    lines += [
        "Samples of every tip heard showed on real conversations nobody tuned on, judged by a "
        "reader who saw only the transcripts and the tips (../shared/JUDGING.md): is the finding "
        "true and does it matter, is the text grammatical, could an agent use it as written. "
        "Each sample is judged once, on the heard of its day; causes are fixed and a fresh "
        "sample judged. Files: `data/judgements/<sample>/` (tips, transcripts, verdicts).",
        "",
        "| sample | heard at | seed | tips | finding right | grammatical | usable |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for sample in judged:
        lines.append(
            f"| {sample.name} | {sample.meta.get('heard_commit', '–')} | "
            f"{sample.meta.get('seed', '–')} | {sample.n} | "
            + " | ".join(_pct(sample.rates[k]) for k in ASKED)
            + " |"
        )
    targets = " · ".join(f"{k.replace('_', ' ')} ≥ {_pct(v)}" for k, v in TARGETS.items())
    lines += ["", f"Targets (issue 19): {targets}.", ""]
    for sample in judged:
        lines += [
            f"### {sample.name}: per behaviour",
            "",
            "| behaviour | n | finding right | grammatical | usable |",
            "| --- | --- | --- | --- | --- |",
        ]
        for behaviour, rates in sample.by_behaviour.items():
            lines.append(
                f"| {behaviour} | {rates['n']} | "
                + " | ".join(_pct(float(rates[k])) for k in ASKED)
                + " |"
            )
        lines += ["", f"Commonest wrong findings in {sample.name}, one example each:", ""]
        for failure in sample.failures:
            tip = failure["tip"].replace("|", "\\|")
            lines.append(
                f"- **{failure['behaviour']}** ({failure['wrong']} wrong): “{tip}” — "
                f"{failure['note']}"
            )
        lines.append("")
    return lines
