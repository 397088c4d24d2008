"""The one adapter over HTML parsing: an HTML document in, its visible text out."""

from __future__ import annotations

from bs4 import BeautifulSoup

# Tags whose content a reader never sees as text.
_INVISIBLE = ("script", "style", "head", "title", "template", "noscript")
# Block-level tags end a line, so sentences in different cells do not run together.
_BLOCKS = ("p", "div", "br", "tr", "td", "th", "li", "h1", "h2", "h3", "h4", "table", "center")


def html_to_text(html: str) -> str:
    """Return the visible text of `html`, one block element per line."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(_INVISIBLE):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_after("\n")
    return soup.get_text(" ")
