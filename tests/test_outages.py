"""Outages, soak (`pytest -m soak`): `tracker watch` rides out 10 Dovecot restarts and 10 killed
sessions; mail delivered during each outage is recorded once the server is back, nothing twice,
and the daemon's memory stays flat (VmRSS from /proc, sampled after every outage).
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapconfig import child_env, eventually, tracker_command, write_config
from tests.support.imapserver import drop_into_maildir
from tests.support.mailfactory import meta_mail, ordinary_mail

pytestmark = [pytest.mark.imap, pytest.mark.soak, pytest.mark.slow]

RESTARTS = 10
SESSION_KILLS = 10
# Growth of the daemon's resident memory allowed between the first and the last third of the
# run: a leak of one connection's worth per outage would exceed it; noise does not.
RSS_GROWTH_LIMIT_KB = 8 * 1024


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def recorded(db: Path) -> list[str]:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return [row[0] for row in conn.execute("SELECT message_key FROM message")]
    except sqlite3.OperationalError:
        return []


def test_watch_survives_restarts_and_killed_sessions(dovecot, tmp_path: Path):
    user = dovecot.add_user("outage@example.org")
    box = mailbox_settings(dovecot, user, tmp_path, name="personal", idle_renew_seconds=30.0)
    config = write_config(tmp_path / "config.toml", [box])
    db = tmp_path / "ledger.db"
    log = (tmp_path / "watch.log").open("w")
    counter = iter(range(1, 10_000))

    def meta(kind: str = "notice") -> tuple[bytes, str]:
        n = next(counter)
        message_id = f"outage-{n}@facebookmail.com"
        raw = meta_mail(kind, account=f"user{n}@example.org", message_id=f"<{message_id}>")
        return raw, message_id

    first, first_id = meta()
    dovecot.deliver(user.username, first)
    watcher = subprocess.Popen(
        tracker_command(
            "--config", str(config), "--db", str(db), "watch", "--reconcile-seconds", "5"
        ),
        env=child_env(XDG_CONFIG_HOME=str(tmp_path / "xdg")),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    expected = [first_id]
    samples: list[int] = []
    outcomes: list[str] = []
    try:
        eventually(lambda: first_id in recorded(db), timeout=60)
        samples.append(rss_kb(watcher.pid))
        for round_ in range(RESTARTS + SESSION_KILLS):
            raw, message_id = meta("code" if round_ % 3 == 0 else "notice")
            if round_ % 2 == 0:  # restart: mail arrives while the server is down
                dovecot.stop(graceful=round_ % 4 == 0)
                drop_into_maildir(dovecot, user.username, raw)
                drop_into_maildir(dovecot, user.username, ordinary_mail(round_))
                time.sleep(1.0 + round_ % 3)
                dovecot.start()
                kind = "restart"
            else:  # the session process dies, mail arrives right after
                assert dovecot.kill_sessions() >= 1
                dovecot.deliver(user.username, raw)
                kind = "session kill"
            expected.append(message_id)
            eventually(lambda mid=message_id: mid in recorded(db), timeout=120)
            assert watcher.poll() is None, "the watcher died"
            outcomes.append(kind)
            samples.append(rss_kb(watcher.pid))
        time.sleep(6)  # a reconciliation pass: any duplicate would be recorded now
        keys = recorded(db)
    finally:
        watcher.send_signal(signal.SIGTERM)
        try:
            watcher.wait(timeout=30)
        finally:
            log.close()
    print(
        f"\noutages survived: {outcomes.count('restart')} restarts, "
        f"{outcomes.count('session kill')} session kills; RSS samples (KiB): {samples}",
        file=sys.stderr,
    )
    assert watcher.returncode == 0, (tmp_path / "watch.log").read_text()[-3000:]
    assert sorted(keys) == sorted(expected)  # every outage's mail, none twice, nothing else
    third = max(1, len(samples) // 3)
    early, late = max(samples[:third]), max(samples[-third:])
    assert late - early < RSS_GROWTH_LIMIT_KB, samples
    assert all(not flags for flags in dovecot.flags(user.username).values())
