"""Recognition's side of the ledger: mail awaiting review, corrections by hand, rescans, drift.

Corrections live in their own table and are folded like mail; nothing here edits a message
row except a rescan, which rewrites what the mail itself says and never a correction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from tracker.domain import LifecycleEvent, ParsedEmail, ReviewItem
from tracker.errors import InputError, LedgerError
from tracker.ledger.tables import Account, Correction, Message

if TYPE_CHECKING:
    from tracker.ledger.repo import Ledger

_account = Account.__table__  # type: ignore[attr-defined]
_message = Message.__table__  # type: ignore[attr-defined]
_correction = Correction.__table__  # type: ignore[attr-defined]

# Messages a `tracker mark` settled: the fold reads the correction instead of the mail.
CORRECTED_MESSAGE_IDS = select(_correction.c.message_id).where(
    _correction.c.message_id.is_not(None)
)
# Trusted mail that counts towards the drift figure: everything of the flow but login codes.
_FLOW_KINDS = ("notice", "code", "received", "info_requested", "approved", "rejected")


def correction_events(conn: Connection) -> Iterator[tuple[int, LifecycleEvent]]:
    """Yield (account id, event) for every correction; only the newest mark of a message counts."""
    rows = conn.execute(
        select(
            _correction.c.id,
            _correction.c.account_id,
            _correction.c.message_id,
            _correction.c.kind,
            _correction.c.at,
            _message.c.sent_at,
            func.coalesce(_message.c.form_link, _message.c.reference),
        )
        .select_from(_correction.outerjoin(_message, _message.c.id == _correction.c.message_id))
        .order_by(_correction.c.id)
    ).all()
    newest_mark: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        _id, account_id, message_id = row[0], row[1], row[2]
        if message_id is None:
            yield account_id, _event(tuple(row))
        else:
            newest_mark[message_id] = tuple(row)
    for values in newest_mark.values():
        yield values[1], _event(values)


def _event(values: tuple[Any, ...]) -> LifecycleEvent:
    _id, _account_id, _message_id, kind, at, sent_at, detail = values
    # A code the user marked is the objection's code: that is what marking it says.
    return LifecycleEvent(
        kind, _utc(at or sent_at), "objection" if kind == "code" else None, detail, "manual"
    )


@dataclass(frozen=True, slots=True)
class DriftMonth:
    """One month of trusted Meta flow mail, and how much of it no rule recognised."""

    month: str  # YYYY-MM
    flow_messages: int
    unrecognised: int

    @property
    def review_share(self) -> float:
        """Return the share of the month's flow mail that went to review (0 to 1)."""
        total = self.flow_messages + self.unrecognised
        return self.unrecognised / total if total else 0.0


def list_review(ledger: Ledger) -> list[ReviewItem]:
    """Return the unrecognised trusted mail no correction has settled yet, oldest first."""
    query = (
        select(
            _message.c.id,
            _message.c.recipient,
            _message.c.platform,
            _message.c.sent_at,
            _message.c.subject,
            _message.c.review_reason,
        )
        .where(
            _message.c.kind == "unrecognised",
            _message.c.trusted.is_(True),
            _message.c.id.not_in(CORRECTED_MESSAGE_IDS),
        )
        .order_by(_message.c.sent_at, _message.c.id)
    )
    with _reading(ledger) as conn:
        return [
            ReviewItem(r.id, r.recipient, r.platform, _utc(r.sent_at), r.subject, r.review_reason)
            for r in conn.execute(query)
        ]


def review_count(ledger: Ledger) -> int:
    """Return how many messages await review."""
    return len(list_review(ledger))


def record_mark(ledger: Ledger, message_id: int, kind: str, *, now: datetime | None = None) -> str:
    """Record that message `message_id` is `kind`; return the account it was filed under.

    InputError when the ledger has no such message, or the message names no account.
    """
    now = now or datetime.now(UTC)
    with _writing(ledger) as conn:
        row = conn.execute(
            select(_message.c.account_id, _message.c.recipient, _message.c.platform).where(
                _message.c.id == message_id
            )
        ).first()
        if row is None:
            raise InputError(f"no message with id {message_id} (see `tracker review`)")
        account_id = row.account_id
        if account_id is None:
            if not row.recipient or not row.platform:
                raise InputError(f"message {message_id} names no account to file it under")
            account_id = _ensure_account(conn, row.recipient, row.platform, now)
        conn.execute(
            _correction.insert().values(
                account_id=account_id, message_id=message_id, kind=kind, at=None, created_at=now
            )
        )
        return f"{row.recipient} on {row.platform}"


def record_account_state(
    ledger: Ledger,
    address: str,
    platform: str,
    kind: str,
    at: datetime,
    *,
    now: datetime | None = None,
) -> None:
    """Record by hand that an account reached the state `kind` stands for, at `at`."""
    now = now or datetime.now(UTC)
    with _writing(ledger) as conn:
        account_id = _ensure_account(conn, address.lower(), platform, now, added_by="user")
        conn.execute(
            _correction.insert().values(
                account_id=account_id, message_id=None, kind=kind, at=at, created_at=now
            )
        )


def list_rescannable(ledger: Ledger) -> list[tuple[int, str, str]]:
    """Return (id, message key, source) of every Meta message the ledger holds."""
    with _reading(ledger) as conn:
        return [
            (r.id, r.message_key, r.source)
            for r in conn.execute(
                select(_message.c.id, _message.c.message_key, _message.c.source).order_by(
                    _message.c.id
                )
            )
        ]


def record_rescan(
    ledger: Ledger, updates: list[tuple[int, ParsedEmail]], *, now: datetime | None = None
) -> int:
    """Rewrite what each message says with a fresh parse; return how many changed kind.

    Only the mail's own fields change (kind, purpose, form link, case number, review reason);
    corrections are untouched and still win, and no row is added, so nothing is duplicated.
    Codes are not restored: their digits were only ever kept for a day.
    """
    now = now or datetime.now(UTC)
    changed = 0
    with _writing(ledger) as conn:
        for message_id, parsed in updates:
            old = conn.execute(
                select(_message.c.kind, _message.c.account_id).where(_message.c.id == message_id)
            ).first()
            if old is None or (parsed.kind == "other" and old.kind == "other"):
                continue
            account_id = old.account_id
            if (
                account_id is None
                and parsed.trusted
                and parsed.account
                and parsed.platform
                and parsed.code_purpose != "login"
            ):
                account_id = _ensure_account(conn, parsed.account, parsed.platform, now)
            conn.execute(
                update(_message)
                .where(_message.c.id == message_id)
                .values(
                    kind=parsed.kind,
                    account_id=account_id,
                    code_purpose=parsed.code_purpose,
                    form_link=parsed.form_link,
                    reference=parsed.reference,
                    subject=parsed.subject,
                    review_reason=parsed.review_reason,
                )
            )
            changed += old.kind != parsed.kind
    return changed


def list_drift(ledger: Ledger) -> list[DriftMonth]:
    """Return, per month of sending, trusted flow mail and how much of it went to review."""
    query = select(_message.c.sent_at, _message.c.kind, _message.c.code_purpose).where(
        _message.c.trusted.is_(True)
    )
    months: dict[str, list[int]] = {}
    with _reading(ledger) as conn:
        for sent_at, kind, purpose in conn.execute(query):
            if kind == "code" and purpose == "login":
                continue
            if kind not in _FLOW_KINDS and kind != "unrecognised":
                continue
            counts = months.setdefault(_utc(sent_at).strftime("%Y-%m"), [0, 0])
            counts[kind == "unrecognised"] += 1
    return [DriftMonth(m, c[0], c[1]) for m, c in sorted(months.items())]


def _ensure_account(
    conn: Connection, address: str, platform: str, now: datetime, *, added_by: str = "mail"
) -> int:
    found = conn.execute(
        select(_account.c.id).where(_account.c.address == address, _account.c.platform == platform)
    ).scalar()
    if found is not None:
        if added_by == "user":  # the user named it: show it even before anything counts
            conn.execute(update(_account).where(_account.c.id == found).values(added_by="user"))
        return int(found)
    return int(
        conn.execute(
            _account.insert()
            .values(address=address, platform=platform, added_by=added_by, created_at=now)
            .returning(_account.c.id)
        ).scalar_one()
    )


@contextmanager
def _reading(ledger: Ledger) -> Iterator[Connection]:
    try:
        with ledger.engine.connect() as conn:
            yield conn
    except SQLAlchemyError as err:
        raise LedgerError(f"cannot read the ledger: {_first_line(err)}") from err


@contextmanager
def _writing(ledger: Ledger) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    try:
        with ledger.engine.begin() as conn:
            yield conn
    except SQLAlchemyError as err:
        raise LedgerError(f"cannot write the ledger: {_first_line(err)}") from err


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _first_line(err: BaseException) -> str:
    orig = getattr(err, "orig", None)
    return str(orig or err).splitlines()[0]
