"""Reading and writing the ledger. Callers get domain values, never table rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Engine, Table, and_, case, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from tracker.domain import (
    AccountReport,
    Checkpoint,
    CodeRecord,
    Event,
    LifecycleEvent,
    ReadMessage,
)
from tracker.errors import LedgerError
from tracker.ledger.db import describe, make_engine
from tracker.ledger.eventlog import record_account_events
from tracker.ledger.events import CORRECTED_MESSAGE_IDS, correction_events
from tracker.ledger.tables import Account, Message, SkippedMessage
from tracker.ledger.tables import Checkpoint as CheckpointRow
from tracker.lifecycle import Lifecycle, report_account

# A code is useful for minutes; the ledger keeps its digits this long after recording it, then
# wipes them (the fact that a code arrived stays).
CODE_RETENTION = timedelta(hours=24)
DEFAULT_CODE_VALIDITY = timedelta(hours=1)

_account = Account.__table__  # type: ignore[attr-defined]
_message = Message.__table__  # type: ignore[attr-defined]
_skipped = SkippedMessage.__table__  # type: ignore[attr-defined]
_checkpoint = CheckpointRow.__table__  # type: ignore[attr-defined]


# Built INSERT ... ON CONFLICT DO NOTHING statements, by dialect, table and column names.
_INSERT_CACHE: dict[tuple[str, str, tuple[str, ...]], Any] = {}


@dataclass(slots=True)
class RecordCounts:
    """What one batch did to the ledger."""

    new: int = 0
    untrusted: int = 0  # of `new`: claimed to be Meta's, failed the trust check (forgeries)
    duplicate: int = 0
    ignored: int = 0  # not Meta's objection-flow mail: nothing is kept about it
    malformed: int = 0
    reasons: list[str] = field(default_factory=list)
    # Events the batch caused (notice, code, decision...), for the log lines naming them.
    events: list[Event] = field(default_factory=list)
    # Accounts the batch gave a new message, whose events are derived before the commit.
    touched_accounts: set[int] = field(default_factory=set)

    def add(self, other: RecordCounts) -> None:
        """Add another batch's counts to these."""
        self.new += other.new
        self.untrusted += other.untrusted
        self.duplicate += other.duplicate
        self.ignored += other.ignored
        self.malformed += other.malformed
        self.reasons.extend(other.reasons)
        self.events.extend(other.events)


@dataclass(frozen=True, slots=True)
class LedgerSummary:
    """Row counts, for `tracker status` and tests."""

    accounts: int
    messages: int
    skipped: int
    codes_held: int


class Ledger:
    """The ledger of Meta's objection mail, on any SQLAlchemy database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, path_or_url: str | None, *, create: bool = True) -> Ledger:
        """Return the ledger at a path or URL (None: the default location), migrated to head.

        Without `create`, a SQLite ledger that does not exist yet is a LedgerError.
        """
        return cls(make_engine(path_or_url, create=create))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------------

    def record_batch(
        self,
        messages: Iterable[ReadMessage],
        *,
        checkpoint: Checkpoint | None = None,
        rewind: bool = False,
        now: datetime | None = None,
    ) -> RecordCounts:
        """Record a batch of messages and advance a checkpoint, all in one transaction.

        Recording is idempotent: a message already in the ledger (same Message-ID, or the same
        bytes when it has none) and a skip already noted change nothing. The checkpoint never
        moves back under the same UIDVALIDITY unless `rewind` (a rescan found the server
        forgot messages).
        """
        now = now or datetime.now(UTC)
        counts = RecordCounts()
        try:
            with self.engine.begin() as conn:
                for message in messages:
                    try:
                        row = _message_row(message, now)
                    except Exception as err:  # one message's values must not cost the batch
                        row = None
                        message = replace(
                            message,
                            parsed=replace(
                                message.parsed, error=f"cannot record ({type(err).__name__})"
                            ),
                        )
                    self._record_one(conn, message, row, now, counts)
                counts.events = record_account_events(conn, counts.touched_accounts, now)
                if checkpoint is not None:
                    self._save_checkpoint(conn, checkpoint, now, rewind=rewind)
                self._wipe_old_codes(conn, now)
        except SQLAlchemyError as err:
            raise LedgerError(
                f"cannot write the ledger at {describe(str(self.engine.url))}: {_first_line(err)}"
            ) from err
        return counts

    def _record_one(
        self,
        conn: Connection,
        message: ReadMessage,
        row: dict[str, object] | None,
        now: datetime,
        counts: RecordCounts,
    ) -> None:
        parsed = message.parsed
        if parsed.error is None and not parsed.is_meta_flow:
            counts.ignored += 1
            return
        if parsed.error is not None or parsed.sent_at is None:
            reason = parsed.error or "no usable Date header"
            inserted = self._insert_ignoring_duplicates(
                conn, _skipped, {"source": message.source, "reason": reason, "recorded_at": now}
            )
            # Malformed either way; the reason is only logged the first time it is noted.
            counts.malformed += 1
            if inserted:
                counts.reasons.append(f"{message.source}: {reason}")
            return
        assert row is not None  # _message_row gives one for every message without an error
        # Only trusted objection-flow mail reveals an account; a login code or a forgery doesn't.
        if parsed.trusted and parsed.account and parsed.platform and parsed.code_purpose != "login":
            row["account_id"] = self._ensure_account(
                conn, parsed.account, parsed.platform, "mail", now
            )
        if self._insert_ignoring_duplicates(conn, _message, row):
            counts.new += 1
            counts.untrusted += not parsed.trusted
            account_id = row["account_id"]
            if isinstance(account_id, int) and parsed.trusted:
                counts.touched_accounts.add(account_id)
        else:
            counts.duplicate += 1

    def _insert_ignoring_duplicates(
        self, conn: Connection, table: Table, row: Mapping[str, object]
    ) -> bool:
        dialect = conn.dialect.name
        key = next(iter(table.primary_key.columns))
        if dialect in ("sqlite", "postgresql"):
            # Imported here: loading the PostgreSQL dialect costs every SQLite start ~25 ms.
            from sqlalchemy.dialects import postgresql, sqlite

            # One statement per (dialect, table, columns), rows passed as parameters: building
            # and coercing a fresh statement per row cost more than the INSERT itself.
            cache_key = (dialect, table.name, tuple(row))
            statement = _INSERT_CACHE.get(cache_key)
            if statement is None:
                insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
                # RETURNING tells whether a row went in; rowcount is -1 on some drivers.
                statement = insert(table).on_conflict_do_nothing().returning(key)
                _INSERT_CACHE[cache_key] = statement
            return conn.execute(statement, dict(row)).first() is not None
        with conn.begin_nested() as savepoint:  # other databases: the unique constraint guards
            try:
                conn.execute(table.insert().values(**row))
                return True
            except SQLAlchemyError:
                savepoint.rollback()
                return False

    def _ensure_account(
        self, conn: Connection, address: str, platform: str, added_by: str, now: datetime
    ) -> int:
        self._insert_ignoring_duplicates(
            conn,
            _account,
            {"address": address, "platform": platform, "added_by": added_by, "created_at": now},
        )
        return conn.execute(
            select(_account.c.id).where(
                _account.c.address == address, _account.c.platform == platform
            )
        ).scalar_one()

    def add_account(self, address: str, platform: str, *, now: datetime | None = None) -> bool:
        """Add an account by hand; return False if the ledger already knew it."""
        now = now or datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                return self._insert_ignoring_duplicates(
                    conn,
                    _account,
                    {
                        "address": address.lower(),
                        "platform": platform,
                        "added_by": "user",
                        "created_at": now,
                    },
                )
        except SQLAlchemyError as err:
            raise LedgerError(f"cannot write the ledger: {_first_line(err)}") from err

    def _save_checkpoint(
        self, conn: Connection, cp: Checkpoint, now: datetime, *, rewind: bool = False
    ) -> None:
        """Upsert the checkpoint; under one UIDVALIDITY it only moves forward (unless `rewind`).

        One statement, so two watchers writing the same folder's checkpoint during a
        hand-over can neither fail each other on the primary key nor move it backwards.
        """
        values = {
            "mailbox": cp.mailbox,
            "folder": cp.folder,
            "uidvalidity": cp.uidvalidity,
            "last_uid": cp.last_uid,
            "updated_at": now,
        }
        dialect = conn.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            changed = conn.execute(
                update(_checkpoint)
                .where(_checkpoint.c.mailbox == cp.mailbox, _checkpoint.c.folder == cp.folder)
                .values(**values)
            ).rowcount
            if not changed:
                conn.execute(_checkpoint.insert().values(**values))
            return
        from sqlalchemy.dialects import postgresql, sqlite

        insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(_checkpoint)
        new = insert.excluded
        last_uid: Any = new.last_uid
        if not rewind:
            last_uid = case(
                (
                    and_(
                        _checkpoint.c.uidvalidity == new.uidvalidity,
                        _checkpoint.c.last_uid > new.last_uid,
                    ),
                    _checkpoint.c.last_uid,
                ),
                else_=new.last_uid,
            )
        conn.execute(
            insert.values(**values).on_conflict_do_update(
                index_elements=[_checkpoint.c.mailbox, _checkpoint.c.folder],
                set_={
                    "uidvalidity": new.uidvalidity,
                    "last_uid": last_uid,
                    "updated_at": new.updated_at,
                },
            )
        )

    def _wipe_old_codes(self, conn: Connection, now: datetime) -> None:
        conn.execute(
            update(_message)
            .where(_message.c.code.is_not(None), _message.c.recorded_at < now - CODE_RETENTION)
            .values(code=None)
        )

    def wipe_expired_codes(self, *, now: datetime | None = None) -> None:
        """Wipe the digits of codes recorded longer ago than the retention period."""
        with self.engine.begin() as conn:
            self._wipe_old_codes(conn, now or datetime.now(UTC))

    def wipe_codes(self) -> int:
        """Wipe every stored code now; return how many were wiped."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(_message).where(_message.c.code.is_not(None)).values(code=None)
            ).rowcount

    # -- reading -------------------------------------------------------------------------

    def checkpoint(self, mailbox: str, folder: str) -> Checkpoint | None:
        """Return how far a folder has been recorded, or None if it never was."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_checkpoint.c.uidvalidity, _checkpoint.c.last_uid).where(
                    _checkpoint.c.mailbox == mailbox, _checkpoint.c.folder == folder
                )
            ).first()
        return Checkpoint(mailbox, folder, row[0], row[1]) if row else None

    def account_lifecycles(self) -> list[tuple[AccountReport, Lifecycle]]:
        """Return every account's report line and lifecycle, ordered by address and platform."""
        with self.engine.connect() as conn:
            accounts = conn.execute(
                select(
                    _account.c.id, _account.c.address, _account.c.platform, _account.c.added_by
                ).order_by(_account.c.address, _account.c.platform)
            ).all()
            events = _trusted_account_events(conn)
            unverified = _accounts_with_unverified_mail(conn)
            for account_id, event in correction_events(conn):
                events[account_id].append(event)
        lifecycles = []
        for account_id, address, platform, added_by in accounts:
            report, life = report_account(address, platform, events.get(account_id, ()))
            # An account only mail revealed, with nothing that counts (a code no flow claimed,
            # mail awaiting review), is left out until something does.
            if added_by == "mail" and report.state == "no_notice":
                continue
            if account_id in unverified:
                report = replace(report, verified=False)
            lifecycles.append((report, life))
        return lifecycles

    def account_reports(self) -> list[AccountReport]:
        """Return every account's report line."""
        return [report for report, _ in self.account_lifecycles()]

    def untrusted_count(self) -> int:
        """Return how many messages claimed to be Meta's but failed the trust check."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(_message).where(_message.c.trusted.is_(False))
            ).scalar_one()

    def latest_code(
        self,
        *,
        account: str | None = None,
        platform: str | None = None,
        purposes: Sequence[str] = ("objection", "unknown"),
        include_expired: bool = False,
        include_unverified: bool = False,
        recorded_after: datetime | None = None,
        now: datetime | None = None,
    ) -> CodeRecord | None:
        """Return the newest code matching the filters, or None.

        Unless `include_expired`, the code must still be within the validity its mail stated;
        unless `include_unverified`, its sender must have been verified (SECURITY.md).
        """
        now = now or datetime.now(UTC)
        query = (
            select(
                _message.c.code,
                _message.c.recipient,
                _message.c.platform,
                _message.c.code_purpose,
                _message.c.sent_at,
                _message.c.code_expires_at,
                _message.c.recorded_at,
                _message.c.verified,
            )
            .where(
                _message.c.code.is_not(None),
                _message.c.trusted.is_(True),
                _message.c.code_purpose.in_(list(purposes)),
                _message.c.recorded_at >= now - CODE_RETENTION,
            )
            .order_by(_message.c.sent_at.desc(), _message.c.id.desc())
            .limit(1)
        )
        if account:
            query = query.where(_message.c.recipient == account.lower())
        if platform:
            query = query.where(_message.c.platform == platform)
        if not include_expired:
            query = query.where(_message.c.code_expires_at > now)
        if not include_unverified:
            query = query.where(_message.c.verified.is_(True))
        if recorded_after is not None:
            query = query.where(_message.c.recorded_at > recorded_after)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return CodeRecord(
            code=row.code,
            account=row.recipient,
            platform=row.platform,
            purpose=row.code_purpose,
            sent_at=_utc(row.sent_at),
            expires_at=_utc(row.code_expires_at),
            recorded_at=_utc(row.recorded_at),
            verified=bool(row.verified),
        )

    def skipped(self) -> list[tuple[str, str]]:
        """Return (source, reason) of every malformed message that was skipped."""
        with self.engine.connect() as conn:
            return [
                (row.source, row.reason)
                for row in conn.execute(
                    select(_skipped.c.source, _skipped.c.reason).order_by(_skipped.c.id)
                )
            ]

    def summary(self) -> LedgerSummary:
        """Return row counts of the ledger."""
        with self.engine.connect() as conn:

            def count(table: object, *where: object) -> int:
                query = select(func.count()).select_from(table)  # type: ignore[arg-type]
                for clause in where:
                    query = query.where(clause)  # type: ignore[arg-type]
                return conn.execute(query).scalar_one()

            return LedgerSummary(
                accounts=count(_account),
                messages=count(_message),
                skipped=count(_skipped),
                codes_held=count(_message, _message.c.code.is_not(None)),
            )


def _accounts_with_unverified_mail(conn: Connection) -> set[int]:
    """Return the ids of accounts that a message nobody could verify counts for."""
    return set(
        conn.execute(
            select(_message.c.account_id)
            .where(
                _message.c.account_id.is_not(None),
                _message.c.trusted.is_(True),
                _message.c.verified.is_(False),
            )
            .distinct()
        ).scalars()
    )


def _message_row(message: ReadMessage, now: datetime) -> dict[str, object] | None:
    """Return the message table row for `message`, None if it is skipped or ignored."""
    parsed = message.parsed
    if parsed.error is not None or parsed.sent_at is None or not parsed.is_meta_flow:
        return None
    expires_at = None
    if parsed.code is not None:
        validity = (
            timedelta(minutes=parsed.code_valid_minutes)
            if parsed.code_valid_minutes
            else DEFAULT_CODE_VALIDITY
        )
        expires_at = parsed.sent_at + validity
    return {
        "message_key": message.message_key,
        "account_id": None,
        "recipient": parsed.account,
        "kind": parsed.kind,
        "platform": parsed.platform,
        "sent_at": parsed.sent_at,
        "trusted": parsed.trusted,
        "verified": parsed.verified,
        "sent_at_source": parsed.sent_at_source or "date",
        "code": parsed.code,
        "code_purpose": parsed.code_purpose,
        "code_expires_at": expires_at,
        "source": message.source,
        "recorded_at": now,
        "form_link": parsed.form_link,
        "reference": parsed.reference,
        "subject": parsed.subject,
        "review_reason": parsed.review_reason,
    }


def _trusted_account_events(conn: Connection) -> dict[int, list[LifecycleEvent]]:
    """Return the trusted messages tied to each account, by account id, as lifecycle events.

    On SQLite the rows come straight from the driver and their timestamps are read the way
    SQLModel reads them, in one C call for the format SQLAlchemy writes: a report reads every
    message, and SQLAlchemy's per-row result handling cost more than the rest of it.
    """
    events: dict[int, list[LifecycleEvent]] = defaultdict(list)
    if conn.dialect.name != "sqlite":
        rows = conn.execute(
            select(
                _message.c.account_id,
                _message.c.kind,
                _message.c.sent_at,
                _message.c.code_purpose,
                func.coalesce(_message.c.form_link, _message.c.reference),
            ).where(
                _message.c.account_id.is_not(None),
                _message.c.trusted.is_(True),
                _message.c.id.not_in(CORRECTED_MESSAGE_IDS),
            )
        )
        for account_id, kind, sent_at, purpose, detail in rows:
            events[account_id].append(LifecycleEvent(kind, _utc(sent_at), purpose, detail))
        return events
    to_datetime = (
        DateTime(timezone=True).dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    )
    from_iso = datetime.fromisoformat
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            "SELECT account_id, kind, sent_at, code_purpose, coalesce(form_link, reference)"
            " FROM message WHERE account_id IS NOT NULL AND trusted IS 1"
            " AND id NOT IN (SELECT message_id FROM correction WHERE message_id IS NOT NULL)"
        )
        while batch := cursor.fetchmany(10_000):
            for account_id, kind, stored, purpose, detail in batch:
                # What SQLAlchemy writes: "YYYY-MM-DD HH:MM:SS.ffffff", UTC without an offset.
                if type(stored) is str and len(stored) == 26 and stored[19] == ".":
                    try:
                        sent_at = from_iso(stored + "+00:00")
                    except ValueError:
                        sent_at = _read_utc(stored, to_datetime)
                else:
                    sent_at = _read_utc(stored, to_datetime)
                events[account_id].append(LifecycleEvent(kind, sent_at, purpose, detail))
    finally:
        cursor.close()
    return events


def _read_utc(stored: object, to_datetime: Callable[[Any], Any] | None) -> datetime:
    """Return a stored SQLite timestamp exactly as SQLModel's UTCDateTime reads it."""
    value = to_datetime(stored) if to_datetime else stored
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _first_line(err: BaseException) -> str:
    orig = getattr(err, "orig", None)
    return str(orig or err).splitlines()[0]
