"""Sending events to notification targets (apprise URLs or a command), from the outbox.

Each target is worked on its own (its own scheduled job): in event order, one delivery at a
time; a failure backs that target off (exponential, with jitter) and leaves every other
target and the recording of mail alone. A delivery is marked done only after the target
accepted it, so a crash repeats at most that one delivery and never a completed one.
Nothing logged or stored names a URL's secrets: targets are called by their label, and
apprise's messages are scrubbed of every part of the URL its privacy form hides.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from tracker.daemon import backoff_delay
from tracker.domain import Event
from tracker.events import describe, event_to_dict
from tracker.ledger.eventlog import EventLog
from tracker.notify_config import NotifyTarget

log = logging.getLogger(__name__)
# apprise logs each failure with its own words (and, at debug, request details); what matters
# reaches tracker's log through `send`'s scrubbed result, so apprise itself stays silent.
_apprise_log = logging.getLogger("apprise")
_apprise_log.addHandler(logging.NullHandler())
_apprise_log.propagate = False

# Events about mail sent longer ago than this are history (an old mailbox read for the first
# time), kept in the ledger but not announced.
NOTIFY_MAX_AGE = timedelta(days=7)
# Deliveries one job run makes to one target before yielding to the next run.
MAX_PER_RUN = 50


@dataclass(frozen=True, slots=True)
class SendResult:
    """Whether a target accepted a message, and why not (one line, no secrets)."""

    ok: bool
    detail: str = ""


def message_for(event: Event, *, code: str | None = None) -> tuple[str, str]:
    """Return (title, body) of the notification for `event`."""
    if event.event == "digest":
        return "tracker: weekly digest", event.detail or "nothing to report"
    return f"tracker: {event.event}", describe(event, code=code)


def payload_for(event: Event, *, code: str | None = None) -> dict[str, object]:
    """Return what a `command` target reads on stdin: the `events --json` fields, the message,
    and the code only when the target opted in."""
    payload = event_to_dict(event)
    payload["message"] = message_for(event, code=code)[1]
    if code is not None:
        payload["code"] = code
    return payload


_SPLIT = re.compile(r"[:/@?&=,;+#%\s]+")


def secrets_of(target: NotifyTarget) -> list[str]:
    """Return the parts of the target's URLs that apprise's privacy form hides (tokens,
    passwords, keys), longest first, for scrubbing."""
    if not target.urls:
        return []
    import apprise

    hidden: set[str] = set()
    for url in target.urls:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
        shown = set(_SPLIT.split(unquote(plugin.url(privacy=True)))) if plugin else set()
        hidden.update(
            p
            for p in _SPLIT.split(unquote(url)) + _SPLIT.split(url)
            if len(p) >= 3 and p not in shown
        )
        hidden.add(url)
    return sorted(hidden, key=len, reverse=True)


def scrub(text: str, secrets: Sequence[str]) -> str:
    """Return `text` with every secret replaced by ***."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def send(target: NotifyTarget, title: str, body: str, payload: dict[str, object]) -> SendResult:
    """Send one message to `target`; never raises."""
    if target.command:
        return _run_command(target, payload)
    import apprise

    secrets = secrets_of(target)
    notifier = apprise.Apprise()
    for url in target.urls:
        notifier.add(url)
    try:
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            ok = bool(notifier.notify(body=body, title=title))
        lines = [line for line in captured.getvalue().splitlines() if line.strip()]
    except Exception as err:  # a plugin bug must not stop the delivery loop
        return SendResult(False, scrub(f"{type(err).__name__}: {err}", secrets)[:300])
    # The first warning says what failed ("Connection error ..."), later ones how.
    detail = scrub("; ".join(line.strip() for line in lines[:2]), secrets)[:300]
    return SendResult(ok, "" if ok else detail or "the service refused the notification")


def _run_command(target: NotifyTarget, payload: dict[str, object]) -> SendResult:
    try:
        result = subprocess.run(
            list(target.command),
            input=(json.dumps(payload, ensure_ascii=False) + "\n").encode(),
            capture_output=True,
            timeout=target.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return SendResult(False, f"did not finish within {target.timeout_seconds:g} s")
    except OSError as err:
        return SendResult(False, f"cannot run: {err.strerror or err}")
    if result.returncode == 0:
        return SendResult(True)
    lines = result.stderr.decode(errors="replace").strip().splitlines()
    tail = f": {lines[-1][:200]}" if lines else ""
    return SendResult(False, f"exit status {result.returncode}{tail}")


def deliver_pending(
    events: EventLog,
    target: NotifyTarget,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    sender: Callable[[NotifyTarget, str, str, dict[str, object]], SendResult] = send,
    max_age: timedelta = NOTIFY_MAX_AGE,
) -> int:
    """Queue `target`'s new events and deliver what is due, in order; return how many went out.

    Stops at the first failure (so order is kept), which is retried after a backoff. Returns
    0 at once while another watcher on the same ledger is delivering for this target.
    """
    with events.delivery_turn(target.id) as mine:
        if not mine:
            return 0
        return _deliver_due(events, target, now=now, sender=sender, max_age=max_age)


def _deliver_due(
    events: EventLog,
    target: NotifyTarget,
    *,
    now: Callable[[], datetime],
    sender: Callable[[NotifyTarget, str, str, dict[str, object]], SendResult],
    max_age: timedelta,
) -> int:
    events.fill_outbox(target.id, target.events, max_age=max_age, now=now())
    delivered = 0
    for _ in range(MAX_PER_RUN):
        item = events.next_delivery(target.id)
        if item is None:
            break
        outbox_id, attempts, event, due = item
        if due > now():
            break
        code = events.code_of_event(event.id) if target.include_code else None
        if target.include_code and event.event == "code" and code is None:
            code = None  # wiped already (24 h): the message says a code came, not which
        title, body = message_for(event, code=code)
        result = sender(target, title, body, payload_for(event, code=code))
        if result.ok:
            events.mark_delivered(outbox_id, now=now())
            delivered += 1
            if attempts:
                log.warning(
                    "Notify %s: delivered again after %d failed attempt(s)", target.label, attempts
                )
            log.info("Notify %s: sent %s (event %d)", target.label, event.event, event.id)
            continue
        delay = backoff_delay(
            attempts + 1, initial=target.retry_initial_seconds, cap=target.retry_max_seconds
        )
        events.mark_failed(outbox_id, result.detail, now() + timedelta(seconds=delay))
        # One warning when a target goes down, then debug lines per retry.
        level = logging.WARNING if attempts == 0 else logging.DEBUG
        log.log(
            level,
            "Notify %s: cannot deliver %s (event %d): %s; retrying in %.1f s",
            target.label,
            event.event,
            event.id,
            result.detail,
            delay,
        )
        break
    return delivered


def notify_check_text(target: NotifyTarget, result: SendResult) -> str:
    """Return one target's `config check` lines."""
    outcome = "test message sent" if result.ok else result.detail
    return f"Notify {target.label}:\n  {'ok  ' if result.ok else 'FAIL'} {outcome}\n"


def notify_check_to_dict(target: NotifyTarget, result: SendResult) -> dict[str, object]:
    """Return one target's `config check --json` object."""
    return {"notify": target.label, "ok": result.ok, "detail": result.detail}


def test_targets(
    targets: Sequence[NotifyTarget],
    *,
    sender: Callable[[NotifyTarget, str, str, dict[str, object]], SendResult] = send,
) -> list[tuple[NotifyTarget, SendResult]]:
    """Send a test message to every target; return each one's result (nothing is recorded)."""
    now = datetime.now(UTC)
    sample = Event(
        id=0,
        event="test",
        account=None,
        platform=None,
        at=now,
        turnaround_seconds=None,
        detail="a test message from `tracker notify test`",
        recorded_at=now,
    )
    payload = {**event_to_dict(sample), "message": "tracker: test notification"}
    return [
        (target, sender(target, "tracker: test", "tracker: test notification", payload))
        for target in targets
    ]


test_targets.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
