"""One pass from a mail source into the ledger: read, parse, record, in batches."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from tracker.domain import ParsedEmail, ReadMessage
from tracker.ledger import Ledger, RecordCounts
from tracker.mailfiles import RawMail, iter_mail
from tracker.parse import parse_email

log = logging.getLogger(__name__)

# Messages per transaction: large enough to amortise the commit, small enough that a crash
# loses little work (and nothing recorded: every batch is idempotent).
BATCH_SIZE = 500


def read_message(
    source: str, raw: bytes | None, problem: str | None = None, *, authserv_ids: Iterable[str] = ()
) -> ReadMessage:
    """Return the parsed form of one message's bytes (or of the reason it could not be read)."""
    if raw is None:
        parsed = ParsedEmail(
            kind="other",
            platform=None,
            account=None,
            code=None,
            sent_at=None,
            message_id=None,
            trusted=False,
            error=problem or "cannot be read",
        )
        return ReadMessage(source, parsed, "")
    parsed = parse_email(raw, authserv_ids=authserv_ids)
    # Hashing is only needed for Meta mail without a Message-ID; skip it for everything else.
    fingerprint = ""
    if parsed.message_id is None and parsed.is_meta_flow:
        fingerprint = hashlib.sha256(raw).hexdigest()
    return ReadMessage(source, parsed, fingerprint)


def import_paths(
    ledger: Ledger,
    paths: Iterable[Path],
    *,
    authserv_ids: Iterable[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> RecordCounts:
    """Record every message under `paths`; return what was new, duplicate, ignored or malformed."""
    totals = RecordCounts()
    authserv = tuple(authserv_ids)
    for batch in _batches(iter_mail(paths), BATCH_SIZE):
        messages = [read_message(m.source, m.raw, m.problem, authserv_ids=authserv) for m in batch]
        totals.add(ledger.record_batch(messages))
        if on_progress:
            on_progress(sum(m.size for m in batch))
    for reason in totals.reasons:
        log.info("Skipped %s", reason)
    return totals


def _batches(items: Iterator[RawMail], size: int) -> Iterator[list[RawMail]]:
    batch: list[RawMail] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
