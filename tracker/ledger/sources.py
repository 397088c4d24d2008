"""Which sources (an IMAP mailbox/folder/UID) the ledger already holds, and forgetting skips.

A folder's checkpoint stays below a message the server would not hand over; the messages
after it are seen again by the next sync, which asks here which of them are already recorded
(and need no download) and which were skipped before (retried last). A skip that a retry
resolved is forgotten, so `tracker skipped` lists only what is still missing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from tracker.errors import LedgerError
from tracker.ledger.db import describe
from tracker.ledger.repo import Ledger
from tracker.ledger.tables import Message, SkippedMessage

_message = Message.__table__  # type: ignore[attr-defined]
_skipped = SkippedMessage.__table__  # type: ignore[attr-defined]
# Sources per IN (...) query: far below every database's parameter limit.
CHUNK = 500


def list_known_sources(ledger: Ledger, sources: Iterable[str]) -> tuple[set[str], set[str]]:
    """(sources recorded as messages, sources recorded as skipped) among `sources`."""
    wanted = sorted(set(sources))
    recorded: set[str] = set()
    skipped: set[str] = set()
    try:
        with ledger.engine.connect() as conn:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                recorded.update(
                    conn.execute(select(_message.c.source).where(_message.c.source.in_(chunk)))
                    .scalars()
                    .all()
                )
                skipped.update(
                    conn.execute(select(_skipped.c.source).where(_skipped.c.source.in_(chunk)))
                    .scalars()
                    .all()
                )
    except SQLAlchemyError as err:
        raise LedgerError(f"cannot read the ledger at {describe(str(ledger.engine.url))}") from err
    return recorded, skipped


def forget_skipped(ledger: Ledger, sources: Iterable[str]) -> int:
    """Delete the skip notes of `sources` (they have been read since); return how many."""
    wanted = sorted(set(sources))
    if not wanted:
        return 0
    removed = 0
    try:
        with ledger.engine.begin() as conn:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                removed += conn.execute(
                    delete(_skipped).where(_skipped.c.source.in_(chunk))
                ).rowcount
    except SQLAlchemyError as err:
        raise LedgerError(f"cannot write the ledger at {describe(str(ledger.engine.url))}") from err
    return removed


def forget_skipped_under(ledger: Ledger, prefix: str) -> int:
    """Delete the skip notes whose source starts with `prefix` (a folder's old UIDVALIDITY)."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    try:
        with ledger.engine.begin() as conn:
            return conn.execute(
                delete(_skipped).where(_skipped.c.source.like(pattern, escape="\\"))
            ).rowcount
    except SQLAlchemyError as err:
        raise LedgerError(f"cannot write the ledger at {describe(str(ledger.engine.url))}") from err
