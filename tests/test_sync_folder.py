"""sync_folder against a real Dovecot: candidates only, checkpoints, UIDVALIDITY, no flag changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.mailfactory import meta_mail, ordinary_mail
from tracker.imap import connect
from tracker.ledger import Ledger
from tracker.sync import sync_folder

pytestmark = pytest.mark.imap

T = datetime(2024, 9, 12, 9, 40, tzinfo=UTC)


def test_first_sync_then_incremental_then_uidvalidity_change(
    dovecot, imap_user, imap_mailbox, tmp_path
):
    user = imap_user.username
    for i in range(30):
        dovecot.deliver(user, ordinary_mail(i))
    dovecot.deliver(user, meta_mail("code", account="anna@example.org", code="418207", sent_at=T))
    lookalike = meta_mail("approved", account="anna@example.org").replace(
        b"notification@facebookmail.com", b"notification@facebookmail.com.evil.example"
    )
    dovecot.deliver(user, lookalike)
    flags_before = dovecot.flags(user)
    ledger = Ledger.open(str(tmp_path / "l.db"))

    with connect(imap_mailbox) as conn:
        first = sync_folder(ledger, conn, "test", "INBOX")
    assert (first.candidates, first.fetched, first.counts.new) == (2, 1, 1)
    assert first.last_uid == 32
    assert ledger.checkpoint("test", "INBOX").last_uid == 32

    dovecot.deliver(
        user,
        meta_mail("approved", account="anna@example.org", sent_at=T.replace(hour=10, minute=1)),
    )
    with connect(imap_mailbox) as conn:
        second = sync_folder(ledger, conn, "test", "INBOX")
    assert (second.candidates, second.counts.new, second.rescanned) == (1, 1, False)
    assert ledger.account_reports()[0].turnaround_seconds == 21 * 60
    assert dovecot.flags(user) == {**flags_before, 33: set()}  # nothing marked read or moved

    dovecot.reset_uidvalidity(user)
    with connect(imap_mailbox) as conn:
        third = sync_folder(ledger, conn, "test", "INBOX")
    assert third.rescanned and third.counts.new == 0 and third.counts.duplicate == 2
    assert all(not flags for flags in dovecot.flags(user).values())
    assert ledger.summary().messages == 2


def test_oversized_mail_from_meta_is_skipped_without_download(
    dovecot, imap_user, imap_mailbox, tmp_path
):
    huge = meta_mail("approved", account="anna@example.org", sent_at=T, html=False).replace(
        b"We will honour", b"X" * (6 * 1024 * 1024) + b"\nWe will honour"
    )
    dovecot.deliver(imap_user.username, huge)
    dovecot.deliver(
        imap_user.username, meta_mail("code", account="anna@example.org", code="418207", sent_at=T)
    )
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with connect(imap_mailbox) as conn:
        result = sync_folder(ledger, conn, "test", "INBOX")
    assert (result.candidates, result.fetched, result.counts.new) == (2, 1, 1)
    [(source, reason)] = ledger.skipped()
    assert source.endswith(";UID=1") and reason.startswith("too large for a Meta notification")
