"""Browser tests: Playwright driving Debian's chromium (never a browser Playwright downloads)
against the example web app served by uvicorn on a loopback port, under the team app's
security headers. Every browser context reports Content-Security-Policy violations, and a test
during which the browser saw one fails. Without chromium or Playwright the tests are skipped,
and under CI=1 they fail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser.example_site import EXAMPLES, ROOT, ExampleData, load_examples, make_app
from heard.web.headers import SecurityHeaders, security_headers
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

CSP_VIOLATIONS: list[str] = []
"""Content-Security-Policy violations the browser reported during the current test."""

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("csp-violation: " + e.violatedDirective + " " + e.blockedURI + " " + e.sample +
    " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


class CheckedBrowser:
    """The browser, whose every new context reports CSP violations into CSP_VIOLATIONS (the
    page's own listener, and chromium's console message when it refuses something)."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on(
            "console",
            lambda msg: (
                CSP_VIOLATIONS.append(msg.text)
                if "csp-violation" in msg.text or "Content Security Policy" in msg.text
                else None
            ),
        )
        return context

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def no_csp_violations() -> Iterator[None]:
    """Fails a test during which the browser refused anything under the app's CSP."""
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS


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
    yield CheckedBrowser(browser)
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def example_data() -> ExampleData:
    return load_examples(EXAMPLES)


@pytest.fixture(scope="session")
def site(example_data: ExampleData) -> Iterator[str]:
    """The base URL of the example app."""
    app = SecurityHeaders(make_app(example_data), headers=security_headers(https=False))
    with serve(app) as url:
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
