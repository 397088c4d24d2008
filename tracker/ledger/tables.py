"""The ledger's tables. Only Alembic migrations create or change them.

The ledger is a record of Meta's mail, not of the inbox: it holds no raw body, no subject and
no sender, and nothing at all about other mail except where a malformed message was skipped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel


class Account(SQLModel, table=True):
    """One Facebook/Instagram/... account, known by the address Meta writes to."""

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("address", "platform", name="uq_account_address_platform"),)

    id: int | None = Field(default=None, primary_key=True)
    address: str
    platform: str
    added_by: str  # "mail" when a Meta mail revealed it, "user" when added by hand
    created_at: datetime


class Message(SQLModel, table=True):
    """One of Meta's messages, recorded once whichever mailbox or file it came from."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_account_kind_sent", "account_id", "kind", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # The Message-ID, or "sha256:<hex>" of the raw bytes when the mail has none.
    message_key: str = Field(unique=True)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    recipient: str | None  # the address it was sent to, also for login codes and forgeries
    kind: str
    platform: str | None
    sent_at: datetime
    trusted: bool
    # False when nobody could check the sender (no provider verdict, DKIM key unreachable).
    verified: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})
    # Where sent_at came from: "date", or the source's received time when the Date was unusable.
    sent_at_source: str = Field(default="date", sa_column_kwargs={"server_default": "date"})
    code: str | None = None  # wiped once the retention period is over
    code_purpose: str | None = None
    code_expires_at: datetime | None = None
    source: str  # where it was read: a file (and mbox index) or imap mailbox/folder/uid
    recorded_at: datetime = Field(index=True)
    form_link: str | None = None  # a notice's objection form
    reference: str | None = None  # an info request's case or reference number
    # Only for `unrecognised` mail, so that a person can judge it: Meta's subject, and why.
    subject: str | None = None
    review_reason: str | None = None


class Correction(SQLModel, table=True):
    """A correction made by hand: `tracker mark` (a message) or `tracker account set` (an account).

    Corrections are events of their own, never edits of a message row, so re-imports, re-syncs
    and rescans (which rewrite what mail says) leave them alone.
    """

    __tablename__ = "correction"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    kind: str
    at: datetime | None = None  # None: the message's own time
    created_at: datetime


class SkippedMessage(SQLModel, table=True):
    """A message that could not be used, where it was, and why (nothing of its content)."""

    __tablename__ = "skipped_message"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(unique=True)
    reason: str
    recorded_at: datetime


class Checkpoint(SQLModel, table=True):
    """How far an IMAP folder has been read: UIDs are only meaningful with their UIDVALIDITY."""

    __tablename__ = "checkpoint"

    mailbox: str = Field(primary_key=True)
    folder: str = Field(primary_key=True)
    uidvalidity: int
    last_uid: int
    updated_at: datetime


class EventRow(SQLModel, table=True):
    """A change that matters (notice, code, decision, stuck...), recorded exactly once.

    `key` is account, event and source (the message that caused it, or the round a stuck
    event is about) in one string, unique, so deriving the same change again adds nothing.
    """

    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    event: str
    account_id: int | None = Field(default=None, foreign_key="account.id")
    account: str | None
    platform: str | None
    # The message that caused it (a code event's digits are read from there, never copied).
    message_id: int | None = Field(default=None, foreign_key="message.id")
    at: datetime
    turnaround_seconds: float | None = None
    detail: str | None = None
    recorded_at: datetime = Field(index=True)


class OutboxRow(SQLModel, table=True):
    """One event to deliver to one notification target; kept after delivery as the proof."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "target", name="uq_outbox_event_target"),
        Index("ix_outbox_target_status", "target", "status", "event_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id")
    target: str  # the [[notify]] entry's name, or a hash of what it points at
    status: str  # "pending" or "delivered"
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    delivered_at: datetime | None = None


class NotifyCursor(SQLModel, table=True):
    """The newest event a target has been given outbox rows for (a new target starts at now)."""

    __tablename__ = "notify_cursor"

    target: str = Field(primary_key=True)
    last_event_id: int


class JobRun(SQLModel, table=True):
    """The last period a scheduled job ran for, so a restart never runs it twice for one period."""

    __tablename__ = "job_run"

    job: str = Field(primary_key=True)
    last_period: str
    ran_at: datetime


class FolderStatus(SQLModel, table=True):
    """When the watcher last read a mailbox folder successfully, and its last error."""

    __tablename__ = "folder_status"

    mailbox: str = Field(primary_key=True)
    folder: str = Field(primary_key=True)
    last_ok_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
