"""`tracker code --wait` against a real Dovecot: from a running watcher's ledger, or watching itself."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.imapconfig import eventually, write_config
from tests.support.mailfactory import meta_mail
from tracker.daemon import WatchOptions, start_watch
from tracker.ledger import Ledger
from tracker.watchlock import WatchLock, lock_path

pytestmark = pytest.mark.imap


def code_mail(code: str) -> bytes:
    return meta_mail("code", account="anna@example.org", code=code, sent_at=datetime.now(UTC))


def deliver_later(dovecot, user: str, raw: bytes, delay: float = 1.0) -> threading.Timer:  # type: ignore[no-untyped-def]
    timer = threading.Timer(delay, dovecot.deliver, args=(user, raw))
    timer.start()
    return timer


def test_waits_for_the_code_a_running_watcher_records(
    dovecot, imap_user, imap_mailbox, ledger_path: Path, run_cli
) -> None:
    ledger = Ledger.open(str(ledger_path))
    with (
        WatchLock(lock_path(f"sqlite:///{ledger_path}")),
        start_watch(ledger, [imap_mailbox], options=WatchOptions()) as watch,
    ):
        eventually(lambda: watch.watchers[0].state == "up")
        timer = deliver_later(dovecot, imap_user.username, code_mail("418207"))
        # No config is given: only the running watcher can bring the code.
        result = run_cli("code", "--wait", "60")
        timer.join()
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "418207\n"


def test_waits_by_watching_the_mailboxes_itself(
    dovecot, imap_user, imap_mailbox, tmp_path, run_cli
) -> None:
    config = write_config(tmp_path / "config.toml", [imap_mailbox])
    timer = deliver_later(dovecot, imap_user.username, code_mail("560991"))
    result = run_cli("--config", str(config), "code", "--wait", "60", "--json")
    timer.join()
    assert result.exit_code == 0, result.stderr
    assert '"code": "560991"' in result.stdout
    assert all(not flags for flags in dovecot.flags(imap_user.username).values())


def test_a_code_recorded_before_the_wait_is_not_fresh_unless_any(
    dovecot, imap_user, imap_mailbox, tmp_path, run_cli
) -> None:
    dovecot.deliver(imap_user.username, code_mail("771204"))
    config = write_config(tmp_path / "config.toml", [imap_mailbox])
    assert run_cli("--config", str(config), "sync").exit_code == 0
    assert run_cli("code").stdout == "771204\n"

    stale = run_cli("--config", str(config), "code", "--wait", "1")
    assert stale.exit_code == 1
    assert stale.stdout == ""
    assert stale.stderr == "tracker: no new code arrived within 1 s\n"

    at_once = run_cli("--config", str(config), "code", "--wait", "600", "--any")
    assert (at_once.exit_code, at_once.stdout) == (0, "771204\n")


def test_without_a_watcher_or_a_mailbox_it_says_so(run_cli) -> None:
    result = run_cli("code", "--wait", "5")
    assert result.exit_code == 5
    assert result.stderr.count("\n") == 1
    assert "no `tracker watch` is running on this ledger and no mailbox is configured" in (
        result.stderr
    )


def test_any_needs_wait(run_cli) -> None:
    result = run_cli("code", "--any")
    assert result.exit_code == 2 and "--any only makes sense with --wait" in result.stderr
