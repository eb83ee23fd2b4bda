"""The call player in chromium: a real recorded call (a Harper Valley Bank call from the shared
data, its agent and caller recordings made one stereo file) uploaded through the upload page,
then played in the conversation viewer. A click on a word seeks the audio to that word, the lit
word follows the audio as it plays, the timeline's bars and the turns' time buttons (by
keyboard too) seek, and the page fits a 390 px phone. The real app over a SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from conftest import require_shared_data
from heard.settings import Settings
from heard.store import Store, UserRole, Viewer, accounts
from heard.web import create_app
from loopback import serve
from teamdata import PASSWORD, open_store

pytestmark = pytest.mark.slow

CALL = "0002f70f7386445b"
ADMIN = "admin@x.test"


@dataclass
class CallSite:
    url: str
    store: Store
    conversation: int


def stereo_call(tmp_path) -> bytes:
    """The Harper Valley call's two recordings as one stereo WAV (agent left, caller right)."""
    from speech import require_tools

    folder = require_shared_data() / "audio" / "harper_valley_bank" / CALL
    if not folder.is_dir():
        pytest.skip(f"the Harper Valley Bank calls are not in the shared data ({folder})")
    require_tools()
    from heard.audio.redaction import wav_bytes
    from heard.importers.audio import call_recording
    from heard.importers.base import ImportOptions

    recording = call_recording(folder, ImportOptions())
    return wav_bytes(recording.channels, recording.rate)


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/sign-in")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


@pytest.fixture(scope="module")
def call_site(browser, tmp_path_factory) -> Iterator[CallSite]:
    """The app with one call, uploaded through the upload page by an admin."""
    folder = tmp_path_factory.mktemp("call-player")
    path = folder / f"{CALL}.wav"
    path.write_bytes(stereo_call(folder))
    url = f"sqlite:///{folder / 'heard.db'}"
    store = open_store(url)
    accounts.create_user(store, ADMIN, role=UserRole.ADMIN, password=PASSWORD)
    settings = Settings(database_url=url, secret_key="browser-test-secret")
    with serve(create_app(settings, store=store)) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, base)
        page.goto(f"{base}/upload")
        page.set_input_files("#files", str(path))
        page.get_by_role("button", name="Upload").click()
        done = page.locator("#upload-results li.result:not(.pending)")
        done.wait_for(timeout=180_000)
        assert "audio kept" in done.inner_text(), done.inner_text()
        context.close()
        [stored] = store.list_conversations(Viewer.system()).items
        yield CallSite(base, store, stored.id)
    store.close()


def current_time(page) -> float:
    return page.evaluate("document.getElementById('call-audio').currentTime")


def metadata_loaded(page) -> None:
    page.wait_for_function("document.getElementById('call-audio').readyState >= 1")


def test_a_click_on_a_word_plays_from_it_and_the_lit_word_follows_the_audio(
    browser, call_site: CallSite, screenshot
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, call_site.url)
    page.goto(f"{call_site.url}/conversations/{call_site.conversation}")
    assert page.locator(".timeline svg.track rect.bar").count() >= 4
    assert page.locator(".timeline .playhead").count() == 1
    words = page.locator("li.turn .w")
    assert words.count() > 50
    metadata_loaded(page)
    duration = page.evaluate("document.getElementById('call-audio').duration")
    assert duration > 30

    # a word early in the call's longest turn: the audio then plays on through that turn
    turn = page.evaluate(
        """() => [...document.querySelectorAll('li.turn[data-start]')]
          .map(t => ({id: t.id, long: t.dataset.end - t.dataset.start,
                      words: t.querySelectorAll('.w').length}))
          .filter(t => t.words >= 8).sort((a, b) => b.long - a.long)[0].id"""
    )
    word = page.locator(f"#{turn} .w").nth(1)
    start = float(word.get_attribute("data-start"))
    word.click()
    page.wait_for_function(
        "s => { const a = document.getElementById('call-audio'); return !a.seeking && "
        "Math.abs(a.currentTime - s) < 1.0; }",
        arg=start,
    )
    assert abs(current_time(page) - start) < 1.0
    # it plays on from there, and the lit word keeps up with the audio
    seen = []
    for ahead in (1.0, 2.0):
        page.wait_for_function(
            "s => document.getElementById('call-audio').currentTime > s",
            arg=start + ahead,
            timeout=20_000,
        )
        lit = page.evaluate(
            """() => {
              const now = document.getElementById('call-audio').currentTime;
              const lit = [...document.querySelectorAll('.w.now')];
              return {now, starts: lit.map(w => +w.dataset.start),
                      turns: lit.map(w => w.closest('li.turn').id),
                      playing: [...document.querySelectorAll('li.turn.playing')].map(t => t.id)};
            }"""
        )
        assert turn in lit["turns"] and turn in lit["playing"], lit
        said = max(s for s, t in zip(lit["starts"], lit["turns"], strict=True) if t == turn)
        assert lit["now"] - 1.5 <= said <= lit["now"] + 0.1, lit
        seen.append(said)
    assert seen[1] > seen[0], "the lit word moved on with the audio"
    x = float(page.locator(".timeline .playhead").get_attribute("x1").rstrip("%"))
    seconds = float(page.locator(".timeline").get_attribute("data-seconds"))
    assert abs(x - 100 * current_time(page) / seconds) < 3
    page.evaluate("document.getElementById('call-audio').pause()")

    # a bar of the timeline seeks to its turn
    bar = page.locator(".timeline rect.bar").nth(2)
    bar_start = float(bar.get_attribute("data-seek"))
    bar.click()
    page.wait_for_function(
        "s => Math.abs(document.getElementById('call-audio').currentTime - s) < 1.0", arg=bar_start
    )
    page.evaluate("document.getElementById('call-audio').pause()")
    # by keyboard: a turn's time button
    button = page.locator("li.turn button.seek").nth(3)
    turn_start = float(button.get_attribute("data-seek"))
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "s => Math.abs(document.getElementById('call-audio').currentTime - s) < 1.0", arg=turn_start
    )
    page.evaluate("document.getElementById('call-audio').pause()")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "conversation-call-player", full_page=False)
    assert not errors, errors
    context.close()


def test_the_player_and_timeline_fit_a_phone(browser, call_site: CallSite, screenshot) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    sign_in(page, call_site.url)
    page.goto(f"{call_site.url}/conversations/{call_site.conversation}")
    metadata_loaded(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    for selector in ("#call-audio", ".timeline svg.track"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    word = page.locator("li.turn .w").nth(10)
    start = float(word.get_attribute("data-start"))
    word.tap()
    page.wait_for_function(
        "s => Math.abs(document.getElementById('call-audio').currentTime - s) < 1.0", arg=start
    )
    page.evaluate("document.getElementById('call-audio').pause()")
    screenshot(page, "conversation-call-player-phone", full_page=False)
    context.close()
