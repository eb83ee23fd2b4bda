"""Decoding recordings: any container and codec FFmpeg reads (WAV, FLAC, OGG, MP3…), at any
sample rate, into 16 kHz float channels, with clear errors for what is not usable audio."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from heard.errors import InputError, Location

SAMPLE_RATE = 16_000
"""Speech recognition and voice activity run at 16 kHz; every recording is resampled to it."""

MAGIC: tuple[tuple[int, bytes], ...] = (
    (0, b"RIFF"),  # WAV (checked with WAVE at 8)
    (0, b"RF64"),
    (0, b"fLaC"),
    (0, b"OggS"),
    (0, b"ID3"),  # MP3 with a tag
    (4, b"ftyp"),  # MP4 / M4A
    (0, b"FORM"),  # AIFF
)
EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aif", ".aiff")


def looks_like_audio(data: bytes) -> bool:
    """Whether the bytes start like an audio container heard reads (cheap, for sniffing)."""
    if data.startswith((b"RIFF", b"RF64")):
        return data[8:12] == b"WAVE"
    if _mp3_frame(data):
        return True
    return any(data[offset : offset + len(magic)] == magic for offset, magic in MAGIC)


def _mp3_frame(data: bytes) -> bool:
    """Whether the bytes start with an MPEG layer III frame header (an MP3 without a tag):
    11 sync bits, a known version, layer III, a usable bitrate and sample rate. Layer I and II
    are left out, so that a UTF-16 byte-order mark (FF FE) is not taken for audio."""
    if len(data) < 3 or data[0] != 0xFF or (data[1] & 0xE0) != 0xE0:
        return False
    version, layer = (data[1] >> 3) & 3, (data[1] >> 1) & 3
    bitrate, rate = data[2] >> 4, (data[2] >> 2) & 3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3


@dataclass(frozen=True, slots=True)
class Recording:
    """A decoded recording: one float32 array per channel at `rate` (SAMPLE_RATE unless
    decoded for voice activity alone, which reads telephone audio at its own 8 kHz)."""

    name: str
    channels: tuple[np.ndarray, ...]
    source_rate: int
    rate: int = SAMPLE_RATE

    @property
    def seconds(self) -> float:
        return len(self.channels[0]) / self.rate if self.channels else 0.0


def decode(
    data: bytes, name: str, *, rates: tuple[int, ...] = (SAMPLE_RATE,), native: bool = False
) -> Recording:
    """Decode a recording's bytes; an InputError naming the file when it is not audio. The
    recording keeps its own sample rate when it is one of `rates` (then 16-bit PCM is read
    without resampling), or always with `native`, else it is resampled to the first of them."""
    where = Location(file=name)
    if not data:
        raise InputError(
            "empty file (0 bytes)", where=where, expected="an audio recording", code="empty"
        )
    try:
        import av
    except ImportError as exc:
        raise missing_extra(where) from exc
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise InputError(
                    "no audio stream in the file",
                    where=where,
                    expected="an audio recording (WAV, FLAC, OGG, MP3)",
                    code="malformed",
                )
            stream = container.streams.audio[0]
            count = stream.codec_context.channels
            rate = stream.codec_context.sample_rate or SAMPLE_RATE
            if count not in (1, 2):
                raise InputError(
                    f"{count} audio channels",
                    where=where,
                    expected="a mono or stereo recording",
                    code="invalid_value",
                )
            layout = "stereo" if count == 2 else "mono"
            target = rate if native or rate in rates else rates[0]
            resampler = av.AudioResampler(format="s16", layout=layout, rate=target)
            chunks: list[np.ndarray] = []
            try:
                for frame in container.decode(stream):
                    if frame.format.name == "s16" and frame.sample_rate == target:
                        chunks.append(frame.to_ndarray().reshape(-1))  # already 16-bit at that rate
                        continue
                    for out in resampler.resample(frame):
                        chunks.append(out.to_ndarray().reshape(-1))
            except av.error.InvalidDataError:
                pass  # a truncated or damaged tail: keep what decoded
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except InputError:
        raise
    except (av.error.FFmpegError, ValueError, IndexError, OSError, EOFError) as exc:
        raise InputError(
            f"not a recording FFmpeg can decode ({_reason(exc)})",
            where=where,
            expected="an audio recording (WAV, FLAC, OGG, MP3)",
            code="malformed",
        ) from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    audio = samples.astype(np.float32) / 32768.0
    channels = (audio[0::2], audio[1::2]) if count == 2 else (audio,)
    if not len(channels[0]):
        raise InputError(
            "the recording holds no audio samples (truncated?)",
            where=where,
            expected="an audio recording with sound in it",
            code="empty",
        )
    return Recording(name=name, channels=channels, source_rate=rate, rate=target)


def _reason(exc: Exception) -> str:
    text = (getattr(exc, "strerror", None) or str(exc)).strip()
    return text.split(";")[0][:120] if text else type(exc).__name__


def missing_extra(where: Location) -> InputError:
    return InputError(
        "audio support is not installed",
        where=where,
        expected="heard installed with its audio extra: pip install 'heard[audio]'",
        code="unsupported",
    )
