"""A two-party call from audio: each party's channel recognised, word times snapped to voice
activity, and both merged into one timed Conversation (channel `call`) that every timed
detector reads (interruptions, dead air, talk ratio…). Without a recogniser the call is read
for timing only: turns cut from each party's voice activity, with times and no words."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

from heard.audio.decode import SAMPLE_RATE, Recording
from heard.audio.recognise import HeardWord, Recogniser, speech_segments
from heard.audio.tone import add_tone
from heard.errors import InputError, Location
from heard.model import Channel, Conversation, Role, Turn, Word

TURN_PAUSE_SECONDS = 2.0
"""A pause this long within one party's speech starts a new turn even when nobody else spoke."""
SNAP_SECONDS = 0.8
"""How far a turn's start or end may move to meet the voice-activity boundary nearest to it
(Whisper's word times drift by up to a few hundred ms at the edges of speech)."""


class Side(StrEnum):
    """A stereo channel."""

    LEFT = "left"
    RIGHT = "right"


class Timed(Protocol):
    """A recognised word or a stretch of voice activity: something with a start and an end."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Stretch:
    """A stretch of one party's voice activity, in seconds."""

    start: float
    end: float


@dataclass(slots=True)
class Party:
    """One party's channel: their role, label and audio."""

    role: Role
    label: str
    audio: np.ndarray
    rate: int = SAMPLE_RATE
    words: list[HeardWord] = field(default_factory=list)
    speech: list[tuple[float, float]] = field(default_factory=list)

    def pieces(self, timing_only: bool) -> Sequence[Timed]:
        """What turns are cut from: the words, or for timing only the voice activity."""
        return [Stretch(s, e) for s, e in self.speech] if timing_only else self.words


@dataclass(frozen=True, slots=True)
class Utterance:
    party: int
    pieces: tuple[Timed, ...]

    @property
    def start(self) -> float:
        return self.pieces[0].start

    @property
    def end(self) -> float:
        return self.pieces[-1].end


def stereo_call(
    recording: Recording,
    *,
    recogniser: Recogniser | None,
    agent_channel: Side | str | None = None,
    id: str,
) -> Conversation:
    """A stereo recording with one party a channel; the agent's channel given, else the one
    that speaks first (said in the conversation's metadata). Without a recogniser: timing
    only (turns from voice activity, no words)."""
    where = Location(file=recording.name)
    if len(recording.channels) != 2:
        raise InputError(
            "a mono recording: telling the speakers apart in one channel is not supported yet",
            where=where,
            expected="a stereo recording with one party a channel, or a folder with the agent's "
            "and the caller's recordings (agent.wav, caller.wav)",
            code="unsupported",
        )
    left, right = (
        Party(Role.AGENT, "left", recording.channels[0], recording.rate),
        Party(Role.CUSTOMER, "right", recording.channels[1], recording.rate),
    )
    parties = [left, right]
    _recognise(parties, recogniser)
    if agent_channel is None:
        firsts = [_first_speech(p) for p in parties]
        agent_side = Side.RIGHT if firsts[1] < firsts[0] else Side.LEFT
        chosen_by = "spoke first"
    else:
        agent_side = Side(agent_channel)
        chosen_by = "--agent-channel"
    if agent_side == Side.RIGHT:
        left.role, right.role = Role.CUSTOMER, Role.AGENT
    metadata: dict[str, str | float | bool] = {
        "agent_channel": agent_side.value,
        "agent_channel_chosen_by": chosen_by,
    }
    return _conversation(parties, recording, recogniser, id=id, metadata=metadata)


def two_file_call(
    agent: Recording, customer: Recording, *, recogniser: Recogniser | None, id: str
) -> Conversation:
    """A call recorded as two time-aligned files, one a party (such as Harper Valley's
    agent.wav and caller.wav; the same sample rate); stereo files are mixed down. Without a
    recogniser: timing only."""
    parties = [
        Party(Role.AGENT, "agent", _mono(agent), agent.rate),
        Party(Role.CUSTOMER, "customer", _mono(customer), customer.rate),
    ]
    _recognise(parties, recogniser)
    return _conversation(
        parties, agent, recogniser, id=id, metadata={"customer_recording": customer.name}
    )


def _mono(recording: Recording) -> np.ndarray:
    if len(recording.channels) == 1:
        return recording.channels[0]
    return (recording.channels[0] + recording.channels[1]) / 2


def _recognise(parties: Sequence[Party], recogniser: Recogniser | None) -> None:
    if recogniser is None:
        from heard.audio.activity import voice_activity

        for party in parties:
            party.speech = voice_activity(party.audio, party.rate)
        return

    for party in parties:
        party.speech = speech_segments(party.audio)
        party.words = _snap(recogniser.words(party.audio), party.speech) if party.speech else []


def _first_speech(party: Party) -> float:
    if party.words:
        return party.words[0].start
    return party.speech[0][0] if party.speech else float("inf")


def _snap(words: list[HeardWord], speech: list[tuple[float, float]]) -> list[HeardWord]:
    """Words with the edges of each stretch of speech moved to the nearest voice-activity
    boundary: a word that starts a stretch (after a pause) starts where the voice starts, and
    one that ends a stretch ends where it stops."""
    if not words or not speech:
        return words
    starts = [s for s, _ in speech]
    ends = [e for _, e in speech]
    snapped = list(words)
    for i, word in enumerate(words):
        low = snapped[i - 1].end if i else 0.0
        high = words[i + 1].start if i + 1 < len(words) else float("inf")
        start, end = word.start, word.end
        opens = i == 0 or word.start - words[i - 1].end >= 0.1
        closes = i + 1 == len(words) or words[i + 1].start - word.end >= 0.1
        if opens:
            start = _nearest(starts, word.start, max(low, word.start - SNAP_SECONDS), word.end)
        if closes:
            end = _nearest(ends, word.end, max(start, word.start), min(high, end + SNAP_SECONDS))
        snapped[i] = HeardWord(word.text, start, max(start, end), word.probability)
    return snapped


def _nearest(candidates: list[float], value: float, low: float, high: float) -> float:
    inside = [c for c in candidates if low <= c <= high]
    return min(inside, key=lambda c: abs(c - value)) if inside else value


def utterances(runs: Sequence[Sequence[Timed]]) -> list[Utterance]:
    """Each party's words (or stretches of speech) cut where they pause long or the other
    party speaks in between, in order of start time; overlapping speech stays as it
    happened."""
    found: list[Utterance] = []
    for index, pieces in enumerate(runs):
        others = sorted(w.start for j, p in enumerate(runs) if j != index for w in p)
        run: list[Timed] = []
        for word in pieces:
            if run and (
                word.start - run[-1].end >= TURN_PAUSE_SECONDS
                or _starts_between(others, run[-1].end, word.start)
            ):
                found.append(Utterance(index, tuple(run)))
                run = []
            run.append(word)
        if run:
            found.append(Utterance(index, tuple(run)))
    return sorted(found, key=lambda u: (u.start, u.party))


def _starts_between(starts: list[float], low: float, high: float) -> bool:
    """Whether a sorted list holds a value in [low, high)."""
    at = bisect_left(starts, low)
    return at < len(starts) and starts[at] < high


def _conversation(
    parties: Sequence[Party],
    recording: Recording,
    recogniser: Recogniser | None,
    *,
    id: str,
    metadata: dict[str, str | float | bool],
) -> Conversation:
    timing_only = recogniser is None
    runs = [p.pieces(timing_only) for p in parties]
    if not any(runs):
        raise InputError(
            f"no speech {'heard' if timing_only else 'recognised'} in the recording "
            "(silence only?)",
            where=Location(file=recording.name),
            expected="a recording of a conversation",
            code="empty",
        )
    turns = []
    for index, utterance in enumerate(utterances(runs)):
        party = parties[utterance.party]
        words = [w for w in utterance.pieces if isinstance(w, HeardWord)]
        turns.append(
            Turn(
                index=index,
                role=party.role,
                speaker_id=party.label,
                text=" ".join(w.text for w in words),
                start=round(utterance.start, 3),
                end=round(utterance.end, 3),
                words=None
                if timing_only
                else [
                    Word(
                        text=w.text,
                        start=round(w.start, 3),
                        end=round(w.end, 3),
                        confidence=round(w.probability, 3),
                    )
                    for w in words
                ],
            )
        )
    conversation = Conversation(
        id=id,
        channel=Channel.CALL,
        turns=turns,
        source="audio",
    )
    add_tone(
        conversation, {p.label: p.audio for p in parties}, parties[0].rate, pitch=not timing_only
    )
    how: dict[str, str | float | bool] = (
        {"timing_only": True, "voice_activity": "webrtcvad"}
        if recogniser is None
        else {"asr_model": recogniser.name}
    )
    conversation.metadata = {
        **metadata,
        "recording": recording.name,
        "duration_seconds": round(recording.seconds, 2),
        "source_sample_rate": recording.source_rate,
        **how,
        **conversation.metadata,
    }
    return conversation
