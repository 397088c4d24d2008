"""`tracker report --html`: one self-contained page (no network, no JavaScript) for a person.

Accounts by state with what to do next, a timeline per account, the turnaround histogram and
per-platform figures as inline SVG. Pure: report values in, an HTML string out. Every value
from the ledger is escaped; codes are never shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from tracker.domain import ACCOUNT_STATES, AccountReport, Event
from tracker.lifecycle import Lifecycle
from tracker.render import STATE_TITLES
from tracker.stats import build_stats, format_duration

# What the user should do next, per state; a state added later gets a neutral line.
NEXT_STEPS = {
    "notified": "Object now with Meta's form; tracker shows the confirmation code when it arrives.",
    "info_requested": "Meta asks for more information: answer their mail.",
    "pending": "Nothing to do: wait for Meta's decision.",
    "rejected": "Declined: you may object again or ask your data protection authority.",
    "approved": "Done: Meta will honour your objection.",
    "no_notice": "No notice seen: you can still object with Meta's form.",
}
# States in the order a person wants to read them: what needs action first.
STATE_ORDER = ("notified", "info_requested", "pending", "rejected", "approved", "no_notice")
STATE_COLOURS = {
    "notified": "#b45309",
    "info_requested": "#b45309",
    "pending": "#1d4ed8",
    "approved": "#15803d",
    "rejected": "#b91c1c",
    "no_notice": "#6b7280",
}

CSS = """
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; background: #f6f7f9; color: #111827; line-height: 1.45; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
.meta { color: #4b5563; font-size: .9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .5rem; }
.card { background: #fff; border-radius: .5rem; padding: .6rem .8rem; border-left: .35rem solid; }
.card b { display: block; font-size: 1.5rem; }
.account { background: #fff; border-radius: .5rem; padding: .6rem .8rem; margin: .4rem 0; overflow-wrap: anywhere; }
.account .next { margin: .25rem 0 0; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; color: #fff; font-size: .8rem; }
ol.timeline { list-style: none; padding: 0 0 0 .9rem; margin: .4rem 0 0; border-left: 2px solid #d1d5db; }
ol.timeline li { margin: .15rem 0; font-size: .9rem; }
ol.timeline time { color: #4b5563; font-variant-numeric: tabular-nums; margin-right: .4rem; }
figure { background: #fff; border-radius: .5rem; padding: .6rem; margin: .5rem 0; }
figure svg { width: 100%; max-width: 30rem; height: auto; display: block; }
figcaption { font-size: .9rem; color: #374151; margin-top: .3rem; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e5e7eb; }
.scroll { overflow-x: auto; }
footer { margin: 2rem 0 1rem; color: #4b5563; font-size: .85rem; }
"""


def _time(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _badge(state: str) -> str:
    colour = STATE_COLOURS.get(state, "#374151")
    return f'<span class="badge" style="background:{colour}">{escape(state)}</span>'


def histogram_svg(buckets: Sequence[tuple[str, int]], *, title: str) -> str:
    """Return a bar chart of (label, count) as inline SVG sized by its viewBox.

    Bars run sideways so the labels stay readable when a phone scales the chart down.
    """
    width, row, left, right = 420, 28, 92, 36
    height = len(buckets) * row + 8
    peak = max((count for _, count in buckets), default=0) or 1
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}" class="chart histogram">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="0" x2="{left}" y2="{height}" stroke="#9ca3af"/>',
    ]
    for index, (label, count) in enumerate(buckets):
        y = 4 + index * row
        bar = span * count / peak
        parts += [
            f'<text x="{left - 6}" y="{y + 18}" font-size="14" text-anchor="end"'
            f' fill="#374151">{escape(label)}</text>',
            f'<rect x="{left}" y="{y + 4}" width="{bar:.1f}" height="{row - 8}"'
            f' fill="#2563eb"><title>{escape(label)}: {count}</title></rect>',
            f'<text x="{left + bar + 5:.1f}" y="{y + 18}" font-size="14">{count}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def platform_svg(per_platform: dict[str, dict[str, float | int | None]]) -> str:
    """Return median and p90 turnaround per platform as horizontal bars (inline SVG)."""
    rows = [(p, s) for p, s in sorted(per_platform.items()) if s.get("count")]
    width, row_height = 420, 54
    height = max(len(rows), 1) * row_height + 8
    peak = max((float(s["p90"] or 0) for _, s in rows), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        ' aria-label="Turnaround per platform" class="chart platforms">',
        "<title>Turnaround per platform: median and p90</title>",
    ]
    if not rows:
        parts.append('<text x="4" y="30" font-size="14">No decisions yet.</text>')
    for index, (platform, summary) in enumerate(rows):
        y = 4 + index * row_height
        median = float(summary["median"] or 0)
        p90 = float(summary["p90"] or 0)
        span = width - 8
        parts += [
            f'<text x="4" y="{y + 16}" font-size="14">{escape(platform)}: median'
            f" {escape(format_duration(median))}, p90 {escape(format_duration(p90))}"
            f" ({summary['count']} decisions)</text>",
            f'<rect x="4" y="{y + 24}" width="{span * p90 / peak:.1f}" height="20"'
            ' fill="#bfdbfe"><title>p90</title></rect>',
            f'<rect x="4" y="{y + 24}" width="{span * median / peak:.1f}" height="20"'
            ' fill="#2563eb"><title>median</title></rect>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def render_html(
    lifecycles: Sequence[tuple[AccountReport, Lifecycle]],
    events: Sequence[Event],
    *,
    now: datetime,
    awaiting_review: int = 0,
) -> str:
    """Return the whole report page."""
    reports = [report for report, _ in lifecycles]
    stats = build_stats(lifecycles, now=now)
    by_state: dict[str, list[AccountReport]] = defaultdict(list)
    for report in reports:
        by_state[report.state].append(report)
    timeline: dict[tuple[str, str | None], list[Event]] = defaultdict(list)
    for event in events:
        if event.account is not None:
            timeline[(event.account, event.platform)].append(event)
    states = [s for s in STATE_ORDER if s in by_state] + sorted(
        s for s in by_state if s not in STATE_ORDER
    )
    body: list[str] = [
        "<header><h1>Objections to AI at Meta</h1>",
        f'<p class="meta">{len(reports)} account(s); generated {_time(now)} UTC by tracker.</p>',
        '<div class="cards">',
    ]
    for state in [*STATE_ORDER, *(s for s in ACCOUNT_STATES if s not in STATE_ORDER)]:
        count = len(by_state.get(state, ()))
        if count or state in ACCOUNT_STATES:
            colour = STATE_COLOURS.get(state, "#374151")
            body.append(
                f'<div class="card" style="border-color:{colour}"><b>{count}</b>'
                f"{escape(state)}</div>"
            )
    body.append("</div></header>")

    turnaround = stats["turnaround"]
    histogram = [(b["bucket"], b["count"]) for b in stats["turnaround_histogram"]]
    body += [
        '<section id="turnaround"><h2>How long Meta takes</h2>',
        f"<p>{turnaround['count']} decision(s): median "
        f"{escape(format_duration(turnaround['median']))}, p90 "
        f"{escape(format_duration(turnaround['p90']))}, longest "
        f"{escape(format_duration(turnaround['max']))}.</p>",
        "<figure>",
        histogram_svg(histogram, title="Turnaround histogram"),
        "<figcaption>Turnaround: time from the objection to Meta's decision.</figcaption>",
        "</figure>",
        "<h3>Per platform</h3><figure>",
        platform_svg(stats["turnaround_by_platform"]),
        "<figcaption>Dark: median; light: p90.</figcaption></figure>",
        '<div class="scroll"><table><thead><tr><th>platform</th><th>decisions</th>'
        "<th>min</th><th>median</th><th>p90</th><th>max</th></tr></thead><tbody>",
    ]
    for platform, summary in sorted(stats["turnaround_by_platform"].items()):
        cells = "".join(
            f"<td>{escape(format_duration(summary[key]))}</td>"
            for key in ("min", "median", "p90", "max")
        )
        body.append(f"<tr><td>{escape(platform)}</td><td>{summary['count']}</td>{cells}</tr>")
    body.append("</tbody></table></div></section>")
    body.append('<section id="accounts"><h2>Accounts by state</h2>')
    if not reports:
        body.append("<p>No accounts yet: import mail or run <code>tracker watch</code>.</p>")
    for state in states:
        # A state added later is shown by its name.
        title = next((t for s, t in STATE_TITLES.items() if s == state), state)
        body.append(f'<h3 id="state-{escape(state)}">{escape(title)} ({len(by_state[state])})</h3>')
        for report in by_state[state]:
            body.append(_account_html(report, timeline.get((report.account, report.platform), [])))
    body.append("</section>")

    body.append(
        f"<footer>Mail awaiting review: {awaiting_review}. Codes are never shown here. "
        "Times are UTC.</footer>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>tracker report</title>"
        # No network: no external fonts, scripts or images; the policy says so to the browser.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';'
        " style-src 'unsafe-inline'; img-src data:\">"
        f"<style>{CSS}</style></head><body><main>{''.join(body)}</main></body></html>\n"
    )


def timeline_label(event: Event) -> str:
    """Return an event as one short timeline entry (the account is the heading already)."""
    match event.event:
        case "approved" | "rejected" if event.turnaround_seconds is not None:
            return f"{event.event} after {format_duration(event.turnaround_seconds)}"
        case "notice":
            return "notice: action needed"
        case "code":
            return "confirmation code arrived"
        case "submitted":
            return "objection received by Meta"
        case "stuck":
            return f"stuck: {event.detail}" if event.detail else "stuck"
        case other:
            return other


def _account_html(report: AccountReport, events: Sequence[Event]) -> str:
    next_step = escape(NEXT_STEPS.get(report.state, "See the timeline below."))
    form = next((e.detail for e in reversed(events) if e.event == "notice" and e.detail), None)
    if report.state == "notified" and form and form.startswith("https://"):
        # Meta's form, from the notice itself: one tap from the report to objecting.
        next_step += f' <a href="{escape(form)}" rel="noreferrer">Open Meta\'s form</a>'
    items = [
        f'<li><time datetime="{event.at.isoformat()}">{_time(event.at)}</time>'
        f"{escape(timeline_label(event))}</li>"
        for event in events
    ]
    if not items:  # no events (a ledger older than them): the report's own dates
        for label, value in (
            ("notice", report.notified_at),
            ("objection", report.submitted_at),
            ("decision", report.decided_at),
        ):
            if value is not None:
                items.append(f"<li><time>{_time(value)}</time>{label}</li>")
    timeline = f'<ol class="timeline">{"".join(items)}</ol>' if items else ""
    turnaround = (
        f" · decided after {escape(format_duration(report.turnaround_seconds))}"
        if report.turnaround_seconds is not None
        else ""
    )
    return (
        f'<article class="account"><strong>{escape(report.account)}</strong> '
        f"({escape(report.platform or 'unknown')}) {_badge(report.state)}{turnaround}"
        f'<p class="next">Next: {next_step}</p>{timeline}</article>'
    )
