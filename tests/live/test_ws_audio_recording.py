"""A live call's audio is kept for the viewer's player as an uploaded call's is: streamed to a
real server as binary frames by espeak-ng's voices, the customer reading out a card number;
when the call ends the stored conversation has a recording, the redacted copy, silent over the
card number and sample for sample the call everywhere else, played by the audio route. Nothing
is kept with redaction off, for a call that never ends, or when the setting says not to."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from heard.live.call_client import stream_call
from heard.live.events import StartEvent
from heard.live.recording import CallTape, keep_redacted
from heard.model import Role
from heard.store import Viewer
from heard.store import recordings as store_recordings
from live.liveserver import Site, live_site
from speech import RATE, card_call, require_tools

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def call(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[Role, np.ndarray], float, float]:
    """The agent asks for the card; the customer reads it out slowly; the agent thanks her.
    Both channels, and when the customer speaks."""
    require_tools()
    agent, customer, placed = card_call(tmp_path_factory.mktemp("live-card"), gap=0.8, tail=1.0)
    channels = {Role.AGENT: agent.astype(np.int16), Role.CUSTOMER: customer.astype(np.int16)}
    return channels, placed[1].start, placed[1].end


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with live_site(f"sqlite:///{tmp_path_factory.mktemp('kept') / 'heard.db'}") as site:
        yield site


def _pcm(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as handle:
        assert handle.getframerate() == RATE and handle.getnchannels() == 2
        frames = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    return frames.reshape(-1, 2).T


def test_an_ended_live_call_keeps_only_its_redacted_audio(site: Site, call) -> None:
    channels, said_from, said_to = call
    start = StartEvent(seq=1, channel="call", time=0.0)
    result = asyncio.run(
        stream_call(site.url, site.tokens["agent"], "kept-1", channels, start=start, speed=0)
    )
    assert result.errors == [] and result.stored_id is not None
    stored = site.store.get_conversation(site.world.viewer("ann"), result.stored_id)
    assert any("[CARD]" in t.text for t in stored.conversation.turns)
    kept = store_recordings.recording(site.store, Viewer.system(), result.stored_id)
    assert kept.redacted and kept.channels == 2 and kept.silenced_seconds > 1.0
    played = httpx.get(
        f"{site.url}/api/v1/conversations/{result.stored_id}/audio",
        headers={"Authorization": f"Bearer {site.tokens['lead']}"},
    )
    assert played.status_code == 200, played.text
    pcm = _pcm(played.content)
    customer = channels[Role.CUSTOMER]
    assert pcm.shape[1] >= len(customer) - RATE // 10  # the call as streamed, both channels
    heard = customer[: pcm.shape[1]]
    silent = pcm[1][: len(heard)] == 0
    quiet = silent[int(said_from * RATE) : int(said_to * RATE)].mean()
    assert quiet > 0.6, "most of the customer's turn (the card number) is silenced"
    kept_samples = ~silent & (heard != 0)
    assert np.array_equal(pcm[1][: len(heard)][kept_samples], heard[kept_samples])


def test_with_redaction_off_or_the_setting_off_no_audio_is_kept(tmp_path: Path, call) -> None:
    channels, _, _ = call
    start = StartEvent(seq=1, channel="call", time=0.0)
    for changes in ({"redact": False}, {"live_audio_keep": False}):
        with live_site(f"sqlite:///{tmp_path / 'off.db'}", **changes) as site:
            name = f"off-{len(changes)}-{next(iter(changes))}"
            result = asyncio.run(
                stream_call(site.url, site.tokens["agent"], name, channels, start=start, speed=0)
            )
            assert result.errors == [] and result.stored_id is not None
            with pytest.raises(Exception, match="has no recording"):
                store_recordings.recording(site.store, Viewer.system(), result.stored_id)
        (tmp_path / "off.db").unlink()


def test_a_tape_writes_each_frame_at_its_offset_and_is_deleted(tmp_path: Path) -> None:
    tape = CallTape(RATE, folder=tmp_path / "tape")
    tape.folder.mkdir()
    tape.write(Role.AGENT, 0, np.full(4, 1000, np.int16))
    tape.write(Role.CUSTOMER, 6, np.full(2, -1000, np.int16))  # a gap before it: silence
    tape.write(Role.AGENT, 2, np.full(4, 2000, np.int16))  # overwrites its own resend
    agent, customer = tape.channels()
    assert len(agent) == len(customer) == 8
    assert np.allclose(agent * 32768, [1000, 1000, 2000, 2000, 2000, 2000, 0, 0])
    assert np.allclose(customer * 32768, [0, 0, 0, 0, 0, 0, -1000, -1000])
    tape.close()
    assert not tape.folder.exists()


def test_a_typed_turn_leaves_no_copy_to_call_redacted_and_the_tape_goes(tmp_path: Path) -> None:
    """A call with a turn typed, not recognised, has words nobody timed: no copy is kept, the
    call is stored anyway (the caller's business), and the spool is deleted."""
    from heard.model import Conversation

    tape = CallTape(RATE, folder=tmp_path / "tape")
    tape.folder.mkdir()
    tape.write(Role.AGENT, 0, np.full(RATE, 500, np.int16))
    typed = Conversation.model_validate(
        {
            "id": "typed",
            "channel": "call",
            "turns": [{"index": 0, "role": "agent", "text": "Hello there."}],
        }
    )
    assert keep_redacted(None, tape, typed, 1, user_id=None) is None  # type: ignore[arg-type]
    assert not tape.folder.exists()
