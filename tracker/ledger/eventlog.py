"""Events and the notification outbox in the ledger.

Events are derived in the transaction that records the messages causing them (see
`record_account_events`), so a crash leaves either both or neither. Each event has a unique
key (account + event + source message): deriving again, from a restart, a replayed batch or
the reconciliation job, inserts nothing new. The outbox holds one row per (event, target);
a row is marked delivered in its own transaction after the target accepted it, so a crash in
between repeats that one delivery (at least once) and nothing delivered is ever sent again.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, and_, func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.domain import DECISION_EVENTS, STATE_EVENTS, AccountReport, Event
from tracker.events import (
    DerivedEvent,
    FlowMessage,
    StuckRule,
    derive_events,
    event_key,
    stuck_after_seconds,
)
from tracker.ledger.leases import DELIVERY_SPACE, lock_key, try_advisory_lock
from tracker.ledger.tables import Account, EventRow, Message, NotifyCursor, OutboxRow

_account = Account.__table__  # type: ignore[attr-defined]
_message = Message.__table__  # type: ignore[attr-defined]
_event = EventRow.__table__  # type: ignore[attr-defined]
_outbox = OutboxRow.__table__  # type: ignore[attr-defined]
_cursor = NotifyCursor.__table__  # type: ignore[attr-defined]

# What a message says besides its kind, where the ledger keeps it (columns added by the
# recognition work): a notice's form link, an info request's case number, a code's purpose.
_DETAIL_COLUMNS = ("form_link", "reference")
# Accounts per query when replaying histories.
_CHUNK = 500


def take_write_lock(conn: Connection) -> None:
    """Make a transaction that reads before it writes a writer from its first statement.

    SQLite starts transactions as readers; one that later writes while another connection
    wrote meanwhile fails at once with "database is locked" (the busy timeout cannot help).
    A write statement that changes nothing takes the write lock up front, waiting its turn.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("UPDATE job_run SET job = job WHERE 0")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def insert_returning_id(conn: Connection, table: Table, row: Mapping[str, object]) -> int | None:
    """Insert `row` unless it breaks a unique constraint; return its new id, or None."""
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        from sqlalchemy.dialects import postgresql, sqlite

        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        statement = insert(table).values(**row).on_conflict_do_nothing().returning(table.c.id)
        return conn.execute(statement).scalar()
    with conn.begin_nested() as savepoint:
        try:
            inserted = conn.execute(table.insert().values(**row)).inserted_primary_key
            return inserted[0] if inserted else None
        except SQLAlchemyError:
            savepoint.rollback()
            return None


def _event_from_row(row: object) -> Event:
    return Event(
        id=row.id,  # type: ignore[attr-defined]
        event=row.event,  # type: ignore[attr-defined]
        account=row.account,  # type: ignore[attr-defined]
        platform=row.platform,  # type: ignore[attr-defined]
        at=_utc(row.at),  # type: ignore[attr-defined]
        turnaround_seconds=row.turnaround_seconds,  # type: ignore[attr-defined]
        detail=row.detail,  # type: ignore[attr-defined]
        recorded_at=_utc(row.recorded_at),  # type: ignore[attr-defined]
    )


def insert_event(
    conn: Connection,
    derived: DerivedEvent,
    *,
    account_id: int | None,
    account: str | None,
    platform: str | None,
    now: datetime,
) -> Event | None:
    """Record one event unless the same change was recorded before; return it when new.

    Other parts of tracker (review of unrecognised mail, manual corrections) call this too.
    """
    row = {
        "key": event_key(account_id, derived.event, derived.source),
        "event": derived.event,
        "account_id": account_id,
        "account": account,
        "platform": platform,
        "message_id": derived.message_id,
        "at": derived.at,
        "turnaround_seconds": derived.turnaround_seconds,
        "detail": derived.detail,
        "recorded_at": now,
    }
    new_id = insert_returning_id(conn, _event, row)
    if new_id is None:
        return None
    return Event(
        id=new_id,
        event=derived.event,
        account=account,
        platform=platform,
        at=_utc(derived.at),
        turnaround_seconds=derived.turnaround_seconds,
        detail=derived.detail,
        recorded_at=now,
    )


def record_account_events(
    conn: Connection, account_ids: Collection[int], now: datetime
) -> list[Event]:
    """Derive the events of these accounts from their whole recorded history; return the new ones.

    Called inside the recording transaction with the accounts a batch touched; the
    reconciliation job calls it with every account. Either way the keys make it idempotent.
    """
    if not account_ids:
        return []
    detail_columns = [_message.c[c] for c in _DETAIL_COLUMNS if c in _message.c]
    created: list[Event] = []
    ids = sorted(account_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        accounts = {
            row.id: (row.address, row.platform)
            for row in conn.execute(
                select(_account.c.id, _account.c.address, _account.c.platform).where(
                    _account.c.id.in_(chunk)
                )
            )
        }
        columns = [
            _message.c.id,
            _message.c.account_id,
            _message.c.message_key,
            _message.c.kind,
            _message.c.sent_at,
            _message.c.code_purpose,
        ]
        if detail_columns:
            columns.append(func.coalesce(*detail_columns, None).label("detail"))
        histories: dict[int, list[FlowMessage]] = defaultdict(list)
        # Recording order: a batch's messages share recorded_at and count in the order they
        # were sent; the fold itself sorts by sent time, the order only decides which message
        # an event is attributed to.
        for row in conn.execute(
            select(*columns)
            .where(_message.c.account_id.in_(chunk), _message.c.trusted.is_(True))
            .order_by(_message.c.recorded_at, _message.c.sent_at, _message.c.id)
        ):
            histories[row.account_id].append(
                FlowMessage(
                    message_id=row.id,
                    key=row.message_key,
                    kind=row.kind,
                    sent_at=_utc(row.sent_at),
                    purpose=row.code_purpose,
                    detail=getattr(row, "detail", None),
                )
            )
        for account_id, history in histories.items():
            address, platform = accounts[account_id]
            for derived in derive_events(history):
                event = insert_event(
                    conn,
                    derived,
                    account_id=account_id,
                    account=address,
                    platform=platform,
                    now=now,
                )
                if event is not None:
                    created.append(event)
    return created


# The state each state-announcing event stands for (a code leaves the flow pending).
_STATE_OF: dict[str, str] = {
    **{event: state for state, event in STATE_EVENTS.items()},
    "code": "pending",
    "info_requested": "info_requested",
    "approved": "approved",
    "rejected": "rejected",
}


def _reached_at(report: AccountReport) -> datetime | None:
    if report.state in DECISION_EVENTS:
        return report.decided_at
    if report.state == "pending":
        return report.submitted_at
    if report.state == "notified":
        return report.notified_at
    return None


@dataclass(frozen=True, slots=True)
class PendingRound:
    """An account waiting for Meta's decision, for stuck detection."""

    account_id: int
    account: str
    platform: str | None
    submitted_at: datetime
    source: str  # the key of the submission that opened the round


class EventLog:
    """Reading events and working the outbox, on the ledger's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- events ----------------------------------------------------------------------------

    def list_events(
        self,
        *,
        since: datetime | None = None,
        account: str | None = None,
        names: Collection[str] = (),
        after_id: int | None = None,
    ) -> list[Event]:
        """Return events in the order they were recorded, filtered."""
        query = select(_event).order_by(_event.c.id)
        if since is not None:
            query = query.where(_event.c.at >= since)
        if account:
            query = query.where(_event.c.account == account.strip().lower())
        if names:
            query = query.where(_event.c.event.in_(list(names)))
        if after_id is not None:
            query = query.where(_event.c.id > after_id)
        with self.engine.connect() as conn:
            return [_event_from_row(row) for row in conn.execute(query)]

    def reconcile_events(self, *, now: datetime | None = None) -> list[Event]:
        """Derive every account's events again; return any that were missing (normally none)."""
        now = now or datetime.now(UTC)
        with self.engine.begin() as conn:
            take_write_lock(conn)
            ids = [row[0] for row in conn.execute(select(_account.c.id))]
            return record_account_events(conn, ids, now)

    def reconcile_states(
        self, reports: Iterable[AccountReport], *, now: datetime | None = None
    ) -> list[Event]:
        """Announce every account whose reported state differs from what its events say.

        Mail-driven changes have their events already; this catches the rest (a correction
        by hand, a rescan), whatever path changed the ledger. Keyed on the state and when it
        was reached, so each such change is announced once.
        """
        now = now or datetime.now(UTC)
        created: list[Event] = []
        with self.engine.begin() as conn:
            take_write_lock(conn)
            ids = {
                (row.address, row.platform): row.id
                for row in conn.execute(
                    select(_account.c.id, _account.c.address, _account.c.platform)
                )
            }
            announced: dict[int, str] = {}
            for row in conn.execute(
                select(_event.c.account_id, _event.c.event)
                .where(_event.c.account_id.is_not(None), _event.c.event.in_(list(_STATE_OF)))
                .order_by(_event.c.id)
            ):
                announced[row.account_id] = _STATE_OF[row.event]
            for report in reports:
                account_id = ids.get((report.account, report.platform))
                if account_id is None or report.state == "no_notice":
                    continue
                if announced.get(account_id, "no_notice") == report.state:
                    continue
                reached = _reached_at(report) or now
                derived = DerivedEvent(
                    event=STATE_EVENTS.get(report.state, report.state),
                    source=f"state:{report.state}@{reached.isoformat()}",
                    message_id=None,
                    at=reached,
                    turnaround_seconds=report.turnaround_seconds
                    if report.state in DECISION_EVENTS
                    else None,
                )
                event = insert_event(
                    conn,
                    derived,
                    account_id=account_id,
                    account=report.account,
                    platform=report.platform,
                    now=now,
                )
                if event is not None:
                    created.append(event)
        return created

    def record_stuck(
        self,
        rounds: Iterable[PendingRound],
        turnarounds_by_platform: Mapping[str, Sequence[float]],
        rule: StuckRule,
        *,
        now: datetime | None = None,
    ) -> list[Event]:
        """Record a `stuck` event for each round pending past its platform's usual wait.

        One per round: the key names the submission that opened it.
        """
        now = now or datetime.now(UTC)
        created: list[Event] = []
        with self.engine.begin() as conn:
            take_write_lock(conn)
            for pending in rounds:
                history = turnarounds_by_platform.get(pending.platform or "unknown", ())
                limit = stuck_after_seconds(history, rule)
                waited = (now - pending.submitted_at).total_seconds()
                if waited <= limit:
                    continue
                from tracker.stats import format_duration

                basis = (
                    f"p{rule.percentile * 100:g} of {len(history)} {pending.platform} decisions"
                    if len(history) >= max(1, rule.min_history)
                    else "no history"
                )
                derived = DerivedEvent(
                    event="stuck",
                    source=pending.source,
                    message_id=None,
                    at=now,
                    detail=(
                        f"pending for {format_duration(waited)}, usual at most "
                        f"{format_duration(limit)} ({basis})"
                    ),
                )
                event = insert_event(
                    conn,
                    derived,
                    account_id=pending.account_id,
                    account=pending.account,
                    platform=pending.platform,
                    now=now,
                )
                if event is not None:
                    created.append(event)
        return created

    def pending_rounds(self) -> list[PendingRound]:
        """Return the submission that opened each account's current round, for pending accounts.

        The submission is the newest trusted code or acknowledgement after the last decision.
        """
        from tracker.domain import SUBMISSION_KINDS, LifecycleEvent
        from tracker.lifecycle import fold_lifecycle

        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    _message.c.account_id,
                    _account.c.address,
                    _account.c.platform,
                    _message.c.kind,
                    _message.c.sent_at,
                    _message.c.message_key,
                )
                .join(_account, _account.c.id == _message.c.account_id)
                .where(_message.c.trusted.is_(True))
                .order_by(_message.c.account_id, _message.c.sent_at, _message.c.id)
            ).all()
        by_account: dict[int, list[object]] = defaultdict(list)
        for row in rows:
            by_account[row.account_id].append(row)
        rounds = []
        for account_id, history in by_account.items():
            life = fold_lifecycle(
                LifecycleEvent(r.kind, _utc(r.sent_at))  # type: ignore[attr-defined]
                for r in history
            )
            if life.state != "pending" or life.submitted_at is None:
                continue
            opening = next(
                r
                for r in reversed(history)
                if r.kind in SUBMISSION_KINDS  # type: ignore[attr-defined]
                and _utc(r.sent_at) == life.submitted_at  # type: ignore[attr-defined]
            )
            rounds.append(
                PendingRound(
                    account_id=account_id,
                    account=opening.address,  # type: ignore[attr-defined]
                    platform=opening.platform,  # type: ignore[attr-defined]
                    submitted_at=life.submitted_at,
                    source=opening.message_key,  # type: ignore[attr-defined]
                )
            )
        return rounds

    def add_event(self, derived: DerivedEvent, *, now: datetime | None = None) -> Event | None:
        """Record an event about no account (the digest); return it when new."""
        now = now or datetime.now(UTC)
        with self.engine.begin() as conn:
            return insert_event(
                conn, derived, account_id=None, account=None, platform=None, now=now
            )

    def code_of_event(self, event_id: int) -> str | None:
        """Return the digits of a code event's message while the ledger still holds them."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(_message.c.code)
                .join(_event, _event.c.message_id == _message.c.id)
                .where(_event.c.id == event_id)
            ).scalar()

    # -- outbox ----------------------------------------------------------------------------

    def delivery_turn(self, target: str) -> contextlib.AbstractContextManager[bool]:
        """Hold the right to deliver for `target` for the block; yield False if another
        process holds it now. Several watchers on one PostgreSQL ledger all run the delivery
        job: one at a time per target keeps each event sent once, and in order."""
        return try_advisory_lock(self.engine, DELIVERY_SPACE, lock_key(target))

    def start_targets(self, targets: Iterable[str]) -> None:
        """Give each target seen for the first time a cursor at the newest event: a target
        added today is not sent the whole history."""
        with self.engine.begin() as conn:
            take_write_lock(conn)
            newest = conn.execute(select(func.coalesce(func.max(_event.c.id), 0))).scalar_one()
            for target in targets:
                insert_returning_id_plain(
                    conn, _cursor, {"target": target, "last_event_id": newest}
                )

    def fill_outbox(
        self,
        target: str,
        wants: Collection[str] | None,
        *,
        max_age: timedelta,
        now: datetime | None = None,
    ) -> int:
        """Queue for `target` the events recorded since its cursor that it wants; return how many.

        Events about mail sent more than `max_age` ago (an old mailbox read for the first time)
        are skipped: they are history, not news.
        """
        now = now or datetime.now(UTC)
        # Runs every second per target: look before taking the write lock.
        with self.engine.connect() as conn:
            cursor = conn.execute(
                select(_cursor.c.last_event_id).where(_cursor.c.target == target)
            ).scalar()
            newest = conn.execute(select(func.max(_event.c.id))).scalar()
        if cursor is not None and (newest is None or newest <= cursor):
            return 0
        with self.engine.begin() as conn:
            take_write_lock(conn)
            cursor = conn.execute(
                select(_cursor.c.last_event_id).where(_cursor.c.target == target)
            ).scalar()
            if cursor is None:
                cursor = 0
                conn.execute(_cursor.insert().values(target=target, last_event_id=0))
            rows = conn.execute(
                select(_event.c.id, _event.c.event, _event.c.at)
                .where(_event.c.id > cursor)
                .order_by(_event.c.id)
            ).all()
            queued = 0
            for row in rows:
                if wants is not None and row.event not in wants:
                    continue
                if _utc(row.at) < now - max_age:
                    continue
                inserted = insert_returning_id(
                    conn,
                    _outbox,
                    {
                        "event_id": row.id,
                        "target": target,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                    },
                )
                queued += inserted is not None
            if rows:
                conn.execute(
                    update(_cursor)
                    .where(_cursor.c.target == target)
                    .values(last_event_id=rows[-1].id)
                )
        return queued

    def next_delivery(self, target: str) -> tuple[int, int, Event, datetime] | None:
        """Return the oldest undelivered (outbox id, attempts, event, due time) of `target`.

        Deliveries go in event order: a newer event waits until the older one is through.
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    _outbox.c.id.label("outbox_id"),
                    _outbox.c.attempts,
                    _outbox.c.next_attempt_at,
                    _event,
                )
                .join(_event, _event.c.id == _outbox.c.event_id)
                .where(_outbox.c.target == target, _outbox.c.status == "pending")
                .order_by(_outbox.c.event_id)
                .limit(1)
            ).first()
        if row is None:
            return None
        return row.outbox_id, row.attempts, _event_from_row(row), _utc(row.next_attempt_at)

    def mark_delivered(self, outbox_id: int, *, now: datetime | None = None) -> None:
        """Record that the target accepted this delivery: it is never sent again."""
        with self.engine.begin() as conn:
            conn.execute(
                update(_outbox)
                .where(_outbox.c.id == outbox_id)
                .values(status="delivered", delivered_at=now or datetime.now(UTC), last_error=None)
            )

    def mark_failed(self, outbox_id: int, error: str, retry_at: datetime) -> None:
        """Record a failed attempt and when to try again."""
        with self.engine.begin() as conn:
            conn.execute(
                update(_outbox)
                .where(_outbox.c.id == outbox_id)
                .values(attempts=_outbox.c.attempts + 1, last_error=error, next_attempt_at=retry_at)
            )

    def undelivered(self) -> list[tuple[str, int, str | None]]:
        """Return (target, pending deliveries, last error) for each target with any pending."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_outbox.c.target, func.count(), func.max(_outbox.c.last_error))
                .where(_outbox.c.status == "pending")
                .group_by(_outbox.c.target)
                .order_by(_outbox.c.target)
            ).all()
        return [(row[0], row[1], row[2]) for row in rows]

    def deliveries(self, target: str) -> list[tuple[int, str]]:
        """Return (event id, status) of every outbox row of `target`, in event order (tests)."""
        with self.engine.connect() as conn:
            return [
                (row.event_id, row.status)
                for row in conn.execute(
                    select(_outbox.c.event_id, _outbox.c.status)
                    .where(and_(_outbox.c.target == target))
                    .order_by(_outbox.c.event_id)
                )
            ]


def insert_returning_id_plain(conn: Connection, table: Table, row: Mapping[str, object]) -> bool:
    """Insert `row` unless its primary key exists; True when it went in."""
    exists = conn.execute(
        select(func.count())
        .select_from(table)
        .where(*(column == row[column.name] for column in table.primary_key.columns))
    ).scalar_one()
    if exists:
        return False
    conn.execute(table.insert().values(**row))
    return True
