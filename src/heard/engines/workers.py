"""Analysis workers that die with the process that started them, and a record of them so the
next start can end what a crash left.

A spawned analysis worker (`heard.engines.local`, `heard.ingest.pool.AnalysisPool`) blocks
on its task queue, whose write end it holds itself: when its server is killed (`kill -9`, the
OOM killer) nothing tells it, and it and multiprocessing's resource tracker (which lives while a
worker holds its pipe) used to live on for good. Now each worker watches its parent
(`watch_parent`: a thread that wakes when the parent exits, through a pidfd, or polls
`os.getppid()` where there is none) and ends itself. A parent-death signal
(`PR_SET_PDEATHSIG`) would not do: it fires when the *thread* that started the worker exits,
and the pool starts workers from whichever request thread submits first.

Each worker also leaves a record (`record`) in `records_dir()`: its pid and start time and its
server's. `sweep`, run when a pool starts, kills the workers whose server is gone but which
still run (a worker stopped or stuck when its server died), after checking that the pid is
still that worker (same start time, a multiprocessing command line), and removes the records.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import threading
import time
from pathlib import Path

POLL_SECONDS = 0.5
"""Where no pidfd can be opened: how often a worker looks whether its parent changed."""


def records_dir() -> Path:
    """Where workers leave their records: `workers/` in heard's data folder."""
    from heard.settings import data_dir

    return data_dir() / "workers"


def start_time(pid: int) -> int | None:
    """The start time of process `pid` (clock ticks since boot, /proc/<pid>/stat field 22),
    None when there is no such process (or no /proc): with the pid, it names one process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # a zombie has ended; only its exit status is left
        return None
    return int(fields[19])


def _is_worker(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing" in command and (
        b"spawn_main" in command or b"--multiprocessing-fork" in command
    )


def watch_parent(parent: int) -> None:
    """End this process (exit status 1) as soon as process `parent` has exited."""

    def watch() -> None:
        pidfd = None
        with contextlib.suppress(OSError, AttributeError):
            pidfd = os.pidfd_open(parent)  # readable once the process has exited
        if os.getppid() == parent:
            if pidfd is not None:
                select.select([pidfd], [], [])
            else:
                while os.getppid() == parent:
                    time.sleep(POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="heard-parent-watch", daemon=True).start()


def record(folder: Path, *, pool: str, parent: int) -> None:
    """Leave this worker's record in `folder` (quietly nothing where it cannot be written)."""
    pid = os.getpid()
    body = {"server": [parent, start_time(parent)], "worker": [pid, start_time(pid)]}
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{parent}-{pool}-{pid}.json").write_text(json.dumps(body))


def forget(folder: Path, *, pool: str) -> None:
    """Remove the records of this process's pool `pool` (its workers have ended)."""
    with contextlib.suppress(OSError):
        for path in folder.glob(f"{os.getpid()}-{pool}-*.json"):
            path.unlink(missing_ok=True)


def sweep(folder: Path) -> list[int]:
    """Kill the recorded workers whose server has ended but which still run; remove the
    records of ended servers. The pids killed."""
    killed: list[int] = []
    try:
        paths = list(folder.glob("*.json"))
    except OSError:
        return killed
    for path in paths:
        try:
            found = json.loads(path.read_text())
            (server, server_start), (pid, pid_start) = found["server"], found["worker"]
        except (OSError, ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            continue
        if server_start is not None and start_time(server) == server_start:
            continue  # its server runs: its worker is its own business
        if pid_start is not None and start_time(pid) == pid_start and _is_worker(pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
    return killed
