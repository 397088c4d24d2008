"""Pure lifecycle rules: an account's trusted messages in, its state and turnaround out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tracker.domain import (
    DECISION_KINDS,
    SUBMISSION_KINDS,
    AccountReport,
    AccountState,
    LifecycleEvent,
)

# At the same instant, a submission comes before the decision that answers it.
_ORDER = {"notice": 0, "code": 1, "received": 1, "approved": 2, "rejected": 2}


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """The fold's result for one account, before it is labelled with address and platform."""

    state: AccountState
    notified_at: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None
    first_submitted_at: datetime | None

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


def fold_lifecycle(events: Iterable[LifecycleEvent]) -> Lifecycle:
    """Return an account's lifecycle from its trusted messages, in any order.

    A submission after a decision opens a new round (the user objected again), so the account
    is pending until that round is decided.
    """
    state: AccountState = "no_notice"
    notified_at = submitted_at = decided_at = first_submitted_at = None
    for event in sorted(events, key=lambda e: (e.sent_at, _ORDER.get(e.kind, 0))):
        if event.kind == "notice":
            notified_at = notified_at or event.sent_at
            if state == "no_notice":
                state = "notified"
        elif event.kind in SUBMISSION_KINDS:
            if decided_at is not None:
                decided_at = None
            submitted_at = event.sent_at
            if first_submitted_at is None or (
                notified_at is not None and first_submitted_at < notified_at
            ):
                first_submitted_at = event.sent_at
            state = "pending"
        elif event.kind in DECISION_KINDS:
            decided_at = event.sent_at
            state = event.kind  # type: ignore[assignment]
    return Lifecycle(state, notified_at, submitted_at, decided_at, first_submitted_at)


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
        ),
        life,
    )
