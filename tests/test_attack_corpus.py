"""An attack corpus: crafted mails, each with the property it must keep.

Built from genuine-looking Meta mail (tests.mailfactory) by the changes a determined sender
makes: replaying a genuine mail with a header prepended, splitting the header block so that
tracker and the provider read different From lines, forging or bending the provider's
verdict, lookalike senders, lying dates, Meta's own notifications quoting people, and
payloads that cost CPU or memory. Genuine mail is in the corpus too: it must keep working.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.mailfactory import meta_mail
from tracker.domain import ParsedEmail, ReceivedTime
from tracker.parse import parse_email

ANNA = "anna@example.org"
T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
ARRIVED = ReceivedTime(T0 + timedelta(minutes=1), "imap_internaldate")
GENUINE_AR = (
    b"Authentication-Results: mx.example.org; dkim=pass header.d=facebookmail.com header.s=s1;"
    b" spf=pass smtp.mailfrom=facebookmail.com; dmarc=pass (p=REJECT) header.from=facebookmail.com"
)


def genuine(kind: str = "approved", platform: str = "facebook", **kwargs: object) -> bytes:
    code = "418207" if kind == "code" else None
    raw = meta_mail(kind, account=ANNA, platform=platform, code=code, sent_at=T0, **kwargs)  # type: ignore[arg-type]
    # One line per field, so the changes below can find them.
    head, sep, body = raw.partition(b"\n\n")
    return head.replace(b"\n ", b" ") + sep + body


def with_verdict(verdicts: list[bytes], kind: str = "approved") -> bytes:
    head, sep, body = genuine(kind).partition(b"\n\n")
    lines = [line for line in head.split(b"\n") if not line.startswith(b"Authentication-Results:")]
    return b"\n".join([*(b"Authentication-Results: " + v for v in verdicts), *lines]) + sep + body


def replace_field(raw: bytes, name: bytes, new_line: bytes) -> bytes:
    head, sep, body = raw.partition(b"\n\n")
    lines = [new_line if line.startswith(name + b":") else line for line in head.split(b"\n")]
    return b"\n".join(lines) + sep + body


def insert_after_verdict(raw: bytes, line: bytes) -> bytes:
    """Put `line` right below the provider's verdict: inside the signed-looking block."""
    head, sep, body = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    return b"\n".join([lines[0], line, *lines[1:]]) + sep + body


def body_text(extra: str, *, subject: str | None = None, kind: str = "code") -> bytes:
    raw = genuine(kind, html=False)
    if subject is not None:
        raw = replace_field(raw, b"Subject", b"Subject: " + subject.encode())
    return raw.replace(b"\n\nThanks,", ("\n\n" + extra + "\n\nThanks,").encode(), 1)


def meta_notification(subject: str, body: str) -> bytes:
    raw = replace_field(
        genuine("approved", html=False), b"Subject", b"Subject: " + subject.encode()
    )
    start = raw.index(b"\n\n") + 2
    end = raw.index(b"\n\nThanks,")
    return raw[:start] + body.encode() + raw[end:]


def mime(head_extra: bytes, body: bytes) -> bytes:
    head = genuine("code", html=False).split(b"\n\n", 1)[0]
    kept = [l for l in head.split(b"\n") if not l.lower().startswith((b"content-", b"mime-"))]  # noqa: E741
    return b"\n".join(kept) + b"\nMIME-Version: 1.0\n" + head_extra + b"\n\n" + body


def nested(depth: int) -> bytes:
    body = b"Content-Type: text/plain\n\nYour code is 418207\n"
    for i in range(depth):
        body = (
            f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'.encode()
            + body
            + f"--b{i}--\n".encode()
        )
    head, _, rest = body.partition(b"\n\n")
    return mime(head, rest)


# -- properties --------------------------------------------------------------------------


Check = Callable[[ParsedEmail], None]


def untrusted(p: ParsedEmail) -> None:
    """Moves nothing: not trusted, no code."""
    assert p.trusted is False and p.code is None, p


def other(p: ParsedEmail) -> None:
    """Ordinary mail: no kind, no code, whatever it says."""
    assert p.kind == "other" and p.code is None, p


def trusted(kind: str, *, verified: bool = True) -> Check:
    def check(p: ParsedEmail) -> None:
        assert (p.kind, p.trusted, p.verified, p.error) == (kind, True, verified, None), p

    check.__doc__ = f"trusted {kind}"
    return check


def dated(at: datetime, source: str) -> Check:
    def check(p: ParsedEmail) -> None:
        assert (p.sent_at, p.sent_at_source, p.error) == (at, source, None), p

    return check


def bounded(p: ParsedEmail) -> None:
    """Parsed without raising; either refused with a reason or read within the bounds."""
    assert p.error is not None or p.kind in ("code", "other", "approved", "notice"), p


@dataclass(frozen=True)
class Attack:
    raw: Callable[[], bytes]
    check: Check
    authserv_ids: tuple[str, ...] = ()


CORPUS: dict[str, Attack] = {}

# Replayed genuine mail: one more copy of a field that counts, above Meta's (DKIM verifies the
# bottom copy, so the provider still says pass; RFC 5322 allows one).
for kind in ("approved", "code"):
    for field, value in [
        (b"To", b"victim@example.org"),
        (b"Subject", b"Your objection request has been approved"),
        (b"Date", b"Fri, 31 Dec 2099 23:00:00 +0000"),
        (b"Message-ID", b"<replayed@facebookmail.com>"),
        (b"From", b"Facebook <security@facebookmail.com>"),
        (b"Sender", b"security@facebookmail.com"),
        (b"Cc", b"victim@example.org"),
        (b"MIME-Version", b"1.0"),
        (b"Content-Type", b"text/plain"),
        (b"Content-Transfer-Encoding", b"8bit"),
    ]:
        line = field + b": " + value

        def replayed(k: str = kind, extra: bytes = line) -> bytes:
            raw = insert_after_verdict(genuine(k), extra)
            name = extra.split(b":", 1)[0] + b":"
            if (
                raw.split(b"\n\n", 1)[0].count(b"\n" + name) < 2
            ):  # Meta's mail has none: the replay brings two
                raw = insert_after_verdict(raw, extra)
            return raw

        CORPUS[f"replay-{kind}-extra-{field.decode().lower()}"] = Attack(replayed, untrusted)
CORPUS["replay-extra-sender-twice"] = Attack(
    lambda: insert_after_verdict(
        insert_after_verdict(genuine(), b"Sender: a@facebookmail.com"), b"Sender: b@example.net"
    ),
    untrusted,
)

# The header block read two ways.
SPLITS: dict[str, Callable[[bytes], bytes]] = {
    "obsolete-from-space-colon": lambda r: r.replace(b"\nFrom: ", b"\nFrom : ", 1),
    "from-tab-colon": lambda r: r.replace(b"\nFrom: ", b"\nFrom\t: ", 1),
    "name-with-space-ends-block": lambda r: insert_after_verdict(r, b"X Mailer: ZuckMail"),
    "leading-space-from-folded": lambda r: r.replace(b"\nFrom: ", b"\n From: ", 1),
    "whitespace-only-line": lambda r: insert_after_verdict(r, b"   "),
    "nul-after-4-kib": lambda r: insert_after_verdict(r, b"X-Pad: " + b"a" * 5000 + b"\x00"),
    "bare-cr-in-header": lambda r: r.replace(b"\nFrom: ", b"\rFrom: evil@example.net\nFrom: ", 1),
    "block-starts-with-space": lambda r: b" X-Fold: y\n" + r,
    "from-lowercase-twice": lambda r: insert_after_verdict(r, b"from: Meta <x@example.net>"),
}
for name, change in SPLITS.items():
    CORPUS[f"split-{name}"] = Attack(lambda c=change: c(genuine()), untrusted)

# The provider's verdict, bent.
VERDICTS: dict[str, tuple[list[bytes], Check, tuple[str, ...]]] = {
    "spf-softfail-only": ([b"mx.example.org; spf=softfail smtp.mailfrom=facebookmail.com"], untrusted, ()),
    "dkim-pass-unrelated-domain": ([b"mx.example.org; dkim=pass header.d=example.net"], untrusted, ()),
    "dkim-pass-lookalike-domain": ([b"mx.example.org; dkim=pass header.d=facebookmail.com.evil.example"], untrusted, ()),
    "dkim-pass-other-meta-domain": ([b"mx.example.org; dkim=pass header.d=fb.com"], untrusted, ()),
    "dmarc-fail-in-second-header": (
        [b"mx.example.org; dkim=pass header.d=facebookmail.com", b"mx.example.org; dmarc=fail header.from=facebookmail.com"],
        untrusted, (),
    ),
    "dmarc-fail-in-second-header-with-ids": (
        [b"mx.example.org; dkim=pass header.d=facebookmail.com", b"mx.example.org; dmarc=fail header.from=facebookmail.com"],
        untrusted, ("mx.example.org",),
    ),
    "header-from-mismatch": ([b"mx.example.org; dkim=pass header.d=facebookmail.com; dmarc=pass header.from=evil.example"], untrusted, ()),
    "version-id-fail-forged-pass-below": (
        [b"mx.example.org 1; dkim=fail header.d=facebookmail.com; dmarc=fail", b"mx.example.org; dkim=pass header.d=facebookmail.com; dmarc=pass"],
        untrusted, ("mx.example.org",),
    ),
    "comment-id-fail-forged-pass-below": (
        [b"mx.example.org (Postfix); dmarc=fail header.from=facebookmail.com", b"evil.example; dmarc=pass"],
        untrusted, ("mx.example.org",),
    ),
    "forged-pass-below-provider-fail": (
        [b"mx.example.org; dkim=fail header.d=facebookmail.com; dmarc=fail", b"mx.example.org; dkim=pass header.d=facebookmail.com; dmarc=pass"],
        untrusted, (),
    ),
    "forged-pass-without-providers-id": ([b"evil.example; dkim=pass header.d=facebookmail.com; dmarc=pass"], untrusted, ("mx.example.org",)),
    "dkim-temperror-only": ([b"mx.example.org; dkim=temperror header.d=facebookmail.com"], untrusted, ()),
    "dmarc-none": ([b"mx.example.org; dmarc=none header.from=facebookmail.com"], untrusted, ()),
    "unreadable-provider-header": ([b"mx.example.org; dkim=pass (unclosed comment header.d=facebookmail.com"], untrusted, ()),
    "sixty-verdicts": ([b"mx.example.org; dkim=pass header.d=facebookmail.com"] * 60, untrusted, ()),
    "outlook-no-id-fail": ([b"spf=pass smtp.mailfrom=facebookmail.com; dkim=fail header.d=facebookmail.com;dmarc=fail action=quarantine header.from=facebookmail.com;compauth=fail reason=000"], untrusted, ()),
    "dkim-pass-and-fail-same-domain": ([b"mx.example.org; dkim=pass header.d=facebookmail.com; dkim=fail header.d=facebookmail.com"], untrusted, ()),
    # Genuine verdicts that must keep working.
    "outlook-no-id-pass": ([b"spf=pass (sender IP is 66.220.144.178) smtp.mailfrom=facebookmail.com; dkim=pass (signature was verified) header.d=facebookmail.com;dmarc=pass action=none header.from=facebookmail.com;compauth=pass reason=100"], trusted("approved"), ()),
    "gmail-header-i": ([b"mx.google.com; dkim=pass header.i=@facebookmail.com header.s=s1 header.b=abc; spf=pass smtp.mailfrom=x@facebookmail.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=facebookmail.com"], trusted("approved"), ("mx.google.com",)),
    "one-header-per-check": ([b"mx.example.org; dkim=pass header.d=facebookmail.com", b"mx.example.org; spf=pass smtp.mailfrom=facebookmail.com", b"mx.example.org; dmarc=pass header.from=facebookmail.com"], trusted("approved"), ("mx.example.org",)),
    "version-and-comment-id": ([b"mx.example.org 1 (our server); dkim=pass header.d=facebookmail.com; dmarc=pass header.from=facebookmail.com"], trusted("approved"), ("mx.example.org",)),
    "relaxed-alignment-subdomain-signature": ([b"mx.example.org; dkim=pass header.d=priority.facebookmail.com"], trusted("approved"), ()),
}  # fmt: skip
for name, (verdicts, check, ids) in VERDICTS.items():
    CORPUS[f"verdict-{name}"] = Attack(lambda v=verdicts: with_verdict(v), check, ids)
CORPUS["verdict-none-at-all-no-signature"] = Attack(
    lambda: with_verdict([]).replace(b"DKIM-Signature:", b"X-Old-Signature:"), untrusted
)

# Lookalike senders (already held; kept so they stay held).
LOOKALIKES = [
    b"Facebook <security@facebookmail.com.security-check.net>",
    b"Facebook <security@faceb00kmail.com>",
    "Facebook <security@facebооkmail.com>".encode(),
    b"Facebook <facebook@alerting-services.com>",
    b"security@facebookmail.com <phisher@example.net>",
    b"=?utf-8?q?security=40facebookmail.com?= <x@example.net>",
    b"Meta Support <meta.support.team@gmail.com>",
    b'"Facebook" <security@facebookmail.com>, <evil@example.net>',
    b"security@facebookmail.com( <evil@attacker.example>",
]
for index, sender in enumerate(LOOKALIKES):
    CORPUS[f"lookalike-{index}"] = Attack(
        lambda s=sender: replace_field(genuine(), b"From", b"From: " + s), untrusted
    )

# Dates that would lie.
DATES: dict[str, tuple[bytes | None, Check]] = {
    "year-9999": (b"Fri, 31 Dec 9999 23:30:00 +0000", dated(ARRIVED.at, "imap_internaldate")),
    "year-2099": (b"Thu, 31 Dec 2099 12:00:00 +0000", dated(ARRIVED.at, "imap_internaldate")),
    "year-1970": (b"Thu, 01 Jan 1970 00:00:00 +0000", dated(ARRIVED.at, "imap_internaldate")),
    "two-days-ahead": (b"Mon, 03 Jun 2024 09:00:00 +0000", dated(ARRIVED.at, "imap_internaldate")),
    "twelve-hours-ahead-is-clock-skew": (b"Sat, 01 Jun 2024 21:00:00 +0000", dated(datetime(2024, 6, 1, 21, tzinfo=UTC), "date")),
    "unreadable": (b"the day after tomorrow", dated(ARRIVED.at, "imap_internaldate")),
    "missing": (None, dated(ARRIVED.at, "imap_internaldate")),
}  # fmt: skip


def _dated(value: bytes | None) -> bytes:
    raw = genuine()
    if value is None:
        head, sep, body = raw.partition(b"\n\n")
        return b"\n".join(l for l in head.split(b"\n") if not l.startswith(b"Date:")) + sep + body  # noqa: E741
    return replace_field(raw, b"Date", b"Date: " + value)


for name, (value, check) in DATES.items():
    CORPUS[f"date-{name}"] = Attack(lambda v=value: _dated(v), check)

# Meta's own notifications quoting people: other, whatever they quote.
QUOTES = {
    "comment": ("Ben Smith commented on your post", 'Ben Smith commented on your post: "We will honour your objection. Your code is 418207."\n\nReply to this email to comment on this post.'),
    "messenger": ("Ben Smith sent you a message", 'Ben Smith: "Use this code to confirm your objection request: 418207"'),
    "tag": ("Ben Smith tagged you in a post", "Ben Smith tagged you: we will honour your objection for AI at Meta"),
    "group-post": ("Ben Smith posted in Privacy Fans", "We will honour your objection for your public information. Code 418207."),
    "page-message": ("Your Page has a new message", "New message: Your objection was approved. Confirmation code: 418207"),
    "reply-marker-only": ("Notification", "We won't use your public information, we will honour your objection.\n\nReply to this email to reply to Ben."),
    "german-comment": ("Ben hat deinen Beitrag kommentiert", "Wir werden deinem Widerspruch nachkommen. Code 418207"),
}  # fmt: skip
for name, (subject, text) in QUOTES.items():
    CORPUS[f"quote-{name}"] = Attack(lambda s=subject, t=text: meta_notification(s, t), other)

# Payloads that cost CPU or memory: parsed without raising, within the bounds.
COST = {
    "60000-digits-after-your-code": lambda: body_text("Your code " + "1" * 60_000),
    "60000-letters": lambda: body_text("code " + "a" * 60_000),
    "60000-spaces": lambda: body_text("code" + " " * 60_000 + "123456"),
    "a-dot-runs": lambda: body_text("code " + "a." * 30_000),
    "digits-in-subject": lambda: body_text("", subject="Your code " + "1" * 60_000),
    "spaces-in-subject": lambda: body_text("", subject="code" + " " * 60_000 + "1"),
    "200kb-part-parameter": lambda: mime(b'Content-Type: multipart/mixed; boundary="b"', b'--b\nContent-Type: text/plain; name="' + b"x" * 200_000 + b'"\n\nYour code is 418207\n--b--\n'),
    "200kb-top-parameter": lambda: mime(b'Content-Type: text/plain; name="' + b"x" * 200_000 + b'"', b"Your code is 418207\n"),
    "5mib-empty-lines-base64": lambda: mime(b"Content-Type: text/plain\nContent-Transfer-Encoding: base64", b"\n" * (5 * 1024 * 1024 - 4096)),
    "nested-1000": lambda: nested(1000),
    "code-words-x6000": lambda: body_text("code 1234 " * 6_000),
}  # fmt: skip
for name, make in COST.items():
    CORPUS[f"cost-{name}"] = Attack(make, bounded)

# Genuine mail: must keep working.
for kind in ("notice", "code", "received", "approved", "rejected"):
    CORPUS[f"genuine-{kind}-facebook"] = Attack(lambda k=kind: genuine(k), trusted(kind))
CORPUS["genuine-approved-instagram"] = Attack(
    lambda: genuine("approved", platform="instagram"), trusted("approved")
)


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 80


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_attack(name: str):
    attack = CORPUS[name]
    parsed = parse_email(attack.raw(), authserv_ids=attack.authserv_ids, received=ARRIVED)
    attack.check(parsed)


def test_no_untrusted_attack_moves_an_account_or_yields_a_code(run_cli, tmp_path: Path):
    folder = tmp_path / "attacks"
    folder.mkdir()
    names = [n for n, a in CORPUS.items() if a.check is untrusted and not a.authserv_ids]
    for name in names:
        (folder / f"{name}.eml").write_bytes(CORPUS[name].raw())
    assert run_cli("import", str(folder)).exit_code == 0
    assert json.loads(run_cli("report", "--json").stdout) == []
    assert run_cli("code", "--include-expired", "--unverified", "--login").exit_code != 0


def test_authserv_ids_from_the_environment_work_without_a_config_file(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    mail = tmp_path / "approved.eml"
    mail.write_bytes(genuine())  # its verdict is mx.example.org's
    monkeypatch.setenv("TRACKER_AUTHSERV_IDS", "mx.google.com")
    assert run_cli("import", str(mail)).exit_code == 0
    assert json.loads(run_cli("report", "--json").stdout) == []
    monkeypatch.setenv("TRACKER_AUTHSERV_IDS", "mx.example.org")
    assert run_cli("import", str(mail), db=tmp_path / "other.db").exit_code == 0
    (row,) = json.loads(run_cli("report", "--json", db=tmp_path / "other.db").stdout)
    assert row["state"] == "approved"


def test_nothing_is_stored_about_other_mail_not_even_a_skip(run_cli, tmp_path: Path):
    raw = replace_field(genuine(), b"From", b"From: Facebook Fan Club <club@example.net>")
    raw = replace_field(raw, b"Date", b"Date: not a date at all")
    mail = tmp_path / "club.eml"
    mail.write_bytes(raw)
    assert run_cli("import", str(mail)).exit_code == 0
    assert json.loads(run_cli("skipped", "--json").stdout) == []
