"""A real `tracker watch` against Dovecot, notifying a loopback HTTP server (apprise json://)
and a loopback SMTP server (mailto://) while mail is delivered: each event once per matching
target, in order; restarts and kill -9 repeat nothing and lose nothing; a target that is down
gets its notifications once it is back, and recording never waited for it."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapconfig import child_env, eventually, tracker_command, write_config
from tests.support.mailfactory import meta_mail
from tests.support.notifyservers import HttpSink, SmtpSink
from tracker.ledger import Ledger
from tracker.ledger.eventlog import EventLog

pytestmark = [pytest.mark.imap, pytest.mark.slow]

ACCOUNT = "anna@example.org"
APPROVED = f"approved {ACCOUNT} (facebook) after 21m"


class Watcher:
    """`tracker watch` in a child process, its log in a file."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                tracker_command("--config", str(self.config), "watch"),
                stdout=subprocess.DEVNULL,
                stderr=out,
                env=child_env(),
            )
        count = self.log.read_text().count("connected (IDLE)")
        eventually(lambda: self.log.read_text().count("connected (IDLE)") > count)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self.process = None
        return code

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def setup(dovecot, imap_user, tmp_path: Path, http: HttpSink, smtp: SmtpSink):  # type: ignore[no-untyped-def]
    db = tmp_path / "ledger.db"
    config = write_config(
        tmp_path / "config.toml", [mailbox_settings(dovecot, imap_user, tmp_path)], ledger=db
    )
    with config.open("a") as out:
        out.write(
            f'\n[[notify]]\nname = "phone"\nurl = "{http.url()}"\n'
            "retry_initial_seconds = 0.2\nretry_max_seconds = 1\n"
            f'\n[[notify]]\nname = "mail"\nurl = "{smtp.url()}"\nevents = ["approved"]\n'
            "retry_initial_seconds = 0.2\nretry_max_seconds = 1\n"
        )
    watcher = Watcher(config, tmp_path / "watch.log")
    yield watcher, db
    watcher.close()


def deliver(dovecot, user: str, kind: str, minutes_ago: float, **kwargs: object) -> None:  # type: ignore[no-untyped-def]
    sent = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    dovecot.deliver(user, meta_mail(kind, account=ACCOUNT, sent_at=sent, **kwargs))


def events_in(db: Path) -> list[str]:
    ledger = Ledger.open(str(db))
    try:
        return [e.event for e in EventLog(ledger.engine).list_events()]
    finally:
        ledger.close()


def test_notice_code_and_approval_notify_once_each_in_order_across_restarts(
    dovecot, imap_user, setup, http: HttpSink, smtp: SmtpSink, run_cli
) -> None:  # type: ignore[no-untyped-def]
    watcher, db = setup
    user = imap_user.username
    watcher.start()
    deliver(dovecot, user, "notice", 120)
    eventually(lambda: len(http.accepted) == 1)
    deliver(dovecot, user, "code", 30, code="418207")
    eventually(lambda: len(http.accepted) == 2)
    deliver(dovecot, user, "approved", 9)
    eventually(lambda: len(http.accepted) == 3 and len(smtp.received) == 1)
    assert http.messages() == [
        f"notice for {ACCOUNT} (facebook): action needed",
        f"code for {ACCOUNT} (facebook) (enter it in Meta's form)",
        APPROVED,
    ]
    assert smtp.bodies() == [APPROVED]

    status = json.loads(run_cli("status", "--json", db=db).stdout)
    assert status["watcher"]["running"] is True
    assert status["watcher"]["pid"] == watcher.process.pid  # type: ignore[union-attr]
    (folder,) = status["folders"]
    assert folder["mailbox"] == "test" and folder["folder"] == "INBOX" and folder["last_ok_at"]
    assert status["undelivered_total"] == 0

    assert watcher.stop() == 0
    watcher.start()  # a restart repeats nothing
    assert watcher.stop(signal.SIGKILL) == -signal.SIGKILL
    watcher.start()
    time.sleep(2.5)  # more than two delivery rounds: a repeat would show up meanwhile
    assert len(http.accepted) == 3 and len(smtp.received) == 1
    log = watcher.log.read_text()
    assert f"tracker: INFO {APPROVED}" in log
    assert "418207" not in log and "Traceback" not in log
    assert events_in(db) == ["notice", "code", "approved"]


def test_kill_9_before_delivery_and_a_target_down_lose_nothing_and_repeat_nothing(
    dovecot, imap_user, setup, http: HttpSink, smtp: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    watcher, db = setup
    user = imap_user.username
    http.down = True
    watcher.start()
    deliver(dovecot, user, "notice", 120)
    eventually(lambda: http.refused >= 1)  # the event exists and its delivery failed
    # Recording goes on while the target is down.
    deliver(dovecot, user, "code", 30, code="418207")
    deliver(dovecot, user, "approved", 9)
    eventually(lambda: events_in(db) == ["notice", "code", "approved"])
    eventually(lambda: len(smtp.received) == 1)  # the other target is not held up
    assert http.accepted == []
    assert watcher.stop(signal.SIGKILL) == -signal.SIGKILL  # between event and delivery

    http.down = False
    watcher.start()
    eventually(lambda: len(http.accepted) == 3)
    assert http.messages()[2] == APPROVED and http.messages()[0].startswith("notice for")
    time.sleep(2.5)  # a repeat would show up meanwhile
    assert len(http.accepted) == 3 and len(smtp.received) == 1
    log = watcher.log.read_text()
    assert "Notify phone: cannot deliver notice" in log
    assert "Notify phone: delivered again after" in log


def test_sync_for_cron_users_notifies_once(
    dovecot, imap_user, setup, http: HttpSink, smtp: SmtpSink, run_cli
) -> None:  # type: ignore[no-untyped-def]
    watcher, db = setup
    deliver(dovecot, imap_user.username, "notice", 60)
    assert run_cli("--config", str(watcher.config), "sync", db=db).exit_code == 0
    assert http.messages() == [f"notice for {ACCOUNT} (facebook): action needed"]
    deliver(dovecot, imap_user.username, "code", 5, code="418207")
    assert run_cli("--config", str(watcher.config), "sync", db=db).exit_code == 0
    assert run_cli("--config", str(watcher.config), "sync", db=db).exit_code == 0
    assert len(http.accepted) == 2 and smtp.received == []
