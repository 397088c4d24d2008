"""An in-memory mailbox satisfying tracker.imap.MailboxSession, for millisecond logic tests.

Like paperless-ngx's BogusMailBox: folders of (UID -> raw bytes), a UIDVALIDITY, and knobs
for what a server may get wrong (items left out, a message that breaks the connection,
refused search, sessions that fail to open). The real-server tiers are Dovecot and
tests/support/quirkserver.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import TracebackType

from tracker.config import MailboxSettings
from tracker.errors import MailboxError
from tracker.imap.client import search_terms
from tracker.imap.cursor import FolderState


@dataclass
class FakeFolder:
    messages: dict[int, bytes] = field(default_factory=dict)
    uidvalidity: int = 1
    uidnext: int = 1

    def deliver(self, raw: bytes) -> int:
        uid = self.uidnext
        self.messages[uid] = raw
        self.uidnext += 1
        return uid


@dataclass
class FakeServer:
    """What every session opened on it sees and gets wrong."""

    folders: dict[str, FakeFolder] = field(default_factory=lambda: {"INBOX": FakeFolder()})
    withhold_headers: set[int] = field(default_factory=set)
    withhold_bodies: set[int] = field(default_factory=set)
    breaking: set[int] = field(default_factory=set)  # fetching these bodies kills the session
    refuse_search: bool = False
    refuse_connects: int = 0  # the next n connects fail
    connects: int = 0
    body_fetches: list[int] = field(default_factory=list)
    idle: bool = (
        False  # says it supports IDLE (the watcher's IDLE path; idle() itself is not faked)
    )
    # Mail that lands in the open folder during the next body fetch (inside a sync pass).
    landing_during_fetch: list[bytes] = field(default_factory=list)
    # Every message's INTERNALDATE (when the fake server received it).
    arrived: datetime = field(default_factory=lambda: datetime(2024, 9, 12, 12, 0, tzinfo=UTC))

    def connect(self, mailbox: MailboxSettings) -> FakeSession:
        self.connects += 1
        if self.refuse_connects > 0:
            self.refuse_connects -= 1
            raise MailboxError(mailbox.name, "cannot connect: connection refused", lost=True)
        return FakeSession(self, mailbox.name)


class FakeSession:
    def __init__(self, server: FakeServer, name: str) -> None:
        self.server = server
        self._name = name
        self._closed = False
        self._folder: FakeFolder | None = None
        self._folder_name = ""
        self._refused = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def supports_idle(self) -> bool:
        return self.server.idle

    @property
    def supports_gmail_search(self) -> bool:
        return False

    @property
    def search_refused(self) -> bool:
        return self._refused

    def _live(self) -> FakeFolder:
        if self._closed:
            raise MailboxError(self._name, "the connection is closed", lost=True)
        assert self._folder is not None, "examine() first"
        return self._folder

    def examine(self, folder: str) -> FolderState:
        if self._closed:
            raise MailboxError(self._name, "the connection is closed", lost=True)
        if folder not in self.server.folders:
            raise MailboxError(self._name, f"cannot open folder '{folder}'", refused=True)
        self._folder, self._folder_name = self.server.folders[folder], folder
        f = self._folder
        return FolderState(f.uidvalidity, f.uidnext, len(f.messages))

    def list_folders(self) -> list[str]:
        return list(self.server.folders)

    def search_candidates(self, *, after_uid: int = 0, since: date | None = None) -> list[int]:
        folder = self._live()
        uids = [uid for uid in folder.messages if uid > after_uid]
        if self.server.refuse_search:
            self._refused = True
            return sorted(uids)
        terms = [t.encode() for t in search_terms()]
        return sorted(
            uid for uid in uids if any(t in _from_line(folder.messages[uid]).lower() for t in terms)
        )

    def _fetch(self, uids: Iterable[int], withheld: set[int], part: Callable[[bytes], object]):
        folder = self._live()
        return {
            uid: part(folder.messages[uid])
            for uid in uids
            if uid in folder.messages and uid not in withheld
        }

    def fetch_headers(self, uids: Iterable[int], *, alone: bool = False) -> dict[int, bytes]:
        return self._fetch(
            uids,
            self.server.withhold_headers,
            lambda raw: raw.replace(b"\r\n", b"\n").split(b"\n\n")[0],
        )  # type: ignore[return-value]

    def fetch_sizes(self, uids: Iterable[int]) -> dict[int, int]:
        return self._fetch(uids, set(), len)  # type: ignore[return-value]

    def fetch_internaldates(self, uids: Iterable[int]) -> dict[int, datetime]:
        arrived = self.server.arrived
        return self._fetch(uids, set(), lambda raw: arrived)  # type: ignore[return-value]

    def fetch_messages(self, uids: Iterable[int]) -> dict[int, bytes]:
        uids = list(uids)
        self.server.body_fetches.extend(uids)
        while self.server.landing_during_fetch:
            self._live().deliver(self.server.landing_during_fetch.pop(0))
        if self.server.breaking & set(uids):
            self._closed = True
            raise MailboxError(
                self._name,
                f"fetching from '{self._folder_name}' failed: the server announced 931 GiB",
                lost=True,
            )
        return self._fetch(uids, self.server.withhold_bodies, bytes)  # type: ignore[return-value]

    def idle(
        self,
        timeout: float,
        *,
        interrupt: Callable[[], bool] | None = None,
        check_every: float = 0.5,
    ) -> bool:
        raise MailboxError(self._name, "the server does not support IDLE; poll instead")

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _from_line(raw: bytes) -> bytes:
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    return b" ".join(line for line in head.split(b"\n") if line.lower().startswith(b"from:"))
