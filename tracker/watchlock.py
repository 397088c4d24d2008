"""One `tracker watch` per SQLite ledger: an exclusive `flock` on a file beside the ledger.

PostgreSQL ledgers are shared by any number of watchers instead (`tracker.ledger.leases`
hands each folder to one of them), so this lock only guards SQLite files.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import LedgerError
from tracker.ledger.db import describe, sqlite_file, url_backend

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def lock_path(url: str) -> Path | None:
    """Where the watch lock of the SQLite ledger at `url` lives; None when there is none.

    SQLite: `<ledger file>.watch.lock` beside the ledger; None in memory. PostgreSQL: None,
    its watchers share the folders through the database. Other databases: a file named after
    a hash of the URL (password left out) in the user's state folder, so it only keeps out a
    second watcher on the same machine.
    """
    backend = url_backend(url)
    if backend == "postgresql":
        return None
    if backend == "sqlite":
        path = sqlite_file(url)
        return None if path is None else path.resolve().with_name(path.name + ".watch.lock")
    from platformdirs import user_state_dir

    digest = hashlib.sha256(describe(url).encode()).hexdigest()[:16]
    return Path(user_state_dir("tracker")) / f"watch-{digest}.lock"


def is_shared_ledger(url: str) -> bool:
    """True when several watchers may share the ledger at `url` (PostgreSQL)."""
    return url_backend(url) == "postgresql"


class WatchLock:
    """An exclusive `flock` on the ledger's lock file, held while `tracker watch` runs."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> WatchLock:
        """Take the lock; LedgerError naming the holder's pid if another watcher has it."""
        if self.path is None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise LedgerError(f"cannot create the watch lock {self.path}: {err.strerror}") from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (pid {holder})" if holder else ""
            raise LedgerError(
                f"another `tracker watch`{who} already watches this ledger (lock {self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> WatchLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None


def watch_lock_held(url: str) -> bool:
    """True while some `tracker watch` (in any process) holds the SQLite ledger's watch lock."""
    path = lock_path(url)
    if path is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def watch_running(url: str, engine: Engine) -> bool:
    """True while some `tracker watch` records into the ledger at `url` (any machine for
    PostgreSQL, this machine otherwise)."""
    if is_shared_ledger(url):
        from tracker.ledger.leases import count_live_watchers

        return count_live_watchers(engine) > 0
    return watch_lock_held(url)
