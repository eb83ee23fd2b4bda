"""The conversation viewer's call: the timeline drawn from what the analysis found (the same
seconds and counts as its findings and call metrics), words as spans with their times for the
player when the audio was kept, no player without it, and a timeline for calls read for timing
only. Calls built by hand and analysed by heard's Analyzer."""

from __future__ import annotations

from bs4 import BeautifulSoup

from heard.model import Channel, Conversation, Finding, Polarity, Role, Span, Turn, Word
from heard.web.pages import render_conversation
from heard.web.pages.transcript import transcript, word_places
from heard.web.timeline import call_timeline, clock
from heard.web.views import CallAudio, ConversationView, PageUser, UserRole
from teamdata import analyzer

LEAD = PageUser(name="Lena Lead", email="lead@example.com", role=UserRole.LEAD)
AUDIO = CallAudio(url="/api/v1/conversations/7/audio", seconds=25.0, silenced_seconds=1.5)

LINES = [
    (Role.AGENT, 0.0, 2.0, "Thanks for calling, how can I help?"),
    (
        Role.CUSTOMER,
        2.5,
        9.0,
        "My card was charged twice and I want to know why <b>it</b> happened.",
    ),
    (Role.AGENT, 5.0, 5.6, "mm hmm"),  # a backchannel while the customer speaks
    (Role.AGENT, 8.0, 12.0, "Let me look into that for you right now."),  # cuts in at 8.0
    (Role.CUSTOMER, 18.0, 20.0, "Hello, are you there?"),  # after 6 s of dead air
    (Role.AGENT, 20.5, 23.0, "Yes, sorry, I found the second charge."),
]


def timed_words(text: str, start: float, end: float) -> list[Word]:
    tokens = text.split()
    step = (end - start) / len(tokens)
    return [
        Word(text=t, start=round(start + i * step, 3), end=round(start + (i + 1) * step, 3))
        for i, t in enumerate(tokens)
    ]


def call(*, words: bool = True, texts: bool = True) -> Conversation:
    turns = [
        Turn(
            index=i,
            role=role,
            text=text if texts else "",
            start=start,
            end=end,
            words=timed_words(text, start, end) if words and texts else None,
        )
        for i, (role, start, end, text) in enumerate(LINES)
    ]
    return Conversation(id="call-1", channel=Channel.CALL, turns=turns)


def view(conversation: Conversation, *, audio: CallAudio | None = AUDIO) -> ConversationView:
    card = analyzer().analyze(conversation).scorecard
    return ConversationView(conversation=conversation, scorecard=card, audio=audio)


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_the_timeline_marks_what_the_analysis_found_with_its_own_figures() -> None:
    conversation = call()
    card = analyzer().analyze(conversation).scorecard
    timeline = call_timeline(conversation, card)
    assert timeline is not None and timeline.seconds == 23.0
    found = {
        f.behaviour: f
        for f in card.findings
        if f.behaviour in ("interruption", "backchannel_overlap", "dead_air")
    }
    assert set(found) == {"interruption", "backchannel_overlap", "dead_air"}
    [cut_in] = timeline.of("interruption")
    assert (cut_in.start, cut_in.end, cut_in.turn) == (8.0, 9.0, 3)
    assert cut_in.seconds == found["interruption"].data["overlap_seconds"] == 1.0
    assert cut_in.finding == card.findings.index(found["interruption"])
    [backchannel] = timeline.of("backchannel")
    assert (backchannel.start, backchannel.turn) == (5.0, 2)
    [dead] = timeline.of("dead_air")
    assert (dead.start, dead.end) == (12.0, 18.0)
    assert dead.seconds == found["dead_air"].data["silence_seconds"] == 6.0
    ratio = card.metrics["talk_ratio"]
    assert f"agent talk ratio {100 * ratio:.0f}%" in timeline.figures
    assert f"longest agent monologue {card.metrics['longest_monologue_seconds']:.0f} s" in (
        timeline.figures
    )
    assert "1 interruption" in timeline.figures and "1 backchannel" in timeline.figures
    assert "dead air 6.0 s in 1 silence" in timeline.figures
    for item in [*timeline.bars, *timeline.marks]:
        assert item.x >= 0 and item.x + item.width <= 100.001
    assert [t.label for t in timeline.ticks] == ["0:00", "0:05", "0:10", "0:15", "0:20"]
    # the recording may run on after the last turn: the drawing spans all of it
    assert call_timeline(conversation, card, seconds=25.0).seconds == 25.0


def test_with_audio_words_are_spans_with_their_times_and_turns_play_from_their_start() -> None:
    conversation = call()
    page = soup(render_conversation(view(conversation), user=LEAD))
    audio = page.select_one(".player audio#call-audio")
    assert audio["src"] == AUDIO.url and audio["preload"] == "metadata"
    assert page.select_one('script[src^="/static/player."]')
    said: list[tuple[str, float, float]] = []  # a highlight's edge may cut a word in two spans
    for span in page.select("li.turn .w"):
        start, end = float(span["data-start"]), float(span["data-end"])
        if said and said[-1][1] == start:
            said[-1] = (said[-1][0] + span.get_text(), start, end)
        else:
            said.append((span.get_text(), start, end))
    words = [w for t in conversation.turns for w in t.words or ()]
    assert said == [(w.text, round(w.start, 2), round(w.end, 2)) for w in words]
    turn = page.select_one("#t3")
    assert (turn["data-start"], turn["data-end"]) == ("8.00", "12.00")
    button = turn.select_one("button.seek")
    assert button["data-seek"] == "8.00" and button["aria-label"] == "Play turn 3 from 0:08"
    assert "<b>" not in str(page.select_one("#t1 .text")).replace("&lt;b&gt;", "")  # escaped
    assert page.select_one(".timeline.playable line.playhead")
    assert "1.5 s silenced" in page.select_one(".player + .hint").get_text()


def test_without_audio_no_player_and_no_word_spans_but_the_timeline_stays() -> None:
    page = soup(render_conversation(view(call(), audio=None), user=LEAD))
    assert page.select_one("audio") is None and page.select_one(".player") is None
    assert page.select(".w") == [] and page.select("button.seek") == []
    assert page.select_one(".timeline:not(.playable)") and not page.select(".playhead")
    assert len(page.select(".timeline rect.bar")) == len(LINES)


def test_a_call_read_for_timing_only_gets_its_timeline() -> None:
    conversation = call(texts=False)
    page = soup(render_conversation(view(conversation, audio=None), user=LEAD))
    assert len(page.select(".timeline rect.bar")) == len(LINES)
    assert page.select(".timeline a.mark.dead_air")
    assert page.select_one("audio") is None
    figures = page.select_one("p.figures").get_text()
    assert "Agent talk ratio" in figures and "words a minute" not in figures


def test_a_long_silence_read_for_timing_only_is_marked_as_a_hold_and_dead_air() -> None:
    turns = [
        Turn(index=0, role=Role.AGENT, text="", start=0.0, end=3.0),
        Turn(index=1, role=Role.CUSTOMER, text="", start=3.5, end=6.0),
        Turn(index=2, role=Role.AGENT, text="", start=46.0, end=50.0),
    ]
    conversation = Conversation(id="quiet", channel=Channel.CALL, turns=turns)
    card = analyzer().analyze(conversation).scorecard
    timeline = call_timeline(conversation, card)
    [hold] = timeline.of("hold")
    assert (hold.start, hold.end, hold.seconds) == (6.0, 46.0, 40.0)
    [dead] = timeline.of("dead_air")
    assert (dead.start, dead.end) == (6.0, 46.0)
    assert f"{card.metrics['holds']:.0f} hold, {card.metrics['hold_seconds']:.0f} s" in (
        timeline.figures
    )


def test_words_are_found_in_the_redacted_text_and_a_highlight_edge_splits_a_word() -> None:
    words = [
        Word(text="My", start=1.0, end=1.2),
        Word(text="card", start=1.2, end=1.5),
        Word(text="is", start=1.5, end=1.6),
        Word(text="[CARD],", start=1.7, end=3.0),
        Word(text="thanks.", start=3.1, end=3.5),
    ]
    turn = Turn(index=0, role=Role.CUSTOMER, text="My card is [CARD], thanks.", start=1.0, end=3.5)
    turn.words = words
    assert [(turn.text[a:b], s) for a, b, s, _ in word_places(turn)] == [
        ("My", 1.0),
        ("card", 1.2),
        ("is", 1.5),
        ("[CARD],", 1.7),
        ("thanks.", 3.1),
    ]
    conversation = Conversation(id="c", channel=Channel.CALL, turns=[turn])
    card = analyzer().analyze(conversation).scorecard
    card.findings = [
        Finding(
            detector="heard.test.v1",
            behaviour="acknowledgement",
            component="attentiveness",
            polarity=Polarity.POSITIVE,
            spans=[Span(turn=0, start=5, end=9)],  # "rd i": cuts "card" and "is"
        )
    ]
    [line] = transcript(conversation, card, words=True)
    runs = [(r.text, r.start) for p in line.text_pieces for r in p.runs]
    assert runs == [
        ("My", 1.0),
        (" ", None),
        ("ca", 1.2),
        ("rd", 1.2),
        (" ", None),
        ("i", 1.5),
        ("s", 1.5),
        (" ", None),
        ("[CARD],", 1.7),
        (" ", None),
        ("thanks.", 3.1),
    ]
    assert "".join(r for r, _ in runs) == turn.text
    # a word the (edited) text lacks gets no span; the rest still do
    turn.words = [*words[:2], Word(text="missing", start=1.5, end=1.6), *words[3:]]
    assert [turn.text[a:b] for a, b, _, _ in word_places(turn)] == [
        "My",
        "card",
        "[CARD],",
        "thanks.",
    ]


def test_clock() -> None:
    assert [clock(s) for s in (0, 8.9, 75, 3725)] == ["0:00", "0:08", "1:15", "1:02:05"]
