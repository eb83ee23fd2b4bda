"""A blind-judging sample of heard's tips (../shared/JUDGING.md): STAR chats that neither the
listening corpus (data/corpus), any version of the coaching samples (docs/coaching-samples.md)
nor the tips of any earlier sample in data/judgements show (all were read while tuning: see
`read_while_tuning`), chosen by a fixed seed; every tip
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
import re
import subprocess
from pathlib import Path

from heard.analysis.analyzer import Analyzer
from heard.coaching.samples import STAR
from heard.errors import InputError
from heard.importers import Source, read_source

ROOT = Path(__file__).resolve().parent.parent


def read_while_tuning() -> set[str]:
    """Ids of the STAR chats ("star-17", as heard names them) whose tips someone read while
    tuning heard: those of the listening corpus (data/corpus, labelled by us), those shown in
    any version of docs/coaching-samples.md (git history), and those an earlier judged sample
    showed a tip on (their causes were then fixed). A chat an earlier sample showed without a
    tip was read by no one for heard's sake: its tips now are as unseen as any."""
    read = set()
    for line in (ROOT / "data" / "corpus" / "items.jsonl").read_text().splitlines():
        item = json.loads(line)
        if item["source"] == "star":
            read.add(f"star-{item['conversation_id']}")
    history = subprocess.run(
        ["git", "log", "-p", "--format=", "--", "docs/coaching-samples.md"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    read |= set(re.findall(r"\bstar-\d+\b", history))
    read |= set(re.findall(r"\bstar-\d+\b", (ROOT / "docs" / "coaching-samples.md").read_text()))
    for path in sorted((ROOT / "data" / "judgements").glob("*/tips.jsonl")):
        for line in path.read_text().splitlines():
            read.add(str(json.loads(line)["conversation"]))
    return read


def _own_tips(out: Path) -> set[str]:
    """The chats of the sample being (re)written to `out`: not read before it."""
    path = out / "tips.jsonl"
    if not path.is_file():
        return set()
    return {str(json.loads(line)["conversation"]) for line in path.read_text().splitlines()}


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
    read = read_while_tuning() - _own_tips(args.out)
    free = [i for i, line in enumerate(lines) if f"star-{json.loads(line)['id']}" not in read]
    order = random.Random(args.seed).sample(free, len(free))
    analyzer = Analyzer()
    tips, transcripts = [], []
    drawn, exhausted = 0, True
    for index in order:
        if drawn >= args.conversations and len(tips) >= args.min_tips:
            exhausted = False
            break
        try:
            _, (chat,) = read_source(
                Source(str(args.data / STAR), lines[index] + b"\n"), format="star"
            )
        except InputError:  # a dialogue without messages: nothing to judge
            continue
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
        "source": "STAR chats whose tips nobody read while tuning: outside data/corpus, every"
        " version of docs/coaching-samples.md and the tips of every earlier sample in"
        " data/judgements",
        "heard_commit": commit or None,
        # every chat nobody had read was drawn and still fewer tips than asked: the pool is
        # spent (JUDGING.md's 80 cannot be had from this source any more)
        "exhausted": exhausted and len(tips) < args.min_tips,
        "unread_chats": len(free),
        "command": f"python scripts/sample_tips_for_judging.py --seed {args.seed}"
        f" --conversations {args.conversations} --min-tips {args.min_tips} --out {args.out}",
    }
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{len(tips)} tips from {drawn} chats (seed {args.seed}) → {args.out}")


if __name__ == "__main__":
    main()
