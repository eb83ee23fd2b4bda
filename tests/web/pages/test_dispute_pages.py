"""The dispute pages and an agent's page over a real store (SQLite and PostgreSQL): the agent
disputes from the conversation page (a refused form keeps what was typed, with the error by
its field), the lead's inbox counts it in the navigation and decides it (a reject without a
reply is refused the same way), the agent sees the outcome; notes show their quoted words
and link to the conversation at their turn; a lead opens their agents' pages only."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from heard.store import coaching_notes, disputes
from heard.store.disputes import DisputeKind
from heard.store.records import NoteStatus
from web.api.conftest import Api
from web.pages.test_page_routes import csrf, sign_in


def soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def as_user(api: Api, who: str) -> None:
    api.client.cookies.clear()
    sign_in(api.client, f"{who}@x.test")


def test_dispute_from_the_conversation_to_the_inbox_and_back(api: Api) -> None:
    conversation_id = api.world.conversations["ann-2"]
    page_path = f"/conversations/{conversation_id}"
    finding = next(
        t
        for t in disputes.targets(api.store, api.world.viewer("ann"), conversation_id)
        if t.kind == DisputeKind.FINDING
    )
    as_user(api, "ann")
    page = soup(api.client.get(f"{page_path}?dispute={finding.key}").text)
    form = page.select_one("form#dispute-form")
    assert form is not None and form["action"] == f"{page_path}/disputes"
    assert form.select_one("option[selected]")["value"] == finding.key  # chosen from the link
    assert page.select_one("p.disagree a") is not None
    assert form.select_one("textarea[name=reason]")["maxlength"] == "2000"

    # no reason: the page again, the choice kept and the error under the reason
    token = csrf(api.client, page_path)
    refused = api.client.post(
        f"{page_path}/disputes",
        data={"csrf_token": token, "target": finding.key, "reason": "  "},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    form = soup(refused.text).select_one("form#dispute-form")
    assert form.select_one("option[selected]")["value"] == finding.key
    reason = form.select_one("#dispute-reason")
    assert reason["aria-invalid"] == "true" and reason["aria-describedby"] == "dispute-reason-error"
    assert "Say why you disagree." in form.select_one("#dispute-reason-error").get_text()

    # nothing chosen: the reason typed is kept
    refused = api.client.post(
        f"{page_path}/disputes",
        data={"csrf_token": token, "target": "", "reason": "I did acknowledge them"},
        follow_redirects=False,
    )
    form = soup(refused.text).select_one("form#dispute-form")
    assert refused.status_code == 422
    assert form.select_one("#dispute-reason").get_text() == "I did acknowledge them"
    assert form.select_one("#dispute-target-error").get_text() == "Choose what you disagree with."

    sent = api.client.post(
        f"{page_path}/disputes",
        data={"csrf_token": token, "target": finding.key, "reason": "I did acknowledge them"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert re.fullmatch(rf"{page_path}#dispute-\d+", sent.headers["location"])
    dispute_id = int(sent.headers["location"].rsplit("-", 1)[1])
    again = api.client.post(
        f"{page_path}/disputes",
        data={"csrf_token": token, "target": finding.key, "reason": "Again"},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert "You have disputed this already." in again.text
    page = soup(api.client.get(page_path).text)
    assert page.select_one(f"#dispute-{dispute_id} .status").get_text() == "open"
    assert "Disputed: open" in page.select_one("p.disputed").get_text()

    # Bea's navigation counts it; her inbox shows the quoted words, reason, agent and age
    as_user(api, "bea")
    inbox = soup(api.client.get("/disputes").text)
    assert inbox.select_one('nav a[href="/disputes"] .count').get_text() == "1 open"
    item = inbox.select_one(f"#dispute-{dispute_id}")
    assert item.select_one("blockquote.quote").get_text() == finding.quote
    assert "I did acknowledge them" in item.select_one(".reason").get_text()
    assert "Ann" in item.select_one(".meta").get_text()
    assert item.select_one(".meta a")["href"] == f"/conversations/{conversation_id}#t{finding.turn}"
    assert "just now" in item.select_one(".age").get_text()
    # Rex (Red) sees nothing of it
    as_user(api, "rex")
    assert f"dispute-{dispute_id}" not in api.client.get("/disputes").text

    # rejecting without a reply is refused by the field; the typed reply is kept otherwise
    as_user(api, "bea")
    token = csrf(api.client, "/disputes")
    refused = api.client.post(
        f"/disputes/{dispute_id}/reject", data={"csrf_token": token, "reply": " "}
    )
    assert refused.status_code == 422
    box = soup(refused.text).select_one(f"#reply-{dispute_id}")
    assert box["aria-invalid"] == "true"
    assert (
        "the agent reads this"
        in soup(refused.text).select_one(f"#reply-{dispute_id}-error").get_text()
    )
    long_reply = "x" * 2001
    refused = api.client.post(
        f"/disputes/{dispute_id}/reject", data={"csrf_token": token, "reply": long_reply}
    )
    assert refused.status_code == 422
    assert soup(refused.text).select_one(f"#reply-{dispute_id}").get_text() == long_reply
    done = api.client.post(
        f"/disputes/{dispute_id}/reject",
        data={"csrf_token": token, "reply": "You asked for the order number twice"},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/disputes?decided={dispute_id}"
    after = soup(api.client.get(done.headers["location"]).text)
    assert "heard's finding stands" in after.select_one(".notice").get_text()
    assert after.select_one('nav a[href="/disputes"] .count') is None
    rejected = soup(api.client.get("/disputes?status=rejected").text)
    assert rejected.select_one(f"#dispute-{dispute_id} .decision").get_text().startswith("Bea")
    assert api.client.get("/disputes?status=nonsense").status_code == 422

    # Ann sees the outcome on her page and on the conversation
    as_user(api, "ann")
    home = soup(api.client.get("/me").text)
    item = home.select_one(f"#dispute-{dispute_id}")
    assert "rejected: heard stands" in item.select_one(".status").get_text()
    assert "You asked for the order number twice" in item.select_one(".decision").get_text()


def test_a_lead_accepts_from_the_conversation_page(api: Api) -> None:
    conversation_id = api.world.conversations["ann-1"]
    made = disputes.raise_dispute(
        api.store,
        api.world.viewer("ann"),
        conversation_id,
        score="listening_score",
        turn=1,
        reason="I was kind",
    )
    as_user(api, "bea")
    page_path = f"/conversations/{conversation_id}"
    page = soup(api.client.get(page_path).text)
    form = page.select_one(f"#dispute-{made.id} form.decide")
    assert form.select_one("input[name=back]")["value"] == "conversation"
    assert page.select_one("form#dispute-form") is None  # a lead does not raise disputes
    token = csrf(api.client, page_path)
    refused = api.client.post(
        f"/disputes/{made.id}/reject",
        data={"csrf_token": token, "reply": "", "back": "conversation"},
    )
    assert refused.status_code == 422 and "Transcript" in refused.text  # the same page
    done = api.client.post(
        f"/disputes/{made.id}/accept",
        data={"csrf_token": token, "reply": "", "back": "conversation"},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"{page_path}#dispute-{made.id}"
    again = api.client.post(f"/disputes/{made.id}/accept", data={"csrf_token": token})
    assert again.status_code == 409
    as_user(api, "ann")
    page = soup(api.client.get(page_path).text)
    assert "overturned" in page.select_one(f"#dispute-{made.id} .status").get_text()


def test_an_accepted_finding_shows_as_not_counted(api: Api) -> None:
    """Accepting a finding's dispute takes it out of the score; the page lists it under "Not
    counted" with links to its turn and dispute, rather than hiding it."""
    conversation_id = api.world.conversations["ann-2"]
    finding = next(
        t
        for t in disputes.targets(api.store, api.world.viewer("ann"), conversation_id)
        if t.kind == DisputeKind.FINDING and t.polarity == "negative"
    )
    made = disputes.raise_dispute(
        api.store,
        api.world.viewer("ann"),
        conversation_id,
        finding=finding.key.removeprefix("finding:"),
        reason="Not dismissive",
    )
    as_user(api, "bea")
    page_path = f"/conversations/{conversation_id}"
    before = soup(api.client.get(page_path).text)
    assert before.select_one("#overturned") is None
    score_before = float(before.select_one(".score-big strong").get_text())
    token = csrf(api.client, page_path)
    done = api.client.post(
        f"/disputes/{made.id}/accept",
        data={"csrf_token": token, "reply": "", "back": "conversation"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = soup(api.client.get(page_path).text)
    overturned = page.select_one("#overturned")
    assert overturned is not None
    assert "Not counted: disputed and accepted" in overturned.get_text()
    assert overturned.select_one(f'a[href="#t{finding.turn}"]') is not None
    assert overturned.select_one(f'a[href="#dispute-{made.id}"]') is not None
    assert finding.behaviour not in overturned.get_text()  # its human label, not its id
    assert "no longer counts" in page.select_one(f"#dispute-{made.id} .not-counted").get_text()
    assert float(page.select_one(".score-big strong").get_text()) >= score_before


def test_notes_show_their_words_and_link_to_the_turn(api: Api) -> None:
    conversation_id = api.world.conversations["ann-2"]
    note = coaching_notes.create_note(
        api.store,
        api.world.viewer("bea"),
        conversation_id,
        text="Not this",
        turn=1,
        span_start=0,
        span_end=10,
    )
    for who, path in (("ann", "/me"), ("bea", f"/conversations/{conversation_id}")):
        as_user(api, who)
        item = soup(api.client.get(path).text).select_one(f"#note-{note.id}")
        assert item.select_one("blockquote.quote").get_text() == "Calm down."
        assert item.select_one("header a")["href"] == f"/conversations/{conversation_id}#t1"
    coaching_notes.respond_to_note(
        api.store, api.world.viewer("ann"), note.id, status=NoteStatus.DISPUTED, text="No"
    )
    as_user(api, "bea")
    inbox = soup(api.client.get("/disputes").text)
    item = inbox.select_one(f"#note-{note.id}")
    assert item is not None and item.select_one("blockquote.quote").get_text() == "Calm down."


def test_a_lead_opens_their_agents_pages_only(api: Api) -> None:
    ann = api.world.agents["ann"]
    as_user(api, "bea")
    page = soup(api.client.get(f"/agents/{ann}").text)
    assert page.select_one("h1").get_text() == "Ann"
    rows = page.select("table.behaviours tbody tr")
    assert rows and rows[0].select_one("th").get_text()  # a human label per behaviour
    cells = [td.get_text(" ", strip=True) for td in rows[0].select("td.num")]
    assert any(c.startswith("n=") for c in cells)  # 2 conversations: a count, no figure
    assert not any("%" in c for c in cells[:-1])
    recent = [a["href"] for a in page.select("#recent-h ~ .table-wrap a")]
    assert sorted(recent) == sorted(
        f"/conversations/{api.world.conversations[c]}" for c in ("ann-1", "ann-2")
    )
    dashboard = soup(api.client.get("/dashboard").text)
    assert dashboard.select_one(f'table.agents a[href="/agents/{ann}"]') is not None
    as_user(api, "rex")
    assert api.client.get(f"/agents/{ann}").status_code == 404
    as_user(api, "abe")
    assert api.client.get(f"/agents/{ann}").status_code == 404
    as_user(api, "ann")
    assert soup(api.client.get(f"/agents/{ann}").text).select_one("h1").get_text() == "Hello, Ann"
