"""Call recordings: a stereo file with one party a channel (WAV, FLAC, OGG, MP3… at any sample
rate), a mono file whose speakers come from a side file or the diarizer, or a folder holding
one recording a party (Harper Valley Bank's agent.wav and caller.wav), recognised offline into
a timed call. See docs/audio.md."""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar

from heard.errors import InputError, Location
from heard.importers.base import Importer, ImportOptions, Source, conversation_id
from heard.importers.registry import load_source, register
from heard.model import Conversation

if TYPE_CHECKING:
    import numpy as np

    from heard.audio import Recogniser, Recording
    from heard.audio.speakers import SpeakerTurn

AGENT_NAMES = ("agent", "rep", "representative")
CUSTOMER_NAMES = ("caller", "customer", "client")


@register
class AudioImporter(Importer):
    name: ClassVar[str] = "audio"
    title: ClassVar[str] = (
        "Call recording: stereo audio, one party a channel, or mono with speakers told apart "
        "(WAV, FLAC, OGG, MP3), recognised offline"
    )
    extensions: ClassVar[tuple[str, ...]] = (".wav", ".flac", ".ogg", ".mp3")
    sample: ClassVar[str] = "made in the tests with espeak-ng and sox"

    def sniff(self, source: Source) -> float:
        from heard.audio import EXTENSIONS, looks_like_audio

        if looks_like_audio(source.data[:16]):
            return 1.0
        # An empty or damaged file named like audio: read it here, to say what is wrong with it.
        return 0.3 if PurePath(source.name).suffix.lower() in EXTENSIONS else 0.0

    def parse(self, source: Source, options: ImportOptions) -> list[Conversation]:
        from heard.audio import decode, stereo_call

        recording = decode(source.data, source.name, rates=_rates(options))
        if len(recording.channels) == 1 or options.speakers:
            return [self._mono(recording, source, options)]
        conversation = stereo_call(
            recording,
            recogniser=_recogniser(options),
            agent_channel=options.agent_channel,
            id=conversation_id(None, source),
        )
        chosen = conversation.metadata.get("agent_channel_chosen_by")
        if chosen == "spoke first":
            source.warn(
                f"the agent is on the {conversation.metadata['agent_channel']} channel "
                "(it spoke first; set --agent-channel left|right to change)"
            )
        if options.channel is not None:
            conversation.channel = options.channel
        return [conversation]

    def _mono(self, recording: Recording, source: Source, options: ImportOptions) -> Conversation:
        from heard.audio import mono_call

        speakers = read_speakers(options.speakers, source.name) if options.speakers else None
        if speakers is not None and len(recording.channels) == 2:
            source.warn("a stereo recording read as one channel: --speakers says who spoke when")
        conversation = mono_call(
            recording,
            recogniser=_recogniser(options),
            speakers=speakers,
            speakers_from=options.speakers or "",
            role_for=options.role_for,
            id=conversation_id(None, source),
        )
        agent = conversation.metadata.get("agent_speaker")
        chosen = conversation.metadata.get("agent_speaker_chosen_by")
        if chosen == "spoke first" or str(chosen).startswith("greeting"):
            source.warn(
                f"one channel: speakers from {conversation.metadata['speakers_from']}; the agent "
                f"is {agent} (chosen by: {chosen}; set --role LABEL=agent to change)"
            )
        if options.channel is not None:
            conversation.channel = options.channel
        return conversation


def read_speakers(path: str, recording: str) -> list[SpeakerTurn]:
    """The speaker turns for `recording` in the side file at `path` (RTTM or heard's JSON)."""
    from heard.audio.speakers import read_speaker_turns

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read the speakers file ({exc.strerror or exc})",
            where=Location(file=path),
            expected="an RTTM or heard speaker JSON file",
            code="not_a_file",
        ) from exc
    return read_speaker_turns(data, path, recording=PurePath(recording).name)


def _rates(options: ImportOptions) -> tuple[int, ...]:
    """Sample rates a recording is read at: 16 kHz for speech recognition; for timing only,
    its own rate when voice activity reads it (telephone audio stays 8 kHz)."""
    from heard.audio import SAMPLE_RATE
    from heard.audio.activity import RATES

    return RATES if options.timing_only else (SAMPLE_RATE,)


def _recogniser(options: ImportOptions) -> Recogniser | None:
    from heard.audio import Recogniser

    return None if options.timing_only else Recogniser(options.asr_model)


def call_folder(path: Path) -> tuple[Path, Path] | None:
    """(agent recording, customer recording) when the folder holds one recording a party,
    named by role (agent.wav and caller.wav, as in Harper Valley Bank), else None."""
    from heard.audio import EXTENSIONS

    if not path.is_dir():
        return None
    found: dict[str, list[Path]] = {"agent": [], "customer": []}
    for child in sorted(path.iterdir()):
        if not child.is_file() or child.suffix.lower() not in EXTENSIONS:
            continue
        stem = child.stem.lower()
        if stem in AGENT_NAMES:
            found["agent"].append(child)
        elif stem in CUSTOMER_NAMES:
            found["customer"].append(child)
    if len(found["agent"]) == 1 and len(found["customer"]) == 1:
        return found["agent"][0], found["customer"][0]
    return None


def read_call_folder(path: Path, options: ImportOptions) -> list[Conversation]:
    """The call recorded in a folder of one recording a party (see `call_folder`)."""
    from heard.audio import decode, two_file_call

    parts = call_folder(path)
    if parts is None:
        raise InputError(
            "no call recordings in the folder",
            where=Location(file=str(path)),
            expected="agent.wav and caller.wav (or customer.wav; FLAC, OGG, MP3 also)",
            code="not_a_file",
        )
    agent = decode(
        load_source(parts[0], max_bytes=options.max_bytes).data,
        str(parts[0]),
        rates=_rates(options),
    )
    customer = decode(  # at the agent's rate, so that both channels' times line up
        load_source(parts[1], max_bytes=options.max_bytes).data,
        str(parts[1]),
        rates=(agent.rate,),
    )
    conversation = two_file_call(
        agent, customer, recogniser=_recogniser(options), id=path.resolve().name
    )
    if options.channel is not None:
        conversation.channel = options.channel
    return [conversation]


def call_recording(where: Path | Source, options: ImportOptions) -> Recording:
    """The call's audio at its own sample rate, for a redacted copy: a recording's channels as
    they are, or for a folder of one recording a party, the agent left and the customer right
    (the customer's at the agent's rate)."""
    import numpy as np

    from heard.audio import Recording, decode

    if isinstance(where, Source):
        return decode(where.data, where.name, native=True)
    parts = call_folder(where)
    if parts is None:
        return decode(load_source(where, max_bytes=options.max_bytes).data, str(where), native=True)
    agent = decode(
        load_source(parts[0], max_bytes=options.max_bytes).data, str(parts[0]), native=True
    )
    customer = decode(
        load_source(parts[1], max_bytes=options.max_bytes).data,
        str(parts[1]),
        rates=(agent.rate,),
    )
    mono = [
        r.channels[0] if len(r.channels) == 1 else sum(r.channels) / 2 for r in (agent, customer)
    ]
    length = max(len(c) for c in mono)
    left, right = (np.pad(c, (0, length - len(c))) for c in mono)
    return Recording(
        name=str(where), channels=(left, right), source_rate=agent.rate, rate=agent.rate
    )


def is_call_recording(path: Path) -> bool:
    """Whether `path` is a call recording (an audio file, or a folder of one recording a
    party) rather than a transcript."""
    from heard.audio import EXTENSIONS, looks_like_audio

    if path.is_dir():
        return call_folder(path) is not None
    if path.suffix.lower() in EXTENSIONS:
        return True
    try:
        with path.open("rb") as handle:
            return looks_like_audio(handle.read(16))
    except OSError:
        return False


def call_channels(
    path: Path, *, agent_channel: str | None = None, max_bytes: int = 1 << 31
) -> tuple[dict[str, np.ndarray], str]:
    """A call's two parties as 16-bit samples at 16 kHz, to stream them live ({"agent": …,
    "customer": …}, and how the agent's channel was chosen): a stereo recording (the agent's
    channel given, else the one that speaks first) or a folder of one recording a party. A
    mono recording is refused (its parties are not on channels of their own)."""
    import numpy as np

    from heard.audio import SAMPLE_RATE, decode
    from heard.audio.activity import voice_activity

    def pcm(samples: np.ndarray) -> np.ndarray:
        return (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype(np.int16)

    def one(recording: Recording) -> np.ndarray:
        return pcm(sum(recording.channels) / len(recording.channels))

    parts = call_folder(path)
    if parts is not None:
        agent, customer = (decode(load_source(p, max_bytes=max_bytes).data, str(p)) for p in parts)
        return {"agent": one(agent), "customer": one(customer)}, f"files {parts[0].name}"
    recording = decode(load_source(path, max_bytes=max_bytes).data, str(path))
    if len(recording.channels) != 2:
        raise InputError(
            "a mono recording: live audio needs each party on a channel of its own",
            where=Location(file=str(path)),
            expected="a stereo recording (one party a channel) or a folder with agent.wav "
            "and caller.wav",
            code="unsupported",
        )
    left, right = (pcm(c) for c in recording.channels)
    if agent_channel is None:
        firsts = [
            (spans[0][0] if (spans := voice_activity(c, SAMPLE_RATE)) else float("inf"))
            for c in recording.channels
        ]
        side, how = ("right" if firsts[1] < firsts[0] else "left"), "spoke first"
    else:
        side, how = agent_channel, "--agent-channel"
    if side == "right":
        left, right = right, left
    return {"agent": left, "customer": right}, f"the {side} channel ({how})"
