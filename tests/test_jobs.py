"""Scheduled work: each job claims its period in the ledger, so restarts never run it twice for
one period; the digest goes out through the outbox like any event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from tests.support.imapconfig import eventually
from tests.support.mailfactory import meta_mail
from tests.support.notifyservers import HttpSink
from tracker.domain import ReadMessage
from tracker.errors import ConfigError
from tracker.events import StuckRule
from tracker.jobs import (
    ServicePlan,
    check_stuck,
    cron_period,
    interval_period,
    schedule_jobs,
    send_digest,
    wipe_codes,
)
from tracker.ledger import Ledger
from tracker.ledger.eventlog import EventLog
from tracker.ledger.service import ServiceLog
from tracker.notify import deliver_pending
from tracker.notify_config import parse_notify_targets
from tracker.parse import parse_email

NOW = datetime(2026, 12, 7, 8, 0, 20, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(str(tmp_path / "ledger.db"))
    yield opened
    opened.close()


def record(ledger: Ledger, kind: str, account: str, at: datetime, **kwargs: object) -> None:
    raw = meta_mail(kind, account=account, sent_at=at, **kwargs)  # type: ignore[arg-type]
    ledger.record_batch([ReadMessage(f"{account}-{kind}-{at}", parse_email(raw), "")], now=at)


def test_periods() -> None:
    assert interval_period(NOW, 3600) == interval_period(NOW + timedelta(minutes=30), 3600)
    assert interval_period(NOW, 3600) != interval_period(NOW + timedelta(hours=1), 3600)
    assert cron_period(NOW) == "2026-12-07T08:00Z" == cron_period(NOW + timedelta(seconds=30))


def test_a_period_is_claimed_once_even_by_a_restarted_process(tmp_path: Path) -> None:
    first = Ledger.open(str(tmp_path / "l.db"))
    assert ServiceLog(first.engine).claim_period("stuck", "p1")
    assert not ServiceLog(first.engine).claim_period("stuck", "p1")
    first.close()
    again = Ledger.open(str(tmp_path / "l.db"))  # as after a restart
    assert not ServiceLog(again.engine).claim_period("stuck", "p1")
    assert ServiceLog(again.engine).claim_period("stuck", "p2")
    assert ServiceLog(again.engine).claim_period("digest", "p1")  # per job
    again.close()


def test_jobs_skip_a_period_already_done(ledger: Ledger) -> None:
    record(ledger, "code", "cy@example.org", NOW - timedelta(days=3), code="123456")
    assert [e.event for e in check_stuck(ledger, StuckRule(), period="7", now=NOW) or []] == [
        "stuck"
    ]
    assert check_stuck(ledger, StuckRule(), period="7", now=NOW) is None
    assert wipe_codes(ledger, period="7", now=NOW) is True
    assert wipe_codes(ledger, period="7", now=NOW) is False
    assert ledger.summary().codes_held == 0  # wiped: recorded three days ago


def test_digest_lists_what_needs_action_and_what_was_decided_once_per_period(
    ledger: Ledger, http: HttpSink
) -> None:
    record(ledger, "notice", "ann@example.org", NOW - timedelta(days=2))
    record(ledger, "code", "bob@example.org", NOW - timedelta(days=4), code="1111")
    record(ledger, "code", "cat@example.org", NOW - timedelta(days=1, hours=2), code="2222")
    record(ledger, "approved", "cat@example.org", NOW - timedelta(days=1))
    check_stuck(ledger, StuckRule(), now=NOW)
    digest = send_digest(ledger, StuckRule(), period=cron_period(NOW), now=NOW)
    assert digest is not None and digest.event == "digest"
    text = digest.detail or ""
    assert "Need your action (1):\n  ann@example.org (facebook): notified" in text
    assert "Pending for longer than usual (1 of 1 pending):\n  bob@example.org" in text
    assert "Decided since the last digest (1):\n  approved cat@example.org (facebook) after 2h" in (
        text
    )
    assert send_digest(ledger, StuckRule(), period=cron_period(NOW), now=NOW) is None
    # The next digest only lists decisions since this one.
    later = NOW + timedelta(days=7)
    second = send_digest(ledger, StuckRule(), period=cron_period(later), now=later)
    assert second is not None and "Decided since the last digest (0):" in (second.detail or "")

    def fail(table: str, message: str, key: str | None) -> ConfigError:
        return ConfigError(message)

    everything, decisions = parse_notify_targets(
        [
            {"name": "all", "url": http.url("all")},
            {"name": "decisions", "url": http.url("d"), "events": ["approved"]},
        ],
        fail,
    )
    events = EventLog(ledger.engine)
    deliver_pending(events, everything, now=lambda: later)
    deliver_pending(events, decisions, now=lambda: later)
    titles = [post["title"] for post in http.accepted]
    assert titles.count("tracker: weekly digest") == 2  # both digests, to the target wanting all
    assert events.deliveries("decisions") == []  # it asked for approvals only


def test_the_scheduler_runs_each_job_at_start_and_a_restart_does_not_repeat_it(
    ledger: Ledger,
) -> None:
    plan = ServicePlan(digest_cron="0 8 * * 1")
    service = ServiceLog(ledger.engine)
    scheduler = BackgroundScheduler(daemon=True)
    schedule_jobs(scheduler, ledger, plan)
    assert {job.id for job in scheduler.get_jobs()} == {
        "stuck",
        "wipe-codes",
        "reconcile-events",
        "digest",
    }
    scheduler.start()
    try:
        runs = eventually(
            lambda: (
                all(service.last_run(j) for j in ("stuck", "wipe-codes", "reconcile-events"))
                and {j: service.last_run(j) for j in ("stuck", "wipe-codes", "reconcile-events")}
            )
        )
    finally:
        scheduler.shutdown()
    assert service.last_run("digest") is None  # only at its cron time
    restarted = BackgroundScheduler(daemon=True)
    executed: set[str] = set()
    restarted.add_listener(lambda e: executed.add(e.job_id), EVENT_JOB_EXECUTED)
    schedule_jobs(restarted, ledger, plan)
    restarted.start()
    try:
        eventually(lambda: set(runs) <= executed)  # the at-start runs happened...
    finally:
        restarted.shutdown()
    assert {j: service.last_run(j) for j in runs} == runs  # ...and found their period done
