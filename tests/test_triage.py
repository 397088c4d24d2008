"""Importing an mbox with the header triage records exactly what reading every message does.

The triage reads each message's header block straight from the memory map and only counts
the ones surely not from Meta; these tests hold it to the plain path (copy every message out,
`read_message` each) on real, broken, hostile and quoted mail.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from tests.support.mailfactory import meta_mail, ordinary_mail, write_mbox
from tests.support.paths import PUBLIC_CORPUS, SAMPLES
from tracker.ledger import Ledger, RecordCounts
from tracker.mailfiles import RawMail, SkippedMail, iter_mail, iter_mbox
from tracker.parse import could_be_from_meta, header_could_be_from_meta
from tracker.sync import import_paths, read_message

_TRICKY = [
    # ">From " quoting in the header block: the triage must not read it as it stands.
    b"X-Note: x\n>From : notification@facebookmail.com\nSubject: quoted\n\nbody\n",
    # No From, two From fields, a folded From, an encoded word, upper case.
    b"To: a@example.org\nSubject: no sender\n\nbody\n",
    b"From: a@example.org\nFrom: b@example.org\nSubject: two\n\nbody\n",
    b"From: Someone\n <security@facebookmail.com>\nSubject: folded\n\nbody\n",
    b"From: =?utf-8?q?Facebook?= <x@example.org>\nSubject: encoded\n\nbody\n",
    b"FROM: NOTIFICATION@FACEBOOKMAIL.COM\nSubject: shouting\n\nbody\n",
    b"From-Address: x@example.org\nSubject: not a From field\n\nbody\n",
    # CRLF mail: no "\n\n" at all, so the whole message is its header block.
    b"From: a@example.org\r\nSubject: crlf\r\n\r\nFrom: notification@facebookmail.com\r\n",
    b"",
]


def _mails() -> list[bytes]:
    mails = [p.read_bytes() for p in sorted(SAMPLES.rglob("*.eml"))]
    mails += [
        p.read_bytes()
        for p in sorted(PUBLIC_CORPUS.rglob("*"))
        if p.is_file() and p.name not in {"LICENSE", "README.md"}
    ]
    mails += [ordinary_mail(n) for n in range(50)]
    mails += [meta_mail("notice", account=f"t{n}@example.org") for n in range(5)]
    return mails + _TRICKY


def _plain_import(ledger: Ledger, path: Path) -> RecordCounts:
    """Every message copied out and read: the reference."""
    counts = RecordCounts()
    for mail in iter_mail([path]):
        assert isinstance(mail, RawMail)
        read = read_message(mail.source, mail.raw, mail.problem, received=mail.received)
        counts.add(ledger.record_batch([read]))
    return counts


def _rows(ledger: Ledger) -> dict[str, list[tuple[object, ...]]]:
    with ledger.engine.connect() as conn:
        return {
            "message": conn.execute(
                text(
                    "SELECT message_key, kind, platform, recipient, trusted, code, source"
                    " FROM message ORDER BY message_key"
                )
            ).all(),
            "skipped": conn.execute(
                text("SELECT source, reason FROM skipped_message ORDER BY source")
            ).all(),
            "account": conn.execute(
                text("SELECT address, platform FROM account ORDER BY address, platform")
            ).all(),
        }


def test_triaged_import_records_what_reading_every_message_records(tmp_path: Path) -> None:
    mbox = tmp_path / "takeout.mbox"
    write_mbox(mbox, _mails())
    fast, plain = Ledger.open(str(tmp_path / "fast.db")), Ledger.open(str(tmp_path / "plain.db"))
    try:
        fast_counts = import_paths(fast, [mbox])
        plain_counts = _plain_import(plain, mbox)
        assert _rows(fast) == _rows(plain)
        for field in ("new", "duplicate", "ignored", "malformed"):
            assert getattr(fast_counts, field) == getattr(plain_counts, field), field
    finally:
        fast.close()
        plain.close()


def test_triage_counts_what_it_skips_and_keeps_the_indexes(tmp_path: Path) -> None:
    mails = _mails()
    mbox = tmp_path / "takeout.mbox"
    write_mbox(mbox, mails)
    items = list(iter_mbox(mbox, triage=header_could_be_from_meta))
    kept = [m for m in items if isinstance(m, RawMail)]
    skipped = sum(m.count for m in items if isinstance(m, SkippedMail))
    assert skipped > 0 and skipped + len(kept) == len(mails)
    everything = list(iter_mbox(mbox))
    by_source = {m.source: m for m in everything if isinstance(m, RawMail)}
    for mail in kept:
        assert by_source[mail.source] == mail
    # Every message it skipped is one the plain triage rejects too.
    kept_sources = {m.source for m in kept}
    for mail in everything:
        assert isinstance(mail, RawMail)
        if mail.source not in kept_sources:
            assert mail.raw is not None and not could_be_from_meta(mail.raw)
    assert sum(m.size for m in items) == mbox.stat().st_size
