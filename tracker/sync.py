"""One pass from a mail source into the ledger: read, parse, record, in batches."""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tracker.dkimdns import default_txt_lookup
from tracker.domain import CustomRule, ReadMessage, ReceivedTime
from tracker.errors import ConfigError, MailboxConfigError, MailboxError, TrackerError
from tracker.imap.client import connect as connect_mailbox
from tracker.imap.cursor import complete_scan, plan_scan
from tracker.ledger import (
    Ledger,
    RecordCounts,
    forget_skipped,
    forget_skipped_under,
    list_known_sources,
)
from tracker.mailfiles import RawMail, SkippedMail, iter_mail
from tracker.parse import (
    NOT_META,
    could_be_from_meta,
    header_could_be_from_meta,
    is_from_meta,
    parse_email,
    unreadable,
)
from tracker.parse.dkim import TxtLookup
from tracker.parse.mime import MAX_BODY_BYTES

if TYPE_CHECKING:
    from tracker.config import MailboxSettings
    from tracker.imap.session import MailboxSession

    Connector = Callable[[MailboxSettings], MailboxSession]

log = logging.getLogger(__name__)
T = TypeVar("T")

# A session lost in the middle of a folder is replaced this many times per folder and sync.
RECONNECTS_PER_FOLDER = 1
# Messages per transaction: large enough to amortise the commit, small enough that a crash
# loses little work (and nothing recorded: every batch is idempotent).
BATCH_SIZE = 500
# Skipped mail is reported to the progress bar every this many bytes.
PROGRESS_BYTES = 16 * 1024 * 1024


def read_message(
    source: str,
    raw: bytes | None,
    problem: str | None = None,
    *,
    authserv_ids: Iterable[str] = (),
    received: ReceivedTime | None = None,
    dkim_lookup: TxtLookup | None = None,
    custom_rules: tuple[CustomRule, ...] = (),
) -> ReadMessage:
    """Return the parsed form of one message's bytes (or of the reason it could not be read).

    Mail whose From surely names no Meta domain is not parsed at all: the ledger keeps nothing
    about it, not even that it was malformed. Never raises: a message that breaks the parser
    comes back as skipped, with the exception's type as its reason, so one poison mail cannot
    stop an import, a sync or the daemon.
    """
    if raw is None:
        return ReadMessage(source, unreadable(problem or "cannot be read"), "")
    try:
        if not could_be_from_meta(raw):
            return ReadMessage(source, NOT_META, "")
        parsed = parse_email(
            raw,
            authserv_ids=authserv_ids,
            received=received,
            dkim_lookup=dkim_lookup if dkim_lookup is not None else default_txt_lookup(),
            custom_rules=custom_rules,
        )
        # Hashing is only needed for Meta mail without a Message-ID; skip it for everything else.
        fingerprint = ""
        if parsed.message_id is None and parsed.is_meta_flow:
            fingerprint = hashlib.sha256(raw).hexdigest()
    except Exception as err:
        log.warning("Skipped %s: the parser failed (%s)", source, type(err).__name__)
        return ReadMessage(source, unreadable(f"cannot parse ({type(err).__name__})"), "")
    return ReadMessage(source, parsed, fingerprint)


def import_paths(
    ledger: Ledger,
    paths: Iterable[Path],
    *,
    authserv_ids: Iterable[str] = (),
    on_progress: Callable[[int], None] | None = None,
    custom_rules: tuple[CustomRule, ...] = (),
) -> RecordCounts:
    """Record every message under `paths`; return what was new, duplicate, ignored or malformed.

    In an mbox, mail whose header block surely names no Meta sender is counted as ignored
    without being copied out of the file (the same triage `read_message` applies).
    """
    totals = RecordCounts()
    authserv = tuple(authserv_ids)
    batch: list[RawMail] = []
    done = 0  # bytes read since the last progress report

    def flush() -> None:
        nonlocal batch, done
        if batch:
            messages = [
                read_message(
                    m.source,
                    m.raw,
                    m.problem,
                    authserv_ids=authserv,
                    received=m.received,
                    custom_rules=custom_rules,
                )
                for m in batch
            ]
            totals.add(ledger.record_batch(messages))
            done += sum(m.size for m in batch)
            batch = []
        if on_progress and done:
            on_progress(done)
        done = 0

    for item in iter_mail(paths, triage=header_could_be_from_meta):
        if isinstance(item, SkippedMail):
            totals.ignored += item.count
            done += item.size
            if done >= PROGRESS_BYTES:
                flush()
            continue
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            flush()
    flush()
    for reason in totals.reasons:
        log.info("Skipped %s", reason)
    return totals


# -- IMAP --------------------------------------------------------------------------------

# Meta mails fetched in full per transaction (and at most this many bytes of them); each
# transaction also advances the checkpoint.
FETCH_BATCH = 50
BATCH_BYTES = 16 * 1024 * 1024
# Candidates whose headers are fetched and judged together.
TRIAGE_CHUNK = 1000


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


# Seconds to wait before asking again for items a FETCH answer left out: a server that
# drops an item under load usually has it a moment later. Then the message counts as
# skipped for this sync (listed by `tracker skipped`) and the next sync asks again.
RETRY_DELAYS: tuple[float, ...] = (0.5, 2.0)

_RESCAN_WORDS = {
    "uidvalidity": "has a new UIDVALIDITY ({uidvalidity}): its old UIDs may name other messages",
    "uidnext": "has a UIDNEXT ({uidnext}) at or below its checkpoint ({last}): the server "
    "forgot messages",
}


def sync_folder(
    ledger: Ledger,
    connection: MailboxSession,
    mailbox: str,
    folder: str,
    *,
    since: date | None = None,
    authserv_ids: Iterable[str] = (),
    custom_rules: tuple[CustomRule, ...] = (),
    retry_skipped: bool = True,
) -> FolderSync:
    """Record the Meta mail that arrived in one folder since its checkpoint; return what it did.

    The folder is opened read-only and fetched with BODY.PEEK, so nothing in it changes. The
    server's own search finds candidates; their headers are checked here (a server's FROM
    search matches substrings and display names) and only Meta's are fetched in full, one
    message per command (a response that breaks the connection then names its message).
    Each batch is committed together with the checkpoint, so a crash at any point loses
    nothing and a restart repeats at most one batch, which the ledger ignores as duplicates.

    The checkpoint never passes a message that was neither recorded nor deliberately skipped:
    one whose FETCH answers keep lacking the header or body (after RETRY_DELAYS) is noted in
    `tracker skipped` and holds the checkpoint just below it, so every later sync asks for it
    again (after the newer mail; only when `retry_skipped`), and drops the note once it is read.
    """
    authserv = tuple(authserv_ids)
    state = connection.examine(folder)
    previous = ledger.checkpoint(mailbox, folder)
    plan = plan_scan(previous, state)
    if plan.rescan and plan.reason is not None:
        log.warning(
            "Mailbox %s: folder %s %s; scanning it again",
            mailbox,
            folder,
            _RESCAN_WORDS[plan.reason].format(
                uidvalidity=state.uidvalidity,
                uidnext=state.uidnext,
                last=previous.last_uid if previous else 0,
            ),
        )
    if plan.reason == "uidvalidity" and previous is not None:
        # Notes under the old UIDVALIDITY name UIDs that mean nothing now; the rescan
        # notes again whatever is still not handed over.
        forget_skipped_under(ledger, imap_source(mailbox, folder, previous.uidvalidity, 0)[:-1])
    first_scan = previous is None or plan.rescan
    found = connection.search_candidates(
        after_uid=plan.after_uid, since=since if first_scan else None
    )
    # A UID at or above UIDNEXT did not exist at EXAMINE: a server's phantom, or mail that
    # arrived since (the next pass, which IDLE triggers, sees it).
    uids = sorted(uid for uid in found if not state.uidnext or uid < state.uidnext)

    def source(uid: int) -> str:
        return imap_source(mailbox, folder, state.uidvalidity, uid)

    unsettled: dict[int, str] = {}  # UID -> why it was not handed over ("": not asked yet)
    # Sizes first: a message too big to be Meta's notice is never downloaded, and its header
    # is asked for on its own, last (a server that ignores the partial fetch sends the whole
    # header block, and the breach then costs only that message).
    sizes = connection.fetch_sizes(uids) if uids else {}
    heavy = [uid for uid in uids if sizes.get(uid, 0) > MAX_BODY_BYTES]
    light = [uid for uid in uids if sizes.get(uid, 0) <= MAX_BODY_BYTES]
    # Headers are judged a chunk at a time and not kept: memory stays flat on a server that
    # refuses SEARCH, where every message of the folder is a candidate.
    seen: set[int] = set()  # UIDs whose header arrived
    meta_uids: list[int] = []
    for start in range(0, len(light), TRIAGE_CHUNK):
        chunk = light[start : start + TRIAGE_CHUNK]
        headers = _fetch_patiently(connection.fetch_headers, chunk, unsettled, "header")
        seen.update(headers)
        meta_uids += [uid for uid in chunk if uid in headers and is_from_meta(headers[uid])]
        del headers
    recorded, skipped_before = list_known_sources(ledger, map(source, meta_uids))
    # Above a held checkpoint, mail already recorded needs no second download.
    pending = [uid for uid in meta_uids if source(uid) not in recorded]
    fresh = [uid for uid in pending if source(uid) not in skipped_before]
    again = [uid for uid in pending if source(uid) in skipped_before]
    if not retry_skipped:
        unsettled.update(dict.fromkeys(again, ""))
        again = []
    # Header failures are noted only for the server's own Meta candidates: with a refused
    # search every message is a candidate, and nothing is stored about other people's mail.
    noting = not connection.search_refused
    notes = [uid for uid, why in unsettled.items() if why] if noting else []
    # Newer mail first: a message that broke the connection before must not hold it back.
    order = fresh + again
    todo = set(order) | set(heavy)  # not yet recorded, skipped or found not to be Meta's
    counts = RecordCounts()

    def commit(
        bodies: dict[int, bytes], noted: Iterable[int], skips: Iterable[ReadMessage] = ()
    ) -> None:
        arrived = _fetch_internaldates(connection, list(bodies))
        messages = [
            read_message(
                source(uid),
                raw,
                authserv_ids=authserv,
                custom_rules=custom_rules,
                received=_internaldate(arrived.get(uid)),
            )
            for uid, raw in sorted(bodies.items())
        ]
        messages += [
            read_message(source(uid), None, _unsettled_reason(unsettled[uid]))
            for uid in noted
            if unsettled.get(uid)
        ]
        messages += skips
        left = todo | set(unsettled)
        checkpoint = complete_scan(mailbox, folder, state, plan, uids, left)
        counts.add(ledger.record_batch(messages, checkpoint=checkpoint))
        forget_skipped(ledger, [source(uid) for uid in bodies if source(uid) in skipped_before])

    fetched = 0
    bodies: dict[int, bytes] = {}
    held = 0
    for uid in order:
        try:
            got = _fetch_patiently(connection.fetch_messages, [uid], unsettled, "message")
        except MailboxError as err:
            if not err.lost:
                raise
            unsettled[uid] = err.reason
            commit(bodies, [*notes, uid])
            raise
        todo.discard(uid)
        fetched += len(got)
        bodies.update(got)
        held += sum(map(len, got.values()))
        if uid in unsettled:
            notes.append(uid)
        # Each transaction holds at most FETCH_BATCH messages and BATCH_BYTES of them.
        if len(bodies) >= FETCH_BATCH or held >= BATCH_BYTES:
            commit(bodies, notes)
            bodies, held, notes = {}, 0, []
    commit(bodies, notes)

    heavy_meta: list[int] = []
    for uid in heavy:
        try:
            got = _fetch_patiently(
                functools.partial(connection.fetch_headers, alone=True), [uid], unsettled, "header"
            )
        except MailboxError as err:
            if not err.lost:
                raise
            unsettled[uid] = err.reason
            commit({}, [uid] if noting else [])
            raise
        todo.discard(uid)
        skip: list[ReadMessage] = []
        if uid in got and is_from_meta(got[uid]):
            heavy_meta.append(uid)
            reason = f"too large for a Meta notification ({sizes[uid] // 1024} KiB), not downloaded"
            skip.append(read_message(source(uid), None, reason))
        elif uid in got:
            seen.add(uid)
        commit({}, [uid] if noting else [], skip)
    meta_uids += heavy_meta
    if not connection.search_refused:
        # Notes of earlier syncs about headers the server has now sent: settled.
        meta = set(meta_uids)
        forget_skipped(ledger, [source(uid) for uid in seen if uid not in meta])
    counts.ignored += len(uids) - len(meta_uids)
    final = complete_scan(mailbox, folder, state, plan, uids, unsettled)
    # A rescan under the same UIDVALIDITY (the server forgot mail) may end below the old mark.
    ledger.record_batch([], checkpoint=final, rewind=plan.rescan)
    missing = sorted(uid for uid, reason in unsettled.items() if reason)
    if missing:
        log.warning(
            "Mailbox %s: folder %s: %d message(s) not handed over by the server (UID %s); "
            "the next sync asks again",
            mailbox,
            folder,
            len(missing),
            ", ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else ""),
        )
    return FolderSync(
        mailbox=mailbox,
        folder=folder,
        uidvalidity=state.uidvalidity,
        last_uid=final.last_uid,
        candidates=len(uids),
        fetched=fetched,
        rescanned=plan.rescan,
        counts=counts,
    )


def _unsettled_reason(reason: str) -> str:
    return f"not handed over by the server ({reason}); the next sync asks again"


def _internaldate(at: datetime | None) -> ReceivedTime | None:
    return ReceivedTime(at, "imap_internaldate") if at is not None else None


def _fetch_internaldates(connection: MailboxSession, uids: list[int]) -> dict[int, datetime]:
    """When the server received each message; {} when it will not say (the Date then decides)."""
    if not uids or connection.closed:  # the session broke: commit what was fetched, undated
        return {}
    try:
        return connection.fetch_internaldates(uids)
    except (MailboxError, RuntimeError):  # a lost connection shows up on the next command
        return {}


def _fetch_patiently(
    fetch: Callable[[list[int]], dict[int, T]],
    uids: list[int],
    unsettled: dict[int, str],
    what: str,
) -> dict[int, T]:
    """`fetch(uids)`, asking again (RETRY_DELAYS apart) for what the answers left out.

    What is still missing afterwards goes into `unsettled` with the reason.
    """
    got: dict[int, T] = {}
    missing = list(uids)
    for delay in (*RETRY_DELAYS, None):
        if not missing:
            break
        got.update(fetch(missing))
        missing = [uid for uid in missing if uid not in got]
        if missing and delay is not None:
            time.sleep(delay)
    tries = len(RETRY_DELAYS) + 1
    for uid in missing:
        unsettled[uid] = f"its FETCH answers lacked the {what}, {tries} tries"
    return got


@dataclass(frozen=True, slots=True)
class MailboxSync:
    """What one pass over every folder of one mailbox did, and what failed."""

    mailbox: str
    folders: tuple[FolderSync, ...]
    # One-line errors (MailboxError, or ConfigError when the secret could not be obtained).
    errors: tuple[TrackerError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def sync_mailbox(
    ledger: Ledger,
    mailbox: MailboxSettings,
    *,
    since: date | None = None,
    authserv_ids: Iterable[str] = (),
    custom_rules: tuple[CustomRule, ...] = (),
    connect: Connector = connect_mailbox,
) -> MailboxSync:
    """Run `sync_folder` over each of the mailbox's folders; return the results.

    A mailbox or configuration problem does not raise: it ends up in `errors`, so the caller
    can go on with the other mailboxes. A missing folder does not stop the folders after it.
    A lost connection is reconnected once per folder: the folder is synced again on the new
    session (what was recorded stays; a message that broke the session waits until the newer
    mail is in), and the next folder gets a new session too. Ledger errors do raise (no other
    mailbox could be recorded either).
    """
    try:
        connection = connect(mailbox)
    except (MailboxError, ConfigError) as err:
        return MailboxSync(mailbox.name, (), (err,))
    done: list[FolderSync] = []
    errors: list[TrackerError] = []
    try:
        for folder in mailbox.folders:
            for attempt in range(1 + RECONNECTS_PER_FOLDER):
                if connection.closed:
                    try:
                        connection = connect(mailbox)
                    except (MailboxError, ConfigError) as err:
                        errors.append(err)
                        return MailboxSync(mailbox.name, tuple(done), tuple(errors))
                try:
                    done.append(
                        sync_folder(
                            ledger,
                            connection,
                            mailbox.name,
                            folder,
                            since=since,
                            authserv_ids=authserv_ids,
                            custom_rules=custom_rules,
                        )
                    )
                    break
                except MailboxError as err:
                    if not err.lost or attempt == RECONNECTS_PER_FOLDER:
                        errors.append(err)
                        break
                    log.info(
                        "Mailbox %s: folder %s: %s; reconnecting", mailbox.name, folder, err.reason
                    )
    finally:
        connection.close()
    return MailboxSync(mailbox.name, tuple(done), tuple(errors))


def error_reason(err: BaseException) -> str:
    """The error's one-line reason without the mailbox name (for lines that already name it)."""
    if isinstance(err, MailboxError | MailboxConfigError):
        return err.reason
    return str(err) or type(err).__name__
