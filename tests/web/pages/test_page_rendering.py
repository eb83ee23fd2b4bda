"""Every page rendered from literal view models: highlights where the spans point (overlaps
kept), hostile text escaped, empty states, navigation by role, forms with the CSRF token, and
nothing fetched from outside the app."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup

from heard.model import (
    ChecklistItem,
    ComponentScore,
    Concern,
    ConcernStatus,
    Conversation,
    Finding,
    OutcomePrediction,
    Polarity,
    Scorecard,
    Span,
    Tip,
    Turn,
    TurnEmotion,
    Verdict,
)
from heard.web import charts
from heard.web.pages import (
    render_agent_home,
    render_conversation,
    render_dashboard,
    render_error,
    render_feedback,
    render_recognition,
    render_sign_in,
    render_survey,
    render_upload,
)
from heard.web.views import (
    AgentHomeView,
    AgentRow,
    Badge,
    ComponentTrend,
    ConversationView,
    DashboardView,
    FeedbackAnswer,
    FeedbackChartView,
    FeedbackPoint,
    HistogramBin,
    Listener,
    Moment,
    Note,
    NoteStatus,
    PageUser,
    RecognitionView,
    SignInView,
    SurveyView,
    TrendPoint,
    UploadResult,
    UploadView,
    UserRole,
)
from web.chartsvg import bars, plot_of, points, segments, slots

HOSTILE = '<script>alert("x")</script>'
LEAD = PageUser(name="Lena", email="lena@example.com", role=UserRole.LEAD)
AGENT = PageUser(name="Tom", email="tom@example.com", role=UserRole.AGENT, agent_id="a1")
ADMIN = PageUser(name="Ada", email="ada@example.com", role=UserRole.ADMIN)
WHEN = datetime(2026, 1, 14, 9, 30, tzinfo=UTC)


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def finding(behaviour: str, component: str, polarity: Polarity, *spans: Span, **kw) -> Finding:
    return Finding(
        detector=f"heard.{behaviour}.v1",
        behaviour=behaviour,
        component=component,
        polarity=polarity,
        spans=list(spans),
        **kw,
    )


def conversation_view(*, timed: bool = False, notes: list[Note] | None = None) -> ConversationView:
    texts = [
        ("customer", f"My router {HOSTILE} keeps dropping out and I am furious."),
        ("agent", "I see, that sounds really frustrating. What happens when it drops?"),
        ("customer", "It just stops."),
    ]
    turns = [
        Turn(
            index=i,
            role=role,
            text=text,
            start=i * 10.0 if timed else None,
            end=i * 10.0 + 8 if timed else None,
        )
        for i, (role, text) in enumerate(texts)
    ]
    conversation = Conversation(
        id="conv/1 <b>",
        channel="call" if timed else "chat",
        turns=turns,
        agent={"id": "a1", "name": f"Tom {HOSTILE}"},
        customer={"name": "Gary"},
        started_at=WHEN,
    )
    agent_text = texts[1][1]
    findings = [
        # overlapping: acknowledgement "I see, that" and reflection "that sounds really frustrating"
        finding(
            "acknowledgement",
            "attentiveness",
            Polarity.POSITIVE,
            Span(turn=1, start=0, end=11),
            explanation=f"acknowledges {HOSTILE}",
        ),
        finding(
            "reflection_of_feeling",
            "reflecting",
            Polarity.POSITIVE,
            Span(turn=1, start=7, end=agent_text.index(".")),
            explanation="names the customer's feeling",
            suggestion="Keep doing this",
        ),
        finding(
            "customer_emotion",
            "empathy",
            Polarity.NEUTRAL,
            Span(turn=0, start=0, end=len(texts[0][1])),
            data={"emotion": "anger"},
        ),
        finding(
            "open_question",
            "clarification",
            Polarity.POSITIVE,
            Span(turn=1, start=agent_text.index("What"), end=len(agent_text)),
        ),
    ]
    if timed:
        findings.append(
            finding(
                "interruption",
                "interruptions",
                Polarity.NEGATIVE,
                Span(turn=1, start=0, end=len(agent_text)),
                explanation="starts too early",
            )
        )
    card = Scorecard(
        conversation_id=conversation.id,
        listening_score=72,
        outcome=OutcomePrediction(
            felt_heard=0.83,
            annoyed=0.12,
            model="star-outcome-0123456789ab",
            validity={"felt_heard_auc": 0.65, "annoyed_auc": 0.88},
        ),
        components=[
            ComponentScore(component="attentiveness", score=80, findings=1),
            ComponentScore(component="clear_language", score=None),
        ],
        checklist=[
            ChecklistItem(
                behaviour="acknowledgement", component="attentiveness", verdict=Verdict.DONE
            ),
            ChecklistItem(behaviour="apology", component="empathy", verdict=Verdict.MISSED),
            ChecklistItem(
                behaviour="jargon", component="clear_language", verdict=Verdict.NOT_APPLICABLE
            ),
        ],
        tips=[
            Tip(
                behaviour="apology",
                message=f"Apologise {HOSTILE}",
                span=Span(turn=1, start=0, end=5),
                suggestion="Say sorry",
            )
        ],
        findings=findings,
        concerns=[
            Concern(
                id=0,
                kind="problem",
                span=Span(turn=0, start=0, end=20),
                quote="My router keeps dropping",
                status=ConcernStatus.ACKNOWLEDGED,
                acknowledged=1,
            )
        ],
        emotions=[
            TurnEmotion(turn=0, label="anger", intensity=0.8),
            TurnEmotion(turn=2, label="neutral", intensity=0.1),
        ],
    )
    return ConversationView(
        conversation=conversation,
        scorecard=card,
        notes=notes or [],
        feedback=[FeedbackAnswer(csat=4, felt_heard=5, comment=HOSTILE)],
        survey_url="/survey/abc.def",
    )


def open_note(**kw) -> Note:
    values = {
        "id": 7,
        "conversation_id": "conv/1 <b>",
        "turn": 1,
        "author": "Lena",
        "text": f"Nice {HOSTILE}",
        "created_at": WHEN,
    }
    values.update(kw)
    return Note(**values)


def dashboard_view(*, empty: bool = False) -> DashboardView:
    if empty:
        return DashboardView(
            teams=["Billing"], date_from=date(2026, 1, 5), date_to=date(2026, 1, 11)
        )
    weeks = [date(2026, 1, 5), date(2026, 1, 12)]
    return DashboardView(
        teams=["Billing", HOSTILE],
        date_from=weeks[0],
        date_to=date(2026, 1, 18),
        conversations=12,
        mean=61.5,
        trend=[TrendPoint(period=w, mean=m, n=6) for w, m in zip(weeks, (55, 68), strict=True)],
        components=[
            ComponentTrend(component="empathy", points=[TrendPoint(period=weeks[0], mean=50, n=6)])
        ],
        histogram=[
            HistogramBin(lower=low, upper=low + 10, count=low // 10) for low in range(0, 100, 10)
        ],
        agents=[
            AgentRow(
                agent_id="a1",
                name=f"Tom {HOSTILE}",
                n=12,
                mean=61.5,
                change=13,
                weekly=[55, None, 68],
            )
        ],
        best=[
            Moment(
                conversation_id="c/1",
                turn=2,
                quote=HOSTILE,
                behaviour="paraphrase",
                component="reflecting",
                polarity=Polarity.POSITIVE,
            )
        ],
        worst=[
            Moment(
                conversation_id="c2",
                turn=1,
                quote="calm down",
                behaviour="dismissive",
                component="empathy",
                polarity=Polarity.NEGATIVE,
                suggestion="Say what you can do",
            )
        ],
    )


def every_page() -> dict[str, str]:
    feedback_points = [
        FeedbackPoint(
            conversation_id=f"c{i}</script>",
            listening_score=10 * i,
            csat=1 + i % 5,
            felt_heard=1 + (i * 2) % 5,
        )
        for i in range(10)
    ]
    return {
        "conversation": render_conversation(
            conversation_view(timed=True, notes=[open_note()]), user=LEAD, csrf_token="tok"
        ),
        "dashboard": render_dashboard(dashboard_view(), user=LEAD, csrf_token="tok"),
        "agent_home": render_agent_home(
            AgentHomeView(
                agent_id="a1", name="Tom", trend=dashboard_view().trend, waiting=[open_note()]
            ),
            user=AGENT,
            csrf_token="tok",
        ),
        "recognition": render_recognition(
            RecognitionView(
                week_start=date(2026, 1, 12),
                min_n=5,
                by_score=[Listener(agent_id="a1", name="Tom", n=6, mean=80)],
                by_improvement=[Listener(agent_id="a1", name="Tom", n=6, mean=80, previous=70)],
                badges=[
                    Badge(
                        behaviour="paraphrase",
                        title="Best paraphraser",
                        agent="Tom",
                        value="9 paraphrases",
                    )
                ],
            ),
            user=AGENT,
            csrf_token="tok",
        ),
        "feedback": render_feedback(
            FeedbackChartView(points=feedback_points), user=LEAD, csrf_token="tok"
        ),
        "upload": render_upload(
            UploadView(
                formats=["json"],
                results=[UploadResult(file="a.json", ok=True, conversations=2, turns=9)],
            ),
            user=LEAD,
            csrf_token="tok",
        ),
        "survey": render_survey(SurveyView(action="/survey/abc"), csrf_token="tok"),
        "sign_in": render_sign_in(SignInView(error="Wrong email or password"), csrf_token="tok"),
        "error": render_error(
            status=404, message="No such conversation", user=LEAD, csrf_token="tok"
        ),
    }


# --- conversation viewer -----------------------------------------------------------------


def test_overlapping_spans_are_cut_into_pieces_that_carry_both_findings() -> None:
    page = soup(render_conversation(conversation_view(), user=LEAD))
    marks = page.select("#t1 mark.hl")
    assert [(m.get_text(), m["data-findings"]) for m in marks] == [
        ("I see, ", "0"),
        ("that", "0 1"),
        (" sounds really frustrating", "1"),
        ("What happens when it drops?", "3"),
    ]
    assert "overlap" in marks[1]["class"]
    assert "c-attentiveness" in marks[0]["class"] and "c-reflecting" in marks[2]["class"]
    assert page.select_one("#t1 .text").get_text() == conversation_view().conversation.turns[1].text


def test_each_finding_is_explained_once_with_its_suggestion() -> None:
    page = soup(render_conversation(conversation_view(), user=LEAD))
    item = page.select_one("#f1")
    assert "names the customer's feeling" in item.get_text()
    assert "Keep doing this" in item.select_one(".try").get_text()
    ids = [li["id"] for li in page.select("li.finding[id]")]
    assert len(ids) == len(set(ids)) == 4


def test_whole_turn_findings_are_tags_not_highlights() -> None:
    page = soup(render_conversation(conversation_view(), user=LEAD))
    assert not page.select("#t0 mark.hl")
    tag = page.select_one("#t0 summary .tag")
    assert tag["data-findings"] == "2" and "anger" in tag.get_text()


def test_hostile_text_is_escaped_everywhere() -> None:
    for name, html in every_page().items():
        assert "<script>alert" not in html, name
        assert '</script>"' not in html, name
    html = render_conversation(conversation_view(notes=[open_note()]), user=LEAD, csrf_token="tok")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_legend_names_the_components_that_are_highlighted() -> None:
    page = soup(render_conversation(conversation_view(), user=LEAD))
    legend = page.select_one("ul.legend").get_text()
    assert "Attentiveness" in legend and "Reflecting & paraphrasing" in legend
    assert "Digital replies" not in legend


def test_scorecard_checklist_concerns_and_tips() -> None:
    page = soup(render_conversation(conversation_view(), user=LEAD))
    assert page.select_one(".score-big strong").get_text() == "72"
    outcome = page.select_one(".page-head .outcome").get_text()
    assert "felt heard 83%" in outcome and "annoyed 12%" in outcome
    assert "held-out AUC 0.65 / 0.88" in outcome  # the validity figure beside the prediction
    assert [li.get_text() for li in page.select("ul.checklist.v-missed li")] == [
        "Apologises and owns it"
    ]
    steps = [td.get_text(strip=True) for td in page.select("tr.concern td.step")]
    assert steps == ["✓ turn 0", "✓ turn 1", "—", "—"]
    assert "Say sorry" in page.select_one("ol.tips").get_text()


def test_emotion_chart_and_call_timeline_for_calls() -> None:
    chat = soup(render_conversation(conversation_view(), user=LEAD))
    emotion = plot_of(chat, "#emotion-chart svg.plot")
    assert emotion["role"] == "img"
    assert points(emotion) == ["turn 0: anger, intensity 0.8", "turn 2: neutral, intensity 0.1"]
    assert [t for t, _ in slots(emotion)] == points(emotion), "each turn's column says it too"
    assert [li.get_text() for li in chat.select("#emotion-chart .legend li")] == [
        "anger",
        "neutral",
    ]
    assert chat.select_one(".timeline") is None, "no timeline without timings"
    call = soup(render_conversation(conversation_view(timed=True), user=LEAD))
    bars = call.select(".timeline rect.bar")
    assert [(b["data-turn"], b["class"][1]) for b in bars] == [
        ("0", "customer"),
        ("1", "agent"),
        ("2", "customer"),
    ]
    [mark] = call.select(".timeline a.mark.interruption")
    assert mark["href"] == "#t1" and mark["data-seek"] == "10.00"
    assert "1 interruption" in call.select_one("p.figures").get_text()
    assert call.select_one("audio") is None, "no audio kept: no player"


def test_lead_can_add_notes_and_resolve_agent_can_acknowledge_or_dispute() -> None:
    lead = soup(
        render_conversation(conversation_view(notes=[open_note()]), user=LEAD, csrf_token="tok")
    )
    form = lead.select_one("#note-form")
    assert form["action"] == "/conversations/conv%2F1%20%3Cb%3E/notes"
    assert [o["value"] for o in form.select("option")] == ["0", "1", "2"]
    assert lead.select_one('form[action="/notes/7/resolve"]')
    assert not lead.select_one('form[action="/notes/7/acknowledge"]')
    agent = soup(
        render_conversation(conversation_view(notes=[open_note()]), user=AGENT, csrf_token="tok")
    )
    assert agent.select_one("#note-form") is None
    assert agent.select_one('form[action="/notes/7/acknowledge"]')
    assert agent.select_one('form[action="/notes/7/dispute"]')
    assert not agent.select_one('form[action="/notes/7/resolve"]')
    resolved = soup(
        render_conversation(
            conversation_view(notes=[open_note(status=NoteStatus.RESOLVED)]), user=AGENT
        )
    )
    assert not resolved.select("#note-7 form")


def test_conversation_without_turns_or_findings() -> None:
    view = ConversationView(
        conversation=Conversation(id="empty", channel="chat"),
        scorecard=Scorecard(conversation_id="empty"),
    )
    page = soup(render_conversation(view, user=LEAD))
    texts = [p.get_text() for p in page.select("p.empty")]
    assert "This conversation has no turns." in texts
    assert any("No tips" in t for t in texts) and "No coaching notes yet." in texts
    assert page.select_one("#note-form") is None and page.select_one(".chart") is None


# --- the other pages ---------------------------------------------------------------------


def test_navigation_depends_on_the_role() -> None:
    def nav(user: PageUser) -> list[str]:
        page = soup(render_error(status=404, message="x", user=user))
        return [a.get_text() for a in page.select("header.top nav a")]

    assert nav(AGENT) == ["My home", "Conversations", "Reviews", "Recognition"]
    assert nav(LEAD) == [
        "Dashboard",
        "Conversations",
        "Reviews",
        "Disputes",
        "Recognition",
        "Customer feedback",
        "Upload",
        "Live",
    ]
    assert "Dashboard" in nav(ADMIN)
    waiting = LEAD.model_copy(update={"open_disputes": 3})
    assert "Disputes 3 open" in nav(waiting)  # the count of open disputes, read out
    signed_out = soup(render_sign_in(SignInView()))
    assert signed_out.select_one("header.top") is None


def test_current_page_is_marked_in_the_navigation() -> None:
    page = soup(render_dashboard(dashboard_view(), user=LEAD))
    assert page.select_one('a[aria-current="page"]').get_text() == "Dashboard"


def test_dashboard_charts_table_and_moments() -> None:
    page = soup(render_dashboard(dashboard_view(), user=LEAD))
    titles = {
        "trend-chart": "Mean Listening Score per week",
        "histogram-chart": "Conversations per Listening Score band",
        "component-chart": "Mean score per rubric component per week",
    }
    for chart_id, title in titles.items():
        svg = plot_of(page, f"figure#{chart_id} svg.plot[role=img]")
        assert page.select_one(f"#{svg['aria-labelledby']}").get_text() == title
        assert page.select_one(f"#{svg['aria-describedby']}").name == "desc"
    trend = plot_of(page, "#trend-chart svg.plot")
    assert points(trend) == [
        "week of 5 Jan 2026: 55 (6 conversations)",
        "week of 12 Jan 2026: 68 (6 conversations)",
    ]
    assert segments(trend) == [("25%", "75%")]
    histogram = plot_of(page, "#histogram-chart svg.plot")
    assert bars(histogram)[0] == "10–20: 1 conversation", "no bar for an empty band"
    assert len(bars(histogram)) == 9 and len(slots(histogram)) == 10
    assert page.select("#component-chart .legend li")[0].get_text() == "Empathy & patience"
    row = page.select_one("table.agents tbody tr")
    assert [td.get_text(strip=True) for td in row.select("td")[:5]] == [
        f"Tom {HOSTILE}",
        "",
        "12",
        "62",
        "+13",
    ]
    assert row.select_one("svg.sparkline polyline") is None, "a gap splits the line into dots"
    assert len(row.select("svg.sparkline circle")) == 3
    assert page.select_one(".moment.negative .try").get_text() == "Try: Say what you can do"
    assert page.select_one(".moment a")["href"] == "/conversations/c%2F1#t2"


def test_dashboard_filters_keep_their_values() -> None:
    view = dashboard_view()
    view.filters.teams = ["Billing", "Deliveries"]
    view.filters.team = "Deliveries"
    view.filters.date_from = date(2026, 1, 5)
    page = soup(render_dashboard(view, user=LEAD))
    form = page.select_one("form.filters")
    assert form["method"] == "get"
    assert form.select_one("select[name=team] option[selected]").get_text() == "Deliveries"
    assert form.select_one("input[name=date_from]")["value"] == "2026-01-05"


def test_empty_states() -> None:
    dashboard = soup(render_dashboard(dashboard_view(empty=True), user=LEAD))
    assert "No scored conversations match these filters." in dashboard.get_text()
    assert dashboard.select_one(".chart") is None
    home = soup(render_agent_home(AgentHomeView(agent_id="a1", name="Tom"), user=AGENT))
    assert "you are all caught up" in home.get_text()
    recognition = soup(
        render_recognition(
            RecognitionView(week_start=date(2026, 1, 12), min_n=5, too_few=["Ann"]), user=LEAD
        )
    )
    assert "Nobody had 5 conversations this week yet." in recognition.get_text()
    assert "too few conversations): Ann." in recognition.get_text()
    feedback = soup(render_feedback(FeedbackChartView(), user=LEAD))
    assert "No survey answers yet." in feedback.get_text() and feedback.select_one(".chart") is None
    upload = soup(render_upload(UploadView(), user=LEAD))
    assert upload.select_one("#upload-empty")


def test_agent_home_lists_notes_to_acknowledge() -> None:
    page = soup(
        render_agent_home(
            AgentHomeView(agent_id="a1", name="Tom", waiting=[open_note()]),
            user=AGENT,
            csrf_token="tok",
        )
    )
    assert (
        page.select_one('form[action="/notes/7/acknowledge"] input[name=csrf_token]')["value"]
        == "tok"
    )
    assert page.select_one("#note-7 a")["href"] == "/conversations/conv%2F1%20%3Cb%3E#t1"


def test_recognition_shows_improvement() -> None:
    page = soup(every_page()["recognition"])
    assert page.select("ol.podium")[1].select_one(".figure").get_text() == "+10"
    assert "at least 5 conversations" in page.select_one(".meta").get_text()


def test_feedback_page_means_by_answer() -> None:
    page = soup(every_page()["feedback"])
    rows = [
        [td.get_text() for td in tr.select("td")] for tr in page.select("#csat-h ~ table tbody tr")
    ]
    assert rows[0] == ["1", "2", "25"]  # conversations 0 and 5: scores 0 and 50
    chart = plot_of(page, "#csat-chart svg.plot")
    assert points(chart)[0] == "conversation c0</script>: score 0, answer 1"
    assert "</script>" not in str(chart).replace("&lt;/script&gt;", ""), "escaped in the markup"


def test_survey_is_mobile_friendly_and_has_a_thank_you_state() -> None:
    page = soup(render_survey(SurveyView(action="/survey/abc", agent="Tom")))
    assert page.select_one("meta[name=viewport]")["content"].startswith("width=device-width")
    assert len(page.select("input[name=csat][type=radio]")) == 5
    assert len(page.select("input[name=felt_heard][type=radio]")) == 5
    assert page.select_one("textarea[name=comment]")
    assert page.select_one("form")["action"] == "/survey/abc"
    assert page.select_one("header.top") is None
    again = soup(
        render_survey(
            SurveyView(
                action="/survey/abc", error="Please answer both questions.", csat=4, comment="hi"
            )
        )
    )
    assert again.select_one("[role=alert]").get_text() == "Please answer both questions."
    assert (
        again.select_one("#csat-4").has_attr("checked")
        and again.select_one("textarea").get_text() == "hi"
    )
    thanks = soup(render_survey(SurveyView(action="/survey/abc", submitted=True)))
    assert thanks.select_one("h1").get_text() == "Thank you!" and thanks.select_one("form") is None


def test_upload_page_posts_files_and_shows_results() -> None:
    view = UploadView(
        formats=["csv", "json"],
        results=[
            UploadResult(
                file="a.json", ok=True, format="json", conversations=2, turns=9, created=2
            ),
            UploadResult(file="b.csv", ok=False, error="b.csv, line 3: missing column 'text'"),
        ],
    )
    page = soup(render_upload(view, user=LEAD, csrf_token="tok"))
    form = page.select_one("#upload-form")
    assert form["action"] == "/upload" and form["enctype"] == "multipart/form-data"
    assert form.select_one("input[type=file]").has_attr("multiple")
    assert [r.get_text(" ", strip=True) for r in page.select(".result")] == [
        "a.json ✓ 2 conversations, 9 turns (json): 2 new, 0 updated, 0 unchanged",
        "b.csv ✗ b.csv, line 3: missing column 'text'",
    ]


def test_sign_in_form() -> None:
    page = soup(
        render_sign_in(
            SignInView(email="x@example.com", error="Wrong email or password", next="/me"),
            csrf_token="tok",
        )
    )
    form = page.select_one("form")
    assert form["action"] == "/sign-in" and form["method"] == "post"
    assert form.select_one("input[name=email]")["value"] == "x@example.com"
    assert form.select_one("input[name=next]")["value"] == "/me"
    assert page.select_one("[role=alert]").get_text() == "Wrong email or password"


# --- every page --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(every_page()))
def test_pages_use_only_local_assets(name: str) -> None:
    page = soup(every_page()[name])
    for tag in page.find_all(src=True):
        assert tag["src"].startswith("/static/"), (name, tag)
    for tag in page.find_all(href=True):
        assert not tag["href"].startswith(("http:", "https:", "//")), (name, tag)
    stylesheet = page.find("link", rel="stylesheet")["href"]
    assert re.fullmatch(r"/static/heard\.[0-9a-f]{12}\.css", stylesheet), stylesheet
    scripts = [s["src"] for s in page.find_all("script", src=True)]
    assert all(re.fullmatch(r"/static/[a-z-]+\.[0-9a-f]{12}\.js", src) for src in scripts), scripts
    assert not any("plotly" in src for src in scripts), "charts are inline SVG, no chart library"
    for chart in page.select("figure.chart"):
        assert chart.select_one("svg.plot[role=img] > title").get_text(), (name, chart["id"])


@pytest.mark.parametrize("name", list(every_page()))
def test_every_post_form_carries_the_csrf_token(name: str) -> None:
    for form in soup(every_page()[name]).select("form"):
        if form.get("method") == "post":
            assert form.select_one("input[name=csrf_token]")["value"] == "tok", (name, form)


def test_sign_out_is_a_post_form() -> None:
    page = soup(render_dashboard(dashboard_view(), user=LEAD, csrf_token="tok"))
    form = page.select_one('form[action="/sign-out"]')
    assert form["method"] == "post" and form.select_one("button")


# --- sparklines ---------------------------------------------------------------------------


def test_sparkline_scales_and_names_the_trend() -> None:
    svg = soup(charts.sparkline([0, 50, 100], width=100, height=20, label="Tom"))
    assert svg.select_one("polyline")["points"] == "2.0,18.0 50.0,10.0 98.0,2.0"
    assert svg.select_one("svg")["aria-label"] == "Tom: 0 → 100 over 3 weeks"
    assert "no scores" in charts.sparkline([None, None])
