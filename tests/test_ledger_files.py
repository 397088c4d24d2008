"""What --db may point at: a ledger, a new file (for commands that write), or nothing else.

Another application's database, a file that is not SQLite, a ledger written by a newer tracker,
a damaged ledger, a ledger with a table missing: one line, the ledger's exit status (3), and the
file exactly as it was. Read-only commands never create a ledger.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.mailfactory import meta_mail, write_mbox
from tracker.cli import ExitStatus

READ_COMMANDS = [["report"], ["code"], ["stats"], ["status"], ["skipped"], ["account", "list"]]
WRITE_COMMANDS = [["forget-codes"], ["account", "add", "a@example.org", "--platform", "facebook"]]


def _one_line_ledger_error(result) -> None:
    assert result.exit_code == ExitStatus.LEDGER, (result.exit_code, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("tracker: ")
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def _ledger_with_mail(run_cli, tmp_path: Path, db: Path) -> None:
    mbox = tmp_path / "mail.mbox"
    write_mbox(
        mbox,
        [meta_mail("notice", account=f"user{i}@example.org") for i in range(200)]
        + [meta_mail("code", account="user1@example.org", code="418207")],
    )
    assert run_cli("import", str(mbox), db=db).exit_code == 0


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_a_read_command_on_a_missing_ledger_says_so_and_creates_nothing(
    run_cli, tmp_path: Path, args: list[str]
):
    db = tmp_path / "typo" / "ledger.db"
    result = run_cli(*args, db=db)
    _one_line_ledger_error(result)
    assert f"no ledger at {db}" in result.stderr
    assert not db.parent.exists()


@pytest.mark.parametrize("args", READ_COMMANDS + WRITE_COMMANDS, ids=" ".join)
def test_another_applications_database_is_refused_and_left_byte_for_byte(
    run_cli, tmp_path: Path, args: list[str]
):
    db = tmp_path / "notes.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.close()
    before = db.read_bytes()
    result = run_cli(*args, db=db)
    _one_line_ledger_error(result)
    assert "is not a tracker ledger (it holds other tables: notes)" in result.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]  # no -wal, no -shm


def test_import_into_a_file_that_is_not_sqlite_is_refused(run_cli, tmp_path: Path):
    db = tmp_path / "notes.txt"
    db.write_text("shopping list\n" * 100)
    before = db.read_bytes()
    mbox = tmp_path / "mail.mbox"
    write_mbox(mbox, [meta_mail("notice", account="a@example.org")])
    result = run_cli("import", str(mbox), db=db)
    _one_line_ledger_error(result)
    assert "is not a tracker ledger" in result.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize("args", READ_COMMANDS + WRITE_COMMANDS, ids=" ".join)
def test_a_ledger_from_a_newer_tracker_is_refused_on_every_path(
    run_cli, tmp_path: Path, args: list[str]
):
    db = tmp_path / "ledger.db"
    _ledger_with_mail(run_cli, tmp_path, db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.close()
    result = run_cli(*args, db=db)
    _one_line_ledger_error(result)
    assert "schema revision 9999_from_the_future" in result.stderr
    assert "newer tracker" in result.stderr


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_a_missing_table_is_a_ledger_error(run_cli, tmp_path: Path, args: list[str]):
    db = tmp_path / "ledger.db"
    _ledger_with_mail(run_cli, tmp_path, db)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE skipped_message")
    conn.close()
    result = run_cli(*args, db=db)
    _one_line_ledger_error(result)
    assert "table skipped_message is missing" in result.stderr


@pytest.mark.parametrize("args", [["report"], ["stats"], ["code"], ["status"]], ids=" ".join)
def test_a_damaged_ledger_is_a_ledger_error_on_the_read_paths(
    run_cli, tmp_path: Path, args: list[str]
):
    db = tmp_path / "ledger.db"
    _ledger_with_mail(run_cli, tmp_path, db)
    with sqlite3.connect(db) as conn:  # fold the WAL back in, so the damage is in the file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'message'").fetchone()[
            0
        ]
    conn.close()
    # Overwrite the message table's root page: the schema still reads, the rows do not.
    with db.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xa5" * page_size)
    result = run_cli(*args, db=db)
    _one_line_ledger_error(result)
