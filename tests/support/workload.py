"""A reproducible mailbox of Meta and ordinary mail, and the ledger rows that must come out of it.

Shared by the crash and concurrency tests: both compare a ledger after kills or races with the
ledger of one clean run.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.mailfactory import meta_mail, ordinary_mail

T0 = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
# More multipart declarations than the parser decodes for one mail (a dateless mail is no
# longer malformed: it is dated by when it was received).
_NESTED_DECLARATIONS = [
    b'Content-Type: multipart/mixed; boundary="b%d"\n' % depth for depth in range(100)
]


def build_mailbox(total: int, accounts: int, *, seed: int = 5) -> list[bytes]:
    """`total` mails: each account's notice, code, acknowledgement and decision, some forged and
    broken Meta mail, and ordinary mail around them, shuffled deterministically."""
    rng = random.Random(seed)
    meta: list[bytes] = []
    for i in range(accounts):
        account = f"user{i}@example.org"
        platform = "instagram" if i % 3 == 0 else "facebook"
        start = T0 + timedelta(hours=i)
        meta.append(meta_mail("notice", account=account, platform=platform, sent_at=start))
        if i % 5 == 4:
            continue  # notified only
        code = f"{100000 + i * 7919 % 900000:06d}"
        meta.append(
            meta_mail(
                "code",
                account=account,
                platform=platform,
                code=code,
                sent_at=start + timedelta(days=2),
            )
        )
        if i % 5 == 3:
            continue  # pending
        decision = "rejected" if i % 7 == 0 else "approved"
        meta.append(
            meta_mail(
                decision, account=account, platform=platform, sent_at=start + timedelta(days=9)
            )
        )
        if i % 11 == 0:  # a forgery that must not count
            meta.append(
                meta_mail(
                    "rejected", account=account, auth="fail", sent_at=start + timedelta(days=10)
                )
            )
        if i % 13 == 0:  # Meta mail too deeply nested to decode: skipped, with its reason
            broken = meta_mail("approved", account=account, sent_at=start)
            meta.append(broken + b"".join(_NESTED_DECLARATIONS))
    others = [ordinary_mail(i, rng=random.Random(i)) for i in range(max(0, total - len(meta)))]
    mails = meta + others
    rng.shuffle(mails)
    return mails


def ledger_rows(path: Path) -> dict[str, list[tuple]]:
    """Every row that matters, without the time it was written; and the integrity check."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {
            "message": db.execute(
                "SELECT message_key, a.address, a.platform, recipient, kind, m.platform, sent_at,"
                " trusted, code, code_purpose, code_expires_at, source"
                " FROM message m LEFT JOIN account a ON a.id = m.account_id ORDER BY message_key"
            ).fetchall(),
            "account": db.execute(
                "SELECT address, platform, added_by FROM account ORDER BY address, platform"
            ).fetchall(),
            "skipped": db.execute(
                "SELECT source, reason FROM skipped_message ORDER BY source"
            ).fetchall(),
            "checkpoint": db.execute(
                "SELECT mailbox, folder, uidvalidity, last_uid FROM checkpoint ORDER BY 1, 2"
            ).fetchall(),
        }
