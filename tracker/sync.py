"""One pass from a mail source into the ledger: read, parse, record, in batches."""

from __future__ import annotations

import difflib
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tracker.domain import Checkpoint, ReadMessage
from tracker.errors import ConfigError, MailboxConfigError, MailboxError, TrackerError
from tracker.imap.client import connect as connect_mailbox
from tracker.imap.cursor import complete_scan, plan_scan
from tracker.ledger import Ledger, RecordCounts
from tracker.mailfiles import RawMail, iter_mail
from tracker.parse import NOT_META, could_be_from_meta, is_from_meta, parse_email, unreadable
from tracker.parse.mime import MAX_BODY_BYTES

if TYPE_CHECKING:
    from tracker.config import MailboxSettings
    from tracker.imap.client import MailboxConnection

    Connector = Callable[[MailboxSettings], MailboxConnection]

log = logging.getLogger(__name__)

# Messages per transaction: large enough to amortise the commit, small enough that a crash
# loses little work (and nothing recorded: every batch is idempotent).
BATCH_SIZE = 500


def read_message(
    source: str, raw: bytes | None, problem: str | None = None, *, authserv_ids: Iterable[str] = ()
) -> ReadMessage:
    """Return the parsed form of one message's bytes (or of the reason it could not be read).

    Mail whose From surely names no Meta domain is not parsed at all: the ledger keeps nothing
    about it, not even that it was malformed.
    """
    if raw is None:
        return ReadMessage(source, unreadable(problem or "cannot be read"), "")
    if not could_be_from_meta(raw):
        return ReadMessage(source, NOT_META, "")
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
    plan = plan_scan(previous, state)
    if plan.rescan:
        log.warning(
            "Mailbox %s: folder %s has a new UIDVALIDITY (%s), scanning it again",
            mailbox,
            folder,
            state.uidvalidity,
        )
    first_scan = previous is None or plan.rescan
    uids = sorted(
        connection.search_candidates(after_uid=plan.after_uid, since=since if first_scan else None)
    )
    counts = RecordCounts()
    headers = connection.fetch_headers(uids) if uids else {}
    meta_uids = [uid for uid in uids if uid in headers and is_from_meta(headers[uid])]
    meta_uids = _skip_oversized(ledger, connection, mailbox, folder, state.uidvalidity, meta_uids)
    fetched = 0
    for start in range(0, len(meta_uids), FETCH_BATCH):
        batch = meta_uids[start : start + FETCH_BATCH]
        bodies = connection.fetch_messages(batch)
        fetched += len(bodies)
        if len(bodies) < len(batch):  # expunged or moved meanwhile; found again where it went
            log.info(
                "Mailbox %s: %d message(s) vanished from %s",
                mailbox,
                len(batch) - len(bodies),
                folder,
            )
        messages = [
            read_message(
                imap_source(mailbox, folder, state.uidvalidity, uid), raw, authserv_ids=authserv
            )
            for uid, raw in sorted(bodies.items())
        ]
        checkpoint = Checkpoint(mailbox, folder, state.uidvalidity, batch[-1])
        counts.add(ledger.record_batch(messages, checkpoint=checkpoint))
    counts.ignored += len(uids) - len(meta_uids)
    # Every UID below the UIDNEXT seen before the search existed then, so the search saw it.
    final = complete_scan(mailbox, folder, state, plan, uids)
    ledger.record_batch([], checkpoint=final)
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


def _skip_oversized(
    ledger: Ledger,
    connection: MailboxConnection,
    mailbox: str,
    folder: str,
    uidvalidity: int,
    uids: list[int],
) -> list[int]:
    """Record as malformed, without downloading them, the messages too big to be Meta's notices."""
    if not uids:
        return uids
    sizes = connection.fetch_sizes(uids)
    too_big = {uid for uid in uids if sizes.get(uid, 0) > MAX_BODY_BYTES}
    if too_big:
        ledger.record_batch(
            read_message(
                imap_source(mailbox, folder, uidvalidity, uid),
                None,
                f"too large for a Meta notification ({sizes[uid] // 1024} KiB), not downloaded",
            )
            for uid in sorted(too_big)
        )
    return [uid for uid in uids if uid not in too_big]


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
    connect: Connector = connect_mailbox,
) -> MailboxSync:
    """Run `sync_folder` over each of the mailbox's folders on one connection; return the results.

    A mailbox or configuration problem does not raise: it ends up in `errors`, so the caller
    can go on with the other mailboxes. A missing folder does not stop the folders after it;
    a lost connection does. Ledger errors do raise (no other mailbox could be recorded either).
    """
    try:
        connection = connect(mailbox)
    except (MailboxError, ConfigError) as err:
        return MailboxSync(mailbox.name, (), (err,))
    done: list[FolderSync] = []
    errors: list[TrackerError] = []
    with connection:
        for folder in mailbox.folders:
            try:
                done.append(
                    sync_folder(
                        ledger,
                        connection,
                        mailbox.name,
                        folder,
                        since=since,
                        authserv_ids=authserv_ids,
                    )
                )
            except MailboxError as err:
                errors.append(err)
                if connection.closed:
                    break
    return MailboxSync(mailbox.name, tuple(done), tuple(errors))


def error_reason(err: BaseException) -> str:
    """The error's one-line reason without the mailbox name (for lines that already name it)."""
    if isinstance(err, MailboxError | MailboxConfigError):
        return err.reason
    return str(err) or type(err).__name__


CheckStatus = Literal["ok", "fail", "no"]


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `tracker config check`: "no" is a missing feature, not a failure."""

    name: str
    status: CheckStatus
    detail: str = ""


@dataclass(frozen=True, slots=True)
class MailboxCheck:
    """What works on one mailbox, and the errors of what does not."""

    mailbox: str
    checks: tuple[Check, ...]
    errors: tuple[TrackerError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_mailbox(
    mailbox: MailboxSettings, *, connect: Connector = connect_mailbox
) -> MailboxCheck:
    """Log in to `mailbox` and try what tracker needs: each folder, IDLE, server-side search.

    Nothing is changed on the server (EXAMINE and SEARCH only). Never raises for mailbox
    or configuration problems: they become failed checks and `errors`.
    """
    name = mailbox.name
    checks: list[Check] = []
    errors: list[TrackerError] = []
    try:
        connection = connect(mailbox)
    except (MailboxError, ConfigError) as err:
        checks.append(Check("login", "fail", error_reason(err)))
        return MailboxCheck(name, tuple(checks), (err,))
    with connection:
        checks.append(
            Check(
                "login",
                "ok",
                f"as {mailbox.username} on {mailbox.host}:{mailbox.port} ({mailbox.security}"
                f"{', XOAUTH2' if mailbox.uses_oauth2 else ''})",
            )
        )
        searchable: str | None = None
        for folder in mailbox.folders:
            try:
                state = connection.examine(folder)
            except MailboxError as err:
                errors.append(err)
                detail = error_reason(err)
                if not connection.closed:
                    detail += _folder_hint(connection, folder)
                checks.append(Check(f"folder {folder}", "fail", detail))
                if connection.closed:
                    break
                continue
            searchable = searchable or folder
            checks.append(
                Check(
                    f"folder {folder}",
                    "ok",
                    f"{state.exists} messages, UIDVALIDITY {state.uidvalidity}",
                )
            )
        checks.append(
            Check("IDLE", "ok", "mail is seen as it arrives")
            if connection.supports_idle
            else Check("IDLE", "no", "not offered: `tracker watch` polls instead")
        )
        if searchable is not None and not connection.closed:
            checks.append(_check_search(connection, searchable, errors))
        checks.append(
            Check("Gmail X-GM-EXT-1", "ok", "searches with X-GM-RAW")
            if connection.supports_gmail_search
            else Check("Gmail X-GM-EXT-1", "no", "not Gmail: standard SEARCH FROM is used")
        )
    return MailboxCheck(name, tuple(checks), tuple(errors))


def _check_search(connection: MailboxConnection, folder: str, errors: list[TrackerError]) -> Check:
    try:
        connection.examine(folder)
        found = connection.search_candidates()
    except MailboxError as err:
        errors.append(err)
        return Check("server-side search", "fail", error_reason(err))
    if connection.search_refused:
        return Check(
            "server-side search",
            "no",
            "refused: every new message's headers are fetched and checked here (slower)",
        )
    return Check("server-side search", "ok", f"{len(found)} candidate(s) from Meta in {folder}")


def _folder_hint(connection: MailboxConnection, folder: str) -> str:
    try:
        names = connection.list_folders()
    except MailboxError:
        return ""
    by_lower = {name.lower(): name for name in names}
    close = difflib.get_close_matches(folder.lower(), list(by_lower), n=1)
    return f" (did you mean '{by_lower[close[0]]}'?)" if close else ""
