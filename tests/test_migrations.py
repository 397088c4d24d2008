"""The schema is made by Alembic alone, and matches the table models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from tracker.ledger import Ledger
from tracker.ledger.db import HEAD_REVISION, migrations_dir


def test_migrations_match_models(tmp_path):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with ledger.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert [d for d in diff if d[0] not in ("modify_type",)] == []


def test_head_revision_constant_is_the_newest_migration():
    # The chain decides which migration is newest, not file names (0002_x sorts before 0002b_y).
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert heads == [HEAD_REVISION]
    versions = [p.name for p in (migrations_dir() / "versions").glob("*.py")]
    assert any(name.startswith(HEAD_REVISION + "_") for name in versions)


def test_open_is_idempotent_and_records_version(tmp_path):
    path = tmp_path / "l.db"
    Ledger.open(str(path)).close()
    Ledger.open(str(path)).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert (
            conn.execute(text("select version_num from alembic_version")).scalar() == HEAD_REVISION
        )
        assert {"account", "message", "skipped_message", "checkpoint"} <= set(
            inspect(conn).get_table_names()
        )
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"


def test_a_failed_migration_leaves_no_half_schema(tmp_path):
    """DDL is transactional: a migration that fails (or is killed) half-way leaves nothing behind."""
    import sqlite3

    import pytest

    from tracker.errors import LedgerError

    path = tmp_path / "l.db"
    with sqlite3.connect(path) as conn:  # a table in the way makes the migration fail midway
        conn.execute("create table skipped_message (x integer)")
    with pytest.raises(LedgerError):
        Ledger.open(str(path))
    with sqlite3.connect(path) as conn:
        tables = {
            row[0] for row in conn.execute("select name from sqlite_master where type='table'")
        }
    assert tables == {"skipped_message"}  # account, checkpoint and alembic_version rolled back
