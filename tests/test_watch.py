"""The watcher against a real Dovecot: IDLE, polling, restarts, UIDVALIDITY, locks, signals.

Timeouts are generous and nothing asserts speed: the machines running this are shared.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapconfig import child_env, eventually, tracker_command, write_config
from tests.support.imapserver import ImapUser, drop_into_maildir
from tests.support.mailfactory import meta_mail, ordinary_mail
from tracker.daemon import (
    FolderWatcher,
    Watch,
    WatchOptions,
    backoff_delay,
    start_watch,
    wait_or_stop,
)
from tracker.errors import LedgerError
from tracker.ledger import Ledger
from tracker.watchlock import WatchLock, lock_path, watch_lock_held

FAST = WatchOptions(
    poll_seconds=0.5,
    reconcile_seconds=600,
    backoff_initial_seconds=0.2,
    backoff_cap_seconds=1.0,
)


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, level: int = logging.INFO) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= level]


@pytest.fixture
def daemon_log() -> Iterator[Lines]:
    """What tracker logged, independent of how the CLI configured the tracker logger."""
    handler = Lines()
    logger = logging.getLogger("tracker")
    saved = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(saved)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(str(tmp_path / "ledger.db"))
    yield opened
    opened.close()


@pytest.fixture
def watching() -> Iterator[list[Watch]]:
    """Watches started by a test; all stopped at its end, even when it fails."""
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.close()


def start(watching: list[Watch], ledger: Ledger, boxes, options=FAST, **kwargs) -> Watch:  # type: ignore[no-untyped-def]
    watch = start_watch(ledger, boxes, options=options, **kwargs)
    watching.append(watch)
    return watch


def up(watcher: FolderWatcher) -> bool:
    return watcher.state == "up"


def meta(n: int) -> bytes:
    return meta_mail("notice", account=f"user{n}@example.org")


# ---------------------------------------------------------------------- pure functions


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, initial=1.0, cap=300.0, rng=rng) for n in range(1, 15)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(300.0, 2.0 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 300.0 and delays[-1] >= 150.0
    assert len({round(d, 6) for d in delays[-4:]}) == 4  # jittered, not a fixed cap
    assert backoff_delay(10_000, initial=1.0, cap=5.0) <= 5.0


def test_wait_or_stop_wakes_on_wake_and_on_stop() -> None:
    stop, wake = threading.Event(), threading.Event()
    threading.Timer(0.2, wake.set).start()
    assert wait_or_stop(stop, 60, wake=wake) is True
    threading.Timer(0.2, stop.set).start()
    assert wait_or_stop(stop, 60) is False
    assert wait_or_stop(threading.Event(), 0.05) is False


def test_lock_paths(tmp_path: Path) -> None:
    assert lock_path(f"sqlite:///{tmp_path}/l.db") == tmp_path / "l.db.watch.lock"
    assert lock_path("sqlite://") is None and lock_path("sqlite:///:memory:") is None
    assert lock_path(f"sqlite:///{tmp_path}/l.db?mode=rwc") == tmp_path / "l.db.watch.lock"
    # PostgreSQL ledgers are shared by any number of watchers: no lock file.
    assert lock_path("postgresql+psycopg://me:s3cret@db.example/tracker") is None
    other = lock_path("mysql+pymysql://me:s3cret@db.example/tracker")
    assert other is not None and other.name.startswith("watch-") and "s3cret" not in str(other)
    assert other == lock_path("mysql+pymysql://me:other@db.example/tracker")


def test_second_lock_on_the_same_ledger_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    assert not watch_lock_held(url)
    with WatchLock(lock_path(url)):
        assert watch_lock_held(url)
        with pytest.raises(LedgerError, match=rf"another `tracker watch` \(pid {os.getpid()}\)"):
            WatchLock(lock_path(url)).acquire()
    assert not watch_lock_held(url)
    with WatchLock(lock_path(url)):  # free again once released
        pass


# ----------------------------------------------------------------------- against Dovecot


@pytest.mark.imap
def test_idle_delivery_is_recorded_and_no_flag_changes(
    dovecot, imap_user, imap_mailbox, ledger, watching, daemon_log
) -> None:
    user = imap_user.username
    for i in range(3):
        dovecot.deliver(user, ordinary_mail(i))
    dovecot.set_flags(user, "INBOX", 2, ["\\Flagged"])
    dovecot.deliver(user, meta(1))
    dovecot.set_flags(user, "INBOX", 4, ["\\Seen"])
    watch = start(watching, ledger, [imap_mailbox])
    (watcher,) = watch.watchers
    eventually(lambda: up(watcher))
    assert ledger.summary().messages == 1  # caught up on connect

    dovecot.deliver(user, meta(2))
    dovecot.deliver(user, meta_mail("code", account="user2@example.org", code="418207"))
    eventually(lambda: ledger.summary().messages == 3)
    assert ledger.latest_code() is not None
    flags = dovecot.flags(user)
    assert flags == {1: set(), 2: {"\\Flagged"}, 3: set(), 4: {"\\Seen"}, 5: set(), 6: set()}
    assert "Mailbox test: folder INBOX: connected (IDLE); 1 new message(s) recorded" in (
        daemon_log.messages()
    )
    watch.close()
    eventually(lambda: watcher.state == "stopped")
    assert not any("418207" in m for m in daemon_log.messages(logging.DEBUG))


@pytest.mark.imap
def test_restart_while_watching_catches_up_without_duplicates(
    dovecot, imap_user, imap_mailbox, ledger, watching, daemon_log
) -> None:
    user = imap_user.username
    dovecot.deliver(user, meta(1))
    (watcher,) = start(watching, ledger, [imap_mailbox]).watchers
    eventually(lambda: up(watcher) and ledger.summary().messages == 1)

    dovecot.stop()
    drop_into_maildir(dovecot, user, meta(2))  # arrives while the server is down
    eventually(lambda: watcher.failures >= 3)  # several reconnects were refused meanwhile
    dovecot.start()
    eventually(lambda: ledger.summary().messages == 2)
    eventually(lambda: up(watcher))
    dovecot.deliver(user, meta(3))
    eventually(lambda: ledger.summary().messages == 3)

    # A graceful restart (the server says BYE) and a crash of the session (no BYE) too.
    dovecot.restart(graceful=True)
    dovecot.deliver(user, meta(4))
    eventually(lambda: ledger.summary().messages == 4)
    eventually(lambda: up(watcher))
    dovecot.kill_sessions()
    dovecot.deliver(user, meta(5))
    eventually(lambda: ledger.summary().messages == 5)
    eventually(lambda: up(watcher))
    time.sleep(1.0)  # any duplicate recording would show up meanwhile
    assert ledger.summary().messages == 5
    assert all(not f for f in dovecot.flags(user).values())

    # One line per state change, not one per retry.
    warnings = daemon_log.messages(logging.WARNING)
    lost = [m for m in warnings if ": disconnected: " in m or ": cannot connect: " in m]
    back = [m for m in warnings if "reconnected" in m]
    assert 1 <= len(lost) <= 3 and len(back) == len(lost), warnings
    assert all(m.startswith("Mailbox test: folder INBOX: ") for m in lost + back)


@pytest.mark.imap
def test_uidvalidity_change_while_watching(
    dovecot, imap_user, imap_mailbox, ledger, watching, daemon_log
) -> None:
    user = imap_user.username
    for i in range(3):
        dovecot.deliver(user, ordinary_mail(i))
    dovecot.deliver(user, meta(1))
    (watcher,) = start(watching, ledger, [imap_mailbox]).watchers
    eventually(lambda: up(watcher) and ledger.summary().messages == 1)
    old = ledger.checkpoint("test", "INBOX")

    new_validity = dovecot.reset_uidvalidity(user)
    dovecot.kill_sessions()  # a rebuilt server drops its clients
    dovecot.deliver(user, meta(2))
    eventually(lambda: ledger.summary().messages == 2)
    checkpoint = eventually(
        lambda: (c := ledger.checkpoint("test", "INBOX")) and c.uidvalidity == new_validity and c
    )
    assert checkpoint.uidvalidity != old.uidvalidity
    assert any("new UIDVALIDITY" in m for m in daemon_log.messages(logging.WARNING))
    assert ledger.summary().messages == 2


@pytest.mark.imap
def test_polling_where_the_server_lacks_idle(dovecot_no_idle, tmp_path, ledger, watching) -> None:
    user = dovecot_no_idle.add_user("poll@example.org")
    box = mailbox_settings(dovecot_no_idle, user, tmp_path, name="plain")
    (watcher,) = start(watching, ledger, [box]).watchers
    # The first pass must be over before the mail lands, or on a slow machine it finds the mail
    # itself and the poll under test never has to.
    eventually(lambda: up(watcher) and watcher.syncs >= 1)
    dovecot_no_idle.deliver(user.username, meta(1))
    eventually(lambda: ledger.summary().messages == 1)
    # The pass that recorded it counts itself once its checkpoint is written, a moment later.
    eventually(lambda: watcher.syncs >= 2)


@pytest.mark.imap
def test_reconciliation_pass_is_scheduled(dovecot_no_idle, tmp_path, ledger, watching) -> None:
    user = dovecot_no_idle.add_user("reconcile@example.org")
    box = mailbox_settings(dovecot_no_idle, user, tmp_path, name="plain")
    # Polling practically off: only the scheduled reconciliation can find the new mail.
    options = WatchOptions(poll_seconds=3600, reconcile_seconds=0.5)
    (watcher,) = start(watching, ledger, [box], options=options).watchers
    eventually(lambda: up(watcher))
    dovecot_no_idle.deliver(user.username, meta(1))
    eventually(lambda: ledger.summary().messages == 1)


@pytest.mark.imap
def test_a_broken_mailbox_never_stops_the_others(
    dovecot, tmp_path, ledger, watching, daemon_log
) -> None:
    good_user = dovecot.add_user("good@example.org")
    other = dovecot.add_user("other@example.org")
    (tmp_path / "wrong").mkdir()
    good = mailbox_settings(dovecot, good_user, tmp_path, name="good", folders=("INBOX", "Meta"))
    broken = mailbox_settings(
        dovecot, ImapUser(other.username, "Wrong-Password-77"), tmp_path / "wrong", name="broken"
    )
    watch = start(watching, ledger, [broken, good])
    assert [(w.mailbox.name, w.folder) for w in watch.watchers] == [
        ("broken", "INBOX"),
        ("good", "INBOX"),
        ("good", "Meta"),
    ]
    bad_watcher = watch.watchers[0]
    eventually(lambda: bad_watcher.failures >= 3)
    dovecot.deliver(good_user.username, meta(1))
    dovecot.deliver(good_user.username, meta(2), folder="Meta")
    eventually(lambda: ledger.summary().messages == 2)
    assert bad_watcher.state == "down"
    broken_lines = [m for m in daemon_log.messages() if m.startswith("Mailbox broken:")]
    assert broken_lines == [
        "Mailbox broken: folder INBOX: login refused: "
        "[AUTHENTICATIONFAILED] Authentication failed.; retrying with backoff"
    ]
    everything = "\n".join(daemon_log.messages(logging.DEBUG))
    assert "Wrong-Password-77" not in everything and good_user.password not in everything


@pytest.mark.imap
def test_a_silent_server_is_treated_as_dead(
    dovecot, imap_user, tmp_path, ledger, watching, daemon_log
) -> None:
    # Each IDLE renewal needs the server's answer: that is what finds a quiet socket dead.
    box = mailbox_settings(
        dovecot, imap_user, tmp_path, timeout_seconds=1.0, idle_renew_seconds=1.0
    )
    (watcher,) = start(watching, ledger, [box]).watchers
    eventually(lambda: up(watcher))
    frozen = dovecot.pause_sessions()  # the network path dies: nothing answers, nothing closes
    assert frozen == 1
    try:
        eventually(lambda: watcher.state == "down")
        eventually(lambda: up(watcher))  # a fresh session is not frozen
        dovecot.deliver(imap_user.username, meta(1))
        eventually(lambda: ledger.summary().messages == 1)
    finally:
        dovecot.resume_sessions()


# ------------------------------------------------------------------ the `watch` command


@pytest.mark.imap
@pytest.mark.parametrize(("sig", "log_format"), [(signal.SIGTERM, "text"), (signal.SIGINT, "json")])
def test_watch_command_records_refuses_a_second_and_stops_on_signal(
    dovecot, imap_user, tmp_path, sig, log_format
) -> None:
    user = imap_user.username
    dovecot.deliver(user, ordinary_mail(1))
    db = tmp_path / "ledger.db"
    config = write_config(
        tmp_path / "config.toml", [mailbox_settings(dovecot, imap_user, tmp_path)], ledger=db
    )
    log_file = tmp_path / "watch.log"
    with log_file.open("w") as log_out:
        process = subprocess.Popen(
            tracker_command("--config", str(config), "watch", "--log-format", log_format),
            stdout=subprocess.DEVNULL,
            stderr=log_out,
            env=child_env(),
        )
    try:
        eventually(lambda: "connected (IDLE)" in log_file.read_text())

        second = subprocess.run(
            tracker_command("--config", str(config), "watch"),
            capture_output=True,
            text=True,
            env=child_env(),
            timeout=60,
        )
        assert second.returncode == 3
        assert second.stderr.count("\n") == 1
        assert f"another `tracker watch` (pid {process.pid}) already watches" in second.stderr

        dovecot.deliver(user, meta(1))
        ledger = Ledger.open(str(db))
        eventually(lambda: ledger.summary().messages == 1)
        ledger.close()

        process.send_signal(sig)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log_file.read_text()
    assert "Traceback" not in text
    if log_format == "json":
        records = [json.loads(line) for line in text.splitlines()]
        assert records[-1]["message"] == "Stopped watching"
    else:
        assert text.splitlines()[-1] == "tracker: INFO Stopped watching"
    assert imap_user.password not in text
    assert all(not f for f in dovecot.flags(user).values())


@pytest.mark.imap
def test_idle_can_be_interrupted_inside_one_idle_command(imap_mailbox) -> None:
    from tracker.imap import connect

    flag = threading.Event()
    threading.Timer(0.3, flag.set).start()
    with connect(imap_mailbox) as connection:
        connection.examine("INBOX")
        assert connection.idle(60, interrupt=flag.is_set, check_every=0.1) is False
        assert connection.examine("INBOX").exists == 0  # the session is still fine


def test_watch_without_a_usable_configuration_is_one_line(run_cli, tmp_path: Path) -> None:
    missing = run_cli("watch")
    assert missing.exit_code == 5 and missing.stderr.count("\n") == 1
    assert "does not exist" in missing.stderr
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    none = run_cli("--config", str(empty), "watch")
    assert none.exit_code == 5 and "no [[mailbox]] configured" in none.stderr
