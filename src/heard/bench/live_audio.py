"""`heard bench live --audio`: N concurrent stereo calls streamed as live audio, at real time,
to the feed WebSocket of a real `heard serve` on this machine (a subprocess on a loopback
port with a fresh SQLite store), measuring on the client's clock how long after the end of a
customer's utterance its recognised turn (and any nudge it raised) arrives.

The calls are the Harper Valley Bank recordings of the shared data (one file a party); each
session streams them one after another, starting at a different call and a random moment in
the first `STAGGER_SECONDS`, until the duration is up (the call in progress is cut there and
ended).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from heard.bench.live import (
    ServerLoad,
    _server_metrics,
    _summary,
    latency_text,
    load_server,
    served,
    server_load,
    server_rows,
)
from heard.bench.machine import machine

CALLS = "harper_valley_bank"
DEFAULT_SESSIONS = 4
DEFAULT_DURATION = 180.0
STAGGER_SECONDS = 10.0
"""Sessions start at random moments over this many seconds (calls start at any moment)."""
RATE = 16_000


@dataclass
class AudioBenchResult(ServerLoad):
    sessions: int
    speed: float
    duration_s: float
    calls_folder: str
    settings: dict[str, Any]
    calls_streamed: int = 0
    calls_ended: int = 0
    audio_s: float = 0.0
    """Seconds of call audio streamed (per call: its longer channel)."""
    customer_ms: list[float] = field(default_factory=list)
    """End of a customer's utterance → its turn frame at the client."""
    agent_ms: list[float] = field(default_factory=list)
    nudge_ms: list[float] = field(default_factory=list)
    """End of the utterance whose turn raised a nudge → the nudge frame."""
    customer_turns: int = 0
    agent_turns: int = 0
    nudges: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    """A few recognised customer turns with their latency (to show what was measured)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "sessions": self.sessions,
            "speed": self.speed,
            "duration_s": self.duration_s,
            "calls_folder": self.calls_folder,
            "settings": self.settings,
            "calls_streamed": self.calls_streamed,
            "calls_ended": self.calls_ended,
            "audio_s": round(self.audio_s, 1),
            "wall_s": round(self.wall_s, 1),
            "customer_turn_ms": _summary(self.customer_ms),
            "agent_turn_ms": _summary(self.agent_ms),
            "nudge_ms": _summary(self.nudge_ms),
            "customer_turns": self.customer_turns,
            "agent_turns": self.agent_turns,
            "nudges": self.nudges,
            **server_load(self),
            "examples": self.examples,
            "machine": machine(),
        }


def load_calls(folder: Path) -> list[tuple[str, dict[str, np.ndarray]]]:
    """(name, channels) of every call recorded one file a party under `folder`."""
    from heard.errors import InputError, Location
    from heard.importers.audio import call_channels, call_folder

    found = sorted(p for p in folder.glob("*") if call_folder(p) is not None)
    if not found and call_folder(folder) is not None:
        found = [folder]
    if not found:
        raise InputError(
            "no calls recorded one file a party in the folder",
            where=Location(file=str(folder)),
            expected="folders holding agent.wav and caller.wav (Harper Valley Bank)",
            code="not_a_file",
        )
    return [(p.name, call_channels(p)[0]) for p in found]


async def _session(
    number: int,
    base: str,
    token: str,
    calls: list[tuple[str, dict[str, np.ndarray]]],
    *,
    speed: float,
    deadline: float,
    result: AudioBenchResult,
    rng: random.Random,
) -> None:
    from heard.live.call_client import stream_call

    await asyncio.sleep(rng.uniform(0, min(STAGGER_SECONDS, result.duration_s / 4)))
    turn = 0
    while (left := deadline - time.monotonic()) > 1.0:
        name, channels = calls[(number + turn) % len(calls)]
        turn += 1
        keep = int(left * speed * RATE)
        cut = {role: samples[:keep] for role, samples in channels.items()}
        done = await stream_call(base, token, f"bench-audio-{number}-{turn}", cut, speed=speed)
        result.calls_streamed += 1
        result.calls_ended += done.stored_id is not None
        result.audio_s += done.seconds
        for heard in done.turns:
            latency = heard["latency_ms"]
            if latency is None:
                continue
            if heard["role"] == "customer":
                result.customer_ms.append(latency)
                result.customer_turns += 1
                if len(result.examples) < 6 and number == 0:
                    result.examples.append(
                        {"call": name, "end": heard["end"], "text": heard["text"], "ms": latency}
                    )
            else:
                result.agent_ms.append(latency)
                result.agent_turns += 1
        result.nudges += len(done.nudges)
        result.nudge_ms += [n["latency_ms"] for n in done.nudges if n["latency_ms"] is not None]
        result.errors += len(done.errors)
        result.reconnects += done.reconnects


def bench_live_audio(
    *,
    sessions: int = DEFAULT_SESSIONS,
    speed: float = 1.0,
    duration: float = DEFAULT_DURATION,
    calls: Path,
    workers: int | None = None,
    window: float | None = None,
    pause: float | None = None,
    progress: Any = None,
    seed: int = 7,
) -> AudioBenchResult:
    """Run the benchmark (see the module docstring)."""
    from heard.audio.recognise import Recogniser
    from heard.settings import Settings

    say = progress or (lambda _: None)
    say(f"reading calls from {calls}")
    found = load_calls(calls)
    from heard.live.audio import default_workers

    defaults = Settings.model_fields
    chosen = {
        "live_audio_workers": workers or default_workers(),
        "live_audio_window": window or defaults["live_audio_window"].default,
        "live_audio_pause": pause or defaults["live_audio_pause"].default,
    }
    env = {f"HEARD_{k.upper()}": str(v) for k, v in chosen.items()}
    result = AudioBenchResult(
        sessions=sessions,
        speed=speed,
        duration_s=duration,
        calls_folder=calls.name,
        settings={
            **chosen,
            "asr_model": Recogniser().name,
            "beam_size": 1,
            "frame_ms": 100,
            "calls": len(found),
        },
    )
    from heard.live.call_client import stream_call

    with tempfile.TemporaryDirectory(prefix="heard-bench-live-audio-") as scratch:
        say("starting heard serve")
        with served(Path(scratch), env=env) as (base, token, process):
            say("warming up: one call at full speed")
            warm = {r: c[: 20 * RATE] for r, c in found[0][1].items()}
            asyncio.run(stream_call(base, token, "bench-audio-warm-up", warm, speed=0))
            _server_metrics(base, token, reset=True)
            say(f"{sessions} calls at a time for {duration:g} s at speed {speed:g}")
            rng = random.Random(seed)

            def start() -> list[Coroutine[Any, Any, None]]:
                deadline = time.monotonic() + duration
                return [
                    _session(
                        i,
                        base,
                        token,
                        found,
                        speed=speed,
                        deadline=deadline,
                        result=result,
                        rng=rng,
                    )
                    for i in range(sessions)
                ]

            load_server(base, token, process, start, result)
    return result


def rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The benchmark's table (for the terminal and docs/performance.md)."""

    def latency(key: str) -> str:
        return latency_text(result[key], "p50", "p95", count=True)

    def inside(found: dict[str, Any] | None) -> str:
        return latency_text(found, "p50", "p95")

    server: dict[str, Any] = result.get("server_metrics") or {}
    phases: dict[str, Any] = server.get("phases_ms", {})
    settings = result["settings"]
    return [
        (
            "calls",
            f"{result['sessions']} concurrent stereo calls at {result['speed']:g}× real time "
            f"for {result['duration_s']:g} s: {result['calls_streamed']} calls, "
            f"{result['audio_s']:,} s of audio, {result['calls_ended']} ended and stored "
            f"({settings['calls']} Harper Valley Bank calls from `{result['calls_folder']}`, "
            "8 kHz telephone audio sent as 16 kHz frames of 100 ms per channel)",
        ),
        ("end of a customer utterance → its turn", latency("customer_turn_ms")),
        ("end of an agent utterance → its turn", latency("agent_turn_ms")),
        ("end of the utterance → the nudge it raised", latency("nudge_ms")),
        (
            "turns, nudges, error frames, reconnects",
            f"{result['customer_turns']} customer and {result['agent_turns']} agent turns, "
            f"{result['nudges']} nudges, {result['errors']}, {result['reconnects']}",
        ),
        ("server: recognition of one utterance", inside(phases.get("recognise"))),
        ("server: waiting for a recognition worker", inside(phases.get("recognise_wait"))),
        ("server: analysis of one event", inside(phases.get("analyse"))),
        ("server: event-loop lag", inside(server.get("loop_lag_ms"))),
        *server_rows(result),
        (
            "settings",
            f"Whisper `{settings['asr_model']}` on CTranslate2 (int8, greedy decoding), "
            f"recognition workers: {settings['live_audio_workers']}, encoder window "
            f"{settings['live_audio_window']:g} s, an utterance ends after a "
            f"{settings['live_audio_pause']:g} s pause; client and server on this machine "
            "(loopback), SQLite store",
        ),
    ]
