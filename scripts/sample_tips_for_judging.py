"""A blind-judging sample of heard's tips (../shared/JUDGING.md): STAR chats that neither the
listening corpus (data/corpus), the coaching samples (docs/coaching-samples.md) nor any earlier
sample in data/judgements use (all were read while tuning), chosen by a fixed seed; every tip
heard shows for them, shuffled; written with the transcripts so a judge who has not seen the code
reads only these two files. Chats are drawn until there are --conversations of them and at least
--min-tips tips (JUDGING.md asks for 80 or more).

    python scripts/sample_tips_for_judging.py --data ../shared/data --seed 1206 \
        --out data/judgements/2026-12-06-star

Writes OUT/tips.jsonl (id, conversation, turn, behaviour, message, suggestion) and
OUT/transcripts.jsonl (conversation, numbered turns, with seconds since the first message where
the chat has send times). The judge writes OUT/judgements.jsonl
(id, finding_right, grammatical, usable: 0 or 1 each, note)."""

from __future__ import annotations

import argparse
import json
import random
import subprocess
from pathlib import Path

from heard.analysis.analyzer import Analyzer
from heard.coaching.samples import STAR
from heard.errors import InputError
from heard.importers import Source, read_source

ROOT = Path(__file__).resolve().parent.parent
COACHING_SAMPLES = (
    {"star": 300, "seed": 19},
    {"star": 450, "seed": 19},
    {"star": 500, "seed": 19},
    {"star": 600, "seed": 19},
    {"star": 700, "seed": 19},
    {"star": 800, "seed": 19},
)
"""What `heard coach samples` read with its defaults, then and now (tips were tuned by reading
them): those chats are left out here."""


def used_elsewhere(lines: list[bytes]) -> set[str]:
    """Ids of the STAR chats the corpus or the coaching samples hold."""
    used = set()
    for line in (ROOT / "data" / "corpus" / "items.jsonl").read_text().splitlines():
        item = json.loads(line)
        if item["source"] == "star":
            used.add(str(item["conversation_id"]))
    for sample in COACHING_SAMPLES:
        rng = random.Random(sample["seed"])
        for index in rng.sample(range(len(lines)), min(sample["star"], len(lines))):
            used.add(str(json.loads(lines[index])["id"]))
    return used


def judged_before(out: Path) -> set[str]:
    """Ids of the chats an earlier sample in data/judgements showed a judge (their tips were
    then fixed: tuned on), other than the sample being written to `out`, as heard names a STAR
    chat ("star-17", where the STAR file says 17: comparing the two let every earlier chat
    through, samples 2026-12-07 and 2026-12-07b)."""
    seen = set()
    for path in sorted((ROOT / "data" / "judgements").glob("*/transcripts.jsonl")):
        if path.parent.resolve() == out.resolve():
            continue
        for line in path.read_text().splitlines():
            seen.add(str(json.loads(line)["conversation"]))
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=1206)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--min-tips",
        type=int,
        default=80,
        help="draw further chats, in the seed's order, until the sample holds this many tips",
    )
    args = parser.parse_args()
    lines = (args.data / STAR).read_bytes().splitlines()
    used = used_elsewhere(lines)
    judged = judged_before(args.out)  # conversation ids as heard reads them ("star-17")
    free = [i for i, line in enumerate(lines) if str(json.loads(line)["id"]) not in used]
    order = random.Random(args.seed).sample(free, len(free))
    analyzer = Analyzer()
    tips, transcripts = [], []
    drawn = 0
    for index in order:
        if drawn >= args.conversations and len(tips) >= args.min_tips:
            break
        try:
            _, (chat,) = read_source(
                Source(str(args.data / STAR), lines[index] + b"\n"), format="star"
            )
        except InputError:  # a dialogue without messages: nothing to judge
            continue
        if chat.id in judged:
            continue  # an earlier sample showed it, and its tips were fixed: not unseen
        drawn += 1
        card = analyzer.analyze(chat).scorecard
        first = chat.turns[0].sent_at if chat.turns else None
        transcripts.append(
            {
                "conversation": chat.id,
                "turns": [
                    {
                        "turn": t.index,
                        "role": t.role.value,
                        "text": t.text,
                        # seconds since the first message: timing tips (talk-over, holds)
                        # cannot be judged without them
                        **(
                            {"seconds": round((t.sent_at - first).total_seconds())}
                            if t.sent_at and first
                            else {}
                        ),
                    }
                    for t in chat.turns
                ],
            }
        )
        for tip in card.tips:
            tips.append(
                {
                    "conversation": chat.id,
                    "turn": tip.span.turn if tip.span else None,
                    "behaviour": tip.behaviour,
                    "message": tip.message,
                    "suggestion": tip.suggestion,
                }
            )
    random.Random(args.seed).shuffle(tips)
    for number, tip in enumerate(tips, 1):
        tip["id"] = number
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "tips.jsonl").open("w") as out:
        for tip in tips:
            out.write(json.dumps({"id": tip.pop("id"), **tip}, ensure_ascii=False) + "\n")
    with (args.out / "transcripts.jsonl").open("w") as out:
        for transcript in transcripts:
            out.write(json.dumps(transcript, ensure_ascii=False) + "\n")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    meta = {
        "seed": args.seed,
        "conversations": drawn,
        "min_tips": args.min_tips,
        "source": "STAR chats outside data/corpus, docs/coaching-samples.md and every earlier"
        " sample in data/judgements",
        "heard_commit": commit or None,
        "command": f"python scripts/sample_tips_for_judging.py --seed {args.seed}"
        f" --conversations {args.conversations} --min-tips {args.min_tips} --out {args.out}",
    }
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{len(tips)} tips from {drawn} chats (seed {args.seed}) → {args.out}")


if __name__ == "__main__":
    main()
