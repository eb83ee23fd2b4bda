"""Tips judged blind (../shared/JUDGING.md): each folder of data/judgements/ holds a sample of
heard's tips on conversations (tips.jsonl, drawn by
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
SECOND = "second-judge.jsonl"
"""A second judge's verdicts on the same sample, judged blind to the first."""


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
    second: dict[str, float] | None = None
    """A second judge's rates, when the sample has one."""
    agreement: dict[str, tuple[float, float | None]] = field(default_factory=dict)
    """Per question: the share of tips both judges answered alike, and Cohen's kappa."""
    verdicts: dict[int, tuple[str, dict]] = field(default_factory=dict, repr=False)
    """Tip id → (its conversation, the first judge's verdict)."""
    seen_before: int = 0
    """Tips on conversations an earlier sample had shown a tip on (whose causes were then
    fixed): not fresh. Filled by `read_all`."""
    fresh: dict[str, float] = field(default_factory=dict)
    """The first judge's rates on the other tips (on conversations no earlier sample showed).
    Filled by `read_all`; empty when there are none."""

    def judge_fresh(self, earlier: set[str]) -> None:
        """Count the tips on `earlier` samples' conversations, and rate the rest."""
        fresh = [v for chat, v in self.verdicts.values() if chat not in earlier]
        self.seen_before = len(self.verdicts) - len(fresh)
        self.fresh = (
            {key: sum(v[key] for v in fresh) / len(fresh) for key in ASKED} if fresh else {}
        )


def _verdicts(path: Path, tips: dict[int, dict]) -> dict[int, dict]:
    """The verdicts of one judge's file, checked against the sample's tips: a verdict for a tip
    the sample does not hold, a missing verdict or a value other than 0 or 1 is an error naming
    the file and line."""
    verdicts = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        verdict = json.loads(line)
        if verdict.get("id") not in tips:
            raise ValueError(f"{path}:{number}: no tip {verdict.get('id')!r} in tips.jsonl")
        for key in ASKED:
            if verdict.get(key) not in (0, 1):
                raise ValueError(f"{path}:{number}: {key} must be 0 or 1")
        verdicts[verdict["id"]] = verdict
    missing = sorted(set(tips) - set(verdicts))
    if missing:
        raise ValueError(f"{path}: no verdict for tips {missing[:5]}")
    return verdicts


def _kappa(first: list[int], second: list[int]) -> float | None:
    """Cohen's kappa of two judges' 0/1 answers; None when chance agreement is total."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p1, p2 = sum(first) / n, sum(second) / n
    chance = p1 * p2 + (1 - p1) * (1 - p2)
    return None if chance == 1 else (observed - chance) / (1 - chance)


def read(folder: Path) -> Judged | None:
    """The sample in `folder`, or None when it has no verdicts yet. A verdict for a tip the
    sample does not hold, or a tip without a verdict, is an error naming the file and line. A
    second judge's verdicts (second-judge.jsonl, judged blind to the first) add their rates
    and the agreement of the two per question."""
    tips_path, verdicts_path = folder / "tips.jsonl", folder / "judgements.jsonl"
    if not verdicts_path.is_file() or not tips_path.is_file():
        return None
    tips = {}
    for line in tips_path.read_text(encoding="utf-8").splitlines():
        tip = json.loads(line)
        tips[tip["id"]] = tip
    verdicts = _verdicts(verdicts_path, tips)
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
    judged = Judged(folder.name, n, rates, by_behaviour, meta, failures[:5])
    judged.verdicts = {i: (str(tips[i].get("conversation")), v) for i, v in verdicts.items()}
    second_path = folder / SECOND
    if second_path.is_file():
        second = _verdicts(second_path, tips)
        ids = sorted(verdicts)
        judged.second = {key: sum(second[i][key] for i in ids) / n for key in ASKED}
        for key in ASKED:
            a = [verdicts[i][key] for i in ids]
            b = [second[i][key] for i in ids]
            agree = sum(x == y for x, y in zip(a, b, strict=True)) / n
            judged.agreement[key] = (agree, _kappa(a, b))
    return judged


def read_all(root: Path | None = None) -> list[Judged]:
    """Every judged sample under data/judgements, oldest first (folders are named by date)."""
    root = root or default_folder()
    if not root.is_dir():
        return []
    judged = [j for folder in sorted(root.iterdir()) if folder.is_dir() and (j := read(folder))]
    earlier: set[str] = set()
    for sample in judged:
        sample.judge_fresh(earlier)
        earlier |= {chat for chat, _ in sample.verdicts.values()}
    return judged


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def section(judged: list[Judged]) -> list[str]:
    """The docs section: one table per sample, per behaviour, and its five commonest failures."""
    lines = ["## Tips judged blind", ""]
    if not judged:
        return [*lines, "No judged sample in data/judgements yet.", ""]
    lines += [
        "Samples of every tip heard showed on real conversations, judged by a reader who saw "
        "only the transcripts and the tips (../shared/JUDGING.md): is the finding true and does "
        "it matter, is the text grammatical, could an agent use it as written. Each sample is "
        "judged once, on the heard of its day; causes are fixed and a fresh sample judged. "
        "Files: `data/judgements/<sample>/` (tips, transcripts, verdicts).",
        "",
        "Until sample 2026-12-07b the sampler left out the corpus's and the coaching samples' "
        "chats but not those of earlier judged samples, whose tips had been read and fixed: "
        "from sample g on, a growing share of each sample's tips sat on chats an earlier "
        "sample had shown a tip on (most, from sample m on). *On chats tipped before* counts "
        "them; *fresh* gives the first judge's rates on the other tips alone, the figure that "
        "answers 'on conversations you have not tuned on'. The sampler now leaves out every "
        "chat whose tips anyone read while tuning (scripts/sample_tips_for_judging.py).",
        "",
        "| sample | heard at | seed | tips | finding right | grammatical | usable | "
        "on chats tipped before | fresh: right / grammatical / usable (tips) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for sample in judged:
        fresh = (
            " / ".join(_pct(sample.fresh[k]) for k in ASKED) + f" ({sample.n - sample.seen_before})"
            if sample.fresh
            else "–"
        )
        lines.append(
            f"| {sample.name} | {sample.meta.get('heard_commit', '–')} | "
            f"{sample.meta.get('seed', '–')} | {sample.n} | "
            + " | ".join(_pct(sample.rates[k]) for k in ASKED)
            + f" | {sample.seen_before} | {fresh} |"
        )
    targets = " · ".join(f"{k.replace('_', ' ')} ≥ {_pct(v)}" for k, v in TARGETS.items())
    lines += ["", f"Targets (issue 19): {targets}.", ""]
    for sample in judged:
        if sample.meta.get("exhausted") is True:
            lines += [
                f"Sample {sample.name} drew every chat of its source nobody had read "
                f"({sample.meta.get('unread_chats', 0):,}; {sample.meta.get('conversations', 0):,} "
                f"with messages to analyse) and found only {sample.n} tips, fewer than "
                "JUDGING.md's 80: the source is spent, and the next judgement needs "
                "conversations from another one.",
                "",
            ]
    doubled = [sample for sample in judged if sample.second is not None]
    if doubled:
        lines += [
            "Samples a second judge read too, blind to the first (`second-judge.jsonl`): the "
            "second judge's rates, and per question the share of tips both answered alike "
            "with Cohen's kappa.",
            "",
            "| sample | second judge: right / grammatical / usable | agree: right | "
            "agree: grammatical | agree: usable |",
            "| --- | --- | --- | --- | --- |",
        ]
        for sample in doubled:
            assert sample.second is not None
            rates = " / ".join(_pct(sample.second[k]) for k in ASKED)
            cells = []
            for key in ASKED:
                agree, kappa = sample.agreement[key]
                shown = 0.0 if kappa is not None and abs(kappa) < 0.005 else kappa  # not "-0.00"
                cells.append(f"{_pct(agree)} (κ {shown:.2f})" if shown is not None else _pct(agree))
            lines.append(f"| {sample.name} | {rates} | " + " | ".join(cells) + " |")
        lines.append("")
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
