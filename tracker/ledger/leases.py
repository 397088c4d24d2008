"""Which watcher reads which folder, on a PostgreSQL ledger: session advisory locks.

Each `tracker watch` keeps one dedicated database session. In it, it holds one advisory lock
saying "a watcher is here" (keyed by its backend pid) and one per folder it reads. PostgreSQL
ties these locks to the session: a watcher that exits, is killed (-9) or whose machine or
network goes away loses its session, and with it every lock, with no row to clean up and no
clock to trust. TCP keepalives (both ends, set below) bound how long a vanished peer's
session lingers. The number of live watchers is the number of "watcher" locks in `pg_locks`.

Folder keys are 32-bit hashes of (mailbox, folder). Two folders that collide share one lock:
both then go to the same watcher (the lock is re-entrant within a session and counted), which
costs balance, never correctness.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import create_engine

from tracker.errors import LedgerError
from tracker.ledger.db import describe

# The first half of every two-key advisory lock tracker takes ("tr" + 1 / 2), so they never
# meet another application's locks in a shared database.
WATCHER_SPACE = 0x7472_0001
FOLDER_SPACE = 0x7472_0002
DELIVERY_SPACE = 0x7472_0003  # one notification target's outbox (see EventLog.delivery_turn)

# How fast a session whose peer vanished is dropped: keepalive probes after 5 s of silence,
# every 2 s, 3 of them; unacknowledged data gives up after 10 s. Both ends set them, so the
# server frees a dead watcher's folders and a cut-off watcher notices it lost them.
KEEPALIVE: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
    "connect_timeout": 10,
    "options": (
        "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3"
        " -c tcp_user_timeout=10000 -c statement_timeout=10000"
        " -c idle_in_transaction_session_timeout=0"
    ),
}

_LIVE_WATCHERS = text(
    "SELECT count(*) FROM pg_locks"
    " WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = :space"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def folder_key(mailbox: str, folder: str) -> int:
    """Return the signed 32-bit advisory-lock key of one folder of one mailbox."""
    return lock_key(f"{mailbox}\0{folder}")


def lock_key(name: str) -> int:
    """Return the signed 32-bit advisory-lock key of a name (a folder, a target)."""
    digest = hashlib.blake2b(name.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.contextmanager
def try_advisory_lock(engine: Engine, space: int, key: int) -> Iterator[bool]:
    """Hold the session advisory lock (space, key) for the block if no one else does; yield
    whether it was taken. Other engines than PostgreSQL have no other writer: always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        taken = bool(
            conn.execute(
                text("SELECT pg_try_advisory_lock(:space, :key)"), {"space": space, "key": key}
            ).scalar()
        )
        conn.commit()
        try:
            yield taken
        finally:
            if taken:
                conn.execute(
                    text("SELECT pg_advisory_unlock(:space, :key)"), {"space": space, "key": key}
                )
                conn.commit()


class FolderLeases:
    """One watcher's session on a PostgreSQL ledger and the folder locks it holds.

    Not thread-safe: one thread (the watcher's share keeper) drives it. Every method raises
    LedgerError when the session is gone; the caller must then assume it holds nothing.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self.backend_pid: int | None = None

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def open(self) -> None:
        """Start the session and announce this watcher in it."""
        self.close()
        try:
            # NullPool: the session is this object's alone and ends when it is closed.
            libpq = make_url(self.url).get_driver_name() in ("psycopg", "psycopg2")
            self._engine = create_engine(
                self.url, poolclass=NullPool, connect_args=KEEPALIVE if libpq else {}
            )
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._conn = conn
            self.backend_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            conn.execute(
                text("SELECT pg_advisory_lock(:space, :pid)"),
                {"space": WATCHER_SPACE, "pid": self.backend_pid},
            )
        except SQLAlchemyError as err:
            self.close()
            raise self._error(err) from err

    def live_watchers(self) -> int:
        """Return how many watchers hold a session on this database now (this one included)."""
        return int(self._run(_LIVE_WATCHERS, space=WATCHER_SPACE))

    def claim(self, mailbox: str, folder: str) -> bool:
        """Take the folder's lock if no other watcher holds it; True when taken."""
        return bool(
            self._run(
                text("SELECT pg_try_advisory_lock(:space, :key)"),
                space=FOLDER_SPACE,
                key=folder_key(mailbox, folder),
            )
        )

    def release(self, mailbox: str, folder: str) -> None:
        """Give the folder's lock back (once per successful claim)."""
        self._run(
            text("SELECT pg_advisory_unlock(:space, :key)"),
            space=FOLDER_SPACE,
            key=folder_key(mailbox, folder),
        )

    def close(self) -> None:
        """End the session; PostgreSQL drops every lock it held."""
        conn, engine = self._conn, self._engine
        self._conn = self._engine = None
        self.backend_pid = None
        if conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                # The server drops them anyway when the session ends, but a moment later:
                # given back here, the other watchers can claim them on their next look.
                conn.execute(text("SELECT pg_advisory_unlock_all()"))
            with contextlib.suppress(SQLAlchemyError):
                conn.close()
        if engine is not None:
            engine.dispose()

    def _run(self, statement: Any, **params: object) -> Any:
        if self._conn is None:
            raise LedgerError(f"no lease session on {describe(self.url)}")
        try:
            return self._conn.execute(statement, params).scalar_one()
        except SQLAlchemyError as err:
            self.close()
            raise self._error(err) from err

    def _error(self, err: SQLAlchemyError) -> LedgerError:
        orig = getattr(err, "orig", None)
        first = str(orig or err).splitlines()[0] if str(orig or err) else type(err).__name__
        return LedgerError(f"lost the watcher session on {describe(self.url)}: {first}")


def count_live_watchers(engine: Engine) -> int:
    """Return how many watchers share the PostgreSQL ledger behind `engine` right now."""
    try:
        with engine.connect() as conn:
            return int(conn.execute(_LIVE_WATCHERS, {"space": WATCHER_SPACE}).scalar_one())
    except SQLAlchemyError as err:
        raise LedgerError(f"cannot read the ledger at {describe(str(engine.url))}") from err
