"""Checkpoint, retry, UIDVALIDITY, reconnect and backoff logic on the in-memory mailbox.

Milliseconds per case, so hypothesis can try many sequences; the same logic against real
servers is in test_sync_folder.py (Dovecot) and test_quirky_servers.py (a scripted server).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracker.sync
from tests.support.fakemailbox import FakeFolder, FakeServer
from tests.support.imapconfig import eventually
from tests.support.mailfactory import meta_mail, ordinary_mail
from tracker.config import MailboxSettings
from tracker.daemon import FolderWatcher, WatchOptions
from tracker.errors import MailboxError
from tracker.imap import MailboxSession
from tracker.ledger import Ledger
from tracker.sync import sync_folder

T = datetime(2024, 9, 12, 9, 40, tzinfo=UTC)
BOX = MailboxSettings(name="fake", host="127.0.0.1", username="u", password_env="X")


@pytest.fixture(autouse=True)
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracker.sync, "RETRY_DELAYS", (0.0,))


def _meta(n: int) -> bytes:
    return meta_mail(
        "notice",
        account=f"user{n}@example.org",
        sent_at=T.replace(minute=n % 60),
        message_id=f"<notice-{n}@facebookmail.com>",
    )


def _recorded_ids(ledger: Ledger) -> set[str]:
    from sqlalchemy import select

    from tracker.ledger.tables import Message

    table = Message.__table__  # type: ignore[attr-defined]
    with ledger.engine.connect() as conn:
        return set(conn.execute(select(table.c.message_key)).scalars())


def _sync(server: FakeServer, ledger: Ledger, *, retry: bool = True) -> None:
    session: MailboxSession = server.connect(BOX)  # the fake satisfies the protocol
    with session:
        try:
            sync_folder(ledger, session, "fake", "INBOX", retry_skipped=retry)
        except MailboxError as err:
            assert err.lost


actions = st.lists(
    st.one_of(
        st.tuples(st.just("meta"), st.integers(0, 3)),  # deliver; 1: withhold body, 2: header,
        st.tuples(st.just("other"), st.just(0)),  # 3: fetching it breaks the session
        st.tuples(st.just("sync"), st.booleans()),
        st.tuples(st.just("recover"), st.just(0)),
        st.tuples(st.just("renumber"), st.just(0)),
    ),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=actions)
def test_the_checkpoint_never_passes_an_unrecorded_meta_mail(script, tmp_path_factory) -> None:
    ledger = Ledger.open(str(tmp_path_factory.mktemp("l") / "l.db"))
    server = FakeServer()
    inbox = server.folders["INBOX"]
    n = 0
    for action, arg in script:
        if action == "meta":
            n += 1
            uid = inbox.deliver(_meta(n))
            {1: server.withhold_bodies, 2: server.withhold_headers, 3: server.breaking}.get(
                arg, set()
            ).add(uid)
        elif action == "other":
            n += 1
            inbox.deliver(ordinary_mail(n))
        elif action == "sync":
            _sync(server, ledger, retry=bool(arg))
        elif action == "recover":
            server.withhold_bodies.clear()
            server.withhold_headers.clear()
            server.breaking.clear()
        else:  # the server renumbers the folder under a new UIDVALIDITY
            messages = list(inbox.messages.values())
            server.folders["INBOX"] = inbox = FakeFolder(uidvalidity=inbox.uidvalidity + 1)
            for raw in messages:
                inbox.deliver(raw)
            server.withhold_bodies.clear()
            server.withhold_headers.clear()
            server.breaking.clear()
        checkpoint = ledger.checkpoint("fake", "INBOX")
        if checkpoint is not None and checkpoint.uidvalidity == inbox.uidvalidity:
            recorded = _recorded_ids(ledger)
            for uid, raw in inbox.messages.items():
                if uid <= checkpoint.last_uid and b"facebookmail" in raw:
                    mid = (
                        raw.split(b"Message-ID: ", 1)[1]
                        .split(b"\n", 1)[0]
                        .strip()
                        .decode()
                        .strip("<>")
                    )
                    assert mid in recorded, (uid, checkpoint)
    server.withhold_bodies.clear()
    server.withhold_headers.clear()
    server.breaking.clear()
    _sync(server, ledger)
    assert len(_recorded_ids(ledger)) == sum(b"facebookmail" in r for r in inbox.messages.values())
    assert ledger.skipped() == []
    assert ledger.checkpoint("fake", "INBOX").last_uid == inbox.uidnext - 1  # type: ignore[union-attr]


def test_a_message_that_breaks_the_session_is_retried_after_newer_mail(tmp_path) -> None:
    ledger = Ledger.open(str(tmp_path / "l.db"))
    server = FakeServer()
    inbox = server.folders["INBOX"]
    first = [inbox.deliver(_meta(i)) for i in (1, 2, 3)]
    server.breaking.add(first[1])
    _sync(server, ledger)
    assert len(_recorded_ids(ledger)) == 1
    fourth = inbox.deliver(_meta(4))
    server.body_fetches.clear()
    _sync(server, ledger)
    # The newer mail first (3, 4), then the one that broke the session before.
    assert server.body_fetches == [first[2], fourth, first[1]]
    assert len(_recorded_ids(ledger)) == 3
    assert ledger.checkpoint("fake", "INBOX").last_uid == first[0]  # type: ignore[union-attr]
    [(source, reason)] = ledger.skipped()
    assert source.endswith(f";UID={first[1]}") and "announced 931 GiB" in reason


def _watch(
    server: FakeServer, ledger: Ledger
) -> tuple[FolderWatcher, threading.Event, threading.Thread]:
    stop = threading.Event()
    watcher = FolderWatcher(
        ledger,
        BOX,
        "INBOX",
        stop=stop,
        options=WatchOptions(
            poll_seconds=0.02,
            backoff_initial_seconds=0.01,
            backoff_cap_seconds=0.05,
            stop_check_seconds=0.01,
        ),
        connect=server.connect,
    )
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    return watcher, stop, thread


def test_the_watcher_backs_off_reconnects_and_catches_up(tmp_path, caplog) -> None:
    ledger = Ledger.open(str(tmp_path / "l.db"))
    server = FakeServer(refuse_connects=3)
    server.folders["INBOX"].deliver(_meta(1))
    caplog.set_level(logging.WARNING, logger="tracker")
    watcher, stop, thread = _watch(server, ledger)
    try:
        eventually(lambda: watcher.state == "up", timeout=10)
        assert server.connects == 4 and len(_recorded_ids(ledger)) == 1
        # One line for the outage, saying it once.
        down = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert down[0] == (
            "Mailbox fake: folder INBOX: cannot connect: connection refused; retrying with backoff"
        )
        server.folders["INBOX"].deliver(_meta(2))  # polling picks it up
        eventually(lambda: len(_recorded_ids(ledger)) == 2, timeout=10)
    finally:
        stop.set()
        thread.join(5)


def test_a_message_that_breaks_the_session_does_not_keep_the_watcher_down(tmp_path) -> None:
    ledger = Ledger.open(str(tmp_path / "l.db"))
    server = FakeServer()
    inbox = server.folders["INBOX"]
    uids = [inbox.deliver(_meta(i)) for i in (1, 2, 3)]
    server.breaking.add(uids[0])
    watcher, stop, thread = _watch(server, ledger)
    try:
        # It breaks the first session; the reconnect records the rest and stays up, polling.
        eventually(lambda: len(_recorded_ids(ledger)) == 2 and watcher.state == "up", timeout=10)
        inbox.deliver(_meta(4))
        eventually(lambda: len(_recorded_ids(ledger)) == 3, timeout=10)
        assert watcher.state == "up"
        # The reconciliation pass asks for it again; once the server hands it over, it's in.
        server.breaking.clear()
        watcher.request_sync()
        eventually(lambda: len(_recorded_ids(ledger)) == 4, timeout=10)
        assert ledger.skipped() == []
    finally:
        stop.set()
        thread.join(5)


def test_mail_landing_during_a_pass_is_recorded_before_the_watcher_idles(tmp_path) -> None:
    """The server announces such mail inside the pass's own commands, so the IDLE that follows
    would never wake for it: the watcher looks once more before it idles."""
    ledger = Ledger.open(str(tmp_path / "l.db"))
    server = FakeServer(idle=True, landing_during_fetch=[_meta(2)])
    server.folders["INBOX"].deliver(_meta(1))
    watcher = FolderWatcher(ledger, BOX, "INBOX", stop=threading.Event(), connect=server.connect)
    session = server.connect(BOX)
    with session:
        result = watcher.sync(session)
    assert _recorded_ids(ledger) == {"notice-1@facebookmail.com", "notice-2@facebookmail.com"}
    assert result.last_uid == 2
    ledger.close()
