"""No poison mail: a message that breaks reading, parsing or recording is skipped, never fatal.

Each test puts one failing message in the middle of a run (an `import`, a `sync`, a `watch`)
and checks that it is recorded as skipped with its reason and that everything after it is
recorded too. The failure is injected at the parser's edge (it raises for a marked message),
and the real poison that was found, a Date in the year 9999, is used as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import tracker.sync
from tests.support.imapconfig import eventually
from tests.support.mailfactory import meta_mail, write_mbox
from tracker.domain import ParsedEmail, ReadMessage
from tracker.ledger import Ledger

ANNA = "anna@example.org"
T = datetime(2024, 9, 12, 9, 40, tzinfo=UTC)
MARK = b"X-Test-Poison: yes\n"


def _poison() -> bytes:
    return MARK + meta_mail("notice", account="poison@example.org", sent_at=T)


def _year_9999_code() -> bytes:
    raw = meta_mail("code", account="ben@example.org", code="418207", sent_at=T)
    head, sep, body = raw.partition(b"\n\n")
    lines = [
        b"Date: Fri, 31 Dec 9999 23:30:00 +0000" if line.startswith(b"Date:") else line
        for line in head.split(b"\n")
    ]
    return b"\n".join(lines) + sep + body


def _flow() -> list[bytes]:
    return [
        meta_mail("notice", account=ANNA, sent_at=T),
        _poison(),
        meta_mail("code", account=ANNA, code="418207", sent_at=T.replace(hour=10, minute=0)),
        meta_mail("approved", account=ANNA, sent_at=T.replace(hour=10, minute=21)),
    ]


@pytest.fixture
def failing_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    real = tracker.sync.parse_email

    def parse(raw: bytes, **kwargs: object) -> ParsedEmail:
        if MARK.strip() in raw:
            raise RuntimeError("the parser broke on this one")
        return real(raw, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tracker.sync, "parse_email", parse)


def test_import_goes_on_after_a_message_that_breaks_the_parser(
    failing_parser, run_cli, tmp_path: Path
):
    mbox = tmp_path / "all.mbox"
    write_mbox(mbox, _flow())
    result = run_cli("import", "--json", str(mbox))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["new"] == 3
    (row,) = json.loads(run_cli("report", "--json").stdout)
    assert (row["account"], row["state"], row["turnaround_seconds"]) == (ANNA, "approved", 1260)
    skipped = json.loads(run_cli("skipped", "--json").stdout)
    assert skipped == [{"source": f"{mbox}#1", "reason": "cannot parse (RuntimeError)"}]


def test_a_date_in_the_year_9999_is_replaced_by_the_received_time(run_cli, tmp_path: Path):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a.eml").write_bytes(_year_9999_code())
    (folder / "b.eml").write_bytes(meta_mail("notice", account=ANNA, sent_at=T))
    result = run_cli("import", "--json", str(folder))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["new"] == 2
    accounts = {r["account"]: r for r in json.loads(run_cli("report", "--json").stdout)}
    assert accounts[ANNA]["state"] == "notified"
    submitted = datetime.fromisoformat(accounts["ben@example.org"]["submitted_at"])
    assert submitted.year < 2100  # the file's time, not the year 9999


def test_a_value_that_cannot_be_recorded_skips_that_message_only(tmp_path: Path):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    good = tracker.sync.read_message("good.eml", meta_mail("notice", account=ANNA, sent_at=T))
    bad_parse = tracker.sync.read_message(
        "bad.eml", meta_mail("code", account="ben@example.org", code="418207", sent_at=T)
    )
    # A time no code validity can be added to: the ledger must not lose the batch over it.
    bad = ReadMessage(
        "bad.eml",
        ParsedEmail(**{**_fields(bad_parse.parsed), "sent_at": datetime.max.replace(tzinfo=UTC)}),
        "",
    )
    counts = ledger.record_batch([bad, good])
    assert (counts.new, counts.malformed) == (1, 1)
    assert ledger.skipped() == [("bad.eml", "cannot record (OverflowError)")]
    ledger.close()


def _fields(parsed: ParsedEmail) -> dict[str, object]:
    return {name: getattr(parsed, name) for name in ParsedEmail.__slots__}  # type: ignore[attr-defined]


@pytest.mark.imap
def test_sync_goes_on_after_a_message_that_breaks_the_parser(
    failing_parser, dovecot, imap_user, imap_mailbox, tmp_path: Path
):
    from tracker.imap import connect
    from tracker.sync import sync_folder

    for raw in [*_flow(), _year_9999_code()]:
        dovecot.deliver(imap_user.username, raw)
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with connect(imap_mailbox) as conn:
        result = sync_folder(ledger, conn, "test", "INBOX")
    assert (result.counts.new, result.counts.malformed) == (4, 1)
    assert ledger.checkpoint("test", "INBOX").last_uid == 5  # the checkpoint moved past it
    reports = {r.account: r for r in ledger.account_reports()}
    assert (reports[ANNA].state, reports[ANNA].turnaround_seconds) == ("approved", 1260)
    # The year-9999 code is dated when the server received it (INTERNALDATE: today).
    submitted = reports["ben@example.org"].submitted_at
    assert submitted is not None and submitted.year == datetime.now(UTC).year
    assert [reason for _, reason in ledger.skipped()] == ["cannot parse (RuntimeError)"]
    ledger.close()


@pytest.fixture
def watch_ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(str(tmp_path / "ledger.db"))
    yield opened
    opened.close()


@pytest.mark.imap
def test_watch_records_every_message_after_a_poison_mail(
    failing_parser, dovecot, imap_user, imap_mailbox, watch_ledger
):
    from tracker.daemon import WatchOptions, start_watch

    fast = WatchOptions(
        poll_seconds=0.5,
        reconcile_seconds=600,
        backoff_initial_seconds=0.2,
        backoff_cap_seconds=1.0,
    )
    user = imap_user.username
    watch = start_watch(watch_ledger, [imap_mailbox], options=fast)
    try:
        (watcher,) = watch.watchers
        eventually(lambda: watcher.state == "up")
        dovecot.deliver(user, _poison())
        dovecot.deliver(user, _year_9999_code())
        eventually(lambda: watch_ledger.summary().skipped == 1)
        for raw in _flow():
            if MARK.strip() not in raw:
                dovecot.deliver(user, raw)
        eventually(lambda: watch_ledger.summary().messages == 4)
        reports = {r.account: r for r in watch_ledger.account_reports()}
        assert reports[ANNA].state == "approved"
        assert watcher.state == "up"
    finally:
        watch.close()
