"""The clever code is fenced: each fast path gives exactly what its plain version gives.

* the first-character lookahead in front of the wording rules (built from CPython's private
  regex parser) matches where the plain pattern matches, and losing the private module only
  costs speed;
* the lxml event collector gives BeautifulSoup's text, string for string;
* cutting long runs of word characters (the per-message cost bound) changes no code found
  and no kind.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.parse import MAX_RUN, squash_runs
from tracker.parse import classify as classify_module
from tracker.parse.classify import LANGUAGES, _compile_with_first_chars, classify_kind
from tracker.parse.codes import extract_code
from tracker.parse.html import _html_to_text_bs4, html_to_text

FIELDS = ("ai_at_meta", "objection", "request", "right_to_object", "approve", "decline",
          "acknowledge", "conditional")  # fmt: skip
UNIONS = ["|".join(f"(?:{getattr(r, f)})" for r in LANGUAGES.values()) for f in FIELDS]
# Words from the rules themselves, so texts hit the patterns rather than miss them all.
VOCABULARY = sorted(
    {
        w
        for rules in LANGUAGES.values()
        for f in FIELDS
        for w in re.findall(r"[a-zà-ÿąęłńśźżó']+", getattr(rules, f))
    }
)
text_pieces = st.one_of(
    st.sampled_from(VOCABULARY),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüéèàçñß '.,!?\n-0123456789", max_size=12),
)
texts = st.lists(text_pieces, max_size=40).map(" ".join)

# Small patterns in the shapes the rules use: literals, classes, optional parts, \b, groups.
atoms = st.one_of(
    st.text(alphabet="abcde", min_size=1, max_size=3).map(re.escape),
    st.sampled_from(
        [r"\b", r"[a-c]", r"[^a]", r"\w", r"\d", r".", r"\s", r"^", r"x?", r"(?:ab|c)"]
    ),
)
patterns = st.recursive(
    st.lists(atoms, min_size=1, max_size=4).map("".join),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=4).map("|".join),
        inner.map(lambda p: f"(?:{p})?"),
        inner.map(lambda p: f"(?:{p})+"),
        inner.map(lambda p: f"({p})*"),
        st.tuples(inner, inner).map("".join),
    ),
    max_leaves=8,
)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(UNIONS) - 1), text=texts)
def test_first_char_lookahead_matches_where_the_rules_match(index: int, text: str) -> None:
    pattern = UNIONS[index]
    assert _spans(_compile_with_first_chars(pattern), text) == _spans(re.compile(pattern), text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=patterns, text=st.text(alphabet="abcdex \n1", max_size=30))
def test_first_char_lookahead_matches_where_any_pattern_matches(pattern: str, text: str) -> None:
    assert _spans(_compile_with_first_chars(pattern), text) == _spans(re.compile(pattern), text)


def test_without_the_private_regex_parser_only_speed_is_lost(monkeypatch) -> None:
    monkeypatch.setattr(classify_module, "_sre_parser", None)
    pattern = UNIONS[FIELDS.index("approve")]
    compiled = _compile_with_first_chars(pattern)
    assert compiled.pattern == pattern  # no lookahead, the plain pattern
    text = "we will honour your objection"
    assert _spans(compiled, text) == _spans(re.compile(pattern), text)


TAGS = ["p", "div", "br", "td", "tr", "table", "span", "b", "script", "style", "title", "pre",
        "textarea", "rt", "rp", "ruby", "li", "a", "head", "body", "template", "noscript"]  # fmt: skip
html_text = st.text(alphabet="ab c\n\t&;<>é0123", max_size=10)


def _element(children: list[str], tag: str, close: bool) -> str:
    return f"<{tag}>{''.join(children)}" + (f"</{tag}>" if close else "")


html_nodes = st.recursive(
    st.one_of(
        html_text,
        st.sampled_from(["&amp;", "&nbsp;", "&#169;", "<!-- note -->", "<br>", "  ", "\n\n"]),
    ),
    lambda inner: st.builds(
        _element, st.lists(inner, max_size=4), st.sampled_from(TAGS), st.booleans()
    ),
    max_leaves=20,
)
documents = st.one_of(
    st.lists(html_nodes, max_size=6).map("".join),
    st.lists(html_nodes, max_size=6).map(lambda n: "<html><body>" + "".join(n) + "</body></html>"),
)


@settings(max_examples=400, deadline=None)
@given(document=documents)
def test_lxml_text_is_beautifulsoups_text(document: str) -> None:
    assert html_to_text(document) == _html_to_text_bs4(document)


runs = st.one_of(
    st.integers(MAX_RUN - 5, MAX_RUN + 400).map(lambda n: "1" * n),
    st.integers(MAX_RUN - 5, MAX_RUN + 400).map(lambda n: "a" * n),
    st.integers(1, 300).map(lambda n: "a." * n),
    st.integers(1, 100).map(lambda n: "123 " * n),
    st.sampled_from(
        [
            "code",
            "Your code is",
            "418207",
            "418 207",
            "FB-56099",
            "objection",
            "honour your objection",
            "\n\n",
            ".",
            " ",
            "€12,50",
            "+49 30 1234567",
        ]
    ),
)
mail_texts = st.lists(runs, max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    subject=st.sampled_from(["", "Your code", "Confirm your objection request"]), text=mail_texts
)
def test_cutting_long_runs_changes_no_code_and_no_kind(subject: str, text: str) -> None:
    squashed = squash_runs(text)
    assert max((len(r) for r in re.findall(r"[\w.,+-]+", squashed)), default=0) <= MAX_RUN + 1
    assert extract_code(subject, squashed) == extract_code(subject, text)
    has_code = extract_code(subject, text) is not None
    assert classify_kind(subject, squashed, has_code=has_code) == classify_kind(
        subject, text, has_code=has_code
    )
