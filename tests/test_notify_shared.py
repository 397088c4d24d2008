"""Notifications from several watchers on one PostgreSQL ledger: each event goes out once, in
order, however the watchers' delivery jobs overlap (a real PostgreSQL and a loopback HTTP
target)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from tests.support.mailfactory import meta_mail
from tests.support.notifyservers import HttpSink
from tests.support.pgserver import PostgresServer
from tracker.domain import ReadMessage
from tracker.errors import ConfigError
from tracker.ledger import Ledger
from tracker.ledger.eventlog import EventLog
from tracker.notify import SendResult, deliver_pending, send
from tracker.notify_config import NotifyTarget, parse_notify_targets
from tracker.parse import parse_email

ACCOUNT = "anna@example.org"


def _target(url: str) -> NotifyTarget:
    def fail(table: str, message: str, key: str | None) -> ConfigError:
        return ConfigError(f"{table}: {message}")

    (target,) = parse_notify_targets([{"name": "phone", "url": url}], fail)
    return target


def _record_flow(ledger: Ledger) -> None:
    now = datetime.now(UTC)
    for kind, minutes_ago, extra in (
        ("notice", 120, {}),
        ("code", 30, {"code": "418207"}),
        ("approved", 9, {}),
    ):
        raw = meta_mail(
            kind, account=ACCOUNT, sent_at=now - timedelta(minutes=minutes_ago), **extra
        )  # type: ignore[arg-type]
        ledger.record_batch([ReadMessage(f"{kind}-{minutes_ago}", parse_email(raw), "")])


def _slow_send(
    target: NotifyTarget, title: str, body: str, payload: dict[str, object]
) -> SendResult:
    # A slow target widens the window in which two watchers could both pick the same event.
    time.sleep(0.3)
    return send(target, title, body, payload)


def test_two_watchers_deliver_each_event_once_in_order(
    postgres: PostgresServer, http: HttpSink
) -> None:
    first, second = Ledger.open(postgres.url), Ledger.open(postgres.url)
    try:
        _record_flow(first)
        target = _target(http.url())
        logs = [EventLog(first.engine), EventLog(second.engine)]
        errors: list[BaseException] = []

        def watcher(events: EventLog) -> None:
            try:
                for _ in range(6):
                    deliver_pending(events, target, sender=_slow_send)
            except BaseException as err:  # reported by the main thread
                errors.append(err)

        threads = [threading.Thread(target=watcher, args=(log,)) for log in logs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert http.messages() == [
            f"notice for {ACCOUNT} (facebook): action needed",
            f"code for {ACCOUNT} (facebook) (enter it in Meta's form)",
            f"approved {ACCOUNT} (facebook) after 21m",
        ]
    finally:
        first.close()
        second.close()


def test_a_watcher_waits_its_turn_while_another_delivers(postgres: PostgresServer) -> None:
    ledger = Ledger.open(postgres.url)
    other = Ledger.open(postgres.url)
    try:
        mine, theirs = EventLog(ledger.engine), EventLog(other.engine)
        with mine.delivery_turn("phone") as got:
            assert got
            with theirs.delivery_turn("phone") as also:
                assert not also
            with theirs.delivery_turn("mail") as different_target:
                assert different_target
        with theirs.delivery_turn("phone") as after:
            assert after
    finally:
        ledger.close()
        other.close()
