"""The admin pages in chromium, on the real app over a SQLite and a PostgreSQL store: an admin
adds a user (a refused form keeps what was typed), makes a reset link, the new user opens it in
their own browser, sets a password and signs in; the admin creates an API token (shown once,
working over the API) and revokes it; every admin page fits a 390 px phone."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from databases import database_url
from heard.settings import Settings
from heard.store import Store, UserRole, accounts
from heard.web import create_app
from loopback import serve
from teamdata import PASSWORD, open_store

__all__ = ["database_url"]


@pytest.fixture
def admin_site(database_url: str) -> Iterator[tuple[str, Store]]:
    store = open_store(database_url)
    accounts.create_user(store, "root@x.test", role=UserRole.ADMIN, password=PASSWORD, name="Root")
    accounts.create_user(store, "lee@x.test", role=UserRole.LEAD, password=PASSWORD, teams=["Blue"])
    settings = Settings(database_url=database_url, secret_key="browser-admin-secret")
    with serve(create_app(settings, store=store)) as url:
        yield url, store
    store.close()


def sign_in(page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide on a 390px phone"


def test_admin_adds_a_user_who_sets_a_password_by_link_and_signs_in(
    browser, admin_site, screenshot
) -> None:
    url, store = admin_site
    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    page = admin.new_page()
    sign_in(page, url, "root@x.test", PASSWORD)
    page.get_by_role("link", name="Users").click()
    page.wait_for_load_state("load")

    page.fill("#new-email", "dee.x.test")  # not an email: refused, what was typed kept
    page.fill("#new-name", "Dee Lane")
    page.select_option("#new-role", "lead")
    page.check("input[name=teams][value=Blue]")
    page.get_by_role("button", name="Add user").click()
    page.wait_for_load_state("load")
    assert page.locator("#new-email-error").inner_text() == (
        "Enter an email address such as name@example.com."
    )
    assert page.input_value("#new-email") == "dee.x.test"
    assert page.input_value("#new-name") == "Dee Lane"
    assert page.locator("#new-role").input_value() == "lead"
    assert page.is_checked("input[name=teams][value=Blue]")
    assert page.get_attribute("#new-email", "aria-invalid") == "true"
    screenshot(page, "admin-add-user-error")
    page.fill("#new-email", "dee@x.test")
    page.get_by_role("button", name="Add user").click()
    page.wait_for_load_state("load")
    assert "User added" in page.locator(".notice").inner_text()

    page.get_by_role("button", name="Make a reset link").click()
    page.wait_for_load_state("load")
    link = page.input_value("#reset-url")
    assert "/reset/" in link
    screenshot(page, "admin-reset-link")

    newcomer = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    theirs = newcomer.new_page()
    theirs.goto(link)
    assert "dee@x.test" in theirs.locator("main").inner_text()
    theirs.fill("#password", "a password of my own")
    theirs.fill("#confirm", "a different one")
    theirs.get_by_role("button", name="Set password").click()
    theirs.wait_for_load_state("load")
    assert "not the same" in theirs.locator("#confirm-error").inner_text()
    no_sideways_scroll(theirs)
    theirs.fill("#password", "a password of my own")
    theirs.fill("#confirm", "a password of my own")
    theirs.get_by_role("button", name="Set password").click()
    theirs.wait_for_load_state("load")
    assert "Your password is set" in theirs.locator("h1").inner_text()
    screenshot(theirs, "admin-reset-done")
    theirs.get_by_role("link", name="Sign in").click()
    theirs.wait_for_load_state("load")
    theirs.fill("#email", "dee@x.test")
    theirs.fill("#password", "a password of my own")
    theirs.get_by_role("button", name="Sign in").click()
    theirs.wait_for_load_state("load")
    assert theirs.url.endswith("/dashboard"), theirs.url
    assert theirs.goto(link).status == 410, "the link worked once"
    newcomer.close()

    page.goto(f"{url}/admin/audit")
    log = page.locator("table.audit").inner_text()
    assert "reset_password" in log and "issue_reset" in log
    dee = accounts.user_by_email(store, "dee@x.test")
    assert dee.role == UserRole.LEAD and len(dee.team_ids) == 1, "as the form chose"
    admin.close()


def test_admin_creates_a_token_shown_once_and_revokes_it(browser, admin_site, screenshot) -> None:
    url, store = admin_site
    lee = accounts.user_by_email(store, "lee@x.test")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, url, "root@x.test", PASSWORD)
    page.goto(f"{url}/admin/users/{lee.id}")
    page.fill("#token-name", "CRM export")
    page.fill("#token-days", "7")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state("load")
    token = page.input_value("#new-token")
    assert token.startswith("heard_")
    assert "CRM export" in page.locator("table.tokens").inner_text()
    screenshot(page, "admin-token-created")
    me = httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == "lee@x.test"

    page.goto(f"{url}/admin/users/{lee.id}")
    assert page.locator("#new-token").count() == 0, "shown once"
    assert token not in page.content()
    page.get_by_role("button", name="Revoke token").click()
    page.wait_for_load_state("load")
    assert "revoked" in page.locator("table.tokens").inner_text()
    me = httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_admin_pages_fit_a_phone(browser, admin_site, screenshot) -> None:
    url, store = admin_site
    lee = accounts.user_by_email(store, "lee@x.test")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, url, "root@x.test", PASSWORD)
    for path, name in (
        ("/admin/users", "admin-users-phone"),
        (f"/admin/users/{lee.id}", "admin-user-phone"),
        ("/admin/audit", "admin-audit-phone"),
        ("/account/password", "account-password-phone"),
    ):
        page.goto(f"{url}{path}")
        no_sideways_scroll(page)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('main input:not([type=hidden]):not([hidden]),'
                + ' main select')].filter(e => !(e.labels && e.labels.length)
                && !e.getAttribute('aria-label')).map(e => e.name)"""
        )
        assert unlabelled == [], (path, unlabelled)
        screenshot(page, name)
    context.close()
