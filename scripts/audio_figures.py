"""Speed and accuracy of calls from audio on the Harper Valley Bank call folders: for each call,
the import's wall time and real-time factor, the word error rate of each party against the
human transcript, and the talk ratio from our turns against the human segment timings.

    python scripts/audio_figures.py [FOLDER]   (default ../shared/data/audio/harper_valley_bank)

Prints a Markdown table (the one in docs/audio.md) and the peak RSS. Until `heard bench audio`
exists, this is how those figures are made.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from heard.audio import Recogniser, word_error_rate
from heard.audio.recognise import load_model
from heard.importers import ImportOptions
from heard.importers.audio import call_folder, read_call_folder
from heard.model import Role

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "audio" / "harper_valley_bank"


def human(segments: list[dict], role: str) -> tuple[str, float]:
    """A party's words and talk time (s) from the corpus's transcript.json segments."""
    own = sorted((s for s in segments if s["speaker_role"] == role), key=lambda s: s["start_ms"])
    return " ".join(s["human_transcript"] for s in own), sum(s["duration_ms"] for s in own) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, nargs="?", default=DEFAULT)
    args = parser.parse_args()
    calls = sorted(p for p in args.folder.iterdir() if call_folder(p) is not None)
    if not calls:
        raise SystemExit(f"no call folders (agent.wav + caller.wav) in {args.folder}")
    started = time.perf_counter()
    load_model(Recogniser())
    print(f"model loaded in {time.perf_counter() - started:.2f} s\n")
    print(
        "| call | length | time | real-time factor | WER agent / caller "
        "| talk ratio: ours / human timings |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    errors = words = 0.0
    audio = spent = 0.0
    for folder in calls:
        started = time.perf_counter()
        [conversation] = read_call_folder(folder, ImportOptions())
        elapsed = time.perf_counter() - started
        segments = json.loads((folder / "transcript.json").read_text())
        rates, talk = [], {}
        for role, label in ((Role.AGENT, "agent"), (Role.CUSTOMER, "caller")):
            reference, talk[label] = human(segments, label)
            ours = " ".join(t.text for t in conversation.by_role(role))
            rate = word_error_rate(reference, ours)
            rates.append(f"{rate:.1%}")
            errors += rate * len(reference.split())
            words += len(reference.split())
        ours_agent = sum(t.duration or 0 for t in conversation.by_role(Role.AGENT))
        ours_all = ours_agent + sum(t.duration or 0 for t in conversation.by_role(Role.CUSTOMER))
        seconds = float(conversation.metadata["duration_seconds"])
        audio, spent = audio + seconds, spent + elapsed
        print(
            f"| {folder.name} | {seconds:.1f} s | {elapsed:.2f} s | {elapsed / seconds:.3f} "
            f"| {' / '.join(rates)} | {ours_agent / ours_all:.2f} / "
            f"{talk['agent'] / (talk['agent'] + talk['caller']):.2f} |"
        )
    print(
        f"| all | {audio:.1f} s | {spent:.1f} s | {spent / audio:.3f} ({audio / spent:.0f}× real "
        f"time) | {errors / words:.1%} overall | |"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"\npeak RSS {peak} MB")


if __name__ == "__main__":
    main()
