"""`tracker rescan`: read the Meta mail the ledger knows about again, with today's rules.

Files are read where they were (an .eml, an mbox index, a Maildir entry by its unique name);
IMAP mail is found again by its Message-ID through the server's own search, so a changed
UIDVALIDITY does not lose it. Nothing is added to the ledger: each message row is rewritten
in place, and manual corrections are left as they are.
"""

from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.domain import CustomRule, ParsedEmail
from tracker.errors import MailboxError
from tracker.ledger.events import list_rescannable, record_rescan
from tracker.mailfiles import RawMail, iter_mbox
from tracker.parse import parse_email

if TYPE_CHECKING:
    from tracker.config import MailboxSettings
    from tracker.ledger import Ledger

log = logging.getLogger(__name__)

_IMAP_SOURCE = re.compile(r"^imap://(?P<mailbox>[^/]+)/(?P<folder>.*);UIDVALIDITY=\d+/;UID=\d+$")
_MBOX_SOURCE = re.compile(r"^(?P<path>.*)#(?P<index>\d+)$")


@dataclass(frozen=True, slots=True)
class RescanResult:
    """What a rescan did."""

    read: int
    changed: int
    missing: int


def rescan_ledger(
    ledger: Ledger,
    *,
    authserv_ids: Iterable[str] = (),
    custom_rules: tuple[CustomRule, ...] = (),
    mailboxes: tuple[MailboxSettings, ...] = (),
) -> RescanResult:
    """Re-parse every message the ledger holds whose bytes can still be read; rewrite its kind."""
    authserv = tuple(authserv_ids)
    rows = list_rescannable(ledger)
    updates: list[tuple[int, ParsedEmail]] = []
    for message_id, raw in _read_again(rows, mailboxes):
        parsed = parse_email(raw, authserv_ids=authserv, custom_rules=custom_rules)
        if parsed.error is None and parsed.sent_at is not None:
            updates.append((message_id, parsed))
    changed = record_rescan(ledger, updates)
    return RescanResult(read=len(updates), changed=changed, missing=len(rows) - len(updates))


def _read_again(
    rows: list[tuple[int, str, str]], mailboxes: tuple[MailboxSettings, ...]
) -> Iterator[tuple[int, bytes]]:
    mbox: dict[str, dict[int, int]] = defaultdict(dict)
    imap: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for message_id, key, source in rows:
        if found := _IMAP_SOURCE.match(source):
            imap[(found["mailbox"], found["folder"])].append((message_id, key))
        elif (found := _MBOX_SOURCE.match(source)) and Path(found["path"]).is_file():
            mbox[found["path"]][int(found["index"])] = message_id
        elif raw := _read_file(source):
            yield message_id, raw
    for path, wanted in mbox.items():
        for index, mail in enumerate(iter_mbox(Path(path))):
            # Without a triage every item is a message (no SkippedMail counts), so indexes hold.
            if index in wanted and isinstance(mail, RawMail) and mail.raw is not None:
                yield wanted[index], mail.raw
    if imap:
        yield from _read_imap(imap, {m.name: m for m in mailboxes})


def _read_file(source: str) -> bytes | None:
    path = Path(source)
    if not path.is_file():
        path = _maildir_entry(path) or path
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _maildir_entry(path: Path) -> Path | None:
    """Return the Maildir file for `folder/unique`: its flags (":2,S") may have changed."""
    for part in ("cur", "new"):
        folder = path.parent / part
        if folder.is_dir():
            for entry in os.scandir(folder):
                if entry.name.split(":", 1)[0] == path.name:
                    return Path(entry.path)
    return None


def _read_imap(
    wanted: dict[tuple[str, str], list[tuple[int, str]]],
    mailboxes: dict[str, MailboxSettings],
) -> Iterator[tuple[int, bytes]]:
    from tracker.imap.client import connect

    by_mailbox: dict[str, list[tuple[str, list[tuple[int, str]]]]] = defaultdict(list)
    for (mailbox, folder), items in wanted.items():
        by_mailbox[mailbox].append((folder, items))
    for name, folders in by_mailbox.items():
        settings = mailboxes.get(name)
        if settings is None:
            log.warning("Mailbox %s: no longer configured; its mail is not rescanned", name)
            continue
        try:
            with connect(settings) as connection:
                for folder, items in folders:
                    connection.examine(folder)
                    for message_id, key in items:
                        if key.startswith("sha256:"):
                            continue  # no Message-ID to search for
                        uids = connection.search_message_id(key)
                        for raw in connection.fetch_messages(uids[:1]).values():
                            yield message_id, raw
        except MailboxError as err:
            log.warning("%s; its mail is not rescanned", err)
