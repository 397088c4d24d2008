"""Pure event rules: an account's messages in recording order in, the changes that matter out.

An event is what changed when one message was added: the account's folded lifecycle before it
and after it are compared (`tracker.lifecycle`), so a state added to the fold is announced
without a rule here. Each event names the message that caused it; the ledger keys events on
account + event + message, so deriving the same history again yields nothing new.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from tracker.domain import DECISION_EVENTS, KIND_EVENTS, STATE_EVENTS, Event, LifecycleEvent
from tracker.lifecycle import Lifecycle, fold_lifecycle
from tracker.stats import format_duration, percentile


@dataclass(frozen=True, slots=True)
class FlowMessage:
    """One trusted message of an account, as event derivation needs it."""

    message_id: int
    key: str  # the message's ledger key (Message-ID or sha256 of the bytes)
    kind: str
    sent_at: datetime
    purpose: str | None = None  # a code's purpose
    detail: str | None = None  # a notice's form link, an info request's case number

    def lifecycle_event(self) -> LifecycleEvent:
        """Return the message as the fold takes it, with whichever fields the fold knows."""
        values = {"kind": self.kind, "sent_at": self.sent_at}
        values.update(
            (name, getattr(self, name))
            for name in _FOLD_EXTRAS
            if name in {f.name for f in fields(LifecycleEvent)}
        )
        return LifecycleEvent(**values)  # type: ignore[arg-type]


# Message fields the fold may use besides kind and time (as `tracker.lifecycle` grows).
_FOLD_EXTRAS = ("purpose", "detail")


@dataclass(frozen=True, slots=True)
class DerivedEvent:
    """An event about to be recorded: which message caused it and what to say."""

    event: str
    source: str
    message_id: int | None
    at: datetime
    turnaround_seconds: float | None = None
    detail: str | None = None


def event_for(before: Lifecycle, after: Lifecycle, message: FlowMessage) -> DerivedEvent | None:
    """Return the event one message caused, given the lifecycle before and after it, or None.

    A code is its own event whenever it leaves the flow open (pending): the user is at the
    form. Otherwise a new state, or a new decision, is announced by the state's event.
    """
    if message.kind in KIND_EVENTS:
        name: str | None = message.kind
    elif message.kind == "code" and after.state == "pending" and after != before:
        name = "code"
    elif after.state != before.state or (
        after.state in DECISION_EVENTS and after.decided_at != before.decided_at
    ):
        name = None if after.state == "no_notice" else STATE_EVENTS.get(after.state, after.state)
    else:
        name = None
    if name is None:
        return None
    return DerivedEvent(
        event=name,
        source=message.key,
        message_id=message.message_id,
        at=message.sent_at,
        turnaround_seconds=after.turnaround_seconds if name in DECISION_EVENTS else None,
        detail=message.detail if name in ("notice", "info_requested") else None,
    )


def derive_events(messages: Sequence[FlowMessage]) -> list[DerivedEvent]:
    """Return every event of an account whose messages were recorded in this order.

    The result depends only on the messages and their order, so running it again after a
    crash, a restart or a reconciliation gives the same events (and the same keys).
    """
    found: list[DerivedEvent] = []
    applied: list[LifecycleEvent] = []
    before = fold_lifecycle(applied)
    for message in messages:
        applied.append(message.lifecycle_event())
        after = fold_lifecycle(applied)
        derived = event_for(before, after, message)
        if derived is not None:
            found.append(derived)
        before = after
    return found


def event_key(account_id: int | None, event: str, source: str) -> str:
    """Return the unique key of an event: the same change always gets the same key."""
    return f"{account_id if account_id is not None else '-'}:{event}:{source}"


# -- stuck ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StuckRule:
    """When a pending objection counts as stuck: past this percentile of its platform's own
    turnarounds, or `fallback_hours` while the platform has fewer than `min_history` of them."""

    percentile: float = 0.9
    fallback_hours: float = 48.0
    min_history: int = 3


def stuck_after_seconds(turnarounds: Sequence[float], rule: StuckRule) -> float:
    """Return how long a pending objection may wait before it is stuck, from its platform's history."""
    if len(turnarounds) < max(1, rule.min_history):
        return rule.fallback_hours * 3600
    return percentile(sorted(turnarounds), rule.percentile)


# -- words -------------------------------------------------------------------------------


def describe(event: Event, *, code: str | None = None) -> str:
    """Return one line saying what happened, naming account, platform and state; a code only
    when it is passed (opt-in per target)."""
    who = f"{event.account or 'unknown account'}" + (
        f" ({event.platform})" if event.platform else ""
    )
    match event.event:
        case "approved" | "rejected":
            after = (
                f" after {format_duration(event.turnaround_seconds)}"
                if event.turnaround_seconds is not None
                else ""
            )
            return f"{event.event} {who}{after}"
        case "code":
            shown = f": {code}" if code else ""
            return f"code for {who}{shown} (enter it in Meta's form)"
        case "notice":
            link = f": object at {event.detail}" if event.detail else ""
            return f"notice for {who}: action needed{link}"
        case "submitted":
            return f"submitted {who}: waiting for Meta"
        case "info_requested":
            case = f" (case {event.detail})" if event.detail else ""
            return f"info_requested {who}: Meta asks for more information{case}"
        case "stuck":
            return f"stuck {who}: {event.detail or 'pending for longer than usual'}"
        case "digest":
            return (event.detail or "digest").splitlines()[0]
        case "unrecognised":
            return f"unrecognised mail from Meta for {who}: see `tracker review`"
        case other:
            return f"{other} {who}"


def event_to_dict(event: Event) -> dict[str, object]:
    """Return the fields `events --json` prints and a `command` target gets on stdin."""
    return {
        "id": event.id,
        "event": event.event,
        "account": event.account,
        "platform": event.platform,
        "at": event.at.isoformat(),
        "turnaround_seconds": event.turnaround_seconds,
        "detail": event.detail,
    }


_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, *, now: datetime) -> datetime:
    """Return the moment `text` names: an ISO date or time (UTC unless it says), or an age
    such as `2h`, `3d`, `1w`; ValueError otherwise."""
    relative = _RELATIVE.match(text)
    if relative:
        return now - timedelta(seconds=float(relative.group(1)) * _UNITS[relative.group(2)])
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
