"""The one adapter over HTML parsing: an HTML document in, its visible text out.

The text is what BeautifulSoup's `get_text(" ")` gives over lxml's parse, string for string,
but collected straight from lxml's parser events: building BeautifulSoup's tree in Python
cost about three times more than decoding the whole mail (see README, Performance). Markup
lxml rejects still goes through BeautifulSoup, so it too gives the same text as before.
"""

from __future__ import annotations

from lxml import etree

# Tags whose content a reader never sees as text.
_INVISIBLE = frozenset(("script", "style", "head", "title", "template", "noscript"))
# Block-level tags end a line, so sentences in different cells do not run together.
_BLOCKS = frozenset(
    ("p", "div", "br", "tr", "td", "th", "li", "h1", "h2", "h3", "h4", "table", "center")
)
# BeautifulSoup's rules, kept so the text stays the same: strings inside ruby annotations are
# not part of the text, and whitespace-only strings shrink to one space or newline outside
# <pre> and <textarea>.
_RUBY = frozenset(("rt", "rp"))
_PRESERVE_WHITESPACE = frozenset(("pre", "textarea"))
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"


def html_to_text(html: str) -> str:
    """Return the visible text of `html`, one block element per line."""
    collector = _TextCollector()
    try:
        parser = etree.HTMLParser(target=collector, recover=True)
        parser.feed(html[1:] if html[:1] == "\ufeff" else html)
        parser.close()
    except Exception:  # whatever lxml rejects, BeautifulSoup decides about, as it always did
        return _html_to_text_bs4(html)
    return " ".join(collector.strings)


class _TextCollector:
    """An lxml parser target that keeps the strings BeautifulSoup's get_text(" ") would give.

    BeautifulSoup builds its tree from these same parser events; this keeps only what the
    text needs: which tags are open, and the character data between two events.
    """

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._data: list[str] = []
        self._open: list[str] = []
        self._hidden = 0  # open invisible tags: everything inside them is dropped
        self._ruby = 0  # open rt/rp tags: their strings are not text (the "\n"s still are)
        self._pre = 0  # open pre/textarea tags: whitespace is kept as it is

    def _flush(self) -> None:
        if not self._data:
            return
        text = "".join(self._data)
        self._data = []
        if self._hidden or self._ruby:
            return
        if not self._pre and not text.strip(_ASCII_SPACES):
            text = "\n" if "\n" in text else " "
        self.strings.append(text)

    def start(self, tag: str, attrib: object, nsmap: object = None) -> None:
        self._flush()
        self._open.append(tag)
        self._count(tag, 1)

    def end(self, tag: str) -> None:
        self._flush()
        # lxml closes every element it opened, innermost first; pop to the named one, as
        # BeautifulSoup does, in case it ever does not.
        while self._open:
            name = self._open.pop()
            self._count(name, -1)
            if name in _BLOCKS and not self._hidden:
                self.strings.append("\n")
            if name == tag:
                break

    def _count(self, tag: str, step: int) -> None:
        if tag in _INVISIBLE:
            self._hidden += step
        if tag in _RUBY:
            self._ruby += step
        if tag in _PRESERVE_WHITESPACE:
            self._pre += step

    def data(self, data: str) -> None:
        self._data.append(data)

    def comment(self, text: str) -> None:
        self._flush()
        self._data = []

    def pi(self, target: str, data: str | None = None) -> None:
        self._flush()

    def doctype(self, *args: object) -> None:
        self._flush()

    def close(self) -> None:
        self._flush()


def _html_to_text_bs4(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(tuple(_INVISIBLE)):
        tag.decompose()
    for tag in soup.find_all(tuple(_BLOCKS)):
        tag.insert_after("\n")
    return soup.get_text(" ")
