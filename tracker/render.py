"""Turning domain values into text: tables for people, JSON and CSV for programs."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tracker.domain import (
    ACCOUNT_STATES,
    PARSE_FIELDS,
    REPORT_FIELDS,
    AccountReport,
    AccountState,
    CodeRecord,
    ParsedEmail,
    ReviewItem,
)
from tracker.stats import Summary, format_duration

if TYPE_CHECKING:
    from tracker.check import MailboxCheck
    from tracker.ledger.repo import LedgerSummary, RecordCounts
    from tracker.rescan import RescanResult
    from tracker.sync import FolderSync, MailboxSync

# Action needed first, settled last.
REPORT_STATE_ORDER: tuple[AccountState, ...] = (
    "notified",
    "info_requested",
    "no_notice",
    "pending",
    "rejected",
    "approved",
)
STATE_TITLES: dict[AccountState, str] = {
    "no_notice": "No notice seen (added by hand): object if you want to",
    "notified": "Notified, not objected yet: action needed",
    "pending": "Objection submitted, waiting for Meta",
    "info_requested": "Meta asked for more: reply to their mail",
    "approved": "Objection approved",
    "rejected": "Objection rejected",
}


def plural(count: int, word: str, many: str | None = None) -> str:
    """Return '1 account', '2 accounts' (`many` for irregular plurals)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def iso(value: datetime | None) -> str | None:
    """Return an ISO 8601 timestamp (UTC offset included), or None."""
    return value.isoformat() if value else None


def _plain(value: Any) -> Any:
    """Return a field's JSON value: timestamps as ISO 8601 text, the rest as it is."""
    return value.isoformat() if isinstance(value, datetime) else value


def parsed_to_dict(parsed: ParsedEmail, file: str) -> dict[str, Any]:
    """Return the `tracker parse --json` object of one file."""
    record: dict[str, Any] = {"file": file}
    record.update((name, _plain(getattr(parsed, name))) for name in PARSE_FIELDS)
    if parsed.trust_reason and parsed.platform:
        record["trust_reason"] = parsed.trust_reason
    if parsed.error:
        record["error"] = parsed.error
    return record


def report_to_dict(report: AccountReport) -> dict[str, Any]:
    """Return the `tracker report --json` object of one account."""
    return {name: _plain(getattr(report, name)) for name in REPORT_FIELDS}


def review_to_dict(item: ReviewItem) -> dict[str, Any]:
    """Return the `tracker review --json` object of one message awaiting review."""
    return {
        "id": item.id,
        "account": item.account,
        "platform": item.platform,
        "sent_at": iso(item.sent_at),
        "subject": item.subject,
        "reason": item.reason,
    }


def code_to_dict(code: CodeRecord, *, now: datetime) -> dict[str, Any]:
    """Return the `tracker code --json` object."""
    return {
        "code": code.code,
        "account": code.account,
        "platform": code.platform,
        "purpose": code.purpose,
        "sent_at": iso(code.sent_at),
        "expires_at": iso(code.expires_at),
        "expired": code.expires_at <= now,
        "verified": code.verified,
    }


def no_code_text(*, account: str | None, platform: str | None, include_expired: bool) -> str:
    """Return why `tracker code` has nothing to print, with the scope it looked in."""
    scope = " ".join(filter(None, [account and f"for {account}", platform and f"on {platform}"]))
    what = "no code" if include_expired else "no unexpired code"
    return f"{what} {scope}".strip() + ("" if include_expired else " (try --include-expired)")


def json_list(records: Iterable[dict[str, Any]]) -> str:
    """Return a JSON list with one compact object per line.

    Readable, and fast: `json.dumps(..., indent=2)` falls back to the pure-Python encoder, which
    took two thirds of `tracker report --json` on 100,000 accounts.
    """
    lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    return f"[\n{lines}\n]\n" if lines else "[]\n"


def json_lines(records: Iterable[dict[str, Any]]) -> str:
    """Return one compact JSON object per line."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, max_width: int | None = None
) -> str:
    """Return a plain aligned text table.

    With `max_width`, cells of the first column (names, addresses) are cut short with "…"
    so that no line is longer.
    """
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    if max_width is not None:
        others = sum(widths[1:]) + 2 * (len(widths) - 1)
        first = max(len(cells[0][0]), max_width - others)
        if widths[0] > first:
            widths[0] = first
            for row in cells:
                if len(row[0]) > first:
                    row[0] = row[0][: first - 1] + "…"
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def report_csv(reports: Iterable[AccountReport]) -> str:
    """Return the report as CSV with a header row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for report in reports:
        writer.writerow(report_to_dict(report))
    return out.getvalue()


# The text report is read in a terminal: it must fit in this many columns.
REPORT_WIDTH = 100

# Which times each state's table shows: what matters at that step, no empty columns.
_STATE_COLUMNS: dict[AccountState, tuple[str, ...]] = {
    "notified": ("notified", "waiting"),
    "info_requested": ("notified", "submitted", "waiting"),
    "no_notice": (),
    "pending": ("notified", "waiting since", "waiting"),
    "rejected": ("submitted", "decided", "turnaround"),
    "approved": ("submitted", "decided", "turnaround"),
}


def report_text(
    reports: Sequence[AccountReport],
    *,
    untrusted: int = 0,
    now: datetime,
    local: bool = True,
    awaiting_review: int = 0,
) -> str:
    """Return the report for people: one table per state, action needed first.

    Times are local (each with its own date's offset, so summer and winter time are both
    right) or, without `local`, UTC; the zones are named under the tables. "waiting" counts
    from the notice (notified) or the objection (pending) up to `now`.
    """
    review_line = (
        f"{plural(awaiting_review, 'message')} from Meta awaiting review: see `tracker review`.\n"
        if awaiting_review
        else ""
    )
    if not reports:
        return (
            "No accounts yet. Import mail with `tracker import PATH`,\n"
            "or add one with `tracker account add`.\n" + review_line
        )
    zones: set[str] = set()

    def when(value: datetime | None) -> str:
        if value is None:
            return "-"
        shown = value.astimezone() if local else value.astimezone(UTC)
        zones.add(shown.strftime("%Z") or shown.strftime("UTC%z"))
        return shown.strftime("%Y-%m-%d %H:%M")

    def since(value: datetime | None) -> str:
        return format_duration((now - value).total_seconds()) if value else "-"

    cell = {
        "notified": lambda r: when(r.notified_at),
        "waiting since": lambda r: when(r.submitted_at),
        "waiting": lambda r: since(r.submitted_at if r.state == "pending" else r.notified_at),
        "submitted": lambda r: when(r.submitted_at),
        "decided": lambda r: when(r.decided_at),
        "turnaround": lambda r: format_duration(r.turnaround_seconds),
    }
    parts = []
    for state in REPORT_STATE_ORDER:
        group = [r for r in reports if r.state == state]
        if not group:
            continue
        columns = _STATE_COLUMNS[state]
        rows = [
            (
                r.account if r.verified else f"{r.account} *",
                r.platform,
                *(cell[c](r) for c in columns),
            )
            for r in group
        ]
        parts.append(f"{STATE_TITLES[state]} ({len(group)})\n")
        parts.append(table(("account", "platform", *columns), rows, max_width=REPORT_WIDTH))
        for r in group:
            if state == "notified" and r.form_link:
                parts.append(f"  {r.account} ({r.platform}): open this to object: {r.form_link}\n")
            if state == "info_requested" and r.reference:
                parts.append(f"  {r.account} ({r.platform}): Meta's case number {r.reference}\n")
        parts.append("\n")
    counts = ", ".join(
        f"{sum(r.state == s for r in reports)} {s}"
        for s in ACCOUNT_STATES
        if any(r.state == s for r in reports)
    )
    parts.append(f"{plural(len(reports), 'account')}: {counts}.\n")
    if not local:
        parts.append("Times are UTC.\n")
    elif zones:
        parts.append(f"Times are local ({', '.join(sorted(zones))}); --utc shows UTC.\n")
    if not all(r.verified for r in reports):
        parts.append(
            "* unverified: counted from mail nobody could check (no verdict from your provider, "
            "DKIM key unreachable); see SECURITY.md.\n"
        )
    if untrusted:
        parts.append(
            f"Ignored {plural(untrusted, 'message')} that claimed to be Meta's "
            "but failed DKIM/DMARC.\n"
        )
    parts.append(review_line)
    return "".join(parts)


def summary_row(label: str, summary: Summary) -> tuple[str, ...]:
    """Return a stats table row: label, count, min, median, p90, max."""
    return (
        label,
        str(summary.count),
        format_duration(summary.min),
        format_duration(summary.median),
        format_duration(summary.p90),
        format_duration(summary.max),
    )


def histogram_text(buckets: Sequence[tuple[str, int]], *, width: int = 40) -> str:
    """Return a horizontal bar chart of (label, count) pairs."""
    most = max((count for _, count in buckets), default=0)
    label_width = max((len(label) for label, _ in buckets), default=0)
    lines = []
    for label, count in buckets:
        bar = "#" * (round(count / most * width) if most else 0)
        lines.append(f"{label.rjust(label_width)} | {bar} {count}".rstrip())
    return "\n".join(lines) + "\n"


def stats_text(stats: dict[str, Any]) -> str:
    """Return `tracker stats` for people: summary tables, a histogram, who waits too long."""
    headers = ("", "count", "min", "median", "p90", "max")
    rows = [summary_row("all platforms", Summary(**stats["turnaround"]))]
    rows += [
        summary_row(platform, Summary(**summary))
        for platform, summary in stats["turnaround_by_platform"].items()
    ]
    parts = [
        "Turnaround (latest code or acknowledgement -> decision)\n",
        table(headers, rows),
        "\n",
    ]
    if stats["turnaround"]["count"]:
        buckets = [(b["bucket"], b["count"]) for b in stats["turnaround_histogram"]]
        parts += ["Turnaround histogram\n", histogram_text(buckets), "\n"]
    parts += [
        "Notice -> objection delay\n",
        table(headers, [summary_row("all platforms", Summary(**stats["notice_to_objection"]))]),
        "\n",
    ]
    waiting = stats["waiting_longer_than_usual"]
    usual = format_duration(stats["usual_wait_seconds"])
    if waiting:
        parts.append(f"Waiting longer than usual (more than {usual}):\n")
        parts.append(
            table(
                ("account", "platform", "submitted", "waiting"),
                [
                    (
                        w["account"],
                        w["platform"],
                        w["submitted_at"][:16].replace("T", " "),
                        format_duration(w["waiting_seconds"]),
                    )
                    for w in waiting
                ],
            )
        )
    else:
        parts.append(f"No objection has been waiting longer than usual ({usual}).\n")
    drift = stats.get("review_drift") or []
    if drift:
        parts.append("\nMeta flow mail no rule recognised (went to `tracker review`), per month\n")
        parts.append(
            table(
                ("month", "flow mail", "to review", "share"),
                [
                    (d["month"], d["flow_messages"], d["unrecognised"], f"{d['review_share']:.0%}")
                    for d in drift
                ],
            )
        )
    return "".join(parts)


# -- parse, import ------------------------------------------------------------------------


def parsed_text(records: Sequence[dict[str, Any]]) -> str:
    """Return `tracker parse` for people: one table row per file."""
    headers = ("file", *PARSE_FIELDS[:5], "trusted", "error")
    rows = [
        (
            r["file"],
            r["kind"],
            r["platform"],
            r["account"],
            r["code"],
            r["sent_at"],
            "yes" if r["trusted"] else "no",
            r.get("error"),
        )
        for r in records
    ]
    return table(headers, rows)


def counts_to_dict(counts: RecordCounts) -> dict[str, int]:
    """Return the `tracker import --json` object."""
    return {
        "new": counts.new,
        "untrusted": counts.untrusted,
        "duplicate": counts.duplicate,
        "ignored": counts.ignored,
        "malformed": counts.malformed,
    }


def import_text(counts: RecordCounts) -> str:
    """Return `tracker import`'s one-line summary; forged mail is not counted as Meta's."""
    total = counts.new + counts.duplicate + counts.ignored + counts.malformed
    forged = (
        f"{counts.untrusted} claiming to be Meta's but not verified (recorded as untrusted), "
        if counts.untrusted
        else ""
    )
    return (
        f"Read {plural(total, 'message')}: {counts.new - counts.untrusted} new from Meta, {forged}"
        f"{counts.duplicate} already recorded, {counts.ignored} not Meta's objection mail, "
        f"{counts.malformed} malformed (skipped; see `tracker skipped`).\n"
    )


# -- mailboxes ----------------------------------------------------------------------------


def folder_sync_text(mailbox: str, done: FolderSync) -> str:
    """Return one `tracker sync` line: a folder's candidates, new and duplicate messages."""
    rescan = " (new UIDVALIDITY: rescanned)" if done.rescanned else ""
    return (
        f"Mailbox {mailbox}: {done.folder}: {plural(done.candidates, 'candidate')}, "
        f"{done.counts.new} new, {plural(done.counts.duplicate, 'duplicate')}{rescan}\n"
    )


def mailbox_sync_to_dict(result: MailboxSync) -> dict[str, Any]:
    """Return one mailbox's object in `tracker sync --json`."""
    return {
        "mailbox": result.mailbox,
        "ok": result.ok,
        "errors": [str(err) for err in result.errors],
        "folders": [
            {
                "folder": f.folder,
                "uidvalidity": f.uidvalidity,
                "last_uid": f.last_uid,
                "candidates": f.candidates,
                "fetched": f.fetched,
                "rescanned": f.rescanned,
                **counts_to_dict(f.counts),
            }
            for f in result.folders
        ],
    }


def mailbox_check_to_dict(report: MailboxCheck) -> dict[str, Any]:
    """Return one mailbox's object in `tracker config check --json`."""
    return {
        "mailbox": report.mailbox,
        "ok": report.ok,
        "checks": [
            {"check": c.name, "status": c.status, "detail": c.detail} for c in report.checks
        ],
    }


CHECK_MARKS = {"ok": "ok  ", "fail": "FAIL", "no": "no  ", "skip": "--  "}


def mailbox_check_text(report: MailboxCheck) -> str:
    """Return `tracker config check` for people: one line per check under the mailbox's name."""
    lines = [f"Mailbox {report.mailbox}:"]
    for check in report.checks:
        detail = f": {check.detail}" if check.detail else ""
        lines.append(f"  {CHECK_MARKS[check.status]} {check.name}{detail}")
    return "\n".join(lines) + "\n"


# -- accounts, skipped, status ------------------------------------------------------------


def accounts_text(reports: Sequence[AccountReport]) -> str:
    """Return `tracker account list`: account, platform, state."""
    return table(
        ("account", "platform", "state"), [(r.account, r.platform, r.state) for r in reports]
    )


def account_added_text(address: str, platform: str, *, added: bool) -> str:
    """Return what `tracker account add` says."""
    return f"{'Added' if added else 'Already tracking'} {address} on {platform}.\n"


def skipped_to_dicts(rows: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Return the `tracker skipped --json` objects."""
    return [{"source": source, "reason": reason} for source, reason in rows]


def skipped_text(rows: Sequence[tuple[str, str]]) -> str:
    """Return `tracker skipped` for people."""
    if not rows:
        return "No malformed messages were skipped.\n"
    return table(("source", "reason"), rows)


def wiped_text(count: int) -> str:
    """Return what `tracker forget-codes` says."""
    return f"Wiped {plural(count, 'code')}.\n"


def review_text(items: Sequence[ReviewItem]) -> str:
    """Return `tracker review` for people: one row per message awaiting review."""
    if not items:
        return "Nothing awaits review.\n"
    rows = [
        (i.id, i.account, i.platform, i.sent_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
         i.subject, i.reason)
        for i in items
    ]  # fmt: skip
    return table(("id", "account", "platform", "sent (UTC)", "subject", "reason"), rows)


def marked_text(message_id: int, kind: str, where: str) -> str:
    """Return what `tracker mark` did."""
    return f"Marked message {message_id} as {kind} ({where}).\n"


def account_set_text(address: str, platform: str, state: str, at: datetime) -> str:
    """Return what `tracker account set` recorded."""
    return f"Recorded {address} on {platform} as {state} at {at.isoformat()}.\n"


def rescan_text(result: RescanResult) -> str:
    """Return what `tracker rescan` did."""
    return (
        f"Rescanned {result.read} message(s): {result.changed} changed kind, "
        f"{result.missing} no longer readable.\n"
    )


def status_text(where: str, summary: LedgerSummary, *, awaiting_review: int = 0) -> str:
    """Return `tracker status`: where the ledger is and what it holds."""
    return (
        f"Ledger: {where}\n"
        f"{plural(summary.accounts, 'account')}, {plural(summary.messages, 'Meta message')}, "
        f"{summary.skipped} skipped, {plural(summary.codes_held, 'code')} held, "
        f"{awaiting_review} awaiting review\n"
    )


def json_text(value: Any) -> str:
    """Return `value` as indented JSON (small outputs: stats, code, sync, check, skipped)."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
