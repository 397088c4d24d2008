"""Hostile mail: no crash, no hang, a bound on what one message may cost, the batch goes on.

Every hostile shape is tried twice: From an ordinary domain (triaged on headers alone) and From a
Meta domain (the expensive path: the body is decoded). No test times anything, since machines are
noisy; they check the bound itself, by the reason the parser gives ("too large", "nested too
deeply"...). Worst times and memory seen are in the issue's note, measured with the same cases.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.mailfactory import meta_mail, ordinary_mail, write_mbox
from tracker.mailfiles import MAX_MESSAGE_BYTES, iter_mail
from tracker.parse import MAX_TEXT_CHARS, parse_email
from tracker.parse.mime import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    MAX_HEADER_FIELDS,
    MAX_HTML_CHARS,
    MAX_MULTIPARTS,
    MAX_PARTS,
)

META_FROM = b"From: Facebook <notification@facebookmail.com>\r\n"
OTHER_FROM = b"From: Friend <friend@example.net>\r\n"
AUTH = (
    b"Authentication-Results: mx.example.org; dkim=pass header.d=facebookmail.com; dmarc=pass\r\n"
)
COMMON = (
    b"To: anna@example.org\r\n"
    b"Date: Mon, 01 Jul 2024 10:00:00 +0000\r\n"
    b"Subject: Your objection request\r\n"
    b"MIME-Version: 1.0\r\n"
)
APPROVAL = b"We will honour your objection. This means we won't use your public information."


def _head(sender: bytes, message_id: str) -> bytes:
    return AUTH + sender + COMMON + f"Message-ID: <{message_id}@hostile.test>\r\n".encode()


def _plain(head: bytes, body: bytes, *, charset: bytes = b"utf-8") -> bytes:
    return head + b"Content-Type: text/plain; charset=" + charset + b"\r\n\r\n" + body + b"\r\n"


def _html(head: bytes, html: bytes) -> bytes:
    return head + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html + b"\r\n"


def _nested(head: bytes, depth: int) -> bytes:
    opening = b"".join(
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i - 1, i)
        for i in range(1, depth)
    )
    inner = b"--b%d\r\nContent-Type: text/plain\r\n\r\n" % (depth - 1) + APPROVAL + b"\r\n"
    closing = b"".join(b"--b%d--\r\n" % i for i in range(depth - 1, -1, -1))
    return head + b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + opening + inner + closing


def _many_parts(head: bytes, parts: int) -> bytes:
    part = b"--p\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return head + b"Content-Type: multipart/mixed; boundary=p\r\n\r\n" + part * parts + b"--p--\r\n"


def _attachment(head: bytes, size: int) -> bytes:
    blob = base64.encodebytes(b"\x89PNG" + b"\x00\xff" * (size // 2))
    return (
        head + b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        b"--a\r\nContent-Type: text/plain\r\n\r\n" + APPROVAL + b"\r\n"
        b"--a\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + blob
        + b"--a--\r\n"
    )


# name -> (builder from a header block, the reason a Meta mail must give, or None if it may parse)
HostileCase = tuple[Callable[[bytes], bytes], str | None]
CASES: dict[str, HostileCase] = {
    "truncated-in-headers": (lambda h: h[: len(h) // 2], None),
    "truncated-in-base64": (
        lambda h: (
            h + b"Content-Type: multipart/alternative; boundary=q\r\n\r\n--q\r\n"
            b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nV2Ugd2ls"
        ),
        None,
    ),
    "truncated-multipart-no-closing": (lambda h: _nested(h, 3)[:-30], None),
    "unknown-charset": (lambda h: _plain(h, APPROVAL, charset=b"x-klingon"), None),
    "wrong-charset": (
        lambda h: _plain(h, "Wir kommen dem nach. ä€".encode("utf-16"), charset=b"ascii"),
        None,
    ),
    "charset-with-injection": (lambda h: _plain(h, APPROVAL, charset=b'"utf-8\r\nBcc: x@y"'), None),
    "10000-headers": (
        lambda h: h + b"".join(b"X-Filler-%d: v\r\n" % i for i in range(10_000)) + b"\r\nbody\r\n",
        "too many header fields",
    ),
    "one-huge-header": (
        lambda h: h + b"X-Long: " + b"a" * (2 * MAX_HEADER_BYTES) + b"\r\n\r\nx",
        "header block too large",
    ),
    "no-end-of-headers": (lambda h: h + b"X-A: b\r\n" * 40_000, "header block too large"),
    "encoded-word-flood": (
        lambda h: h.replace(b"Subject: Your", b"Subject: " + b"=?utf-8?q?a?= " * 60_000 + b"Your"),
        "header block too large",
    ),
    "1000-nested-multiparts": (lambda h: _nested(h, 1000), "nested too deeply"),
    "100000-parts": (lambda h: _many_parts(h, 100_000), "too many MIME parts"),
    "50MB-attachment": (lambda h: _attachment(h, 37 * 1024 * 1024), "too large"),
    "100000-nested-divs": (
        lambda h: _html(h, b"<div>" * 100_000 + APPROVAL + b"</div>" * 100_000),
        "HTML too large",
    ),
    "80000-nested-divs-under-cap": (
        lambda h: _html(h, b"<div>" * 80_000 + APPROVAL + b"</div>" * 80_000),
        None,
    ),
    "unclosed-tags": (lambda h: _html(h, b"<table><tr><td><b><i>" * 30_000 + APPROVAL), None),
    "long-plain-text": (lambda h: _plain(h, APPROVAL * 10_000), "text too long"),
    "code-word-flood": (lambda h: _plain(h, b"code 123456 " * 100_000), "text too long"),
    "invalid-date": (
        lambda h: h.replace(b"Mon, 01 Jul 2024 10:00:00 +0000", b"Feb 30 99999 25:61"),
        "Date",
    ),
    "date-overflow": (
        lambda h: h.replace(
            b"Mon, 01 Jul 2024 10:00:00 +0000", b"Mon, 01 Jul 9999999999 10:00:00 +9999"
        ),
        "Date",
    ),
    "null-bytes-in-headers": (lambda h: h.replace(b"Subject: ", b"Subject: \x00\x00"), "NUL"),
    "null-bytes-in-body": (lambda h: _plain(h, b"\x00" * 5000 + APPROVAL + b"\x00"), None),
    "header-injection-crlf": (
        lambda h: h.replace(
            b"Subject: Your objection request", b"Subject: a\rFrom: x@y\r\n\r\nBcc: z"
        ),
        None,
    ),
    "bare-cr-line-ends": (lambda h: _plain(h, APPROVAL).replace(b"\r\n", b"\r"), None),
    "encoded-word-bad-base64": (
        lambda h: h.replace(b"Subject: Your", b"Subject: =?utf-8?b?!!!?= Your"),
        None,
    ),
    "encoded-word-unknown-charset": (
        lambda h: h.replace(
            b"Subject: Your", b"Subject: =?x-unknown?q?a?= =?utf-8?q?=ff=fe?= Your"
        ),
        None,
    ),
    "rfc2231-boundary-flood": (
        lambda h: h + b"Content-Type: multipart/mixed; " + b"boundary*0=a; " * 50 + b"\r\n\r\nx",
        "nested too deeply",
    ),
    "binary-garbage-body": (lambda h: h + b"\r\n" + bytes(range(256)) * 2000, None),
}


def _build(name: str, *, meta: bool) -> bytes:
    builder, _reason = CASES[name]
    return builder(_head(META_FROM if meta else OTHER_FROM, f"{name}-{meta}"))


@pytest.mark.parametrize("meta", [True, False], ids=["from-meta", "not-meta"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_mail_is_bounded_and_never_raises(name: str, meta: bool):
    parsed = parse_email(_build(name, meta=meta))
    # Nothing hostile is ever a decision, and nothing yields a code.
    assert parsed.code is None
    if not meta:
        assert parsed.kind == "other"
        assert parsed.trusted is False
        return
    reason = CASES[name][1]
    if reason is not None:
        assert parsed.error is not None and reason in parsed.error, parsed.error
        # Its subject may still say "objection": at most it awaits review, never a decision.
        assert parsed.kind in ("other", "unrecognised")


def test_every_bound_is_below_what_would_hurt():
    # The caps are the mechanism the tests above exercise; this pins their order of magnitude.
    assert MAX_HEADER_BYTES <= 1024 * 1024
    assert MAX_HEADER_FIELDS <= 5000
    assert MAX_BODY_BYTES <= 16 * 1024 * 1024
    assert MAX_MULTIPARTS <= 100 and MAX_PARTS <= 1000
    assert MAX_HTML_CHARS <= 4 * 1024 * 1024
    assert MAX_TEXT_CHARS <= 256 * 1024
    assert MAX_MESSAGE_BYTES <= 256 * 1024 * 1024


def test_mail_just_under_every_bound_is_still_read():
    head = _head(META_FROM, "under-bounds")
    assert parse_email(_nested(head, MAX_MULTIPARTS - 2)).kind == "approved"
    assert parse_email(_many_parts(head, MAX_PARTS - 5)).error is None
    filler = b"".join(b"X-Filler-%d: v\r\n" % i for i in range(MAX_HEADER_FIELDS - 20))
    assert parse_email(_plain(head + filler, APPROVAL)).kind == "approved"


# -- hypothesis: header injection and encoded-word tricks ---------------------------------

_header_text = st.lists(
    st.sampled_from(
        [*"ab@.<>\"'()=?;:, \t\r\n\x00", "=?utf-8?q?", "?=", "=40", "facebookmail.com"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(display=_header_text, subject=_header_text, extra=_header_text)
def test_injected_header_text_never_makes_a_forgery_trusted(display: str, subject: str, extra: str):
    # The real address is an attacker's; whatever the display name, subject or an extra header
    # smuggles in (CR/LF, a second From, encoded words spelling a Meta address, a dangling
    # comment), it never counts. (Found by this test: "@facebookmail.com( <evil@...>" and a
    # From split by a bare CR both once read as Meta's.)
    raw = (
        AUTH
        + f"From: {display} <evil@attacker.example>\r\n".encode("utf-8", "surrogateescape")
        + f"Subject: {subject}\r\n".encode()
        + f"X-Extra: {extra}\r\n".encode()
        + COMMON
        + b"Content-Type: text/plain\r\n\r\n"
        + APPROVAL
    )
    parsed = parse_email(raw)
    # A mail with `error` set is recorded as skipped, whatever else the parser read from it.
    assert not (parsed.trusted and parsed.kind != "other" and parsed.error is None), parsed
    assert parsed.code is None or parsed.error is not None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    junk=st.binary(max_size=2048),
    where=st.integers(min_value=0, max_value=4000),
)
def test_meta_mail_with_junk_spliced_in_never_raises(junk: bytes, where: int):
    genuine = meta_mail("approved", account="anna@example.org")
    cut = min(where, len(genuine))
    parsed = parse_email(genuine[:cut] + junk + genuine[cut:])
    # Junk can hide the approval (other, or unrecognised for review), never turn it into
    # another step or conjure a code.
    assert parsed.kind in ("approved", "other", "unrecognised")
    assert parsed.code is None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depth=st.integers(1, 200), cut=st.integers(0, 10_000))
def test_nested_and_truncated_multiparts_never_raise(depth: int, cut: int):
    raw = _nested(_head(META_FROM, "nested"), depth)
    raw = raw[: len(raw) - cut % len(raw)]
    parsed = parse_email(raw)
    if raw.count(b"boundary=") > MAX_MULTIPARTS:
        assert parsed.error is not None and "nested too deeply" in parsed.error


# -- the batch goes on --------------------------------------------------------------------


def test_import_of_an_mbox_mixing_hostile_and_good_mail(run_cli, tmp_path: Path):
    good = [
        meta_mail("notice", account="anna@example.org", message_id="<n1@fb>"),
        meta_mail("approved", account="anna@example.org", message_id="<a1@fb>"),
        meta_mail("code", account="ben@example.org", code="418207", message_id="<c1@fb>"),
        ordinary_mail(1),
        ordinary_mail(2),
    ]
    hostile = [_build(name, meta=meta) for name in sorted(CASES) for meta in (True, False)]
    mixed: list[bytes] = []
    for i, raw in enumerate(hostile):
        mixed.append(raw)
        if i % 12 == 0 and good:
            mixed.append(good.pop(0))
    mixed.extend(good)
    mbox = tmp_path / "mixed.mbox"
    write_mbox(mbox, mixed)

    result = run_cli("import", "--json", str(mbox))
    assert result.exit_code == 0, result.stderr
    counts = json.loads(result.stdout)
    # Hostile mail that still reads as Meta's (an unknown charset, say) is recorded too.
    assert counts["new"] >= 3
    assert counts["malformed"] >= sum(1 for _, r in CASES.values() if r is not None)

    skipped = json.loads(run_cli("skipped", "--json").stdout)
    reasons = " | ".join(row["reason"] for row in skipped)
    for expected in ("too large", "nested too deeply", "too many MIME parts", "too many header"):
        assert expected in reasons
    report = {r["account"]: r["state"] for r in json.loads(run_cli("report", "--json").stdout)}
    assert report["anna@example.org"] == "approved"
    assert run_cli("code", "--include-expired").stdout.strip() == "418207"


def test_oversized_message_in_an_mbox_is_reported_not_read(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("tracker.mailfiles.MAX_MESSAGE_BYTES", 64 * 1024)
    big = _attachment(_head(OTHER_FROM, "big"), 200 * 1024)
    small = meta_mail("notice", account="anna@example.org")
    mbox = tmp_path / "big.mbox"
    write_mbox(mbox, [small, big, small])
    mails = list(iter_mail([mbox]))
    assert [m.raw is not None for m in mails] == [True, False, True]
    assert "too large to read" in (mails[1].problem or "")
    assert mails[0].raw == mails[2].raw


def test_mbox_that_is_one_endless_line_is_bounded(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("tracker.mailfiles.MAX_MESSAGE_BYTES", 64 * 1024)
    mbox = tmp_path / "line.mbox"
    mbox.write_bytes(b"From x\n" + b"A" * (3 * 1024 * 1024))
    (mail,) = iter_mail([mbox])
    assert mail.raw is None and "too large to read" in (mail.problem or "")


def test_oversized_eml_file_is_reported_not_read(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("tracker.mailfiles.MAX_MESSAGE_BYTES", 1024)
    path = tmp_path / "big.eml"
    path.write_bytes(_attachment(_head(META_FROM, "big-eml"), 4096))
    (mail,) = iter_mail([path])
    assert mail.raw is None and "too large to read" in (mail.problem or "")
