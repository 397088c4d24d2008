"""Pure lifecycle rules: an account's trusted messages in, its state and turnaround out."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tracker.domain import (
    DECISION_KINDS,
    SUBMISSION_KINDS,
    UNKNOWN_CODE_DECISION_WINDOW,
    AccountReport,
    AccountState,
    EventSource,
    LifecycleEvent,
)

# At the same instant, a submission comes before the decision that answers it.
_ORDER = {"notice": 0, "code": 1, "received": 1, "info_requested": 2, "approved": 3, "rejected": 3}
_OPEN_STATES = frozenset({"notified", "pending", "info_requested"})


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """The fold's result for one account, before it is labelled with address and platform."""

    state: AccountState
    notified_at: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None
    first_submitted_at: datetime | None
    form_link: str | None = None
    reference: str | None = None
    source: EventSource = "mail"

    @property
    def turnaround_seconds(self) -> float | None:
        """Return decision time minus the latest submission before it, in seconds."""
        if self.decided_at is None or self.submitted_at is None:
            return None
        return (self.decided_at - self.submitted_at).total_seconds()

    @property
    def objection_delay_seconds(self) -> float | None:
        """Return how long after the notice the objection was first submitted, in seconds."""
        if self.notified_at is None or self.first_submitted_at is None:
            return None
        return (self.first_submitted_at - self.notified_at).total_seconds()


def _sort_key(event: LifecycleEvent) -> tuple[object, ...]:
    # Every field takes part, so any permutation of the same events folds the same way.
    return (
        event.sent_at,
        _ORDER.get(event.kind, 0),
        event.kind,
        event.purpose or "",
        event.detail or "",
        event.source,
    )


def fold_lifecycle(events: Iterable[LifecycleEvent]) -> Lifecycle:
    """Return an account's lifecycle from its trusted messages and corrections, in any order.

    A submission after a decision opens a new round (the user objected again), so the account
    is pending until that round is decided. A code whose mail names neither a login nor the
    objection counts as the objection's code only while the flow is open (a notice seen and
    no decision since) or when a decision follows it within 48 hours; a login code never counts.
    """
    ordered = sorted(events, key=_sort_key)
    decisions = [e.sent_at for e in ordered if e.kind in DECISION_KINDS]
    state: AccountState = "no_notice"
    notified_at = submitted_at = decided_at = first_submitted_at = None
    form_link = reference = None
    source: EventSource = "mail"
    for event in ordered:
        if event.kind == "code" and event.purpose == "login":
            continue
        if event.kind == "code" and event.purpose == "unknown":
            flow_open = notified_at is not None and state in _OPEN_STATES
            if not flow_open and not _decided_within(decisions, event.sent_at):
                continue
        if event.kind == "notice":
            notified_at = notified_at or event.sent_at
            form_link = event.detail or form_link
            if state == "no_notice":
                state, source = "notified", event.source
        elif event.kind in SUBMISSION_KINDS:
            if decided_at is not None:
                decided_at = None
            submitted_at = event.sent_at
            if first_submitted_at is None or (
                notified_at is not None and first_submitted_at < notified_at
            ):
                first_submitted_at = event.sent_at
            state, source = "pending", event.source
        elif event.kind == "info_requested":
            decided_at = None
            reference = event.detail or reference
            state, source = "info_requested", event.source
        elif event.kind in DECISION_KINDS:
            decided_at = event.sent_at
            state, source = event.kind, event.source  # type: ignore[assignment]
    return Lifecycle(
        state,
        notified_at,
        submitted_at,
        decided_at,
        first_submitted_at,
        form_link=form_link,
        reference=reference,
        source=source,
    )


def _decided_within(decisions: list[datetime], sent_at: datetime) -> bool:
    i = bisect_left(decisions, sent_at)
    return i < len(decisions) and decisions[i] - sent_at <= UNKNOWN_CODE_DECISION_WINDOW


def report_account(
    address: str, platform: str | None, events: Iterable[LifecycleEvent]
) -> tuple[AccountReport, Lifecycle]:
    """Return the report line of one account, with the lifecycle it was made from."""
    life = fold_lifecycle(events)
    return (
        AccountReport(
            account=address,
            platform=platform,
            state=life.state,
            notified_at=life.notified_at,
            submitted_at=life.submitted_at,
            decided_at=life.decided_at,
            turnaround_seconds=life.turnaround_seconds,
            form_link=life.form_link if life.state == "notified" else None,
            reference=life.reference if life.state == "info_requested" else None,
            source=life.source,
        ),
        life,
    )
