"""Choose the real agent turns of heard's listening corpus (data/corpus/items.jsonl).

Reads the commercially usable sets of the shared data (STAR, MIT; Harper Valley Bank, CC BY 4.0;
ABCD, MIT), merges consecutive messages of one speaker into one turn, and picks agent turns in
context so that every behaviour of docs/annotation.md is likely to occur. The choice may use cues
(the questionnaire's "user became annoyed", exclamation marks, several questions in one customer
turn, words of feeling); the LABELS never do: they are written by reading (docs/annotation.md).

The written part of the corpus (`source: written`, data/corpus/written.jsonl) follows the real
items: every agent turn of those conversations that answers a customer turn
(scripts/written_items.py).

Seeded and deterministic: the same data and seed give the same items. Usage:

    python scripts/select_corpus.py --data ../shared/data --out data/corpus/items.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

from heard.learn.corpus import split_of

CONTEXT_TURNS = 3
FEELING = re.compile(
    r"\b(annoy\w*|frustrat\w*|upset|angry|ridiculous|worr\w*|scared|afraid|nervous|sorry|"
    r"confus\w*|terrible|awful|hate|stupid|useless|wast\w*|thank\w*|great|awesome|wonderful|"
    r"happy|glad|sad|stress\w*|urgent|hurry|already|again|listen\w*|seriously|ugh|wtf)\b",
    re.IGNORECASE,
)


def merge(turns: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Consecutive messages of one role become one turn (chat bursts, call segments)."""
    out: list[dict[str, str]] = []
    for role, text in turns:
        text = " ".join(text.split())
        if not text:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["text"] += " " + text
        else:
            out.append({"role": role, "text": text})
    return out


def cue_score(text: str) -> int:
    """How likely the customer turn carries feeling or several requests (selection only)."""
    score = len(FEELING.findall(text))
    score += min(text.count("!"), 2) + max(text.count("?") - 1, 0)
    if text.isupper() and len(text) > 8:
        score += 2
    if re.search(r"\b(and|also|plus)\b.*\?", text, re.IGNORECASE):
        score += 1
    return score


def candidates(conv_turns: list[dict[str, str]]) -> list[int]:
    """Indices of agent turns that answer a customer turn."""
    return [
        i
        for i, t in enumerate(conv_turns)
        if t["role"] == "agent" and i > 0 and conv_turns[i - 1]["role"] == "customer"
    ]


def item(
    source: str, conv_id: str, channel: str, turns: list[dict[str, str]], i: int, meta: dict
) -> dict[str, Any]:
    start = max(0, i - 1 - CONTEXT_TURNS)
    n_agent = sum(1 for t in turns if t["role"] == "agent")
    pos = sum(1 for t in turns[:i] if t["role"] == "agent")
    return {
        "id": f"{source}-{conv_id}-{i}",
        "source": source,
        "conversation_id": conv_id,
        "channel": channel,
        "turn_index": i,
        "position": round(pos / max(n_agent - 1, 1), 2),
        "context": turns[start : i - 1],
        "customer": turns[i - 1]["text"],
        "agent": turns[i]["text"],
        "split": split_of(source, conv_id),
        "selection": meta,
    }


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def star_flags(original: dict[str, Any]) -> dict[str, bool | None]:
    flags: dict[str, bool | None] = {"annoyed": None, "calm_helpful": None}
    for q in original.get("WizardQuestionnaire") or []:
        if "annoyed" in q.get("Question", ""):
            flags["annoyed"] = bool(q.get("Answer"))
    for q in original.get("UserQuestionnaire") or []:
        if "calm and helpful" in q.get("Question", ""):
            flags["calm_helpful"] = bool(q.get("Answer"))
    return flags


def pick_turns(rng: random.Random, turns: list[dict[str, str]], k: int) -> list[tuple[int, str]]:
    """Up to k agent turns: the one after the most emotional / multi-request customer turn,
    then one per position third not yet covered (start, middle, end), at random within it."""
    cands = candidates(turns)
    if not cands:
        return []
    chosen: list[tuple[int, str]] = []
    scored = sorted(cands, key=lambda i: (-cue_score(turns[i - 1]["text"]), rng.random()))
    if cue_score(turns[scored[0] - 1]["text"]) > 0:
        chosen.append((scored[0], "cue"))
    thirds = [
        cands[: len(cands) // 3 or 1],
        cands[len(cands) // 3 : 2 * len(cands) // 3],
        cands[2 * len(cands) // 3 :],
    ]
    order = [0, 1, 2]
    rng.shuffle(order)
    for t in order:
        pool = [i for i in thirds[t] if i not in {c for c, _ in chosen}]
        if pool and len(chosen) < k:
            chosen.append((rng.choice(pool), ("start", "middle", "end")[t]))
    return chosen[:k]


AGENT_CUE = re.compile(
    r"\b(sorry to hear|so sorry|i understand|understandable|understood|that must be|"
    r"sounds like|don'?t worry|no worries|i see|"
    r"so you|did you mean|just to confirm|to clarify|are you sure|what happened|"
    r"what'?s wrong|tell me more|frustrat\w*|glad|hope|apologi[sz]e|calm|relax|"
    r"my pleasure|happy to help|no problem|great choice|good choice|of course)\b",
    re.IGNORECASE,
)


def agent_cue_items(data: Path, seed: int, n: int, taken: set[str]) -> list[dict[str, Any]]:
    """STAR agent turns whose own words hint at a rare behaviour (empathy, restatement,
    reassurance, checking understanding), one per conversation, to over-sample what STAR's
    flowchart replies rarely show. The cue chooses; the label is still read."""
    rng = random.Random(seed + 1)
    pool: list[dict[str, Any]] = []
    for line in (data / "star" / "star.jsonl").open():
        conv = json.loads(line)
        turns = merge([(t["role"], t["text"]) for t in conv["turns"]])
        hits = [i for i in candidates(turns) if AGENT_CUE.search(turns[i]["text"])]
        hits = [i for i in hits if f"star-{conv['id']}-{i}" not in taken]
        if hits:
            i = rng.choice(hits)
            flags = star_flags(conv["original"])
            domains = conv["original"].get("Scenario", {}).get("Domains", [])
            meta = {"stratum": "agent_cue", "why": "agent_cue", "domains": domains, **flags}
            pool.append(item("star", conv["id"], "chat", turns, i, meta))
    pool.sort(key=lambda it: int(it["conversation_id"]))
    return rng.sample(pool, min(n, len(pool)))


RARE_CUE = re.compile(
    r"\b(you'?re saying|you are saying|that must|you seem|you sound|upset|stress\w*|worr\w*|"
    r"how (are|do) you feel|calm down|nothing (i|we) can do|you should have|as i (said|mentioned)|"
    r"i already (said|told)|i can see|i hear you|i get it|that'?s (terrible|awful|great news|"
    r"wonderful|exciting)|congratulations|oh no|yikes|that'?s rough)\b",
    re.IGNORECASE,
)


def rare_cue_items(data: Path, taken: set[str]) -> list[dict[str, Any]]:
    """Every remaining STAR agent turn with an agent-side cue (AGENT_CUE or RARE_CUE), in
    conversation order: STAR holds so few turns with empathy, restatement or reassurance that
    the corpus takes them all. The cue chooses; the label is still read."""
    out: list[dict[str, Any]] = []
    for line in (data / "star" / "star.jsonl").open():
        conv = json.loads(line)
        turns = merge([(t["role"], t["text"]) for t in conv["turns"]])
        for i in candidates(turns):
            text = turns[i]["text"]
            if f"star-{conv['id']}-{i}" in taken:
                continue
            if AGENT_CUE.search(text) or RARE_CUE.search(text):
                flags = star_flags(conv["original"])
                domains = conv["original"].get("Scenario", {}).get("Domains", [])
                meta = {
                    "stratum": "agent_cue_rest",
                    "why": "agent_cue",
                    "domains": domains,
                    **flags,
                }
                out.append(item("star", conv["id"], "chat", turns, i, meta))
    out.sort(key=lambda it: (int(it["conversation_id"]), it["turn_index"]))
    return out


def select(data: Path, seed: int, n_star: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    # Harper Valley Bank: every agent turn that answers the caller (small set, voice).
    for conv in read_jsonl(data / "harper_valley_bank" / "hvb_sample.jsonl"):
        turns = merge([(t["role"], t["text"]) for t in conv["turns"]])
        for i in candidates(turns):
            items.append(item("hvb", conv["id"], "voice", turns, i, {"stratum": "all"}))
    # ABCD: every agent turn that answers the customer (two chats).
    for conv in read_jsonl(data / "abcd" / "abcd_sample.jsonl"):
        turns = merge([(s, t) for s, t in conv["original"] if s in ("agent", "customer")])
        for i in candidates(turns):
            items.append(item("abcd", str(conv["convo_id"]), "chat", turns, i, {"stratum": "all"}))
    # STAR: conversations stratified by questionnaire, two or three turns each.
    strata: dict[str, list[tuple[dict[str, Any], list[dict[str, str]]]]] = {
        "annoyed": [],
        "not_calm": [],
        "other": [],
    }
    for line in (data / "star" / "star.jsonl").open():
        conv = json.loads(line)
        turns = merge([(t["role"], t["text"]) for t in conv["turns"]])
        if len(candidates(turns)) < 2:
            continue
        flags = star_flags(conv["original"])
        key = (
            "annoyed"
            if flags["annoyed"]
            else "not_calm"
            if flags["calm_helpful"] is False
            else "other"
        )
        strata[key].append((conv, turns))
    quota = {"annoyed": n_star * 35 // 100, "not_calm": n_star * 15 // 100}
    quota["other"] = n_star - quota["annoyed"] - quota["not_calm"]
    for key, convs in strata.items():
        convs.sort(key=lambda c: int(c[0]["id"]))
        got = 0
        for conv, turns in rng.sample(convs, len(convs)):
            if got >= quota[key]:
                break
            flags = star_flags(conv["original"])
            domains = conv["original"].get("Scenario", {}).get("Domains", [])
            for i, why in pick_turns(rng, turns, 2):
                meta = {"stratum": key, "why": why, "domains": domains, **flags}
                items.append(item("star", conv["id"], "chat", turns, i, meta))
                got += 1
    return items


def more_items(data: Path, seed: int, n: int, taken: set[str]) -> list[dict[str, Any]]:
    """A second, larger STAR draw (stratum `more_<questionnaire stratum>`) from conversations
    the earlier draws did not touch, one agent turn each, stratified by questionnaire like the
    first draw (35% annoyed, 15% not calm, 50% others; the others fill what a stratum lacks,
    as the first draw took most annoyed conversations); in half of them the turn after the
    customer turn with the most cues, in the other half one at random. Appended after the
    earlier items, so their ids never move. The cue chooses; the label is still read."""
    rng = random.Random(seed + 2)
    used = {it.rsplit("-", 1)[0] for it in taken}
    strata: dict[str, list[tuple[dict[str, Any], list[dict[str, str]]]]] = {
        "annoyed": [],
        "not_calm": [],
        "other": [],
    }
    for line in (data / "star" / "star.jsonl").open():
        conv = json.loads(line)
        if f"star-{conv['id']}" in used:
            continue
        turns = merge([(t["role"], t["text"]) for t in conv["turns"]])
        if not candidates(turns):
            continue
        flags = star_flags(conv["original"])
        key = (
            "annoyed"
            if flags["annoyed"]
            else "not_calm"
            if flags["calm_helpful"] is False
            else "other"
        )
        strata[key].append((conv, turns))
    quota = {"annoyed": n * 35 // 100, "not_calm": n * 15 // 100}
    quota = {key: min(q, len(strata[key])) for key, q in quota.items()}
    quota["other"] = n - quota["annoyed"] - quota["not_calm"]  # takes what the others lack
    out: list[dict[str, Any]] = []
    for key, convs in strata.items():
        convs.sort(key=lambda c: int(c[0]["id"]))
        for conv, turns in rng.sample(convs, min(quota[key], len(convs))):
            cands = candidates(turns)
            if rng.random() < 0.5:
                i = max(cands, key=lambda j: (cue_score(turns[j - 1]["text"]), -j))
                why = "cue"
            else:
                i, why = rng.choice(cands), "random"
            flags = star_flags(conv["original"])
            domains = conv["original"].get("Scenario", {}).get("Domains", [])
            meta = {"stratum": f"more_{key}", "why": why, "domains": domains, **flags}
            out.append(item("star", conv["id"], "chat", turns, i, meta))
    out.sort(key=lambda it: int(it["conversation_id"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("data/corpus/items.jsonl"))
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--star", type=int, default=640, help="STAR agent turns to choose")
    ap.add_argument(
        "--agent-cues", type=int, default=160, help="extra STAR turns chosen by agent-side cues"
    )
    ap.add_argument(
        "--more", type=int, default=2100, help="STAR turns of the second draw (one a conversation)"
    )
    ap.add_argument(
        "--written",
        type=Path,
        default=Path("data/corpus/written.jsonl"),
        help="heard's written conversations, whose agent turns follow the real ones",
    )
    args = ap.parse_args()
    items = select(args.data, args.seed, args.star)
    items += agent_cue_items(args.data, args.seed, args.agent_cues, {it["id"] for it in items})
    items += rare_cue_items(args.data, {it["id"] for it in items})
    items += more_items(args.data, args.seed, args.more, {it["id"] for it in items})
    if args.written.is_file():  # the conversations heard wrote (scripts/written_items.py)
        from written_items import build

        items += build(args.written)
    ids = [it["id"] for it in items]
    assert len(ids) == len(set(ids)), "item ids must be unique"
    with args.out.open("w") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"{len(items)} items -> {args.out}")


if __name__ == "__main__":
    main()
