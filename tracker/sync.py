"""One pass from a mail source into the ledger: read, parse, record, in batches."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.domain import ParsedEmail, ReadMessage
from tracker.imap.cursor import Checkpoint, plan_scan
from tracker.ledger import FolderCheckpoint, Ledger, RecordCounts
from tracker.mailfiles import RawMail, iter_mail
from tracker.parse import is_from_meta, parse_email

if TYPE_CHECKING:
    from tracker.imap.client import MailboxConnection

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


# -- IMAP --------------------------------------------------------------------------------

# Meta mails fetched in full per transaction; each transaction also advances the checkpoint.
FETCH_BATCH = 50


@dataclass(frozen=True, slots=True)
class FolderSync:
    """What one pass over one IMAP folder did."""

    mailbox: str
    folder: str
    uidvalidity: int
    last_uid: int
    candidates: int
    fetched: int
    rescanned: bool
    counts: RecordCounts


def imap_source(mailbox: str, folder: str, uidvalidity: int, uid: int) -> str:
    """Return where a message was read, in the spirit of an RFC 5092 IMAP URL."""
    return f"imap://{mailbox}/{folder};UIDVALIDITY={uidvalidity}/;UID={uid}"


def sync_folder(
    ledger: Ledger,
    connection: MailboxConnection,
    mailbox: str,
    folder: str,
    *,
    since: date | None = None,
    authserv_ids: Iterable[str] = (),
) -> FolderSync:
    """Record the Meta mail that arrived in one folder since its checkpoint; return what it did.

    The folder is opened read-only and fetched with BODY.PEEK, so nothing in it changes. The
    server's own search finds candidates; their headers are checked here (a server's FROM
    search matches substrings and display names) and only Meta's are fetched in full. Each
    batch is committed together with the checkpoint, so a crash at any point loses nothing and
    a restart repeats at most one batch, which the ledger ignores as duplicates.
    """
    authserv = tuple(authserv_ids)
    state = connection.examine(folder)
    previous = ledger.checkpoint(mailbox, folder)
    plan = plan_scan(_as_cursor(previous), state)
    if plan.rescan:
        log.warning(
            "Mailbox %s: folder %s has a new UIDVALIDITY (%s), scanning it again",
            mailbox,
            folder,
            state.uidvalidity,
        )
    # Everything below UIDNEXT existed when the folder was opened, so the search covers it.
    snapshot_last_uid = max(state.uidnext - 1, plan.after_uid)
    first_scan = previous is None or plan.rescan
    uids = sorted(
        uid
        for uid in connection.search_candidates(
            after_uid=plan.after_uid, since=since if first_scan else None
        )
        if uid <= snapshot_last_uid
    )
    counts = RecordCounts()
    headers = connection.fetch_headers(uids) if uids else {}
    meta_uids = [uid for uid in uids if uid in headers and is_from_meta(headers[uid])]
    fetched = 0
    for start in range(0, len(meta_uids), FETCH_BATCH):
        batch = meta_uids[start : start + FETCH_BATCH]
        bodies = connection.fetch_messages(batch)
        fetched += len(bodies)
        messages = [
            read_message(
                imap_source(mailbox, folder, state.uidvalidity, uid),
                bodies.get(uid),
                None if uid in bodies else "message vanished before it could be fetched",
                authserv_ids=authserv,
            )
            for uid in batch
        ]
        checkpoint = FolderCheckpoint(mailbox, folder, state.uidvalidity, batch[-1])
        counts.add(ledger.record_batch(messages, checkpoint=checkpoint))
    counts.ignored += len(uids) - len(meta_uids)
    final = FolderCheckpoint(mailbox, folder, state.uidvalidity, snapshot_last_uid)
    ledger.record_batch([], checkpoint=final)
    return FolderSync(
        mailbox=mailbox,
        folder=folder,
        uidvalidity=state.uidvalidity,
        last_uid=snapshot_last_uid,
        candidates=len(uids),
        fetched=fetched,
        rescanned=plan.rescan,
        counts=counts,
    )


def _as_cursor(checkpoint: FolderCheckpoint | None) -> Checkpoint | None:
    if checkpoint is None:
        return None
    return Checkpoint(
        mailbox=checkpoint.mailbox,
        folder=checkpoint.folder,
        uidvalidity=checkpoint.uidvalidity,
        last_uid=checkpoint.last_uid,
    )
