"""A two-party call from audio: each party's channel recognised, word times snapped to voice
activity, and both merged into one timed Conversation (channel `call`) that every timed
detector reads (interruptions, dead air, talk ratio…)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from heard.audio.decode import Recording
from heard.audio.recognise import HeardWord, Recogniser, speech_segments
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


@dataclass(slots=True)
class Party:
    """One party's channel: their role, label and audio."""

    role: Role
    label: str
    audio: np.ndarray
    words: list[HeardWord] = field(default_factory=list)
    speech: list[tuple[float, float]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Utterance:
    party: int
    words: tuple[HeardWord, ...]

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end


def stereo_call(
    recording: Recording,
    *,
    recogniser: Recogniser,
    agent_channel: Side | str | None = None,
    id: str,
) -> Conversation:
    """A stereo recording with one party a channel; the agent's channel given, else the one
    that speaks first (said in the conversation's metadata)."""
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
        Party(Role.AGENT, "left", recording.channels[0]),
        Party(Role.CUSTOMER, "right", recording.channels[1]),
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
    metadata: dict[str, str | float] = {
        "agent_channel": agent_side.value,
        "agent_channel_chosen_by": chosen_by,
    }
    return _conversation(parties, recording, recogniser, id=id, metadata=metadata)


def two_file_call(
    agent: Recording, customer: Recording, *, recogniser: Recogniser, id: str
) -> Conversation:
    """A call recorded as two time-aligned files, one a party (such as Harper Valley's
    agent.wav and caller.wav); stereo files are mixed down."""
    parties = [
        Party(Role.AGENT, "agent", _mono(agent)),
        Party(Role.CUSTOMER, "customer", _mono(customer)),
    ]
    _recognise(parties, recogniser)
    return _conversation(
        parties, agent, recogniser, id=id, metadata={"customer_recording": customer.name}
    )


def _mono(recording: Recording) -> np.ndarray:
    if len(recording.channels) == 1:
        return recording.channels[0]
    return (recording.channels[0] + recording.channels[1]) / 2


def _recognise(parties: Sequence[Party], recogniser: Recogniser) -> None:
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


def _utterances(parties: Sequence[Party]) -> list[Utterance]:
    """Each party's words cut where they pause long or the other party speaks in between,
    in order of start time; overlapping speech stays as it happened."""
    found: list[Utterance] = []
    for index, party in enumerate(parties):
        others = sorted(w.start for j, p in enumerate(parties) if j != index for w in p.words)
        run: list[HeardWord] = []
        for word in party.words:
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
    recogniser: Recogniser,
    *,
    id: str,
    metadata: dict[str, str | float],
) -> Conversation:
    if not any(p.words for p in parties):
        raise InputError(
            "no speech recognised in the recording (silence only?)",
            where=Location(file=recording.name),
            expected="a recording of a conversation",
            code="empty",
        )
    turns = []
    for index, utterance in enumerate(_utterances(parties)):
        party = parties[utterance.party]
        turns.append(
            Turn(
                index=index,
                role=party.role,
                speaker_id=party.label,
                text=" ".join(w.text for w in utterance.words),
                start=round(utterance.start, 3),
                end=round(utterance.end, 3),
                words=[
                    Word(
                        text=w.text,
                        start=round(w.start, 3),
                        end=round(w.end, 3),
                        confidence=round(w.probability, 3),
                    )
                    for w in utterance.words
                ],
            )
        )
    return Conversation(
        id=id,
        channel=Channel.CALL,
        turns=turns,
        source="audio",
        metadata={
            **metadata,
            "recording": recording.name,
            "duration_seconds": round(recording.seconds, 2),
            "source_sample_rate": recording.source_rate,
            "asr_model": recogniser.name,
        },
    )
