"""The watcher's scheduled work, as plain functions: stuck detection, code wiping, event
reconciliation, the digest and notification delivery.

`tracker.daemon` only puts them on APScheduler. Each job names the period it runs for
(`interval_period`, or the cron minute) and claims it in the ledger first, so a restart, or a
second start in the same period, does not run it twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from apscheduler.jobstores.base import JobLookupError

from tracker.domain import Event
from tracker.events import DerivedEvent, StuckRule, describe
from tracker.ledger import Ledger
from tracker.ledger.eventlog import EventLog
from tracker.ledger.service import ServiceLog
from tracker.notify import deliver_pending
from tracker.notify_config import NotifyTarget, StuckSettings
from tracker.stats import format_duration

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)


def interval_period(now: datetime, seconds: float) -> str:
    """Return the name of the interval-long period `now` falls in."""
    return str(int(now.timestamp() // max(seconds, 1.0)))


def cron_period(now: datetime) -> str:
    """Return the name of the cron period (its minute) `now` falls in."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def log_events(events: Sequence[Event]) -> None:
    """Log each new event as one line naming account, platform and state, never a code."""
    for event in events:
        log.info("%s", describe(event))


def check_stuck(
    ledger: Ledger, rule: StuckRule, *, period: str | None = None, now: datetime | None = None
) -> list[Event] | None:
    """Record a `stuck` event for each objection pending past its platform's usual wait.

    Returns the new events, or None when this period was already done.
    """
    now = now or datetime.now(UTC)
    if period is not None and not ServiceLog(ledger.engine).claim_period("stuck", period, now=now):
        return None
    turnarounds: dict[str, list[float]] = defaultdict(list)
    for report in ledger.account_reports():
        if report.turnaround_seconds is not None:
            turnarounds[report.platform or "unknown"].append(report.turnaround_seconds)
    events = EventLog(ledger.engine)
    created = events.record_stuck(events.pending_rounds(), turnarounds, rule, now=now)
    log_events(created)
    return created


def wipe_codes(ledger: Ledger, *, period: str | None = None, now: datetime | None = None) -> bool:
    """Wipe codes past their retention; False when this period was already done."""
    now = now or datetime.now(UTC)
    if period is not None and not ServiceLog(ledger.engine).claim_period(
        "wipe-codes", period, now=now
    ):
        return False
    ledger.wipe_expired_codes(now=now)
    return True


def reconcile_events(
    ledger: Ledger, *, period: str | None = None, now: datetime | None = None
) -> list[Event] | None:
    """Derive every account's events again and record any missing; None if already done."""
    now = now or datetime.now(UTC)
    if period is not None and not ServiceLog(ledger.engine).claim_period(
        "reconcile-events", period, now=now
    ):
        return None
    events = EventLog(ledger.engine)
    created = events.reconcile_events(now=now)
    created += events.reconcile_states(ledger.account_reports(), now=now)
    if created:
        log.info("Reconciliation: %d change(s) not announced when recorded", len(created))
        log_events(created)
    return created


def digest_text(ledger: Ledger, *, since: datetime | None, now: datetime, rule: StuckRule) -> str:
    """Return the digest: accounts that still need action, pending for long, decided since."""
    reports = ledger.account_reports()
    needs_action = [r for r in reports if r.state in ("notified", "info_requested")]
    stuck = {e.account for e in EventLog(ledger.engine).list_events(names=("stuck",))}
    pending = [r for r in reports if r.state == "pending"]
    decided = [
        r for r in reports if r.decided_at is not None and (since is None or r.decided_at > since)
    ]
    lines = [f"tracker digest, {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC"]
    lines.append(f"Need your action ({len(needs_action)}):")
    lines += [f"  {r.account} ({r.platform}): {r.state}" for r in needs_action] or ["  none"]
    long_pending = [r for r in pending if r.account in stuck]
    lines.append(f"Pending for longer than usual ({len(long_pending)} of {len(pending)} pending):")
    lines += [
        f"  {r.account} ({r.platform}) since {r.submitted_at:%Y-%m-%d}"
        for r in long_pending
        if r.submitted_at is not None
    ] or ["  none"]
    lines.append(f"Decided since the last digest ({len(decided)}):")
    lines += [
        f"  {r.state} {r.account} ({r.platform}) after {format_duration(r.turnaround_seconds)}"
        for r in decided
    ] or ["  none"]
    return "\n".join(lines)


def send_digest(
    ledger: Ledger, rule: StuckRule, *, period: str, now: datetime | None = None
) -> Event | None:
    """Record the digest for `period` as an event (delivered through the outbox like any
    other); None when this period's digest exists already."""
    now = now or datetime.now(UTC)
    service = ServiceLog(ledger.engine)
    previous = service.last_run("digest")
    if not service.claim_period("digest", period, now=now):
        return None
    text = digest_text(ledger, since=previous[1] if previous else None, now=now, rule=rule)
    event = EventLog(ledger.engine).add_event(
        DerivedEvent(event="digest", source=period, message_id=None, at=now, detail=text),
        now=now,
    )
    if event is not None:
        log.info("Digest for %s recorded", period)
    return event


# -- the schedule ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ServicePlan:
    """What the watcher runs besides reading mail, and how often."""

    targets: tuple[NotifyTarget, ...] = ()
    stuck: StuckSettings = field(default_factory=StuckSettings)
    digest_cron: str | None = None
    deliver_seconds: float = 1.0
    wipe_seconds: float = 3600.0
    reconcile_seconds: float = 600.0


def _guarded(name: str, job: Callable[[], object]) -> Callable[[], None]:
    """Return `job` made to log one line instead of raising (a failed run is retried next time)."""

    def run() -> None:
        try:
            job()
        except Exception as err:
            first = (str(err).splitlines() or [""])[0][:200]
            log.warning("Job %s failed: %s: %s", name, type(err).__name__, first)

    return run


def schedule_jobs(
    scheduler: BaseScheduler, ledger: Ledger, plan: ServicePlan
) -> Callable[[], None]:
    """Put every job of `plan` on `scheduler`: one job per task and per notification target.

    Returns a function that runs the delivery jobs now (called when mail made events, so a
    notification does not wait for the next tick).
    """
    events = EventLog(ledger.engine)
    events.start_targets(target.id for target in plan.targets)
    now = lambda: datetime.now(UTC)  # noqa: E731
    jobs: list[tuple[str, Callable[[], object], float]] = [
        (
            "stuck",
            lambda: check_stuck(
                ledger,
                plan.stuck.rule,
                period=interval_period(now(), plan.stuck.check_minutes * 60),
            ),
            plan.stuck.check_minutes * 60,
        ),
        (
            "wipe-codes",
            lambda: wipe_codes(ledger, period=interval_period(now(), plan.wipe_seconds)),
            plan.wipe_seconds,
        ),
        (
            "reconcile-events",
            lambda: reconcile_events(ledger, period=interval_period(now(), plan.reconcile_seconds)),
            plan.reconcile_seconds,
        ),
    ]
    for name, job, seconds in jobs:
        scheduler.add_job(
            _guarded(name, job),
            "interval",
            seconds=seconds,
            id=name,
            name=name,
            next_run_time=now(),  # at start too; the period claim stops a second run
            coalesce=True,
            max_instances=1,
        )
    for target in plan.targets:
        scheduler.add_job(
            _guarded(f"notify {target.label}", partial(deliver_pending, events, target)),
            "interval",
            seconds=plan.deliver_seconds,
            id=f"notify:{target.id}",
            name=f"notify {target.label}",  # the label never holds a URL's secrets
            next_run_time=now(),
            coalesce=True,
            max_instances=1,
        )
    delivery_jobs = [f"notify:{target.id}" for target in plan.targets]

    def wake_delivery() -> None:
        for job_id in delivery_jobs:
            with contextlib.suppress(JobLookupError):  # the scheduler is shutting down
                scheduler.modify_job(job_id, next_run_time=now())

    if plan.digest_cron:
        from apscheduler.triggers.cron import CronTrigger

        scheduler.add_job(
            _guarded(
                "digest",
                lambda: send_digest(ledger, plan.stuck.rule, period=cron_period(now())),
            ),
            CronTrigger.from_crontab(plan.digest_cron),
            id="digest",
            name="digest",
            coalesce=True,
            max_instances=1,
        )
    return wake_delivery
