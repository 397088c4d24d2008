"""Several watchers on one PostgreSQL ledger: each folder read by exactly one of them.

A `ShareKeeper` thread per watcher looks, every `check_seconds`, at how many watchers are
live (`FolderLeases.live_watchers`) and keeps its fair share of the configured folders:
ceil(folders / watchers). It claims free folders up to that share (starting a folder watcher
on each) and, when watchers join, stops and then releases what it holds beyond it, so the
newcomer can claim those on its next look. A folder changes hands only after its old reader
has stopped; the new reader starts from the ledger's checkpoint, so mail that arrived during
the hand-over is caught up, and the ledger's idempotent writes (keyed by Message-ID, the
checkpoint only moving forward) make even an overlap after a lost session harmless.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from tracker.errors import LedgerError

log = logging.getLogger(__name__)

DEFAULT_CHECK_SECONDS = 2.0
# How long one look waits for a released folder's reader to stop before leaving it for the
# next look (its lock is only given back once it has stopped).
RELEASE_WAIT_SECONDS = 3.0
# On shutdown the session is closed anyway (dropping every lock), so waiting is only courtesy:
# SIGTERM must end the watcher within a second.
SHUTDOWN_WAIT_SECONDS = 0.5


@dataclass(frozen=True, slots=True, order=True)
class FolderId:
    """One folder of one configured mailbox: the unit watchers share."""

    mailbox: str
    folder: str

    def __str__(self) -> str:
        return f"{self.mailbox}/{self.folder}"


class Leases(Protocol):
    """What the keeper needs from the database (tracker.ledger.leases.FolderLeases)."""

    @property
    def connected(self) -> bool: ...
    def open(self) -> None: ...
    def live_watchers(self) -> int: ...
    def claim(self, mailbox: str, folder: str) -> bool: ...
    def release(self, mailbox: str, folder: str) -> None: ...
    def close(self) -> None: ...


class Reader(Protocol):
    """A running folder reader: stop() asks it to end, join() waits, True once it has."""

    def stop(self) -> None: ...
    def join(self, timeout: float) -> bool: ...


def fair_share(folders: int, watchers: int) -> int:
    """Return how many folders one of `watchers` live watchers should read."""
    return math.ceil(folders / max(1, watchers))


class ShareKeeper:
    """Keeps this watcher's fair share of `folders` claimed and read, until `stop`."""

    def __init__(
        self,
        leases: Leases,
        folders: Sequence[FolderId],
        *,
        start_reader: Callable[[FolderId], Reader],
        stop: threading.Event,
        check_seconds: float = DEFAULT_CHECK_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self.leases = leases
        self.folders = tuple(dict.fromkeys(folders))
        self.start_reader = start_reader
        self.stop = stop
        self.check_seconds = check_seconds
        self.rng = rng or random.Random()
        self.held: dict[FolderId, Reader] = {}
        self.releasing: dict[FolderId, Reader] = {}
        self.watchers = 0  # live watchers at the last look
        self.looks = 0  # completed looks: tests wait on it
        self._lost = False

    def run(self) -> None:
        """Look every `check_seconds` until `stop`, then stop every reader and release."""
        try:
            while not self.stop.is_set():
                self.look()
                self.stop.wait(self.check_seconds)
        finally:
            self.shutdown()

    def look(self) -> None:
        """One round: count watchers, give back the excess, claim up to the fair share."""
        try:
            if not self.leases.connected:
                self.leases.open()
                if self._lost:
                    log.warning("Sharing: watcher session back")
                    self._lost = False
            watchers = self.leases.live_watchers()
            share = fair_share(len(self.folders), watchers)
            self._give_back(len(self.held) - share)
            self._finish_releases()
            claimed = self._claim(share - len(self.held))
        except LedgerError as err:
            self._lose_everything(err)
            return
        if watchers != self.watchers or claimed:
            log.info(
                "Sharing: %d watcher(s) live; reading %d of %d folder(s)",
                watchers,
                len(self.held),
                len(self.folders),
            )
        self.watchers = watchers
        self.looks += 1

    def _give_back(self, excess: int) -> None:
        if excess <= 0:
            return
        # The most recently claimed go first: the longest-held keep their warm connections.
        for folder in list(self.held)[-excess:]:
            reader = self.held.pop(folder)
            reader.stop()
            self.releasing[folder] = reader
            log.info("Sharing: handing %s over", folder)

    def _finish_releases(self) -> None:
        deadline = time.monotonic() + RELEASE_WAIT_SECONDS
        for folder, reader in list(self.releasing.items()):
            if reader.join(max(0.0, deadline - time.monotonic())):
                # Only now: until its reader stopped, nobody else may read the folder.
                self.leases.release(folder.mailbox, folder.folder)
                del self.releasing[folder]

    def _claim(self, wanted: int) -> int:
        if wanted <= 0:
            return 0
        free = [f for f in self.folders if f not in self.held and f not in self.releasing]
        # Watchers that look at the same moment try different folders first.
        self.rng.shuffle(free)
        claimed = 0
        for folder in free:
            if claimed >= wanted or self.stop.is_set():
                break
            if self.leases.claim(folder.mailbox, folder.folder):
                self.held[folder] = self.start_reader(folder)
                claimed += 1
        return claimed

    def _lose_everything(self, err: LedgerError) -> None:
        """The session is gone, and with it every lock: stop reading at once."""
        if not self._lost:
            log.warning("Sharing: %s; stopping %d folder(s) until it is back", err, len(self.held))
        self._lost = True
        readers = [*self.held.values(), *self.releasing.values()]
        self.held.clear()
        self.releasing.clear()
        for reader in readers:
            reader.stop()
        self.leases.close()

    def shutdown(self) -> None:
        """Stop every reader, then give their folders back and end the session."""
        readers = {**self.held, **self.releasing}
        for reader in readers.values():
            reader.stop()
        deadline = time.monotonic() + SHUTDOWN_WAIT_SECONDS
        for reader in readers.values():
            reader.join(max(0.0, deadline - time.monotonic()))
        self.held.clear()
        self.releasing.clear()
        self.leases.close()  # drops every lock at once
