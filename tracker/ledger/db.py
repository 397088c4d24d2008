"""Opening the ledger: URL resolution, engine set-up, file permissions and migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlmodel import create_engine

from tracker import DISTRIBUTION
from tracker.errors import LedgerError

# The newest migration; start-up compares the ledger's version with it and only then pays for
# loading Alembic.
HEAD_REVISION = "0003_events"


def default_ledger_path() -> Path:
    """Return where the ledger lives when neither --db nor TRACKER_DB says otherwise."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("tracker")) / "ledger.db"


def ledger_url(path_or_url: str | None) -> str:
    """Return an SQLAlchemy URL for a plain path, a URL, or None (the default location)."""
    if not path_or_url:
        return f"sqlite:///{default_ledger_path()}"
    if "://" in path_or_url:
        return path_or_url
    return f"sqlite:///{Path(path_or_url).expanduser().resolve()}"


def url_backend(url: str) -> str | None:
    """Return the database kind of a URL ("sqlite", "postgresql" ...), None if unreadable."""
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        return None


def sqlite_file(url: str) -> Path | None:
    """Return the file of an SQLite URL; None for in-memory SQLite and other databases."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def describe(url: str) -> str:
    """Return the URL without its password, fit for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def make_engine(path_or_url: str | None, *, create: bool = True) -> Engine:
    """Return an engine on an up-to-date ledger, migrating it as needed.

    A new SQLite ledger is created only with `create`; without it (the read-only commands) a
    missing file is a LedgerError, so a mistyped --db does not leave an empty ledger behind.
    """
    url = ledger_url(path_or_url)
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise LedgerError(f"not a database path or URL: {path_or_url}") from err
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not create and (not path.exists() or path.stat().st_size == 0):
            raise LedgerError(
                f"no ledger at {path} (nothing recorded there yet: run `tracker import` or "
                "`tracker sync` first, or check --db / TRACKER_DB)"
            )
        if path.exists():
            _check_sqlite_file(path)
        _prepare_sqlite_file(path)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except ImportError as err:
            # The optional drivers come with the extras named in pyproject.toml.
            extra = "postgres" if (err.name or "").startswith("psycopg") else None
            hint = f" (pip install '{DISTRIBUTION}[{extra}]')" if extra else ""
            raise LedgerError(
                f"cannot use database {describe(url)}: its driver {err.name or ''} is not "
                f"installed{hint}"
            ) from None
        except ArgumentError as err:
            raise LedgerError(f"cannot use database {describe(url)}: {err}") from err
    try:
        migrate(engine, where=describe(url))
        _check_tables(engine, where=describe(url))
    except SQLAlchemyError as err:
        raise LedgerError(f"cannot open the ledger at {describe(url)}: {_first_line(err)}") from err
    return engine


def migrate(engine: Engine, *, where: str = "the ledger") -> None:
    """Bring the ledger's schema to the newest migration (Alembic `upgrade head`).

    LedgerError, and nothing written, for a database that holds another application's tables
    or a schema revision this tracker does not know (a newer tracker wrote it).
    """
    current = _current_revision(engine)
    if current == HEAD_REVISION:
        return
    if current is None:
        with engine.connect() as connection:
            foreign = sorted(inspect(connection).get_table_names())
        if foreign:
            raise LedgerError(_not_a_ledger(where, foreign))
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    from alembic import command

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if current is not None:
        try:
            ScriptDirectory.from_config(config).get_revision(current)
        except (RevisionError, CommandError):
            raise LedgerError(
                f"the ledger at {where} has schema revision {current}, which this tracker does "
                "not know: a newer tracker wrote it (upgrade tracker)"
            ) from None
    try:
        # One transaction for the whole upgrade: a process killed half-way leaves no half schema.
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError:
        if _current_revision(engine) != HEAD_REVISION:
            raise
        # Another process ran the same migration meanwhile; its schema is the one we wanted.


def migrations_dir() -> Path:
    """Return the folder of Alembic migrations, installed (tracker.migrations) or in a checkout."""
    import importlib.util

    spec = importlib.util.find_spec("tracker.migrations")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[2] / "alembic"


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _not_a_ledger(where: str, tables: list[str]) -> str:
    shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
    return (
        f"{where} is not a tracker ledger (it holds other tables: {shown}); "
        "left untouched, point --db at a new file"
    )


def _check_sqlite_file(path: Path) -> None:
    """LedgerError if the file is not a tracker ledger; looks read-only, so nothing is changed.

    The engine's first connection switches the file to WAL; another application's database
    must not get even that far.
    """
    if path.stat().st_size == 0:  # created by us just before a crash: becomes the ledger
        return
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
        finally:
            connection.close()
    except sqlite3.DatabaseError as err:
        raise LedgerError(f"{path} is not a tracker ledger ({err}); left untouched") from None
    except sqlite3.Error as err:
        raise LedgerError(f"cannot read the ledger at {path}: {err}") from None
    if tables and "alembic_version" not in tables:
        raise LedgerError(_not_a_ledger(str(path), tables))


def _check_tables(engine: Engine, *, where: str) -> None:
    """LedgerError if a table of the schema is missing (the file was damaged or edited)."""
    from sqlmodel import SQLModel

    import tracker.ledger.tables  # noqa: F401  (fills SQLModel.metadata)

    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
    missing = sorted(set(SQLModel.metadata.tables) - present)
    if missing:
        raise LedgerError(
            f"the ledger at {where} is damaged: table {', '.join(missing)} is missing"
        )


def _prepare_sqlite_file(path: Path) -> None:
    """Create the ledger file owner-only (0600) before SQLite does, in a 0700 folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        elif not os.access(path, os.R_OK | os.W_OK):
            raise LedgerError(f"cannot write the ledger at {path}: permission denied")
    except OSError as err:
        raise LedgerError(f"cannot create the ledger at {path}: {err.strerror}") from err


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # Python's sqlite3 module commits before DDL and opens transactions late; take that over
    # (see _sqlite_begin) so migrations and batches are really atomic.
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    # WAL lets reports read while the daemon writes; the busy timeout makes writers queue.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _first_line(err: BaseException) -> str:
    if isinstance(err, DBAPIError) and err.orig is not None:
        return str(err.orig).splitlines()[0]
    return str(err).splitlines()[0]
