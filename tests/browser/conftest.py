"""Browser tests: Playwright driving Debian's chromium (never a browser Playwright downloads)
against the example web app served by uvicorn on a loopback port. Without chromium or
Playwright the tests are skipped, and under CI=1 they fail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser.example_site import EXAMPLES, ROOT, ExampleData, load_examples, make_app
from loopback import serve

CHROMIUM = Path(os.environ.get("HEARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "out" / "screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for one test module. Not for the session: while Playwright's sync API runs,
    its event loop counts as running in this thread, and the live tests' `asyncio.run` on the
    same xdist worker would fail."""
    if not CHROMIUM.is_file():
        _unavailable(f"chromium not found at {CHROMIUM} (scripts/test.sh installs Debian's)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        _unavailable(f"chromium at {CHROMIUM} did not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def example_data() -> ExampleData:
    return load_examples(EXAMPLES)


@pytest.fixture(scope="session")
def site(example_data: ExampleData) -> Iterator[str]:
    """The base URL of the example app."""
    with serve(make_app(example_data)) as url:
        yield url


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.errors = errors
    yield page
    context.close()


@pytest.fixture
def phone(browser) -> Iterator[object]:
    """A page the size of a phone, with touch."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a screenshot of a page into out/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
