"""How fast heard reads calls from audio: the full pipeline (decode, voice activity, speech
recognition, every detector) and the timing-only path (decode, voice activity, the timed
detectors), as multiples of real time, with peak memory. Data: the shared data's audio folder
(Harper Valley Bank call folders, one recording a party; the AWS sample, mono, dense speech)."""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from heard.audio.recognise import WORKERS
from heard.bench.machine import machine, peak_rss_mb
from heard.errors import InputError, Location

CALLS = "harper_valley_bank"
DENSE = "aws_pca_sample"
"""A mono recording of dense speech: the full pipeline of a mono call (the diarizer telling
the parties apart) and recognition alone are timed on it."""


@dataclass
class CallTimes:
    call: str
    seconds: float
    """The recording's length."""
    full: float
    """Wall seconds: decode, voice activity and recognition of both parties, turns, analysis."""
    analysis: float
    """Of which the analysis (every registered detector, the default rubric)."""
    full_cpu: float
    """CPU seconds of the process (user + system, every thread) for the same: what the run
    cost whatever else shared the cores."""
    timing_only: float
    """Wall seconds for the timing-only path (the median of `repeat` runs)."""


@dataclass
class AudioBench:
    folder: str
    threads: int
    """CTranslate2 threads in all (each window recognised at once has threads // at_once)."""
    at_once: int
    """Whisper windows recognised at once (heard.audio.windows)."""
    beam_size: int
    repeat: int
    model: str
    model_load_seconds: float
    calls: list[CallTimes] = field(default_factory=list)
    dense: dict[str, float] | None = None
    """seconds, recognition (wall seconds for voice activity and recognition of its one
    channel)."""
    peak_rss_mb: float = 0.0
    torch_loaded: bool = False
    load_average: tuple[float, float] = (0.0, 0.0)
    """The machine's 1-minute load average when the run started and ended (other jobs on the
    same cores slow every figure here)."""

    def to_dict(self) -> dict[str, object]:
        audio = sum(c.seconds for c in self.calls)
        full = sum(c.full for c in self.calls)
        cpu = sum(c.full_cpu for c in self.calls)
        timing = sum(c.timing_only for c in self.calls)
        result: dict[str, object] = {
            "folder": self.folder,
            "calls": [
                {
                    "call": c.call,
                    "seconds": round(c.seconds, 1),
                    "full_seconds": round(c.full, 3),
                    "analysis_seconds": round(c.analysis, 3),
                    "full_cpu_seconds": round(c.full_cpu, 3),
                    "timing_only_seconds": round(c.timing_only, 4),
                }
                for c in self.calls
            ],
            "audio_seconds": round(audio, 1),
            "full_times_real_time": round(audio / full, 1),
            "full_real_time_factor": round(full / audio, 4),
            "analysis_seconds": round(sum(c.analysis for c in self.calls), 3),
            "full_cpu_seconds": round(cpu, 2),
            "full_times_real_time_per_cpu_second": round(audio / cpu, 1),
            "timing_only_times_real_time": round(audio / timing),
            "settings": {
                "threads": self.threads,
                "windows_at_once": self.at_once,
                "beam_size": self.beam_size,
                "compute_type": "int8",
                "repeat": self.repeat,
            },
            "model": self.model,
            "model_load_seconds": round(self.model_load_seconds, 2),
            "peak_rss_mb": self.peak_rss_mb,
            "torch_loaded": self.torch_loaded,
            "load_average": list(self.load_average),
            "machine": machine(),
        }
        if self.dense:
            result["dense"] = {
                **self.dense,
                "times_real_time": round(self.dense["seconds"] / self.dense["recognition"], 1),
                "full_times_real_time": round(self.dense["seconds"] / self.dense["full"], 1),
            }
        return result


def bench_audio(
    folder: Path,
    *,
    threads: int = 2,
    at_once: int = WORKERS,
    beam_size: int | None = None,
    repeat: int = 5,
) -> AudioBench:
    """Time every call folder under `folder`/harper_valley_bank through both paths, and
    recognition of the dense mono sample under `folder`/aws_pca_sample when it is there:
    `threads` CTranslate2 threads in all, shared by `at_once` windows recognised side by
    side."""
    from heard.analysis import Analyzer
    from heard.audio import Recogniser, decode, two_file_call
    from heard.audio.recognise import BEAM_SIZE, load_model
    from heard.importers import ImportOptions
    from heard.importers.audio import call_folder, read_call_folder

    calls = sorted(p for p in (folder / CALLS).glob("*") if call_folder(p) is not None)
    if not calls:
        raise InputError(
            "no call folders to time",
            where=Location(file=str(folder / CALLS)),
            expected="folders holding agent.wav and caller.wav (the shared data's audio folder)",
            code="not_a_folder",
        )
    load_before = os.getloadavg()[0]
    recogniser = Recogniser(
        threads=max(1, threads // at_once), beam_size=beam_size or BEAM_SIZE, workers=at_once
    )
    started = time.perf_counter()
    load_model(recogniser)
    loaded = time.perf_counter() - started
    analyzer = Analyzer()
    bench = AudioBench(
        folder=str(folder),
        threads=threads,
        at_once=at_once,
        beam_size=recogniser.beam_size,
        repeat=repeat,
        model=recogniser.name,
        model_load_seconds=loaded,
    )
    # warm up: the detectors' lexicons and models, PyAV and the voice-activity models
    analyzer.analyze(read_call_folder(calls[0], ImportOptions(timing_only=True))[0])
    for path in calls:
        agent_file, customer_file = call_folder(path)  # type: ignore[misc]
        began, began_cpu = time.perf_counter(), _cpu_seconds()
        agent = decode(agent_file.read_bytes(), str(agent_file))
        customer = decode(customer_file.read_bytes(), str(customer_file))
        conversation = two_file_call(agent, customer, recogniser=recogniser, id=path.name)
        middle = time.perf_counter()
        analyzer.analyze(conversation)
        ended, spent_cpu = time.perf_counter(), _cpu_seconds() - began_cpu
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            [timed] = read_call_folder(path, ImportOptions(timing_only=True))
            analyzer.analyze(timed)
            runs.append(time.perf_counter() - t0)
        bench.calls.append(
            CallTimes(
                call=path.name,
                seconds=agent.seconds,
                full=ended - began,
                analysis=ended - middle,
                full_cpu=spent_cpu,
                timing_only=statistics.median(runs),
            )
        )
    dense = sorted((folder / DENSE).glob("*.wav"))
    bench.peak_rss_mb = peak_rss_mb()
    if dense:
        # in a process of its own, so its peak memory is its own (a process's peak only grows)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            bench.dense = pool.submit(
                time_dense, dense[0], recogniser.threads, at_once, recogniser.beam_size
            ).result()
    bench.torch_loaded = "torch" in sys.modules
    bench.load_average = (round(load_before, 2), round(os.getloadavg()[0], 2))
    return bench


def time_dense(path: Path, threads: int, at_once: int, beam_size: int) -> dict[str, float]:
    """The dense mono recording at `path`, in a process of its own: recognition alone (Silero
    boundaries and Whisper), then the whole of `heard analyze mono.wav` (decode, diarizer, voice
    activity, recognition, every detector), each after a warm-up; with the process's peak
    memory."""
    from heard.analysis import Analyzer
    from heard.audio import Recogniser, decode, mono_call
    from heard.audio.recognise import load_model
    from heard.audio.silero import speech_activity
    from heard.model import Conversation

    recogniser = Recogniser(threads=threads, beam_size=beam_size, workers=at_once)
    load_model(recogniser)
    analyzer = Analyzer()
    analyzer.analyze(  # warm up: the detectors' lexicons and models
        Conversation.model_validate(
            {
                "id": "warm",
                "channel": "call",
                "turns": [
                    {"index": 0, "role": "customer", "text": "Hi, my card is lost."},
                    {"index": 1, "role": "agent", "text": "I'm sorry, let me help."},
                ],
            }
        )
    )
    began = time.perf_counter()
    recording = decode(path.read_bytes(), str(path))
    channel = recording.channels[0]
    recogniser.words(channel, chunks=speech_activity(channel).chunks)
    recognised = time.perf_counter() - began
    began = time.perf_counter()
    mono = decode(path.read_bytes(), str(path))
    analyzer.analyze(mono_call(mono, recogniser=recogniser, id=path.stem))
    return {
        "seconds": round(recording.seconds, 1),
        "recognition": round(recognised, 3),
        "full": round(time.perf_counter() - began, 3),
        "peak_rss_mb": peak_rss_mb(),
    }


def rows(result: dict[str, object]) -> list[tuple[str, str]]:
    """The figures as (measure, value) rows, for the terminal and docs/performance.md."""
    calls: list[dict[str, object]] = result["calls"]  # type: ignore[assignment]
    settings: dict[str, object] = result["settings"]  # type: ignore[assignment]
    found = [
        (
            "data",
            f"{len(calls)} Harper Valley Bank calls (two 8 kHz channels, "
            f"{result['audio_seconds']} s in all)",
        ),
        (
            "full pipeline (decode, voice activity, recognition, every detector)",
            f"**{result['full_times_real_time']}× real time** (real-time factor "
            f"{result['full_real_time_factor']}); of which analysis "
            f"{result['analysis_seconds']} s",
        ),
        (
            "timing only (decode, voice activity, timed detectors)",
            f"**{result['timing_only_times_real_time']:,}× real time** (median of "
            f"{settings['repeat']} runs a call)",
        ),
    ]
    if "full_cpu_seconds" in result:
        per_cpu = float(result["full_times_real_time_per_cpu_second"])  # type: ignore[arg-type]
        found.append(
            (
                "full pipeline, CPU time (user + system, every thread)",
                f"{result['full_cpu_seconds']} s: {per_cpu}× real time a CPU second, so at "
                f"most ~{2 * per_cpu:.0f}× on 2 idle cores (wall time above is what other "
                "jobs left)",
            )
        )
    dense = result.get("dense")
    if isinstance(dense, dict):
        found += [
            (
                "full pipeline, dense speech (AWS sample, mono: decode, diarizer, voice "
                "activity, recognition, every detector)",
                f"**{dense['full_times_real_time']}× real time** ({dense['seconds']} s in "
                f"{dense['full']} s; peak RSS {dense['peak_rss_mb']} MB, in a process of its "
                "own)",
            ),
            (
                "recognition alone, dense speech (AWS sample, mono)",
                f"{dense['times_real_time']}× real time ({dense['seconds']} s in "
                f"{dense['recognition']} s: Silero boundaries and Whisper)",
            ),
        ]
    found += [
        (
            "per call: length, full, timing only",
            "; ".join(
                f"{c['call']} {c['seconds']} s, {c['full_seconds']} s, {c['timing_only_seconds']} s"
                for c in calls
            ),
        ),
        ("model load (once)", f"{result['model_load_seconds']} s"),
        ("peak RSS (the two-party calls)", f"{result['peak_rss_mb']} MB"),
        ("torch loaded", "yes" if result["torch_loaded"] else "no"),
        (
            "load average (1 min) at start / end",
            " / ".join(str(x) for x in result["load_average"])  # type: ignore[attr-defined]
            + f" on {result['machine']['cores']} cores (other jobs slow every figure above)",  # type: ignore[index]
        ),
        (
            "settings",
            f"Whisper `{result['model']}` on CTranslate2, compute_type "
            f"{settings['compute_type']}, {settings['threads']} threads in all: "
            f"{_at_once(settings)}, beam_size {settings['beam_size']}; Silero voice activity "
            "once a channel (its speech boundaries, and the chunks Whisper reads: "
            "faster-whisper's own filter not run again), a call's chunks packed into windows "
            "of at most 30 s (heard.audio.windows); Silero and the tone's pitch and "
            "K-weighting on both channels side by side (heard.audio.channels); timing only: "
            "WebRTC voice activity (webrtcvad) at the recording's own rate",
        ),
    ]
    return found


def _cpu_seconds() -> float:
    """CPU seconds the process has used (user + system, every thread)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _at_once(settings: dict[str, object]) -> str:
    at_once = int(settings.get("windows_at_once", 1))  # type: ignore[call-overload]
    threads = int(settings["threads"])  # type: ignore[call-overload]
    if at_once <= 1:
        return f"one window at a time on cpu_threads {threads}"
    return f"{at_once} windows side by side, cpu_threads {max(1, threads // at_once)} each"
