"""Help-desk message bodies reduced to the words their author wrote: no markup, quotes or signature.

Later analysis must never mistake the customer's quoted text for the agent's words (or the
other way round), so every e-mail-like body an importer reads passes through here:

- `html_to_text` turns HTML into tidy plain text (block elements and ``<br>`` become line
  breaks, entities are decoded, links keep their text, scripts and styles are dropped);
- `strip_quotes_and_signature` cuts quoted earlier messages ("On … wrote:" and ``>`` lines,
  "-----Original Message-----", Outlook "From: … Sent: …" headers, Zendesk's "##- Please type
  your reply above this line -##") and signatures ("-- ", "Sent from my iPhone", a sign-off
  followed by a name block) from plain text, using mail-parser-reply for the detection;
- `authored_text` does both for one body, first removing HTML quote containers
  (``<blockquote>``, Gmail ``.gmail_quote``, Outlook ``#divRplyFwdMsg``/``#appendonsend``,
  vendor ``*quote*`` containers) and signature containers.

The result is never longer than the input's text content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.exceptions import ParserRejectedMarkup
from mailparser_reply.parser import EmailMessage

_PARAGRAPH_TAGS = frozenset(
    [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "ul",
        "ol",
        "dl",
        "hr",
        "figure",
    ]
)
"""Block elements set off by a blank line."""
_LINE_TAGS = frozenset(
    [
        "div",
        "li",
        "tr",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "aside",
        "nav",
        "main",
        "form",
        "fieldset",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "center",
        "details",
        "summary",
        "body",
        "html",
    ]
)
"""Block elements on a line of their own."""
_CELL_TAGS = frozenset(("td", "th"))
_SKIPPED_TAGS = frozenset(
    [
        "head",
        "script",
        "style",
        "title",
        "template",
        "noscript",
        "svg",
        "math",
        "iframe",
        "object",
        "select",
        "option",
    ]
)
"""Elements whose content is never words someone wrote."""

_QUOTE_MARK = re.compile(
    r"(?:^|[_-])quot(?:e|ed|te|ted)(?:$|[_-])|^(?:x_)?gmail_extra$|moz-cite-prefix"
    r"|^(?:x_)?OutlookMessageHeader$|^(?:x_)?divRplyFwdMsg$",
    re.IGNORECASE,
)
"""A class or id naming a container of quoted earlier messages (gmail_quote, yahoo_quoted,
zendesk/intercom quote containers, Thunderbird's "On … wrote:" prefix, Outlook's header)."""
_SIGNATURE_MARK = re.compile(r"signature", re.IGNORECASE)
"""A class or id naming a signature container (gmail_signature, moz-signature, Signature)."""
_QUOTE_FROM_HERE = re.compile(
    r"^(?:x_)?(?:divRplyFwdMsg|appendonsend|stopSpelling|"
    r"mail-editor-reference-message-container)$",
    re.IGNORECASE,
)
"""An id after which (in document order) everything is the quoted earlier message (Outlook)."""

_ZENDESK_REPLY_ABOVE = re.compile(r"^.*##-.{0,80}-##.*$", re.MULTILINE)
"""Zendesk's reply delimiter ("##- Please type your reply above this line -##", any language)."""
_OUTLOOK_SEPARATOR = re.compile(r"^[ \t]*_{32,}[ \t]*$", re.MULTILINE)
"""The line of underscores Outlook puts above the quoted message's From:/Sent: header."""
_QUOTED_LINE = re.compile(r"^[ \t]*>")
_SIGN_OFF = re.compile(
    r"^(?:> ?)*(?:best regards|kind regards|thanks,|thank you,|best,|all the best|regards,)",
    re.IGNORECASE,
)
"""mail-parser-reply's English sign-offs; a sign-off only counts before a name block."""
_INLINE_SPACE = re.compile(r"[^\S\n]+")
_ANY_SPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_NAME_SEPARATORS = re.compile(r"\s*[|,/•·–—]\s*|\s+-\s+")


@dataclass(frozen=True, slots=True)
class AuthoredText:
    """The words the author of one message wrote, and whether quotes or a signature went."""

    text: str
    removed: bool
    """True when quoted text or a signature was cut (whitespace tidying does not count)."""


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: one line per block, entities decoded, spaces tidied."""
    soup = _parse_html(html)
    if soup is None:
        return tidy_text(_strip_tags(html))
    return _render(soup)


def strip_quotes_and_signature(text: str) -> str:
    """The new part of a plain-text message: quoted earlier messages and signature cut."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    for delimiter in (_ZENDESK_REPLY_ABOVE, _OUTLOOK_SEPARATOR):
        found = delimiter.search(text)
        if found:
            text = text[: found.start()]
    # A final newline lets a "-- " delimiter on the last line be seen (its signature removed).
    message = EmailMessage(text=text + "\n", languages=["en"], keep_hyphen_lists=True).read()
    first = message.replies[0]
    if first.headers:
        # The text began with a quote header: nothing new was written above it.
        return ""
    content = "\n".join(
        line for line in first.content.split("\n") if not _QUOTED_LINE.match(line)
    ).strip()
    signature = message.SIGNATURE_REGEX.search(content + "\n")
    if signature and _is_signature(signature.group()):
        content = content[: signature.start()]
    return tidy_text(content)


def authored_text(body: str, *, html: bool) -> AuthoredText:
    """The words the author wrote in one message body (HTML or plain text)."""
    if not html:
        full = tidy_text(body)
        text = strip_quotes_and_signature(body)
        return AuthoredText(text=text, removed=text != full)
    soup = _parse_html(body)
    if soup is None:
        plain = _strip_tags(body)
        full = tidy_text(plain)
        text = strip_quotes_and_signature(plain)
        return AuthoredText(text=text, removed=text != full)
    full = _render(soup)
    _remove_quoted_html(soup)
    text = strip_quotes_and_signature(_render(soup))
    return AuthoredText(text=text, removed=text != full)


def tidy_text(text: str) -> str:
    """Lines without outer spaces, runs of spaces as one, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    lines = [_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _parse_html(html: str) -> BeautifulSoup | None:
    try:
        return BeautifulSoup(html, "html.parser")
    except ParserRejectedMarkup:
        # html.parser gives up on some broken markup; the caller strips tags by hand.
        return None


_TAG = re.compile(r"<[^>]*>")


def _strip_tags(html: str) -> str:
    return unescape(_TAG.sub(" ", html))


def _render(root: Tag) -> str:
    """Text of a parsed document, walked without recursion (mail HTML nests deeply)."""
    parts: list[str] = []
    pre_depth = 0
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, Tag):
            name = (node.name or "").lower()
            if leaving:
                if name == "pre":
                    pre_depth -= 1
                parts.append(_break_for(name))
                continue
            if name in _SKIPPED_TAGS:
                continue
            if name == "br":
                parts.append("\n")
                continue
            if name == "pre":
                pre_depth += 1
            parts.append(_break_for(name))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        elif type(node) is NavigableString:
            # Comments, CDATA, doctypes and processing instructions are subclasses: skipped.
            text = str(node).replace("\xa0", " ").translate(_NO_BREAK_MARKS)
            parts.append(text if pre_depth > 0 else _ANY_SPACE.sub(" ", text))
    joined = _BREAK_RUN.sub(_resolve_breaks, "".join(parts))
    return tidy_text(joined)


_LINE_BREAK = "\ue000"
_PARAGRAPH_BREAK = "\ue001"
_NO_BREAK_MARKS = dict.fromkeys(map(ord, _LINE_BREAK + _PARAGRAPH_BREAK))
_BREAK_RUN = re.compile(f"[ ]*(?:[{_LINE_BREAK}{_PARAGRAPH_BREAK}][ ]*)+")


def _resolve_breaks(run: re.Match[str]) -> str:
    """Adjacent block boundaries make one break: a blank line if any is a paragraph's."""
    return "\n\n" if _PARAGRAPH_BREAK in run.group() else "\n"


def _break_for(name: str) -> str:
    if name in _PARAGRAPH_TAGS:
        return _PARAGRAPH_BREAK
    if name in _LINE_TAGS:
        return _LINE_BREAK
    if name in _CELL_TAGS:
        return " "
    return ""


def _marks(tag: Tag) -> list[str]:
    marks: list[str] = []
    classes = tag.get("class")
    if isinstance(classes, list):
        marks += [c for c in classes if isinstance(c, str)]
    elif isinstance(classes, str):
        marks.append(classes)
    for attribute in ("id", "data-smartmail"):
        value = tag.get(attribute)
        if isinstance(value, str):
            marks.append(value)
    return marks


def _remove_quoted_html(soup: BeautifulSoup) -> None:
    """Remove quoted earlier messages and signature containers from a parsed body."""
    for tag in soup.find_all(True):
        if tag.decomposed or tag.parent is None:
            continue
        if any(_QUOTE_FROM_HERE.match(mark) for mark in _marks(tag)):
            _remove_from(tag, soup)
            break
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        name = (tag.name or "").lower()
        marks = _marks(tag)
        if (
            name == "blockquote"
            or any(_QUOTE_MARK.search(mark) for mark in marks)
            or any(_SIGNATURE_MARK.search(mark) for mark in marks)
        ):
            tag.decompose()


def _remove_from(tag: Tag, root: Tag) -> None:
    """Remove `tag` and everything after it in document order."""
    node: Tag | None = tag
    while node is not None and node is not root:
        for sibling in list(node.next_siblings):
            sibling.extract()
        node = node.parent
    tag.decompose()


def _is_signature(block: str) -> bool:
    """Whether what mail-parser-reply took for a signature is one.

    "-- ", "Sent from my …" and separator lines are trusted; a sign-off ("Thanks,") counts
    only when the rest of its line and the next line look like a name, so that "Thanks, that
    fixed it" stays part of the message.
    """
    first_line, _, rest = block.strip().partition("\n")
    sign_off = _SIGN_OFF.match(first_line)
    if not sign_off:
        return True
    remainder = first_line[sign_off.end() :].strip(" ,.-!:;")
    if remainder and not _looks_like_name(remainder):
        return False
    next_line = next((line.strip() for line in rest.split("\n") if line.strip()), "")
    return not next_line or _looks_like_name(_NAME_SEPARATORS.split(next_line)[0])


def _looks_like_name(text: str) -> bool:
    words = text.strip(" ,.").split()
    if not words or len(words) > 4 or text.rstrip().endswith(("?", "!")):
        return False
    return all(word[0].isupper() or not word[0].isalpha() for word in words)
