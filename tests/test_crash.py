"""Crash safety: kill -9 `tracker import` and `tracker sync` at random moments, restart each
time; the final ledger is identical to one clean run (nothing lost, nothing doubled).

"Identical" is checked twice: through the CLI (`report --json`, `skipped --json`, the newest
code of every account) and row by row in the ledger (messages, accounts, skips, checkpoints;
everything but the time a row was written). After every kill, SQLite's integrity check must pass.
The default run kills each command 20 times on a mailbox of a few thousand mails; the soak
version (`pytest -m soak`) does 60 kills on a bigger one.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapconfig import child_env, tracker_command, write_config
from tests.support.mailfactory import write_mbox
from tests.support.workload import build_mailbox, ledger_rows
from tracker.sync import FETCH_BATCH

# Kill and concurrency runs take seconds each: out of the quick loop (-m "not slow").
pytestmark = pytest.mark.slow


def cli_view(db: Path, env: dict[str, str]) -> dict[str, object]:
    """What a user sees: the report, the skipped list, the newest code and each account's."""

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            tracker_command("--db", str(db), *args),
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    from tracker.ledger import Ledger

    report = json.loads(run("report", "--json").stdout)
    ledger = Ledger.open(str(db))
    try:
        # The same library call `tracker code --account A --include-expired` makes, per account.
        codes = {
            row["account"]: getattr(
                ledger.latest_code(
                    account=row["account"],
                    platform=None,
                    purposes=("objection",),
                    include_expired=True,
                    now=datetime.now(UTC),
                ),
                "code",
                None,
            )
            for row in report
        }
    finally:
        ledger.close()
    return {
        "report": report,
        "skipped": sorted(map(json.dumps, json.loads(run("skipped", "--json").stdout))),
        "newest code": run("code", "--include-expired").stdout.strip(),
        "codes": codes,
    }


@dataclass
class KillStats:
    attempts: int = 0
    killed_mid_run: int = 0  # the process was still running when SIGKILL hit
    killed_mid_work: int = 0  # ... and it had written to the ledger in that run
    finished_first: int = 0  # it had already finished: the delay was too long


def _rows_written(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return sum(
                conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("message", "skipped_message", "checkpoint")
            ) + sum(conn.execute("SELECT coalesce(sum(last_uid), 0) FROM checkpoint").fetchone())
        except sqlite3.OperationalError:  # killed before the schema was complete
            return 0


def kill_repeatedly(
    argv: list[str],
    env: dict[str, str],
    db: Path,
    *,
    kills: int,
    window: tuple[float, float],
    rng: random.Random,
    after_progress: bool = False,
) -> KillStats:
    """Start `argv` `kills` times, SIGKILL it after a random delay within `window` each time.

    With `after_progress`, the delay only starts once the run has committed something, so a
    command that resumes from a checkpoint is killed at a random point of its real work.
    """
    stats = KillStats()
    for _ in range(kills):
        stats.attempts += 1
        before = _rows_written(db)
        process = subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if after_progress:
            while process.poll() is None and _rows_written(db) <= before:
                time.sleep(0.01)
        time.sleep(rng.uniform(*window))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            stats.killed_mid_run += 1
            process.wait(timeout=60)
            if _rows_written(db) > before:
                stats.killed_mid_work += 1
        else:
            stats.finished_first += 1
        process.wait(timeout=60)
    return stats


def startup_time(env: dict[str, str], tmp_path: Path) -> float:
    """How long a tracker process takes before it can do any work (interpreter, imports, ledger)."""
    # forget-codes writes, so it creates the ledger like the first command of a real run does.
    return clean_run(tracker_command("--db", str(tmp_path / "startup.db"), "forget-codes"), env)


def clean_run(argv: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return time.monotonic() - started


def _report_summary(stats: KillStats, what: str) -> None:
    print(
        f"\n{what}: {stats.attempts} kill attempts, {stats.killed_mid_run} killed mid-run "
        f"({stats.killed_mid_work} after writing to the ledger), "
        f"{stats.finished_first} finished before the kill",
        file=sys.stderr,
    )


# -- tracker import -----------------------------------------------------------------------


def _crash_import(tmp_path: Path, *, total: int, accounts: int, kills: int, seed: int) -> None:
    mbox = tmp_path / "takeout.mbox"
    write_mbox(mbox, build_mailbox(total, accounts))
    env = child_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    clean_db, crashed_db = tmp_path / "clean.db", tmp_path / "crashed.db"

    duration = clean_run(tracker_command("--db", str(clean_db), "import", str(mbox)), env)
    print(f"\nclean import: {duration:.1f} s", file=sys.stderr)
    argv = tracker_command("--db", str(crashed_db), "import", str(mbox))
    rng = random.Random(seed)
    # Every run starts from scratch (files have no checkpoint); kills land between start-up and
    # most of a whole run, so most hit real work.
    window = (startup_time(env, tmp_path) * 0.8, duration * 0.8)
    stats = kill_repeatedly(argv, env, crashed_db, kills=kills, window=window, rng=rng)
    if crashed_db.exists():
        ledger_rows(crashed_db)  # integrity after the last kill
    clean_run(argv, env)  # the restart that finishes the job
    _report_summary(stats, f"import of {total} mails")
    assert stats.killed_mid_run >= kills // 2

    expected = ledger_rows(clean_db)
    assert len(expected["message"]) > accounts and expected["skipped"]
    actual = ledger_rows(crashed_db)
    # Sources are file paths with mbox indexes: identical, since the same file was read.
    assert actual == expected
    assert cli_view(crashed_db, env) == cli_view(clean_db, env)


def test_kill_9_during_import_loses_and_doubles_nothing(tmp_path: Path):
    _crash_import(tmp_path, total=5000, accounts=100, kills=20, seed=1)


@pytest.mark.soak
def test_kill_9_during_import_soak(tmp_path: Path):
    _crash_import(tmp_path, total=20000, accounts=400, kills=60, seed=2)


# -- tracker sync -------------------------------------------------------------------------


def _crash_sync(
    dovecot, tmp_path: Path, *, total: int, accounts: int, kills: int, seed: int
) -> None:
    user = dovecot.add_user(f"crash{seed}@example.org")
    dovecot.deliver_many(user.username, build_mailbox(total, accounts))
    box = mailbox_settings(dovecot, user, tmp_path, name="personal")
    env = child_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    clean_db, crashed_db = tmp_path / "clean.db", tmp_path / "crashed.db"
    config = write_config(tmp_path / "config.toml", [box])
    flags_before = dovecot.flags(user.username)

    duration = clean_run(
        tracker_command("--config", str(config), "--db", str(clean_db), "sync"), env
    )
    print(f"\nclean sync: {duration:.1f} s", file=sys.stderr)
    argv = tracker_command("--config", str(config), "--db", str(crashed_db), "sync")
    # Each restart resumes from the checkpoint, so each run is killed at a random moment after
    # its first commit, within half a batch's time: the kill points spread over the work.
    startup = startup_time(env, tmp_path)
    batch_time = max(duration - startup, 0.2) / max(1, accounts * 2.5 / FETCH_BATCH)
    stats = kill_repeatedly(
        argv,
        env,
        crashed_db,
        kills=kills,
        window=(0.0, batch_time / 2),
        rng=random.Random(seed),
        after_progress=True,
    )
    if crashed_db.exists():
        ledger_rows(crashed_db)
    clean_run(argv, env)
    _report_summary(stats, f"sync of {total} mails")
    assert stats.killed_mid_work >= kills // 2

    expected = ledger_rows(clean_db)
    assert len(expected["message"]) > accounts and expected["checkpoint"]
    assert ledger_rows(crashed_db) == expected
    assert cli_view(crashed_db, env) == cli_view(clean_db, env)
    # Twenty-odd interrupted sessions later, the mailbox is untouched.
    assert dovecot.flags(user.username) == flags_before


@pytest.mark.imap
def test_kill_9_during_sync_loses_and_doubles_nothing(dovecot, tmp_path: Path):
    _crash_sync(dovecot, tmp_path, total=3000, accounts=500, kills=20, seed=3)


@pytest.mark.imap
@pytest.mark.soak
def test_kill_9_during_sync_soak(dovecot, tmp_path: Path):
    _crash_sync(dovecot, tmp_path, total=15000, accounts=1000, kills=60, seed=4)
