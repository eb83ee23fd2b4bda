"""A two-party call from audio: each party's channel recognised, word times snapped to voice
activity, and both merged into one timed Conversation (channel `call`) that every timed
detector reads (interruptions, dead air, talk ratio…). Turns are cut from each party's voice
activity, each stretch carrying the words recognised in it, so talk time and silences are the
voice activity's whatever the recogniser made of the words. Without a recogniser the call is
read for timing only: the same turns, with times and no words. A mono recording's parties are
told apart by speaker turns from a side file or the diarizer."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

from heard.audio.decode import SAMPLE_RATE, Recording
from heard.audio.recognise import HeardWord, Recogniser
from heard.audio.speakers import SpeakerTurn
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
    """A stretch of one party's voice activity, in seconds, with the words recognised in it
    (none for timing only, or when the recogniser heard no word there)."""

    start: float
    end: float
    words: tuple[HeardWord, ...] = ()


@dataclass(slots=True)
class Party:
    """One party's channel: their role, label and audio."""

    role: Role
    label: str
    audio: np.ndarray
    rate: int = SAMPLE_RATE
    words: list[HeardWord] = field(default_factory=list)
    speech: list[tuple[float, float]] = field(default_factory=list)

    def pieces(self, timing_only: bool) -> list[Stretch]:
        """What turns are cut from: the voice activity, each stretch with the words recognised
        in it (`speech_with_words`); for timing only, without words."""
        if timing_only:
            return [Stretch(s, e) for s, e in self.speech]
        return speech_with_words(self.speech, self.words)


@dataclass(frozen=True, slots=True)
class Utterance:
    party: int
    pieces: tuple[Timed, ...]

    @property
    def words(self) -> list[HeardWord]:
        """The words recognised in it, in order (none for timing only or human segments)."""
        return [w for p in self.pieces for w in getattr(p, "words", ())]

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
            "a mono recording: its speakers are told apart by heard.audio.call.mono_call",
            where=where,
            expected="a stereo recording with one party a channel",
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


def mono_call(
    recording: Recording,
    *,
    recogniser: Recogniser | None,
    speakers: Sequence[SpeakerTurn] | None = None,
    speakers_from: str = "",
    role_for: Callable[[str], Role | None] | None = None,
    id: str,
) -> Conversation:
    """A call recorded in one channel (a stereo recording is mixed down): who spoke when from
    `speakers` (a side file's turns, named in `speakers_from`), else from the diarizer
    (heard.audio.diarize). A speaker whose label `role_for` knows (agent, caller, or a --role
    mapping) has that role; otherwise the agent is the speaker whose first words open a call
    (thank you for calling, how can I help…), else the one who speaks first, and the others are
    customers. Recognition runs once over the whole recording and each word goes to the speaker
    whose turns it overlaps most. Said in the conversation's metadata."""
    audio = _mono(recording)
    if speakers is None:
        from heard.audio.diarize import diarize

        turns = diarize(audio, recording.rate)
        how = "heard.audio.diarize (MFCC, BIC clustering into two speakers)"
    else:
        turns = [t for t in speakers if t.start < recording.seconds]
        how = f"side file {speakers_from}" if speakers_from else "side file"
    labels = list(dict.fromkeys(t.speaker for t in sorted(turns, key=lambda t: t.start)))
    parties = [Party(Role.CUSTOMER, label, audio, recording.rate) for label in labels]
    for party in parties:
        party.speech = [
            (t.start, min(t.end, recording.seconds)) for t in turns if t.speaker == party.label
        ]
    if recogniser is not None and parties:
        _assign(recogniser.words(audio), parties)
    chosen_by = _choose_roles(parties, role_for)
    metadata: dict[str, str | float | bool] = {
        "speakers_from": how,
        "agent_speaker": next((p.label for p in parties if p.role == Role.AGENT), ""),
        "agent_speaker_chosen_by": chosen_by,
    }
    return _conversation(parties, recording, recogniser, id=id, metadata=metadata)


def _assign(words: list[HeardWord], parties: Sequence[Party]) -> None:
    """Each recognised word to the speaker whose turns it overlaps most (the nearest turn when
    it overlaps none), its edges snapped to that speaker's turns."""
    spans = [(s, e, k) for k, p in enumerate(parties) for s, e in p.speech]
    found: list[list[HeardWord]] = [[] for _ in parties]
    for word in words:
        shared = [0.0] * len(parties)
        for start, end, k in spans:
            shared[k] += max(0.0, min(end, word.end) - max(start, word.start))
        if max(shared) > 0:
            found[shared.index(max(shared))].append(word)
        else:
            middle = (word.start + word.end) / 2
            nearest = min(spans, key=lambda s: min(abs(s[0] - middle), abs(s[1] - middle)))
            found[nearest[2]].append(word)
    for party, own in zip(parties, found, strict=True):
        party.words = _snap(own, party.speech)


def _choose_roles(parties: Sequence[Party], role_for: Callable[[str], Role | None] | None) -> str:
    """Set each party's role (see mono_call) and say how the agent was chosen."""
    from heard.language.lexicon import lexicon

    known = {p.label: role_for(p.label) if role_for else None for p in parties}
    for party in parties:
        party.role = known[party.label] or Role.CUSTOMER
    if any(p.role == Role.AGENT for p in parties):
        return "speaker label"
    unknown = [p for p in parties if known[p.label] is None]
    if not unknown:
        return "none: no speaker is the agent"
    opening = lexicon("agent_opening")
    openers = []
    for party in unknown:
        found = opening.search(" ".join(w.text for w in party.words[:OPENING_WORDS]))
        if found:
            openers.append((party, found.group(0)))
    if len(openers) == 1:
        agent, said = openers[0]
        agent.role = Role.AGENT
        return f"greeting words ({said.lower()!r})"
    agent = min(unknown, key=_first_speech)
    agent.role = Role.AGENT
    return "spoke first"


OPENING_WORDS = 30
"""How many of a speaker's first recognised words are searched for an agent's opening."""


def _mono(recording: Recording) -> np.ndarray:
    if len(recording.channels) == 1:
        return recording.channels[0]
    return (recording.channels[0] + recording.channels[1]) / 2


def _recognise(parties: Sequence[Party], recogniser: Recogniser | None) -> None:
    """Each party's voice activity and, with a recogniser, their words. Silero runs once a
    channel, the channels side by side (as many at once as the recogniser's workers): its
    stretches of speech are the boundaries words snap to, and its padded chunks are what Whisper
    reads, every party's packed together into windows (Recogniser.call_words)."""
    if recogniser is None:
        from heard.audio.activity import voice_activity

        for party in parties:
            party.speech = voice_activity(party.audio, party.rate)
        return
    from heard.audio.channels import side_by_side
    from heard.audio.silero import speech_activity

    activities = side_by_side(
        lambda party: speech_activity(party.audio), parties, workers=recogniser.workers
    )
    heard = recogniser.call_words(
        [(p.audio, a.chunks) for p, a in zip(parties, activities, strict=True)]
    )
    for party, activity, words in zip(parties, activities, heard, strict=True):
        party.speech = activity.boundaries
        party.words = _snap(words, party.speech) if party.speech else []


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


def speech_with_words(
    speech: Sequence[tuple[float, float]], words: Sequence[HeardWord]
) -> list[Stretch]:
    """One party's speech as turns are cut from it: each stretch of voice activity with the
    words that overlap it most, and a stretch of its own for a word that overlaps none (speech
    the voice activity missed: Silero hears a soft onset late); a word of no length, whose
    time the recogniser could not place, joins the stretch nearest to it instead. A turn thus
    lasts as long as the voice it holds: a filler or a laugh the recogniser left out still
    counts as talk, and a word whose time runs on into silence does not lengthen its turn."""
    spans = _union(speech)
    starts, ends = [s for s, _ in spans], [e for _, e in spans]
    held: list[list[HeardWord]] = [[] for _ in spans]
    own: list[Stretch] = []
    for word in words:
        first, last = bisect_right(ends, word.start), bisect_left(starts, word.end)
        if word.end > word.start and first < last:  # overlaps spans[first:last]
            best = max(
                range(first, last),
                key=lambda k: min(ends[k], word.end) - max(starts[k], word.start),
            )
            held[best].append(word)
        elif word.end > word.start or not spans:
            own.append(Stretch(word.start, word.end, (word,)))
        else:
            near = [k for k in (first - 1, first) if 0 <= k < len(spans)]
            best = min(near, key=lambda k: max(starts[k] - word.start, 0.0, word.start - ends[k]))
            held[best].append(word)
    found = [Stretch(s, e, tuple(w)) for (s, e), w in zip(spans, held, strict=True)]
    return sorted(found + own, key=lambda p: p.start)


def _union(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Spans in order of time, those that overlap joined (a side file's turns of one speaker
    may overlap)."""
    joined: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if joined and start < joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def utterances(runs: Sequence[Sequence[Timed]]) -> list[Utterance]:
    """Each party's stretches of speech (or a transcript's timed segments) cut where they pause
    long or the other party starts a stretch in between, in order of start time; overlapping
    speech stays as it happened."""
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


def spoken_utterances(runs: Sequence[Sequence[Stretch]]) -> list[Utterance]:
    """`utterances` of each party's speech with its words (`speech_with_words`), those in which
    nothing was recognised left out: voice activity with no word, standing alone, is a breath,
    a cough or line noise more often than a turn. The cut is made again without it, so that it
    splits no turn of the other party's either."""
    spoken = [u for u in utterances(runs) if u.words]
    return utterances(
        [[p for u in spoken if u.party == k for p in u.pieces] for k in range(len(runs))]
    )


def _within(word: HeardWord, start: float, end: float) -> HeardWord:
    """The word with its times kept within its turn's."""
    begins = min(max(word.start, start), end)
    return HeardWord(word.text, begins, min(max(word.end, begins), end), word.probability)


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
    if not any(runs if timing_only else (p.words for p in parties)):
        raise InputError(
            f"no speech {'heard' if timing_only else 'recognised'} in the recording "
            "(silence only?)",
            where=Location(file=recording.name),
            expected="a recording of a conversation",
            code="empty",
        )
    found = utterances(runs) if timing_only else spoken_utterances(runs)
    turns = []
    for index, utterance in enumerate(found):
        party = parties[utterance.party]
        words = [_within(w, utterance.start, utterance.end) for w in utterance.words]
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
        conversation,
        {p.label: p.audio for p in parties},
        parties[0].rate,
        pitch=not timing_only,
        workers=1 if recogniser is None else recogniser.workers,
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
