"""The pages in a real browser: highlights explain themselves, the charts are inline SVG
images with their titles, and the survey works on a phone."""

from __future__ import annotations

import pytest

from browser.example_site import EXAMPLES

CALL = "ex-01-call-interruptions"
CHAT = "ex-03-chat-angry-handled-badly"


def _charts_drawn(page, selector: str) -> None:
    """The chart is an SVG image named by its title, drawn at a usable size."""
    chart = page.locator(f"{selector} svg.plot[role=img]")
    title = chart.locator("title").first.text_content()
    assert title and page.get_by_role("img", name=title, exact=True).count() == 1
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100, (selector, box)


def test_conversation_viewer_highlights_and_explains(page, site, screenshot) -> None:
    page.goto(f"{site}/conversations/{CHAT}")
    marks = page.locator("mark.hl")
    assert marks.count() > 5
    first = marks.first
    ids = first.get_attribute("data-findings").split()
    explanation = page.locator(f"#f{ids[0]} .why").text_content()
    popover = page.locator("#popover")
    assert popover.is_hidden()
    first.hover()
    popover.wait_for(state="visible")
    assert explanation.strip() in popover.inner_text()
    page.mouse.move(5, 5)
    popover.wait_for(state="hidden")
    first.click()
    popover.wait_for(state="visible")
    page.mouse.move(5, 5)
    assert popover.is_visible(), "a clicked highlight stays open"
    page.keyboard.press("Escape")
    popover.wait_for(state="hidden")
    screenshot(page, "conversation-chat")
    assert not page.errors


def test_emotion_chart_and_call_timeline_render(page, site, screenshot) -> None:
    page.goto(f"{site}/conversations/{CALL}")
    _charts_drawn(page, "#emotion-chart")
    assert page.locator("#emotion-chart svg.plot rect.slot").count() > 3, "a column a turn"
    assert page.locator(".timeline svg.track rect.bar").count() > 5
    assert page.locator(".timeline a.mark.interruption").count() >= 1
    assert page.locator("audio").count() == 0, "no audio kept: no player"
    # without audio, a mark of the timeline leads to its turn
    mark = page.locator(".timeline a.mark").first
    turn = mark.get_attribute("data-turn")
    mark.click()
    page.wait_for_function("t => location.hash === '#t' + t", arg=turn)
    screenshot(page, "conversation-call")
    assert not page.errors


def test_add_note_here_fills_the_form(page, site) -> None:
    page.goto(f"{site}/conversations/{CALL}")
    page.locator("#t4 button.note-here").click()
    assert page.locator("#note-turn").input_value() == "4"
    assert page.evaluate("document.activeElement.id") == "note-text"


def test_agent_sees_acknowledge_not_add_note(page, site) -> None:
    page.goto(f"{site}/conversations/{CALL}?as=agent")
    assert page.locator("#note-form").count() == 0
    assert page.get_by_role("button", name="Acknowledge").count() == 1


def test_dashboard_charts_render(page, site, screenshot) -> None:
    page.goto(f"{site}/dashboard")
    for chart in ("#trend-chart", "#histogram-chart", "#component-chart"):
        _charts_drawn(page, chart)
    assert page.locator("table.agents svg.sparkline").count() >= 3
    screenshot(page, "dashboard")
    assert not page.errors


@pytest.mark.parametrize("path", ["/me", "/recognition", "/feedback", "/upload", "/sign-in"])
def test_other_pages_load_without_errors(page, site, screenshot, path: str) -> None:
    page.goto(f"{site}{path}")
    page.wait_for_load_state("load")
    for chart in page.locator("figure.chart").all():
        _charts_drawn(page, f"#{chart.get_attribute('id')}")
    screenshot(page, path.strip("/"))
    assert not page.errors


def test_survey_on_a_phone(phone, site, screenshot, example_data) -> None:
    phone.goto(f"{site}/survey/abc123")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"
    box = phone.locator("label[for=csat-4]").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, "tap targets of at least 44 px"
    screenshot(phone, "survey-phone")
    phone.locator("label[for=csat-4]").tap()
    phone.locator("label[for=heard-5]").tap()
    phone.locator("#comment").fill("Quick and kind <b>thanks</b>")
    phone.get_by_role("button", name="Send").tap()
    phone.get_by_role("heading", name="Thank you!").wait_for()
    assert example_data.survey_answers[-1]["csat"] == "4"
    assert example_data.survey_answers[-1]["felt_heard"] == "5"
    screenshot(phone, "survey-phone-thanks")


def test_upload_shows_each_files_result(page, site, tmp_path) -> None:
    good = EXAMPLES / "09-chat-happy-short.json"
    bad = tmp_path / "broken.json"
    bad.write_text('{"id": "x", "channel": "chat", "turns": [')
    page.goto(f"{site}/upload")
    page.set_input_files("#files", [str(good), str(bad)])
    page.get_by_role("button", name="Upload").click()
    page.locator(".result.ok").wait_for()
    page.locator(".result.error").wait_for()
    assert "1 conversation" in page.locator(".result.ok").inner_text()
    assert "broken.json" in page.locator(".result.error").inner_text()
