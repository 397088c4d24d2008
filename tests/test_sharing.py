"""Several watchers on one PostgreSQL ledger share the folders: each read by exactly one.

The share keeper's rules run here on an in-memory lock table (milliseconds); the live tier
runs three `tracker watch` processes against a real PostgreSQL and Dovecot and kills one.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapconfig import child_env, eventually, tracker_command, write_config
from tests.support.mailfactory import meta_mail
from tests.support.pgserver import PostgresServer
from tracker.domain import Checkpoint
from tracker.errors import LedgerError
from tracker.ledger import Ledger
from tracker.ledger.leases import FOLDER_SPACE, FolderLeases, folder_key
from tracker.sharing import FolderId, ShareKeeper, fair_share

# ------------------------------------------------------------------ the keeper's rules


class LockTable:
    """What PostgreSQL keeps for advisory locks: which session holds which key."""

    def __init__(self) -> None:
        self.sessions: set[int] = set()
        self.holders: dict[tuple[str, str], int] = {}
        self.next_session = 1


class FakeLeases:
    """One watcher's session on a `LockTable`; `cut()` loses it as a dead network would."""

    def __init__(self, table: LockTable) -> None:
        self.table = table
        self.session: int | None = None
        self.refuse = False

    @property
    def connected(self) -> bool:
        return self.session is not None  # what the watcher believes, as FolderLeases does

    def open(self) -> None:
        if self.refuse:
            raise LedgerError("database unreachable")
        self.session = self.table.next_session
        self.table.next_session += 1
        self.table.sessions.add(self.session)

    def _check(self) -> int:
        if self.session not in self.table.sessions or self.refuse:
            self.close()
            raise LedgerError("lost the watcher session")
        assert self.session is not None
        return self.session

    def live_watchers(self) -> int:
        self._check()
        return len(self.table.sessions)

    def claim(self, mailbox: str, folder: str) -> bool:
        session = self._check()
        return self.table.holders.setdefault((mailbox, folder), session) == session

    def release(self, mailbox: str, folder: str) -> None:
        session = self._check()
        assert self.table.holders.pop((mailbox, folder)) == session

    def close(self) -> None:
        if self.session is not None:
            self.cut()
        self.session = None

    def cut(self) -> None:
        """The server drops the session and its locks; the watcher has not noticed yet."""
        self.table.sessions.discard(self.session)  # type: ignore[arg-type]
        self.table.holders = {k: h for k, h in self.table.holders.items() if h != self.session}


class FakeReader:
    def __init__(self, folder: FolderId, running: dict[FolderId, list[FakeReader]]) -> None:
        self.folder = folder
        self.running = running
        self.stopped = False
        running.setdefault(folder, []).append(self)

    def stop(self) -> None:
        self.stopped = True
        self.running[self.folder].remove(self)

    def join(self, timeout: float) -> bool:
        return self.stopped


FOLDERS = [FolderId(f"box{n}", "INBOX") for n in range(12)]


def keeper(table: LockTable, running: dict[FolderId, list[FakeReader]], seed: int) -> ShareKeeper:
    return ShareKeeper(
        FakeLeases(table),
        FOLDERS,
        start_reader=lambda folder: FakeReader(folder, running),
        stop=threading.Event(),
        rng=random.Random(seed),
    )


def readers_per_folder(running: dict[FolderId, list[FakeReader]]) -> list[int]:
    return [len(running.get(folder, [])) for folder in FOLDERS]


def test_fair_share() -> None:
    assert [fair_share(12, n) for n in (0, 1, 2, 3, 5, 12, 20)] == [12, 12, 6, 4, 3, 1, 1]


def test_joining_watchers_rebalance_and_every_folder_keeps_one_reader() -> None:
    table, running = LockTable(), {}
    first = keeper(table, running, 1)
    first.look()
    assert len(first.held) == 12 and readers_per_folder(running) == [1] * 12
    second = keeper(table, running, 2)
    second.look()  # registers; finds nothing free yet
    first.look()  # sees two watchers: stops six readers, then releases them
    assert len(first.held) == 6 and len(second.held) == 0
    second.look()
    assert len(second.held) == 6
    assert readers_per_folder(running) == [1] * 12
    third = keeper(table, running, 3)
    for _ in range(2):
        for k in (third, first, second):
            k.look()
    assert sorted(len(k.held) for k in (first, second, third)) == [4, 4, 4]
    assert readers_per_folder(running) == [1] * 12


def test_a_dead_watchers_folders_are_taken_over_by_the_others() -> None:
    table, running = LockTable(), {}
    keepers = [keeper(table, running, seed) for seed in range(3)]
    for _ in range(3):
        for k in keepers:
            k.look()
    dead = keepers.pop()
    assert isinstance(dead.leases, FakeLeases)
    orphaned = set(dead.held)
    dead.leases.close()  # kill -9: the session ends, its locks with it
    for reader in list(dead.held.values()):
        reader.stop()  # the process is gone, and its IMAP connections with it
    for k in keepers:
        k.look()
    assert sorted(len(k.held) for k in keepers) == [6, 6]
    assert orphaned <= set(keepers[0].held) | set(keepers[1].held)
    assert readers_per_folder(running) == [1] * 12


def test_a_watcher_that_lost_its_session_stops_reading_at_once() -> None:
    table, running = LockTable(), {}
    cut_off, other = keeper(table, running, 1), keeper(table, running, 2)
    for _ in range(2):
        cut_off.look()
        other.look()
    assert isinstance(cut_off.leases, FakeLeases)
    cut_off.leases.cut()
    cut_off.leases.refuse = True
    cut_off.look()  # its query fails: every reader stops before the other claims anything
    assert cut_off.held == {} and sum(readers_per_folder(running)) == 6
    other.look()
    assert readers_per_folder(running) == [1] * 12
    cut_off.leases.refuse = False
    cut_off.look()  # back: rejoins, finds nothing free; the other gives back half
    other.look()
    cut_off.look()
    assert len(cut_off.held) == len(other.held) == 6
    assert readers_per_folder(running) == [1] * 12


def test_shutdown_stops_every_reader_and_releases() -> None:
    table, running = LockTable(), {}
    k = keeper(table, running, 1)
    k.look()
    k.shutdown()
    assert sum(readers_per_folder(running)) == 0 and table.holders == {} and not table.sessions


# ------------------------------------------------------------- checkpoint upserts


def checkpoint_moves(ledger: Ledger) -> list[int]:
    seen = []
    for uidvalidity, uid, rewind in ((7, 10, False), (7, 5, False), (7, 12, False), (8, 3, False)):
        ledger.record_batch(
            [], checkpoint=Checkpoint("m", "INBOX", uidvalidity, uid), rewind=rewind
        )
        found = ledger.checkpoint("m", "INBOX")
        assert found is not None
        seen.append(found.last_uid)
    ledger.record_batch([], checkpoint=Checkpoint("m", "INBOX", 8, 1), rewind=True)
    found = ledger.checkpoint("m", "INBOX")
    assert found is not None
    return [*seen, found.last_uid]


def test_checkpoint_keeps_the_larger_uid_on_sqlite(tmp_path: Path) -> None:
    ledger = Ledger.open(str(tmp_path / "ledger.db"))
    try:
        assert checkpoint_moves(ledger) == [10, 10, 12, 3, 1]
    finally:
        ledger.close()


# ----------------------------------------------------------------- live: PostgreSQL


def test_checkpoint_keeps_the_larger_uid_on_postgres(postgres: PostgresServer) -> None:
    ledger = Ledger.open(postgres.url)
    try:
        assert checkpoint_moves(ledger) == [10, 10, 12, 3, 1]
    finally:
        ledger.close()


def test_folder_locks_are_exclusive_and_die_with_the_session(postgres: PostgresServer) -> None:
    Ledger.open(postgres.url).close()  # migrated
    one, two = FolderLeases(postgres.url), FolderLeases(postgres.url)
    one.open()
    two.open()
    try:
        assert one.live_watchers() == 2
        assert one.claim("box", "INBOX") and not two.claim("box", "INBOX")
        one.release("box", "INBOX")
        assert two.claim("box", "INBOX")
        two.close()  # a dead watcher's session: its locks are free at once
        assert one.claim("box", "INBOX") and one.live_watchers() == 1
    finally:
        one.close()
        two.close()


def folder_holders(url: str) -> dict[int, int]:
    """Each tracker folder lock's key and the backend pid holding it, from pg_locks."""
    ledger = Ledger.open(url)
    try:
        with ledger.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT objid::int8, pid FROM pg_locks WHERE locktype = 'advisory'"
                    " AND granted AND objsubid = 2 AND classid = :space"
                ),
                {"space": FOLDER_SPACE},
            ).all()
    finally:
        ledger.close()
    holders: dict[int, int] = {}
    for objid, pid in rows:
        key = objid - 2**32 if objid >= 2**31 else objid  # oid is unsigned, our keys are not
        assert key not in holders, "a folder lock is held twice"
        holders[key] = pid
    return holders


def spread(holders: dict[int, int]) -> list[int]:
    counts: dict[int, int] = {}
    for pid in holders.values():
        counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts.values())


@pytest.mark.imap
@pytest.mark.slow
def test_three_watchers_share_a_dozen_mailboxes_and_survive_a_kill(
    dovecot, postgres: PostgresServer, tmp_path: Path
) -> None:
    # A fresh database per test run: nothing left over from the other tests in this module.
    admin = Ledger.open(postgres.url)
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP DATABASE IF EXISTS sharing"))
        conn.execute(text("CREATE DATABASE sharing"))
    admin.close()
    url = postgres.url.rsplit("/", 1)[0] + "/sharing"

    users = [dovecot.add_user(f"share{n}@example.org") for n in range(12)]
    boxes = [
        mailbox_settings(dovecot, user, tmp_path, name=f"box{n}") for n, user in enumerate(users)
    ]
    config = write_config(tmp_path / "config.toml", boxes)
    keys = {folder_key(f"box{n}", "INBOX") for n in range(12)}
    sent = 0

    def deliver(count: int) -> None:
        nonlocal sent
        for _ in range(count):
            user = users[sent % len(users)]
            raw = meta_mail("notice", account=f"a{sent}@example.org", sent_at=datetime.now(UTC))
            dovecot.deliver(user.username, raw)
            sent += 1

    deliver(12)  # waiting before the watchers start: the first sync finds it
    logs = [tmp_path / f"watch{n}.log" for n in range(3)]
    watchers: list[subprocess.Popen[bytes]] = []
    try:
        for log_path in logs:
            with log_path.open("w") as out:
                watchers.append(
                    subprocess.Popen(
                        tracker_command("--db", url, "--config", str(config), "watch"),
                        stdout=subprocess.DEVNULL,
                        stderr=out,
                        env=child_env(),
                    )
                )
        ledger = Ledger.open(url)
        eventually(lambda: set(folder_holders(url)) == keys, timeout=90)
        eventually(lambda: spread(folder_holders(url)) == [4, 4, 4], timeout=90)
        eventually(lambda: len(dovecot.session_pids()) == 12, timeout=90)
        deliver(12)
        eventually(lambda: ledger.summary().messages == sent, timeout=90)

        # kill -9 one watcher while mail keeps arriving.
        arriving = threading.Thread(target=deliver, args=(24,))
        arriving.start()
        time.sleep(0.5)
        victim = watchers[0]
        victim.kill()
        victim.wait()
        arriving.join()
        deliver(12)

        eventually(lambda: set(folder_holders(url)) == keys, timeout=90)
        eventually(lambda: spread(folder_holders(url)) == [6, 6], timeout=90)
        eventually(lambda: ledger.summary().messages == sent, timeout=90)
        # One IMAP connection per folder afterwards, not one per watcher.
        eventually(lambda: len(dovecot.session_pids()) == 12, timeout=90)
        summary = ledger.summary()
        assert summary.messages == sent == 60 and summary.skipped == 0
        ledger.close()
    finally:
        for process in watchers:
            if process.poll() is None:
                process.terminate()
        for process in watchers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    for log_path in logs[1:]:
        assert "Traceback" not in log_path.read_text()
    assert [p.returncode for p in watchers[1:]] == [0, 0]
