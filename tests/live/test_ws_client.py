"""heard.live.client against a real server through a loopback TCP proxy that cuts every
connection mid-conversation: the client resumes, nothing is lost or applied twice."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from heard.live.client import LiveClientError, feed_url, stream
from heard.live.events import EndEvent, StartEvent, TurnEvent
from heard.model import Role
from live.liveserver import Site, live_site
from teamdata import GOOD_TURNS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with live_site(f"sqlite:///{tmp_path_factory.mktemp('client') / 'heard.db'}") as site:
        yield site


def paced(turns: list[tuple[str, str]]) -> list[tuple[float, object]]:
    found: list[tuple[float, object]] = [(0.0, StartEvent(seq=1, agent_id="ann"))]
    for i, (role, text) in enumerate(turns):
        found.append((0.05, TurnEvent(seq=i + 2, role=Role(role), text=text)))
    found.append((0.05, EndEvent(seq=len(turns) + 2)))
    return found


class Proxy:
    """Forwards loopback TCP to the server; `cut()` drops every open connection at once."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.writers: list[asyncio.StreamWriter] = []
        self.port = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()


def test_feed_url() -> None:
    assert feed_url("http://h:8000", "a b") == "ws://h:8000/api/v1/live/a%20b"
    assert feed_url("https://h/x/", "c", since=4) == "wss://h/x/api/v1/live/c?since=4"
    with pytest.raises(ValueError, match="--url"):
        feed_url("ftp://h", "c")


def test_the_client_resumes_after_the_network_drops(site: Site) -> None:
    port = int(site.url.rsplit(":", 1)[1])

    async def run():
        proxy = Proxy(port)
        await proxy.start()
        cut = {"done": False}

        def on_frame(frame: dict) -> None:
            if frame["type"] == "ack" and frame["event"] == 3 and not cut["done"]:
                cut["done"] = True
                proxy.cut()

        result = await stream(
            f"http://127.0.0.1:{proxy.port}",
            site.tokens["agent"],
            "c-client",
            paced(GOOD_TURNS),
            on_frame=on_frame,
        )
        proxy.server.close()
        return result

    result = asyncio.run(run())
    assert result.reconnects >= 1
    assert result.errors == []
    numbered = [f["seq"] for f in result.frames if f.get("seq") is not None]
    assert numbered == list(range(1, len(numbered) + 1))
    assert [f["event"] for f in result.frames if f["type"] == "ack" and not f["duplicate"]] == list(
        range(1, len(GOOD_TURNS) + 3)
    )
    stored = site.store.get_conversation(site.world.viewer("ann"), result.stored_id)
    assert [(t.role.value, t.text) for t in stored.conversation.turns] == GOOD_TURNS
    assert len(result.ack_ms) == len(GOOD_TURNS) + 2


def test_a_bad_token_is_refused_clearly(site: Site) -> None:
    with pytest.raises(LiveClientError, match="unauthorised"):
        asyncio.run(stream(site.url, "heard_wrong", "c-refused", paced(GOOD_TURNS)))
