"""A message's time: its Date, unless the Date cannot be right. Pure.

A Date is the sender's claim. One more than a day after the mail was received, or outside
2000-2100, is replaced by the received time the source supplies, so a decision can never be
dated after the moment it was read (a decline dated 2099 would otherwise outrank every later
genuine mail), and no date is ever too large to add a code's validity to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.domain import ReceivedTime, TimeSource

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive: years 2000-2100
# Clocks drift and time zones get written wrong; a Date up to this far ahead is believed.
MAX_AHEAD = timedelta(days=1)


def plausible(moment: datetime) -> bool:
    """Return True if `moment` lies in the years 2000-2100."""
    return EARLIEST <= moment < LATEST


def settle_sent_at(
    date: datetime | None, date_problem: str | None, received: ReceivedTime | None
) -> tuple[datetime | None, TimeSource | None, str | None]:
    """Return (time, where it came from, problem) for a message.

    `date` is the parsed Date header (None with `date_problem` saying why); `received` the
    source's received time, if it has one. The problem is only set when no time is usable.
    """
    usable = received if received is not None and plausible(received.at) else None
    if date is not None and plausible(date) and (usable is None or date <= usable.at + MAX_AHEAD):
        return date, "date", None
    if usable is not None:
        return usable.at, usable.source, None
    if date is not None:
        return None, None, "Date header outside the years 2000-2100"
    return None, None, date_problem or "no Date header"
