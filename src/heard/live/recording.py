"""A live call's audio kept for the conversation viewer's player, as an uploaded call's is
(heard.web.recordings): the frames of each party spooled to a temporary file on disk as they
arrive (memory stays flat however long the call), and when the call ends and is stored, the
redacted copy — every redacted word's stretch of time silenced in both channels
(heard.audio.redaction) — kept beside the stored conversation (heard.store.recordings). The
frames as sent are never kept: the spool is deleted once the copy is made, or when the call is
forgotten without one. With redaction off no audio is kept, since no copy could be called
redacted; neither is it when the server restarted during the call (the audio before the restart
is gone), nor with `HEARD_LIVE_AUDIO_KEEP=false`."""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from heard.errors import InputError
from heard.model import Conversation, Role
from heard.store import Store, StoreError
from heard.store import recordings as store_recordings
from heard.store.records import RecordingInfo

log = logging.getLogger(__name__)

SAMPLE_BYTES = 2
"""16-bit samples."""


@dataclass
class CallTape:
    """One call's audio as received, a raw 16-bit file a party (the agent left, the customer
    right), each frame written at its own offset: a gap the client did not send is silence."""

    rate: int
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="heard-live-")))
    lengths: dict[Role, int] = field(default_factory=dict)
    """Samples of each party's channel written so far (the furthest offset reached)."""
    _files: dict[Role, BinaryIO] = field(default_factory=dict)

    def write(self, role: Role, offset: int, samples: np.ndarray) -> None:
        """The party's `samples` (int16), the first at sample `offset` of the call (a frame
        every 100 ms a party: the file stays open)."""
        handle = self._files.get(role)
        if handle is None:
            handle = self._files[role] = open(self._path(role), "w+b")  # noqa: SIM115
        handle.seek(offset * SAMPLE_BYTES)
        handle.write(samples.astype("<i2").tobytes())
        self.lengths[role] = max(self.lengths.get(role, 0), offset + len(samples))

    def channels(self) -> tuple[np.ndarray, np.ndarray]:
        """Both parties' audio, float32 on decode's scale, the shorter padded with silence."""
        for handle in self._files.values():
            handle.flush()
        length = max(self.lengths.values(), default=0)
        found = []
        for role in (Role.AGENT, Role.CUSTOMER):
            path = self._path(role)
            pcm = np.fromfile(path, dtype="<i2") if path.exists() else np.zeros(0, "<i2")
            audio = pcm.astype(np.float32) / 32768.0
            found.append(np.pad(audio, (0, length - len(audio))))
        return found[0], found[1]

    def close(self) -> None:
        """Delete the spool (the frames as sent are never kept)."""
        for handle in self._files.values():
            handle.close()
        self._files.clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _path(self, role: Role) -> Path:
        return self.folder / f"{role.value}.pcm"


def keep_redacted(
    store: Store,
    tape: CallTape,
    conversation: Conversation,
    conversation_id: int,
    *,
    user_id: int | None,
) -> RecordingInfo | None:
    """Keep the redacted copy of the call on `tape` as the recording of the stored conversation
    `conversation_id` (`conversation`: as stored, redacted, with its words on the call's clock),
    then delete the tape. A copy that cannot be made (a turn typed, not recognised; nothing
    heard) is logged, never a failure of the call: the conversation is stored either way."""
    from heard.audio.decode import Recording
    from heard.audio.redaction import redacted_copy

    try:
        if not tape.lengths:
            return None
        recording = Recording("live", tape.channels(), source_rate=tape.rate, rate=tape.rate)
        copy = redacted_copy(recording, conversation)
        return store_recordings.keep_copy(store, conversation_id, copy, user_id=user_id)
    except (InputError, ValueError, StoreError) as exc:
        log.info("live call %s: audio not kept (%s)", conversation_id, type(exc).__name__)
        return None
    finally:
        tape.close()
