"""The live hub's own figures: event-loop lag and time per phase of each event, for admins."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from heard.live.client import stream
from heard.live.events import EndEvent, StartEvent, TurnEvent
from heard.live.metrics import PHASES
from heard.model import Role
from live.liveserver import Site, live_site
from teamdata import GOOD_TURNS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with live_site(f"sqlite:///{tmp_path_factory.mktemp('metrics') / 'heard.db'}") as site:
        yield site


def test_metrics_count_each_applied_event_and_the_loop_lag(site: Site) -> None:
    url = f"{site.url}/api/v1/live-metrics"
    assert httpx.delete(url, headers=site.auth("admin")).status_code == 204
    events: list[tuple[float, object]] = [(0.0, StartEvent(seq=1, agent_id="ann"))]
    for i, (role, text) in enumerate(GOOD_TURNS):
        events.append((0.06, TurnEvent(seq=i + 2, role=Role(role), text=text)))
    events.append((0.06, EndEvent(seq=len(GOOD_TURNS) + 2)))
    done = asyncio.run(stream(site.url, site.tokens["admin"], "metrics-1", events))
    assert done.stored_id is not None

    found = httpx.get(url, headers=site.auth("admin")).json()
    phases = found["phases_ms"]
    assert set(phases) == set(PHASES)
    applied = len(GOOD_TURNS) + 1  # the turns and the end (the start opens the session)
    for phase in ("redact", "store", "analyse", "publish", "event", "event_cpu"):
        assert phases[phase]["n"] == applied, phase
        assert 0 <= phases[phase]["p50"] <= phases[phase]["max"]
    assert phases["end_save"]["n"] == 1
    assert phases["analyse"]["max"] <= phases["event"]["max"]
    assert found["loop_lag_ms"]["n"] >= 1  # the probe woke during the ~0.7 s replay

    assert httpx.delete(url, headers=site.auth("admin")).status_code == 204
    cleared = httpx.get(url, headers=site.auth("admin")).json()
    assert cleared["phases_ms"]["event"]["n"] == 0


@pytest.mark.parametrize("role", ["lead", "agent"])
def test_only_admins_see_the_metrics(site: Site, role: str) -> None:
    url = f"{site.url}/api/v1/live-metrics"
    assert httpx.get(url, headers=site.auth(role)).status_code == 403
    assert httpx.delete(url, headers=site.auth(role)).status_code == 403
    assert httpx.get(url).status_code == 401
