"""What a sync and the watcher need from a mailbox session, as a `typing.Protocol`.

`MailboxConnection` (real IMAP) satisfies it; so does the in-memory fake in the tests
(tests/support/fakemailbox.py), on which checkpoint, UIDVALIDITY, retry, reconnect and backoff logic
runs in milliseconds. The Dovecot tests remain the proof that the real session does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from types import TracebackType
from typing import Protocol

from tracker.imap.cursor import FolderState


class MailboxSession(Protocol):
    """A logged-in, read-only session on one mailbox (see MailboxConnection for the rules).

    Every failure is a MailboxError; `lost=True` on it means the session is closed.
    """

    @property
    def name(self) -> str: ...

    @property
    def closed(self) -> bool: ...

    @property
    def supports_idle(self) -> bool: ...

    @property
    def supports_gmail_search(self) -> bool: ...

    @property
    def search_refused(self) -> bool: ...

    def examine(self, folder: str) -> FolderState:
        """Open `folder` read-only; its UIDVALIDITY, UIDNEXT and size."""
        ...

    def list_folders(self) -> list[str]:
        """Names of every folder of the mailbox."""
        ...

    def search_candidates(self, *, after_uid: int = 0, since: date | None = None) -> list[int]:
        """UIDs above `after_uid` that may be Meta's mail, oldest first."""
        ...

    def fetch_headers(self, uids: Iterable[int], *, alone: bool = False) -> dict[int, bytes]:
        """Header blocks by UID; a UID the server left out is missing. `alone`: one big
        message, whose header may weigh more."""
        ...

    def fetch_sizes(self, uids: Iterable[int]) -> dict[int, int]:
        """RFC822.SIZE by UID; a UID the server left out is missing."""
        ...

    def fetch_messages(self, uids: Iterable[int]) -> dict[int, bytes]:
        """Whole messages by UID; a UID the server left out is missing."""
        ...

    def fetch_internaldates(self, uids: Iterable[int]) -> dict[int, datetime]:
        """When the server received each message (INTERNALDATE, UTC) by UID."""
        ...

    def idle(
        self,
        timeout: float,
        *,
        interrupt: Callable[[], bool] | None = None,
        check_every: float = 0.5,
    ) -> bool:
        """Wait up to `timeout` s; True as soon as new mail may have arrived."""
        ...

    def close(self) -> None:
        """End the session; safe to call twice."""
        ...

    def __enter__(self) -> MailboxSession: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
