"""Benchmark data: realistic Meta and ordinary mail, mbox files and big ledgers, made fast.

Mail is built from a pool of templates (the Meta mails of sample_emails/ in nine languages,
plain, HTML-only and multipart, plus tests/support/mailfactory.py's mails) and made unique by rewriting
the Message-ID and the recipient, which is cheap: building 50,000 mails with the email package
would take longer than the benchmark itself.
"""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from tests.support.mailfactory import meta_mail, ordinary_mail

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_emails"
_SAMPLE_GROUPS = ("facebook", "instagram", "other-meta", "lookalikes", "ordinary")


@dataclass(frozen=True, slots=True)
class Template:
    """A mail whose Message-ID and recipient can be swapped for fresh ones."""

    raw: bytes
    message_id: bytes
    account: bytes | None

    def instance(self, n: int) -> bytes:
        """Return a copy with a unique Message-ID (and recipient, where it has one)."""
        raw = self.raw.replace(self.message_id, b"b%d." % n + self.message_id)
        if self.account:
            local, _, domain = self.account.partition(b"@")
            raw = raw.replace(self.account, local + b"+b%d@" % n + domain)
        return raw


def _sample_templates() -> tuple[list[Template], list[Template]]:
    """Return (Meta, other) templates from sample_emails/, by their expected platform."""
    meta, other = [], []
    for group in _SAMPLE_GROUPS:
        for eml in sorted((SAMPLES / group).glob("*.eml")):
            expected = json.loads(eml.with_suffix(".expected.json").read_text())
            if not expected.get("message_id") or expected.get("error"):
                continue
            account = expected.get("account")
            template = Template(
                eml.read_bytes(),
                expected["message_id"].encode(),
                account.encode() if account else None,
            )
            (meta if expected.get("platform") else other).append(template)
    return meta, other


def _html_only(kind: str, account: str, platform: str, n: int) -> bytes:
    """Return a Meta mail of `kind` with only an HTML part (as some of Meta's rounds are)."""
    text = meta_mail(
        kind,
        account=account,
        platform=platform,
        code="418207",
        html=False,
        sent_at=_factory_date(n),
        message_id=f"<factory{n}.{kind}@facebookmail.com>",
    )
    message = EmailMessage()
    plain_head, _, body = text.partition(b"\n\n")
    for line in plain_head.decode().splitlines():
        name, _, value = line.partition(": ")
        if name in ("From", "To", "Subject", "Date", "Message-ID", "Authentication-Results"):
            message[name] = value
    paragraphs = "".join(
        f'<tr><td style="font-size:14px;padding:8px">{p}</td></tr>'
        for p in body.decode(errors="replace").split("\n\n")
    )
    message.set_content(
        "<!DOCTYPE html><html><head><title>Meta</title><style>td{font-family:Helvetica}</style>"
        f"<script>var n={n};</script></head><body><table width='100%'>{paragraphs}</table>"
        "<div style='display:none'>preheader</div></body></html>",
        subtype="html",
    )
    return message.as_bytes()


def _factory_date(n: int) -> datetime:
    return datetime(2025, 5, 1, 9, 0, tzinfo=UTC) + timedelta(hours=7 * n)


def _factory_templates(count: int) -> list[Template]:
    kinds = ("notice", "code", "received", "approved", "rejected")
    templates = []
    rng = random.Random(7)
    for i in range(count):
        kind = kinds[i % len(kinds)]
        platform = "facebook" if i % 2 else "instagram"
        account = f"user{i}@example.org"
        if i % 3 == 0:
            raw = _html_only(kind, account, platform, i)
        else:
            raw = meta_mail(
                kind,
                account=account,
                platform=platform,
                code=str(rng.randint(100000, 999999)),
                html=i % 3 == 1,
                sent_at=_factory_date(i),
                message_id=f"<factory{i}.{kind}@facebookmail.com>",
            )
        message_id = raw.split(b"Message-ID: <", 1)[1].split(b">", 1)[0]
        templates.append(Template(raw, message_id, account.encode()))
    return templates


def _ordinary_templates(count: int) -> list[Template]:
    templates = []
    for i in range(count):
        raw = ordinary_mail(i)
        templates.append(Template(raw, f"ordinary-{i}@example.net".encode(), None))
    return templates


class MailPool:
    """Endless supplies of distinct Meta and ordinary mails, deterministic for a seed."""

    def __init__(self, *, seed: int = 1) -> None:
        sample_meta, sample_other = _sample_templates()
        self.meta_templates = sample_meta + _factory_templates(30)
        self.other_templates = sample_other + _ordinary_templates(200)
        self._rng = random.Random(seed)
        self._serial = itertools.count(1)

    def meta(self, count: int) -> list[bytes]:
        """Return `count` distinct Meta mails (mixed kinds, languages, HTML and plain)."""
        return [
            self._rng.choice(self.meta_templates).instance(next(self._serial)) for _ in range(count)
        ]

    def other(self, count: int) -> list[bytes]:
        """Return `count` distinct ordinary (non-Meta) mails."""
        return [
            self._rng.choice(self.other_templates).instance(next(self._serial))
            for _ in range(count)
        ]

    def mixed(self, count: int, meta_count: int) -> list[bytes]:
        """Return `count` mails of which `meta_count` are Meta's, spread evenly through."""
        mails = self.other(count - meta_count)
        step = count // max(meta_count, 1)
        for i, raw in enumerate(self.meta(meta_count)):
            mails.insert(min(i * step + step // 2, len(mails)), raw)
        return mails


# -- ledgers --------------------------------------------------------------------------------

# Each account's story, cycled: most accounts end approved or rejected, some wait.
_STORIES = (
    ("notice", "code", "received", "approved"),
    ("notice", "code", "approved", "code"),
    ("notice", "code", "received", "rejected"),
    ("notice", "code", "code", "received"),
    ("notice", "code", "rejected", "code"),
)


def _sql_time(value: datetime) -> str:
    # SQLAlchemy's SQLite DateTime storage format.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build_ledger(path: Path, accounts: int, *, messages_per_account: int = 4) -> int:
    """Create a ledger at `path` with `accounts` accounts; return how many messages it holds.

    The schema comes from Ledger.open (Alembic); rows go in with plain SQL inserts, which is
    a hundred times faster than parsing mail. The newest 50 accounts hold a live code.
    """
    from tracker.ledger import Ledger

    Ledger.open(str(path)).close()
    now = datetime.now(UTC)
    start = now - timedelta(days=400)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    created = _sql_time(now)
    with connection:
        connection.executemany(
            "INSERT INTO account (id, address, platform, added_by, created_at) VALUES (?,?,?,?,?)",
            (
                (
                    i,
                    f"user{i:06d}@example{i % 97}.org",
                    ("facebook", "instagram")[i % 2],
                    "mail",
                    created,
                )
                for i in range(1, accounts + 1)
            ),
        )
        connection.executemany(
            "INSERT INTO message (message_key, account_id, recipient, kind, platform, sent_at,"
            " trusted, code, code_purpose, code_expires_at, source, recorded_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            _message_rows(accounts, messages_per_account, start, now),
        )
    count = connection.execute("SELECT count(*) FROM message").fetchone()[0]
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return int(count)


def _message_rows(
    accounts: int, per_account: int, start: datetime, now: datetime
) -> Iterator[tuple[object, ...]]:
    rng = random.Random(accounts)
    live_codes_from = accounts - 50
    for i in range(1, accounts + 1):
        story = _STORIES[i % len(_STORIES)]
        platform = ("facebook", "instagram")[i % 2]
        address = f"user{i:06d}@example{i % 97}.org"
        sent = start + timedelta(minutes=i * 3)
        for j in range(per_account):
            kind = story[j % len(story)]
            sent += timedelta(minutes=rng.randint(2, 60 * 48))
            code = purpose = expires = None
            at = recorded = sent
            if kind == "code":
                purpose = "objection"
                if i > live_codes_from and j == story.index("code"):
                    code, at, recorded = f"{rng.randint(100000, 999999)}", now, now
                expires = _sql_time(at + timedelta(minutes=10 if code else 60))
            trusted = 0 if (i * per_account + j) % 101 == 0 else 1
            yield (
                f"bench-{i}-{j}@facebookmail.com",
                i if trusted else None,
                address,
                kind,
                platform,
                _sql_time(at),
                trusted,
                code,
                purpose,
                expires,
                "bench",
                _sql_time(recorded),
            )
