"""`tracker status`: the ledger, the watcher (from its lock), folder health, undelivered
notifications and mail awaiting review."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tracker.ledger import Ledger
from tracker.ledger.service import ServiceLog
from tracker.watchlock import WatchLock, lock_path


def test_status_without_a_watcher(run_cli, ledger_path: Path) -> None:  # type: ignore[no-untyped-def]
    Ledger.open(str(ledger_path)).close()
    result = run_cli("status")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1].endswith(", 0 awaiting review")
    assert lines[2:] == ["Watcher: not running", "Notifications waiting to be delivered: 0"]


def test_status_names_the_running_watcher_and_each_folders_health(
    run_cli, ledger_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ledger = Ledger.open(str(ledger_path))
    service = ServiceLog(ledger.engine)
    service.folder_ok("personal", "INBOX")
    service.folder_ok("gmail", "[Gmail]/Spam")
    service.folder_failed("gmail", "[Gmail]/Spam", "cannot connect: connection refused")
    ledger.close()
    with WatchLock(lock_path(f"sqlite:///{ledger_path}")):
        text = run_cli("status").stdout
        data = json.loads(run_cli("status", "--json").stdout)
    assert f"Watcher: running (pid {os.getpid()}, since " in text
    assert "Mailbox personal: folder INBOX: last checked " in text
    assert "; failing since " in text and ": cannot connect: connection refused" in text
    assert data["watcher"]["running"] is True and data["watcher"]["pid"] == os.getpid()
    assert data["watcher"]["since"] is not None
    assert [(f["mailbox"], f["folder"]) for f in data["folders"]] == [
        ("gmail", "[Gmail]/Spam"),
        ("personal", "INBOX"),
    ]
    assert data["folders"][0]["last_error"] == "cannot connect: connection refused"
    assert data["undelivered_total"] == 0 and data["awaiting_review"] == 0
    assert json.loads(run_cli("status", "--json").stdout)["watcher"]["running"] is False
