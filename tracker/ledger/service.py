"""What the running service keeps in the ledger: the last period each scheduled job ran for,
and when each mailbox folder was last read and last failed (for `tracker status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.ledger.eventlog import take_write_lock
from tracker.ledger.tables import FolderStatus, JobRun

_job_run = JobRun.__table__  # type: ignore[attr-defined]
_folder = FolderStatus.__table__  # type: ignore[attr-defined]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FolderHealth:
    """One folder's last successful read and last error."""

    mailbox: str
    folder: str
    last_ok_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


class ServiceLog:
    """Job periods and folder health, on the ledger's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim_period(self, job: str, period: str, *, now: datetime | None = None) -> bool:
        """Return True, and remember `period`, unless `job` already ran for it.

        The check and the write are one transaction, so of two racing callers one wins.
        """
        now = now or datetime.now(UTC)
        with self.engine.begin() as conn:
            take_write_lock(conn)
            last = conn.execute(
                select(_job_run.c.last_period).where(_job_run.c.job == job)
            ).scalar()
            if last == period:
                return False
            if last is None:
                conn.execute(_job_run.insert().values(job=job, last_period=period, ran_at=now))
            else:
                changed = conn.execute(
                    update(_job_run)
                    .where(_job_run.c.job == job, _job_run.c.last_period == last)
                    .values(last_period=period, ran_at=now)
                ).rowcount
                if not changed:
                    return False
        return True

    def last_run(self, job: str) -> tuple[str, datetime] | None:
        """Return (period, when) of the job's last run, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_job_run.c.last_period, _job_run.c.ran_at).where(_job_run.c.job == job)
            ).first()
        return (row[0], _utc(row[1])) if row else None  # type: ignore[return-value]

    def folder_ok(self, mailbox: str, folder: str, *, now: datetime | None = None) -> None:
        """Record a successful read of a folder."""
        self._save(mailbox, folder, {"last_ok_at": now or datetime.now(UTC)})

    def folder_failed(
        self, mailbox: str, folder: str, error: str, *, now: datetime | None = None
    ) -> None:
        """Record a folder's latest error (one line, no secrets)."""
        self._save(
            mailbox, folder, {"last_error": error[:500], "last_error_at": now or datetime.now(UTC)}
        )

    def _save(self, mailbox: str, folder: str, values: dict[str, object]) -> None:
        try:
            with self.engine.begin() as conn:
                changed = conn.execute(
                    update(_folder)
                    .where(_folder.c.mailbox == mailbox, _folder.c.folder == folder)
                    .values(**values)
                ).rowcount
                if not changed:
                    conn.execute(_folder.insert().values(mailbox=mailbox, folder=folder, **values))
        except SQLAlchemyError:
            pass  # health is a convenience; a busy ledger must not fail the watcher for it

    def folders(self) -> list[FolderHealth]:
        """Return every folder's health, by mailbox and folder."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_folder).order_by(_folder.c.mailbox, _folder.c.folder))
            return [
                FolderHealth(
                    r.mailbox, r.folder, _utc(r.last_ok_at), r.last_error, _utc(r.last_error_at)
                )
                for r in rows
            ]
