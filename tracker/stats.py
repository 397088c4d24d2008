"""Pure turnaround statistics over plain numbers (seconds)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from tracker.domain import ACCOUNT_STATES, AccountReport
from tracker.lifecycle import Lifecycle

# When too few objections have been decided to say what is usual, this is how long Meta was
# reported to take at most (about 24 hours, Italy 2025).
FALLBACK_USUAL_SECONDS = 24 * 3600
MIN_SAMPLES_FOR_USUAL = 5


@dataclass(frozen=True, slots=True)
class Summary:
    """count, min, median, p90 and max of a set of durations in seconds."""

    count: int
    min: float | None
    median: float | None
    p90: float | None
    max: float | None


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Return the `fraction` quantile of sorted values, linearly interpolated (numpy's default)."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    position = (len(sorted_values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return float(sorted_values[low])
    weight = position - low
    return sorted_values[low] * (1 - weight) + sorted_values[high] * weight


def summarize(values: Sequence[float]) -> Summary:
    """Return the summary statistics of `values` (all None when there are none)."""
    ordered = sorted(values)
    if not ordered:
        return Summary(0, None, None, None, None)
    return Summary(
        count=len(ordered),
        min=ordered[0],
        median=percentile(ordered, 0.5),
        p90=percentile(ordered, 0.9),
        max=ordered[-1],
    )


def usual_wait_seconds(turnarounds: Sequence[float]) -> float:
    """Return how long a decision usually takes at most: the p90, or 24 h with too few samples."""
    if len(turnarounds) < MIN_SAMPLES_FOR_USUAL:
        return FALLBACK_USUAL_SECONDS
    return max(percentile(sorted(turnarounds), 0.9), 60.0)


# Histogram buckets that match how people think about waiting for Meta.
BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 5 min", 5 * 60),
    ("5-15 min", 15 * 60),
    ("15-30 min", 30 * 60),
    ("30-60 min", 3600),
    ("1-6 h", 6 * 3600),
    ("6-24 h", 24 * 3600),
    ("1-7 days", 7 * 86400),
    (">= 7 days", math.inf),
)


def histogram(values: Sequence[float]) -> list[tuple[str, int]]:
    """Return (bucket label, count) for every bucket, in order, empty ones included."""
    counts = [0] * len(BUCKETS)
    for value in values:
        for index, (_, upper) in enumerate(BUCKETS):
            if value < upper:
                counts[index] += 1
                break
    return [(label, count) for (label, _), count in zip(BUCKETS, counts, strict=True)]


def format_duration(seconds: float | None) -> str:
    """Return a short human duration: '21m', '1h 05m', '2d 3h', '-' for None."""
    if seconds is None:
        return "-"
    seconds = round(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{sign}{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{sign}{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{sign}{days}d {hours}h"


def build_stats(lifecycles: Sequence[tuple[AccountReport, Lifecycle]], *, now: datetime) -> dict:
    """Return every statistic `tracker stats` shows, as plain JSON-ready values."""
    decided = [(r, life) for r, life in lifecycles if r.turnaround_seconds is not None]
    turnarounds = [r.turnaround_seconds for r, _ in decided if r.turnaround_seconds is not None]
    platforms = sorted({r.platform or "unknown" for r, _ in decided})
    per_platform = {
        p: asdict(
            summarize(
                [
                    t
                    for r, _ in decided
                    if (r.platform or "unknown") == p
                    if (t := r.turnaround_seconds) is not None
                ]
            )
        )
        for p in platforms
    }
    delays = [d for _, life in lifecycles if (d := life.objection_delay_seconds) is not None]
    usual = usual_wait_seconds(turnarounds)
    waiting = sorted(
        (
            {
                "account": r.account,
                "platform": r.platform,
                "submitted_at": r.submitted_at.isoformat(),
                "waiting_seconds": (now - r.submitted_at).total_seconds(),
            }
            for r, _ in lifecycles
            if r.state == "pending"
            and r.submitted_at is not None
            and (now - r.submitted_at).total_seconds() > usual
        ),
        key=lambda w: -float(w["waiting_seconds"] or 0),
    )
    return {
        "turnaround": asdict(summarize(turnarounds)),
        "turnaround_by_platform": per_platform,
        "turnaround_histogram": [{"bucket": b, "count": c} for b, c in histogram(turnarounds)],
        "notice_to_objection": asdict(summarize(delays)),
        "usual_wait_seconds": usual,
        "waiting_longer_than_usual": waiting,
        "states": {
            state: sum(1 for r, _ in lifecycles if r.state == state) for state in ACCOUNT_STATES
        },
    }
