"""Reading the pages' inline-SVG charts back in tests: each period's column (its tooltip and
whether it is a gap), the points drawn with their tooltips, the line segments and the bars."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag


def plot_of(html: str | Tag, selector: str = "svg.plot") -> Tag:
    """The chart's `<svg class="plot">` in a page, a figure or a chart's markup."""
    root = BeautifulSoup(html, "html.parser") if isinstance(html, str) else html
    found = root.select_one(selector)
    assert found is not None, f"no {selector}"
    return found


def _title(tag: Tag) -> str:
    title = tag.find("title", recursive=False)
    return title.get_text() if title else ""


def slots(svg: Tag) -> list[tuple[str, bool]]:
    """(tooltip, is a gap) of each period's or band's column, left to right."""
    return [(_title(r), "gap" in r.get("class", [])) for r in svg.select("rect.slot")]


def points(svg: Tag) -> list[str]:
    """The tooltips of the markers drawn (circles and shapes), in drawing order."""
    found = []
    for tag in svg.find_all(["circle", "polygon", "path"]):
        if tag.find_parent("svg", class_="plot") is svg:
            found.append(_title(tag))
    return found


def segments(svg: Tag) -> list[tuple[str, str]]:
    """(x1, x2) of the data lines drawn (not the grid, ticks or axes)."""
    return [(line["x1"], line["x2"]) for line in svg.select("line.series")]


def bars(svg: Tag) -> list[str]:
    return [_title(r) for r in svg.select("rect.bin")]
