"""Analysis workers die with their server: after `kill -9` of a real `heard serve` with two
ingest workers, none of them and no resource tracker lives on; workers that could not end
themselves (stopped when their server died) are ended by the next start, which checks the
pid is still that worker before it kills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from heard.engines.workers import record, start_time, sweep

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def command(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode()
    except OSError:
        return ""


def alive(pids: list[int]) -> list[int]:
    """Those of `pids` still running (a zombie has ended)."""
    return [pid for pid in pids if start_time(pid) is not None]


def wait_until_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


@pytest.fixture
def lookalike() -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line looks like a spawned multiprocessing worker's."""
    script = "import multiprocessing, time; time.sleep(60)"
    process = subprocess.Popen([sys.executable, "-c", script, "--multiprocessing-fork"])
    yield process
    process.kill()
    process.wait()


def write(folder: Path, name: str, server: tuple[int, int | None], worker: tuple[int, int | None]):
    folder.mkdir(parents=True, exist_ok=True)
    body = {"server": list(server), "worker": list(worker)}
    (folder / f"{name}.json").write_text(json.dumps(body))


def test_sweep_kills_only_recorded_workers_of_ended_servers(
    tmp_path: Path, lookalike: subprocess.Popen[bytes]
) -> None:
    me, worker = os.getpid(), lookalike.pid
    mine, its = start_time(me), start_time(worker)
    assert mine is not None and its is not None
    ended = (me, mine + 1)  # a pid now used by another process: that server has ended
    write(tmp_path, "live-server", (me, mine), (worker, its))
    write(tmp_path, "reused-pid", ended, (worker, its + 1))
    write(tmp_path, "not-a-worker", ended, (me, mine))
    write(tmp_path, "broken", ended, (worker, its))
    (tmp_path / "broken.json").write_text("{")
    assert sweep(tmp_path) == []
    assert lookalike.poll() is None
    assert [p.name for p in tmp_path.iterdir()] == ["live-server.json"]
    write(tmp_path, "orphan", ended, (worker, its))
    assert sweep(tmp_path) == [worker]
    assert lookalike.wait(timeout=10) == -signal.SIGKILL
    assert [p.name for p in tmp_path.iterdir()] == ["live-server.json"]


def test_a_worker_records_itself_under_its_server(tmp_path: Path) -> None:
    record(tmp_path, pool="p1", parent=os.getppid())
    (path,) = tmp_path.iterdir()
    assert path.name == f"{os.getppid()}-p1-{os.getpid()}.json"
    found = json.loads(path.read_text())
    assert found == {
        "server": [os.getppid(), start_time(os.getppid())],
        "worker": [os.getpid(), start_time(os.getpid())],
    }


def conversations(n: int) -> list[dict[str, object]]:
    return [
        {
            "id": f"orphan-{i}",
            "channel": "chat",
            "turns": [
                {"index": 0, "role": "customer", "text": f"Order {i} has not arrived."},
                {"index": 1, "role": "agent", "text": "I'm sorry, let me check it for you."},
            ],
        }
        for i in range(n)
    ]


@pytest.mark.slow
def test_workers_and_the_resource_tracker_die_with_a_killed_server(
    tmp_path: Path, database_url: str
) -> None:
    """On either database: the server is killed in the middle of its life, with work done."""
    from heard.bench.live import served
    from heard.ingest import PARALLEL_MIN

    env = {"HEARD_INGEST_WORKERS": "2", "XDG_DATA_HOME": str(tmp_path / "data")}
    with served(tmp_path, database_url=database_url, env=env) as (base, token, process):
        stored = httpx.post(
            f"{base}/api/v1/conversations/batch",
            json={"conversations": conversations(PARALLEL_MIN)},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        assert stored.status_code == 200, stored.text
        left = children(process.pid)
        kinds = sorted("tracker" if "resource_tracker" in command(p) else "worker" for p in left)
        assert kinds == ["tracker", "worker", "worker"], [command(p) for p in left]
        assert len(list((tmp_path / "data" / "heard" / "workers").iterdir())) == 2
        process.kill()
        process.wait()
        assert wait_until_gone(left, 5) == []


@pytest.mark.slow
def test_the_next_start_ends_workers_a_crash_left(tmp_path: Path) -> None:
    from heard.bench.live import served

    env = {"HEARD_INGEST_WORKERS": "2", "XDG_DATA_HOME": str(tmp_path / "data")}
    with served(tmp_path / "first", env=env) as (_, _, process):
        left = children(process.pid)
        workers = [p for p in left if "spawn_main" in command(p)]
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)  # stopped: their watchdogs cannot run
        process.kill()
        process.wait()
        time.sleep(1)
        assert alive(left) == left  # the crash left them (and the tracker waits for them)
    with served(tmp_path / "second", env=env) as (_, _, process):
        assert wait_until_gone(left, 5) == []
        assert len(children(process.pid)) == 3  # its own two workers and tracker
