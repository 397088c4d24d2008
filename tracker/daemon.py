"""The watcher: one IDLE (or polling) loop per mailbox folder, reconnects, a scheduled
reconciliation pass, folders shared between watchers on a PostgreSQL ledger
(`tracker.sharing`), and a clean stop on SIGTERM and Ctrl-C.

The scheduler wiring is kept trivial (APScheduler only raises a flag on each folder watcher);
every decision lives in `FolderWatcher` and the plain functions below, which tests drive
directly. Recording itself is `sync.sync_folder`: read-only EXAMINE, BODY.PEEK, and the
checkpoint committed with each batch, so a watcher killed at any moment loses nothing.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from apscheduler.schedulers.background import BackgroundScheduler

from tracker.domain import CustomRule
from tracker.errors import ConfigError, LedgerError, MailboxError
from tracker.sharing import DEFAULT_CHECK_SECONDS, FolderId, Leases, ShareKeeper
from tracker.sync import FolderSync, connect_mailbox, error_reason, sync_folder

if TYPE_CHECKING:
    from tracker.config import MailboxSettings
    from tracker.domain import CodeRecord, Event
    from tracker.imap.session import MailboxSession
    from tracker.jobs import ServicePlan
    from tracker.ledger import Ledger

    Connector = Callable[[MailboxSettings], MailboxSession]

log = logging.getLogger(__name__)

# How often a waiting thread looks at the stop flag: SIGTERM must end the daemon within a second.
STOP_CHECK_SECONDS = 0.5
DEFAULT_RECONCILE_SECONDS = 600.0
DEFAULT_POLL_SECONDS = 60.0
# How long `stop()` waits for the folder threads before leaving them (they are daemon threads
# and every ledger write is one transaction, so abandoning one mid-batch loses nothing).
STOP_JOIN_SECONDS = 0.8

State = Literal["starting", "up", "down", "stopped"]


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchOptions:
    """Timings of the watcher; the defaults suit real servers, tests shorten them."""

    reconcile_seconds: float = DEFAULT_RECONCILE_SECONDS
    poll_seconds: float = DEFAULT_POLL_SECONDS
    backoff_initial_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    stop_check_seconds: float = STOP_CHECK_SECONDS
    # How often a watcher sharing a PostgreSQL ledger counts the others and rebalances.
    share_check_seconds: float = DEFAULT_CHECK_SECONDS
    # How often a folder inside IDLE looks at its stop and sync flags (None: stop_check_seconds).
    idle_check_seconds: float | None = None


# Per watched folder: how much longer each IDLE sleeps between looks at its flags, and how much
# wider the first reconnect is spread, so 1,000 folders neither wake 2,000 times a second nor
# log in 1,000 times within half a second after a server restart.
IDLE_CHECK_PER_FOLDER = 0.005
MAX_IDLE_CHECK_SECONDS = 5.0
BACKOFF_PER_FOLDER = 0.01


def options_for(options: WatchOptions, folders: int) -> WatchOptions:
    """Return `options` scaled for one process watching `folders` folders.

    With many folders, each IDLE looks at its flags less often (up to every 5 s; the process
    still stops within a second on SIGTERM, since every thread is a daemon thread and every
    write is one transaction) and reconnects start from a wider jitter window (1,000 folders:
    the first retries spread over 5 to 10 s instead of 0.5 to 1 s).
    """
    idle_check = options.idle_check_seconds or max(
        options.stop_check_seconds, min(MAX_IDLE_CHECK_SECONDS, folders * IDLE_CHECK_PER_FOLDER)
    )
    return replace(
        options,
        idle_check_seconds=idle_check,
        backoff_initial_seconds=max(options.backoff_initial_seconds, folders * BACKOFF_PER_FOLDER),
    )


def backoff_delay(
    attempt: int, *, initial: float, cap: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait before reconnect attempt `attempt` (1-based).

    Exponential (initial, 2x, 4x ...) up to `cap`, with jitter: a random point in the upper
    half, so many watchers cut off by one outage do not all come back at the same instant.
    """
    ceiling = min(cap, initial * 2 ** max(0, min(attempt - 1, 30)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def wait_or_stop(
    stop: threading.Event,
    seconds: float,
    *,
    wake: threading.Event | None = None,
    slice_seconds: float = STOP_CHECK_SECONDS,
) -> bool:
    """Sleep up to `seconds`; True as soon as `wake` is set, False on time-out or stop."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        step = min(slice_seconds, remaining)
        if wake is None:
            stop.wait(step)
        elif wake.wait(step):
            return True
    return False


class FolderWatcher:
    """Keeps one folder of one mailbox recorded: connect, catch up, then IDLE or poll.

    `run()` only returns once `stop` is set. Any failure (server gone, refused login, a
    password command that fails, a busy ledger) is logged once per state change and retried
    with backoff; after every (re)connect the folder is synced before waiting again, so mail
    that arrived meanwhile is caught up.
    """

    def __init__(
        self,
        ledger: Ledger,
        mailbox: MailboxSettings,
        folder: str,
        *,
        stop: threading.Event,
        options: WatchOptions | None = None,
        authserv_ids: Iterable[str] = (),
        custom_rules: tuple[CustomRule, ...] = (),
        connect: Connector = connect_mailbox,
        rng: random.Random | None = None,
    ) -> None:
        self.ledger = ledger
        self.mailbox = mailbox
        self.folder = folder
        self.stop = stop
        self.options = options or WatchOptions()
        self.authserv_ids = tuple(authserv_ids)
        self.custom_rules = custom_rules
        self.connect = connect
        self.rng = rng or random.Random()
        self.state: State = "starting"
        self.syncs = 0  # passes completed: tests wait on it
        self.failures = 0  # consecutive failed attempts since the last good connection
        self._sync_requested = threading.Event()
        self._down_since: float | None = None
        self.on_events: Callable[[Sequence[Event]], None] = _log_events

    @property
    def subject(self) -> str:
        return f"Mailbox {self.mailbox.name}: folder {self.folder}"

    def request_sync(self) -> None:
        """Ask for a sync pass as soon as the watcher is between waits (reconciliation)."""
        self._sync_requested.set()

    # ------------------------------------------------------------------------- loop

    def run(self) -> None:
        """Watch until `stop` is set; never raises."""
        try:
            while not self.stop.is_set():
                try:
                    self.serve_once()
                except Exception as err:  # a watcher outlives any failure and retries
                    if self.stop.is_set():
                        break
                    self._went_down(err)
                    wait_or_stop(
                        self.stop,
                        backoff_delay(
                            self.failures,
                            initial=self.options.backoff_initial_seconds,
                            cap=self.options.backoff_cap_seconds,
                            rng=self.rng,
                        ),
                        slice_seconds=self.options.stop_check_seconds,
                    )
        finally:
            self.state = "stopped"
            log.debug("%s: stopped", self.subject)

    def serve_once(self) -> None:
        """Connect, catch up, then wait for mail until `stop`; raises when the session fails."""
        connection = self.connect(self.mailbox)
        with connection:
            if self.stop.is_set():
                return
            self._sync_requested.clear()
            # After a failure, messages the server would not hand over wait for the next
            # reconciliation: one that breaks the connection must not keep it from IDLE.
            result = self.sync(connection, retry_skipped=self.failures == 0)
            self._came_up(connection, result)
            self.listen(connection)

    def sync(self, connection: MailboxSession, *, retry_skipped: bool = False) -> FolderSync:
        """One sync_folder pass on `connection` (two if mail landed during the first); logs
        what it recorded, never the content."""
        result = self._pass(connection, retry_skipped=retry_skipped)
        if connection.supports_idle and self._arrived_during(connection, result):
            result = self._pass(connection, retry_skipped=False)
        return result

    def _arrived_during(self, connection: MailboxSession, result: FolderSync) -> bool:
        """Whether mail landed while the pass ran. The server announces such mail inside the
        pass's own commands, where the IDLE that follows never hears of it; a fresh EXAMINE
        tells, and resets what the server considers announced, so later mail wakes IDLE."""
        state = connection.examine(self.folder)
        return state.uidvalidity != result.uidvalidity or state.uidnext > result.last_uid + 1

    def _pass(self, connection: MailboxSession, *, retry_skipped: bool) -> FolderSync:
        result = sync_folder(
            self.ledger,
            connection,
            self.mailbox.name,
            self.folder,
            authserv_ids=self.authserv_ids,
            custom_rules=self.custom_rules,
            retry_skipped=retry_skipped,
        )
        self.syncs += 1
        counts = result.counts
        from tracker.ledger.service import ServiceLog

        self.on_events(counts.events)
        ServiceLog(self.ledger.engine).folder_ok(self.mailbox.name, self.folder)
        if counts.new or counts.malformed:
            log.info(
                "%s: recorded %d new message(s), %d malformed, up to UID %d",
                self.subject,
                counts.new,
                counts.malformed,
                result.last_uid,
            )
        return result

    def listen(self, connection: MailboxSession) -> None:
        """Wait for mail (IDLE, or polling) and sync on every wake-up.

        One IDLE command lasts up to `idle_renew_seconds` (far inside the 29 minutes after
        which servers may drop it), then a sync pass renews it with a fresh EXAMINE. Inside
        it the stop flag and reconciliation requests are looked at every `idle_check_seconds`.
        """
        idle = connection.supports_idle
        every = self.mailbox.idle_renew_seconds if idle else self.options.poll_seconds
        next_pass = time.monotonic() + every
        slice_seconds = self.options.stop_check_seconds
        while not self.stop.is_set():
            due = self._sync_requested.is_set() or time.monotonic() >= next_pass
            if not due:
                remaining = max(0.01, next_pass - time.monotonic())
                if idle:
                    due = connection.idle(
                        remaining,
                        interrupt=self._interrupted,
                        check_every=self.options.idle_check_seconds or slice_seconds,
                    )
                else:
                    due = wait_or_stop(
                        self.stop,
                        remaining,
                        wake=self._sync_requested,
                        slice_seconds=slice_seconds,
                    )
            if due and not self.stop.is_set():
                reconcile = self._sync_requested.is_set()
                self._sync_requested.clear()
                self.sync(connection, retry_skipped=reconcile)
                next_pass = time.monotonic() + every

    def _interrupted(self) -> bool:
        return self.stop.is_set() or self._sync_requested.is_set()

    # ------------------------------------------------------------------ state changes

    def _came_up(self, connection: MailboxSession, result: FolderSync) -> None:
        how = (
            "IDLE"
            if connection.supports_idle
            else f"no IDLE, polling every {self.options.poll_seconds:g} s"
        )
        caught_up = f"{result.counts.new} new message(s) recorded"
        if self.state == "down" and self._down_since is not None:
            away = time.monotonic() - self._down_since
            log.warning("%s: reconnected after %.0f s (%s); %s", self.subject, away, how, caught_up)
        else:
            log.info("%s: connected (%s); %s", self.subject, how, caught_up)
        self.state = "up"
        self.failures = 0
        self._down_since = None

    def _went_down(self, err: Exception) -> None:
        self.failures += 1
        reason = error_reason(err)
        from tracker.ledger.service import ServiceLog

        ServiceLog(self.ledger.engine).folder_failed(self.mailbox.name, self.folder, reason)
        known = isinstance(err, LedgerError | MailboxError | ConfigError)
        if self.state == "down":
            log.debug("%s: still failing (attempt %d): %s", self.subject, self.failures, reason)
            return
        # The reason already says what failed ("cannot connect: ...", "login refused: ...").
        verb = "disconnected: " if self.state == "up" else ""
        if known:
            log.warning("%s: %s%s; retrying with backoff", self.subject, verb, reason)
        else:
            log.error(
                "%s: %sunexpected %s; retrying with backoff",
                self.subject,
                verb,
                type(err).__name__,
                exc_info=True,
            )
        self.state = "down"
        self._down_since = time.monotonic()


# ------------------------------------------------------------------------------ wiring


def _log_events(events: Sequence[Event]) -> None:
    """Log each event a sync pass made: "approved anna@example.org (facebook) after 21m"."""
    from tracker.jobs import log_events

    log_events(events)


def request_reconciliation(watch: Watch) -> None:
    """The scheduled job: ask every running folder watcher for a full pass."""
    for watcher in watch.watchers:
        if not watcher.stop.is_set():
            watcher.request_sync()


class FolderThread:
    """One folder watcher on its own thread, with its own stop flag (so it can be handed over)."""

    def __init__(self, watcher: FolderWatcher) -> None:
        self.watcher = watcher
        self.thread = threading.Thread(
            target=watcher.run, name=f"watch {watcher.mailbox.name}/{watcher.folder}", daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.watcher.stop.set()

    def join(self, timeout: float) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()


@dataclass
class Watch:
    """Running folder watchers, their threads and the reconciliation scheduler.

    On a shared (PostgreSQL) ledger `watchers` changes as folders are claimed and handed
    over; `keeper` is then the thread that does it.
    """

    stop: threading.Event
    watchers: list[FolderWatcher]
    threads: list[threading.Thread] = field(default_factory=list)
    scheduler: BackgroundScheduler | None = None
    keeper: ShareKeeper | None = None

    def close(self, timeout: float = STOP_JOIN_SECONDS) -> None:
        """Stop everything; returns within about `timeout` seconds."""
        self.stop.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_watch(
    ledger: Ledger,
    mailboxes: Sequence[MailboxSettings],
    *,
    stop: threading.Event | None = None,
    options: WatchOptions | None = None,
    authserv_ids: Iterable[str] = (),
    custom_rules: tuple[CustomRule, ...] = (),
    connect: Connector = connect_mailbox,
    folders: Sequence[str] | None = None,
    services: ServicePlan | None = None,
    leases: Leases | None = None,
) -> Watch:
    """Start one thread per (mailbox, folder) and the reconciliation job; return the Watch.

    `folders` replaces every mailbox's configured folders (`code --wait` watches INBOX only).
    `services` adds the scheduled jobs (notifications, stuck detection, code wiping, digest).
    With `leases` (a PostgreSQL ledger), only the folders this watcher claims are watched,
    and other watchers on the same ledger read the rest.
    """
    stop = stop or threading.Event()
    authserv = tuple(authserv_ids)
    by_id = {
        FolderId(mailbox.name, folder): mailbox
        for mailbox in mailboxes
        for folder in (folders or mailbox.folders)
    }
    options = options_for(options or WatchOptions(), len(by_id))

    scheduler = BackgroundScheduler(daemon=True)
    on_events: Callable[[Sequence[Event]], None] | None = None
    if services is not None:
        from tracker.jobs import schedule_jobs

        wake_delivery = schedule_jobs(scheduler, ledger, services)

        def on_events(events: Sequence[Event]) -> None:
            _log_events(events)
            if events:
                wake_delivery()

    def make(folder: FolderId, folder_stop: threading.Event) -> FolderWatcher:
        watcher = FolderWatcher(
            ledger,
            by_id[folder],
            folder.folder,
            stop=folder_stop,
            options=options,
            authserv_ids=authserv,
            custom_rules=custom_rules,
            connect=connect,
        )
        if on_events is not None:
            watcher.on_events = on_events
        return watcher

    watchers: list[FolderWatcher] = []
    watch = Watch(stop=stop, watchers=watchers)
    if leases is None:
        for folder in by_id:
            started = FolderThread(make(folder, stop))
            watchers.append(started.watcher)
            watch.threads.append(started.thread)
    else:

        def start_reader(folder: FolderId) -> FolderThread:
            started = FolderThread(make(folder, threading.Event()))
            # Replaced, not mutated in place: the reconciliation job may be iterating it.
            watch.watchers = [
                *(w for w in watch.watchers if not w.stop.is_set()),
                started.watcher,
            ]
            return started

        keeper = ShareKeeper(
            leases,
            list(by_id),
            start_reader=start_reader,
            stop=stop,
            check_seconds=options.share_check_seconds,
        )
        watch.keeper = keeper
        thread = threading.Thread(target=keeper.run, name="share keeper", daemon=True)
        thread.start()
        watch.threads.append(thread)
    scheduler.add_job(
        request_reconciliation,
        "interval",
        seconds=options.reconcile_seconds,
        args=[watch],
        id="reconcile",
        coalesce=True,
        max_instances=1,
    )
    scheduler.start()
    watch.scheduler = scheduler
    return watch


def run_watch(
    ledger: Ledger,
    mailboxes: Sequence[MailboxSettings],
    *,
    stop: threading.Event,
    options: WatchOptions | None = None,
    authserv_ids: Iterable[str] = (),
    custom_rules: tuple[CustomRule, ...] = (),
    connect: Connector = connect_mailbox,
    services: ServicePlan | None = None,
    leases: Leases | None = None,
) -> None:
    """Watch every folder of every mailbox (with `leases`: this watcher's share of them)
    until `stop` is set, then stop cleanly."""
    options = options or WatchOptions()
    folders = sum(len(m.folders) for m in mailboxes)
    log.info(
        "%s %d folder(s) in %d mailbox(es); reconciliation every %g s",
        "Sharing" if leases is not None else "Watching",
        folders,
        len(mailboxes),
        options.reconcile_seconds,
    )
    with start_watch(
        ledger,
        mailboxes,
        stop=stop,
        options=options,
        authserv_ids=authserv_ids,
        custom_rules=custom_rules,
        connect=connect,
        services=services,
        leases=leases,
    ):
        while not stop.wait(options.stop_check_seconds):
            pass
    log.info("Stopped watching")


@contextlib.contextmanager
def stop_on_signals(
    stop: threading.Event, signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGINT)
) -> Iterator[None]:
    """Turn SIGTERM and Ctrl-C into `stop.set()` while the block runs (main thread only)."""

    def handler(signum: int, _frame: object) -> None:
        log.info("Received %s, stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# ------------------------------------------------------------------------------ codes


def wait_for_code(
    find: Callable[[], CodeRecord | None],
    *,
    timeout: float,
    ledger: Ledger | None = None,
    mailboxes: Sequence[MailboxSettings] = (),
    options: WatchOptions | None = None,
    authserv_ids: Iterable[str] = (),
    custom_rules: tuple[CustomRule, ...] = (),
    connect: Connector = connect_mailbox,
    poll_seconds: float = 0.2,
) -> CodeRecord | None:
    """The first code `find` returns within `timeout` seconds, or None.

    `find` reads the ledger. With `mailboxes` (and `ledger`), their INBOXes are watched here
    meanwhile, with the daemon's own folder watchers; without, something else (a running
    `tracker watch`) must be filling the ledger.
    """
    deadline = time.monotonic() + timeout
    watch = None
    if mailboxes and ledger is not None:
        watch = start_watch(
            ledger,
            mailboxes,
            options=options,
            authserv_ids=authserv_ids,
            custom_rules=custom_rules,
            connect=connect,
            folders=("INBOX",),
        )
    try:
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            time.sleep(min(poll_seconds, remaining))
    finally:
        if watch is not None:
            watch.close()
