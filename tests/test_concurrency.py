"""Concurrent use of one ledger: readers answer correctly while another process writes (WAL,
busy timeout), and two writers at once neither corrupt the ledger nor duplicate a row.

(Two `tracker watch` on one ledger: the second refuses; tests/test_watch.py covers that.)
"""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapconfig import child_env, tracker_command, write_config
from tests.support.mailfactory import meta_mail, write_mbox
from tests.support.workload import T0, build_mailbox, ledger_rows

# Kill and concurrency runs take seconds each: out of the quick loop (-m "not slow").
pytestmark = pytest.mark.slow


def _run(db: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        tracker_command("--db", str(db), *args),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _start(db: Path, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        tracker_command("--db", str(db), *args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _baseline(tmp_path: Path) -> Path:
    """Known facts that the readers must see throughout: anna approved, ben's code."""
    mbox = tmp_path / "baseline.mbox"
    write_mbox(
        mbox,
        [
            meta_mail("notice", account="anna@example.org", sent_at=T0 - timedelta(days=30)),
            meta_mail("approved", account="anna@example.org", sent_at=T0 - timedelta(days=20)),
            meta_mail(
                "code", account="ben@example.org", code="418207", sent_at=T0 - timedelta(days=25)
            ),
        ],
    )
    return mbox


def test_report_and_code_answer_correctly_while_another_process_writes(tmp_path: Path):
    env = child_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    db = tmp_path / "ledger.db"
    baseline = _baseline(tmp_path)
    assert _run(db, env, "import", str(baseline)).returncode == 0
    # Several big mboxes, imported one after another by a writer in the background.
    boxes = []
    for part in range(3):
        path = tmp_path / f"part{part}.mbox"
        write_mbox(path, build_mailbox(2500, 80, seed=10 + part))
        boxes.append(path)
    writer = _start(db, env, "import", *map(str, boxes))

    reads = reads_while_writing = 0
    seen_sizes = []
    while writer.poll() is None or reads < 6:
        reads_while_writing += writer.poll() is None
        report = _run(db, env, "report", "--json")
        assert report.returncode == 0, report.stderr
        states = {r["account"]: r["state"] for r in json.loads(report.stdout)}
        assert states["anna@example.org"] == "approved"
        assert states["ben@example.org"] == "pending"
        seen_sizes.append(len(states))
        code = _run(db, env, "code", "--include-expired", "--account", "ben@example.org")
        assert code.returncode == 0, code.stderr
        assert code.stdout.strip() == "418207"
        reads += 1
    _out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    # The readers saw the ledger grow (they really ran during the writes), never shrink.
    assert seen_sizes == sorted(seen_sizes)
    assert reads_while_writing >= 2

    clean = tmp_path / "clean.db"
    assert _run(clean, env, "import", str(baseline), *map(str, boxes)).returncode == 0
    assert ledger_rows(db) == ledger_rows(clean)


def test_two_imports_at_once_neither_corrupt_nor_duplicate(tmp_path: Path):
    env = child_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    shared = tmp_path / "shared.mbox"
    write_mbox(shared, build_mailbox(2500, 100, seed=20))
    only_b = tmp_path / "only-b.mbox"
    write_mbox(only_b, build_mailbox(800, 30, seed=21))
    db = tmp_path / "ledger.db"
    assert _run(db, env, "forget-codes").returncode == 0  # created and migrated before the race
    first = _start(db, env, "import", "--json", str(shared))
    second = _start(db, env, "import", "--json", str(shared), str(only_b))
    results = [p.communicate(timeout=300) for p in (first, second)]
    for process, (_out, err) in zip((first, second), results, strict=True):
        assert process.returncode == 0, err
    counts = [json.loads(out) for out, _ in results]
    rows = ledger_rows(db)  # includes SQLite's integrity check
    keys = [row[0] for row in rows["message"]]
    assert len(keys) == len(set(keys))
    # Every message of the shared mbox was recorded exactly once between the two processes.
    assert counts[0]["new"] + counts[1]["new"] == len(keys)

    clean = tmp_path / "clean.db"
    assert _run(clean, env, "import", str(shared), str(only_b)).returncode == 0
    expected = ledger_rows(clean)
    assert rows["message"] == expected["message"] or _same_ignoring_source(rows, expected)
    assert rows["account"] == expected["account"]


def _same_ignoring_source(rows: dict, expected: dict) -> bool:
    # Which process recorded a message first decides its `source`; the rest must match.
    return [r[:-1] for r in rows["message"]] == [r[:-1] for r in expected["message"]]


@pytest.mark.imap
def test_two_syncs_and_an_import_at_once_on_one_ledger(dovecot, tmp_path: Path):
    user = dovecot.add_user("race@example.org")
    mails = build_mailbox(2000, 100, seed=30)
    dovecot.deliver_many(user.username, mails)
    mbox = tmp_path / "same-mail.mbox"
    write_mbox(mbox, mails)
    box = mailbox_settings(dovecot, user, tmp_path, name="personal")
    config = write_config(tmp_path / "config.toml", [box])
    env = child_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    db = tmp_path / "ledger.db"
    assert _run(db, env, "forget-codes").returncode == 0

    processes = [
        _start(db, env, "--config", str(config), "sync"),
        _start(db, env, "--config", str(config), "sync"),
        _start(db, env, "import", str(mbox)),
    ]
    for process in processes:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err

    rows = ledger_rows(db)
    keys = [row[0] for row in rows["message"]]
    assert len(keys) == len(set(keys))
    clean = tmp_path / "clean.db"
    assert _run(clean, env, "import", str(mbox)).returncode == 0
    expected = ledger_rows(clean)
    assert _same_ignoring_source(rows, expected)
    assert rows["account"] == expected["account"]
    assert rows["checkpoint"] and rows["checkpoint"][0][3] == len(mails)
