"""Hypothesis strategies for hostile Meta-domain mail: long runs, deep nesting, oversized
parameters, in every place a parser looks (Subject, body text, HTML, part headers, top-level
headers, Authentication-Results). Used by tests/test_bounded_cost.py and bench/worst_case.py."""

from __future__ import annotations

from hypothesis import strategies as st

HEAD = (
    b"Authentication-Results: mx.example.org; dkim=pass header.d=facebookmail.com;"
    b" dmarc=pass header.from=facebookmail.com\n"
    b"From: Facebook <security@facebookmail.com>\n"
    b"To: anna@example.org\n"
    b"Date: Sat, 01 Jun 2024 09:00:00 +0000\n"
    b"Message-ID: <hostile@facebookmail.com>\n"
    b"MIME-Version: 1.0\n"
)

# A long run of one kind of character, the shape that made patterns backtrack.
runs = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(["1", "a", " ", "a.", "1 ", "123 ", "\n", "-", "é", "1,", "+1", "<", "code "]),
    st.integers(0, 70_000),
).map(lambda text: text[:70_000])
words = st.sampled_from(
    ["Your code is", "418207", "objection", "we will honour your objection", "AI at Meta",
     "right to object", "code", "FB-", "http://x.example/", "@", "€", "\n\n", ". "]
)  # fmt: skip
texts = st.lists(st.one_of(runs, words), max_size=6).map(" ".join)


def _part(text: str, param: int, html: bool) -> bytes:
    kind = b"text/html" if html else b"text/plain"
    body = (f"<div>{text}</div>" if html else text).encode("utf-8", "replace")
    name = b'; name="' + b"x" * param + b'"' if param else b""
    return b"Content-Type: " + kind + b"; charset=utf-8" + name + b"\n\n" + body + b"\n"


@st.composite
def hostile_mails(draw: st.DrawFn) -> bytes:
    """One Meta-domain mail with payloads wherever the parser reads."""
    subject = draw(texts)[:20_000]
    depth = draw(st.integers(0, 60))
    param = draw(st.sampled_from([0, 100, 8_000, 9_000, 200_000]))
    part = _part(draw(texts), param, draw(st.booleans()))
    for level in range(depth):
        boundary = f"b{level}".encode()
        part = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\n\n--' + boundary
            + b"\n" + part + b"--" + boundary + b"--\n"
        )  # fmt: skip
    extra = draw(st.sampled_from([b"", b"X-Pad: " + b"a" * 9_000 + b"\n", b"\n" * 0]))
    verdicts = b"Authentication-Results: mx.example.org; dkim=pass\n" * draw(st.integers(0, 60))
    return (
        verdicts + HEAD + extra + b"Subject: " + subject.encode("utf-8", "replace") + b"\n" + part
    )
