"""Help-desk bodies reduce to the author's own words: literal inputs, expected outputs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heard.importers._email import authored_text, html_to_text, strip_quotes_and_signature

HTML_TO_TEXT = [
    ("<p>Hello</p><p>World</p>", "Hello\n\nWorld"),
    ("<div>one</div><div>two</div>", "one\ntwo"),
    ("<div>one</div><div><br></div><div>two</div>", "one\n\ntwo"),
    ("line one<br>line two<br/>line three", "line one\nline two\nline three"),
    ("Fish &amp; chips &lt;3 &eacute;t&eacute; &#8364;5", "Fish & chips <3 été €5"),
    ("Read <a href='https://help.example.com/a/1'>the guide</a> first.", "Read the guide first."),
    ("<p>  lots   of\n\n  space\t here </p>", "lots of space here"),
    ("a&nbsp;&nbsp;b", "a b"),
    ("<ul>\n  <li>first</li>\n  <li>second</li>\n</ul>", "first\nsecond"),
    (
        "<table><tr><td>Order</td><td>#123</td></tr><tr><td>Total</td><td>$5</td></tr></table>",
        "Order #123\nTotal $5",
    ),
    ("<style>p {color: red}</style><script>alert(1)</script><p>Visible</p>", "Visible"),
    ("<!-- hidden --><p>shown</p>", "shown"),
    ("<pre>keep\n  these\nlines</pre>", "keep\nthese\nlines"),
    ("<h1>Title</h1>Body", "Title\n\nBody"),
    ("plain text, no tags", "plain text, no tags"),
    ("", ""),
]


@pytest.mark.parametrize(("html", "expected"), HTML_TO_TEXT)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


PLAIN = [
    # nothing to remove
    ("Hi, my order #123 never arrived.", "Hi, my order #123 never arrived."),
    # "On … wrote:" with > lines
    (
        "Thanks, that fixed it.\n\nOn Mon, 3 Mar 2025 at 10:00, Acme Support "
        "<support@acme.test> wrote:\n> Please restart the router.\n> Regards, Dana",
        "Thanks, that fixed it.",
    ),
    # attribution wrapped over two lines, as Gmail does
    (
        "Still broken.\n\nOn Mon, Mar 3, 2025 at 10:00 AM Acme Support <\n"
        "support@acme.test> wrote:\n\n> Please restart the router.",
        "Still broken.",
    ),
    # interleaved quote lines without an attribution
    (
        "> Did you restart it?\nYes, twice.\n> And the cable?\nAlso yes.",
        "Yes, twice.\nAlso yes.",
    ),
    # Outlook plain text
    (
        "Please cancel it.\n\n-----Original Message-----\nFrom: Acme Support\n"
        "Sent: Monday, March 3, 2025 10:00 AM\nTo: Sam\nSubject: RE: Order\n\nWe can help.",
        "Please cancel it.",
    ),
    (
        "Please cancel it.\n\nFrom: Acme Support <support@acme.test>\n"
        "Sent: Monday, March 3, 2025 10:00 AM\nTo: Sam Lee <sam@example.com>\n"
        "Subject: RE: Order\n\nWe can help.",
        "Please cancel it.",
    ),
    (
        "Please cancel it.\n________________________________\nFrom: Acme Support\n"
        "Sent: Monday\n\nWe can help.",
        "Please cancel it.",
    ),
    # foreign-language quote headers are not recognised, but their > lines still go
    (
        "Oui.\n\nLe lun. 3 mars 2025, Dana a écrit :\n> Bonjour",
        "Oui.\n\nLe lun. 3 mars 2025, Dana a écrit :",
    ),
    # Zendesk's reply delimiter
    (
        "Got it, thanks\n\n##- Please type your reply above this line -##\n\nDana (Acme)\n"
        "Your request has been updated.",
        "Got it, thanks",
    ),
    # only quoted text: nothing new
    ("On Mon, 3 Mar 2025, Dana wrote:\n> Hello\n> there", ""),
    # "-- " signature delimiter
    ("See the attached log.\n\n-- \nSam Lee\nAcme Ltd | +1 555 0100", "See the attached log."),
    # mobile signature
    ("Yes please go ahead\n\nSent from my iPhone", "Yes please go ahead"),
    # sign-off followed by a name block
    ("The refund arrived.\n\nBest regards,\nSam Lee\nAcme Ltd\n+1 555 0100", "The refund arrived."),
    ("The refund arrived.\nThanks, Sam", "The refund arrived."),
    # a sentence that starts like a sign-off is kept
    (
        "Hello\n\nThanks, that fixed it.\nBut now the light is red.",
        "Hello\n\nThanks, that fixed it.\nBut now the light is red.",
    ),
    (
        "Hello\nThanks,\nI have one more question about my bill.",
        "Hello\nThanks,\nI have one more question about my bill.",
    ),
    # hyphen lists are not signatures
    ("Steps:\n- unplug it\n- wait ten seconds", "Steps:\n- unplug it\n- wait ten seconds"),
    # CRLF line ends
    ("First line\r\nSecond line\r\n\r\n-- \r\nSig", "First line\nSecond line"),
]


@pytest.mark.parametrize(("text", "expected"), PLAIN)
def test_strip_quotes_and_signature(text: str, expected: str) -> None:
    assert strip_quotes_and_signature(text) == expected


HTML_BODIES = [
    # Gmail: signature div and gmail_quote with its attribution
    (
        '<div dir="ltr">That worked, thank you!<br clear="all"><div><br></div>-- <br>'
        '<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">Sam Lee<br>'
        'Acme Ltd</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        "On Tue, Mar 4, 2025 at 9:12 AM Support &lt;support@acme.test&gt; wrote:<br></div>"
        '<blockquote class="gmail_quote">Please restart the router.</blockquote></div>',
        "That worked, thank you!",
    ),
    # Apple Mail: attribution line, then a bare blockquote
    (
        '<div>Yes, that is my address.</div><div><br><blockquote type="cite">'
        "<div>On 4 Mar 2025, at 09:12, Acme Support wrote:</div><div>Can you confirm "
        "your address?</div></blockquote></div>",
        "Yes, that is my address.",
    ),
    (
        "<p>Yes, that is my address.</p><p>On 4 Mar 2025, at 09:12, Acme Support "
        "&lt;support@acme.test&gt; wrote:</p><blockquote>Can you confirm?</blockquote>",
        "Yes, that is my address.",
    ),
    # Outlook on the web: everything from #appendonsend on is quoted
    (
        '<div>Please go ahead.</div><div id="appendonsend"></div><hr style="display:inline-block">'
        '<div id="divRplyFwdMsg"><b>From:</b> Acme Support<br><b>Sent:</b> Monday</div>'
        "<div>We can refund the order.</div>",
        "Please go ahead.",
    ),
    (
        '<div><div>Please go ahead.</div></div><div id="x_divRplyFwdMsg"><b>From:</b> Acme'
        "</div><div>We can refund the order.</div>",
        "Please go ahead.",
    ),
    # Outlook desktop: header block rendered as text
    (
        "<p>Please go ahead.</p><div style='border-top:solid #E1E1E1 1.0pt'><p><b>From:</b> "
        "Acme Support &lt;support@acme.test&gt;<br><b>Sent:</b> Monday, March 3, 2025<br>"
        "<b>To:</b> Sam<br><b>Subject:</b> RE: Order</p></div><p>We can refund the order.</p>",
        "Please go ahead.",
    ),
    # vendor quote containers
    (
        '<div class="zd-comment"><p>Done, thanks.</p></div><div class="zendesk_quoted_text">'
        "<p>Dana: Please confirm.</p></div>",
        "Done, thanks.",
    ),
    (
        '<p>Works now</p><div class="intercom-quote"><p>Did the reset help?</p></div>',
        "Works now",
    ),
    (
        '<div>Ok!</div><div class="yahoo_quoted"><div>On Monday, Acme wrote:</div>'
        "<div>old</div></div>",
        "Ok!",
    ),
    # plain HTML with a sign-off and name
    (
        "<p>Hi Sam,</p><p>Your refund is on its way.</p><p>Best regards,<br>Dana<br>Acme "
        "Support</p>",
        "Hi Sam,\n\nYour refund is on its way.",
    ),
]


@pytest.mark.parametrize(("html", "expected"), HTML_BODIES)
def test_authored_text_from_html(html: str, expected: str) -> None:
    result = authored_text(html, html=True)
    assert result.text == expected
    assert result.removed


def test_authored_text_says_when_nothing_was_removed() -> None:
    result = authored_text("<p>Hi,</p><p>where is my parcel?</p>", html=True)
    assert result.text == "Hi,\n\nwhere is my parcel?"
    assert not result.removed
    assert authored_text("  where   is my parcel?  ", html=False) == authored_text(
        "where is my parcel?", html=False
    )


FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
html_pieces = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<div>",
            "</div>",
            "<br>",
            "<blockquote>",
            "</blockquote>",
            '<div class="gmail_quote">',
            '<div id="appendonsend">',
            "<li>",
            "<td>",
            "<pre>",
            "</pre>",
            "&amp;",
            "&nbsp;",
            "&#8364;",
            "<!--",
            "-->",
            "<![CDATA[",
            "]]>",
            "<",
            ">",
            "\n",
            "-- \n",
            "> ",
            "On Mon, Sam wrote:\n",
            "Thanks,\n",
            "Jane\n",
            "Sent from my iPhone\n",
            "-----Original Message-----\n",
            "From: a\nSent: b\n",
            "##- Please type your reply above this line -##",
            "\r\n",
            " ",
            "\u200b",
        ]
    )
    | st.text(max_size=12),
    max_size=30,
).map("".join)


@FUZZ
@given(st.one_of(st.text(max_size=300), html_pieces))
def test_never_raises_and_never_grows(body: str) -> None:
    plain = strip_quotes_and_signature(body)
    assert len(plain) <= len(body)
    text = html_to_text(body)
    assert len(text) <= len(body)
    cleaned = authored_text(body, html=True)
    assert len(cleaned.text) <= len(text)
    assert len(authored_text(body, html=False).text) <= len(body)
