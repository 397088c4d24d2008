"""What `tracker status` shows: the ledger, the watcher, each folder's health, undelivered
notifications and mail awaiting review, gathered into one plain value."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from tracker.ledger import Ledger, LedgerSummary
from tracker.ledger.db import describe
from tracker.ledger.eventlog import EventLog
from tracker.ledger.service import FolderHealth, ServiceLog
from tracker.stats import format_duration


@dataclass(frozen=True, slots=True)
class WatcherInfo:
    running: bool
    pid: int | None
    since: datetime | None
    lock: str | None


@dataclass(frozen=True, slots=True)
class Status:
    ledger: str
    summary: LedgerSummary
    watcher: WatcherInfo
    folders: tuple[FolderHealth, ...]
    undelivered: tuple[tuple[str, int, str | None], ...]
    awaiting_review: int


def watcher_info(url: str) -> WatcherInfo:
    """Return whether a `tracker watch` holds the ledger's lock, its pid and since when."""
    from tracker.watchlock import lock_path, watch_lock_held

    path = lock_path(url)
    if path is None or not watch_lock_held(url):
        return WatcherInfo(False, None, None, str(path) if path else None)
    pid = since = None
    try:
        pid = int(path.read_text().strip() or 0) or None
        # The lock file is written once, when the watcher takes the lock.
        since = datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
    except (OSError, ValueError):
        pass
    return WatcherInfo(True, pid, since, str(path))


def awaiting_review(ledger: Ledger) -> int:
    """Return how many messages await review."""
    from tracker.ledger.events import review_count

    return review_count(ledger)


def gather_status(ledger: Ledger, url: str) -> Status:
    """Return everything `tracker status` shows."""
    return Status(
        ledger=describe(url),
        summary=ledger.summary(),
        watcher=watcher_info(url),
        folders=tuple(ServiceLog(ledger.engine).folders()),
        undelivered=tuple(EventLog(ledger.engine).undelivered()),
        awaiting_review=awaiting_review(ledger),
    )


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC ({format_duration((now - value).total_seconds())} ago)"


def service_status_text(status: Status, *, now: datetime | None = None) -> str:
    """Return the status as lines for a person."""
    from tracker.render import status_text

    now = now or datetime.now(UTC)
    lines = status_text(
        status.ledger, status.summary, awaiting_review=status.awaiting_review
    ).splitlines()
    watcher = status.watcher
    if watcher.running:
        pid = f"pid {watcher.pid}" if watcher.pid else "pid unknown"
        lines.append(f"Watcher: running ({pid}, since {_when(watcher.since, now)})")
    else:
        lines.append("Watcher: not running")
    for folder in status.folders:
        line = f"Mailbox {folder.mailbox}: folder {folder.folder}: last checked {_when(folder.last_ok_at, now)}"
        if folder.last_error and (
            folder.last_ok_at is None
            or (folder.last_error_at is not None and folder.last_error_at > folder.last_ok_at)
        ):
            line += f"; failing since {_when(folder.last_error_at, now)}: {folder.last_error}"
        elif folder.last_error:
            line += f"; last error {_when(folder.last_error_at, now)}: {folder.last_error}"
        lines.append(line)
    total = sum(count for _, count, _ in status.undelivered)
    lines.append(f"Notifications waiting to be delivered: {total}")
    for target, count, error in status.undelivered:
        lines.append(f"  {target}: {count}" + (f" (last error: {error})" if error else ""))
    return "\n".join(lines) + "\n"


def status_to_dict(status: Status) -> dict[str, object]:
    """Return the status as JSON-ready values."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "ledger": status.ledger,
        **asdict(status.summary),
        "watcher": {
            "running": status.watcher.running,
            "pid": status.watcher.pid,
            "since": iso(status.watcher.since),
            "lock": status.watcher.lock,
        },
        "folders": [
            {
                **asdict(f),
                "last_ok_at": iso(f.last_ok_at),
                "last_error_at": iso(f.last_error_at),
            }
            for f in status.folders
        ],
        "undelivered": [
            {"target": target, "count": count, "last_error": error}
            for target, count, error in status.undelivered
        ],
        "undelivered_total": sum(count for _, count, _ in status.undelivered),
        "awaiting_review": status.awaiting_review,
    }
