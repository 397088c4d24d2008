"""Commands that read the ledger: report, stats, code."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker.cli.app import Context, cli, json_option, pass_context, platform_option, state_option
from tracker.domain import CODE_PURPOSES
from tracker.errors import ConfigError, InputError, NotFoundError

if TYPE_CHECKING:
    from tracker.ledger import Ledger

log = logging.getLogger("tracker")


# -- report, stats -----------------------------------------------------------------------


@cli.command()
@json_option("A JSON list of accounts.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write a self-contained HTML page (charts, timelines) to FILE.",
)
@state_option()
@click.option("--utc", is_flag=True, help="Times in UTC (text only: JSON and CSV are always UTC).")
@pass_context
def report(
    obj: Context,
    as_json: bool,
    as_csv: bool,
    html_file: Path | None,
    state: tuple[str, ...],
    utc: bool,
) -> None:
    """Show every account by state: notified, pending, approved, rejected.

    The text report shows local times (the zone is named) and fits in 100 columns; JSON and
    CSV are UTC, ISO 8601.

    \b
    Example:
      tracker report --state pending
      tracker report --html report.html
    """
    from tracker.render import json_list, report_csv, report_text, report_to_dict

    if sum((as_json, as_csv, html_file is not None)) > 1:
        raise click.UsageError("choose one of --json, --csv and --html")
    ledger = obj.ledger(create=False)
    if html_file is not None:
        _write_html_report(ledger, html_file, state)
        return
    reports = ledger.account_reports()
    if state:
        reports = [r for r in reports if r.state in state]
    if as_json:
        click.echo(json_list(report_to_dict(r) for r in reports), nl=False)
    elif as_csv:
        click.echo(report_csv(reports), nl=False)
    else:
        from tracker.ledger.events import review_count

        now = datetime.now(UTC)
        text = report_text(
            reports,
            untrusted=ledger.untrusted_count(),
            now=now,
            local=not utc,
            awaiting_review=review_count(ledger),
        )
        click.echo(text, nl=False)


def _write_html_report(ledger: Ledger, path: Path, states: tuple[str, ...]) -> None:
    from tracker.html_report import render_html
    from tracker.ledger.eventlog import EventLog
    from tracker.status import awaiting_review

    lifecycles = ledger.account_lifecycles()
    if states:
        lifecycles = [(r, life) for r, life in lifecycles if r.state in states]
    page = render_html(
        lifecycles,
        EventLog(ledger.engine).list_events(),
        now=datetime.now(UTC),
        awaiting_review=awaiting_review(ledger),
    )
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None
    click.echo(f"Wrote {path} ({len(lifecycles)} accounts).")


@cli.command()
@json_option("Print the statistics as JSON.")
@pass_context
def stats(obj: Context, as_json: bool) -> None:
    """Show turnaround statistics: how long Meta took to decide, per platform.

    Also shows, per month, the share of trusted Meta flow mail that no rule recognised (it
    went to `tracker review`): a rising share means Meta changed its wording.

    \b
    Example:
      tracker stats --json
    """
    from tracker.ledger.events import list_drift
    from tracker.render import json_text, stats_text
    from tracker.stats import build_stats

    ledger = obj.ledger(create=False)
    result = build_stats(ledger.account_lifecycles(), now=datetime.now(UTC))
    # Drift: when Meta's wording stops matching, the share of its flow mail sent to review grows.
    result["review_drift"] = [
        {
            "month": m.month,
            "flow_messages": m.flow_messages + m.unrecognised,
            "unrecognised": m.unrecognised,
            "review_share": round(m.review_share, 4),
        }
        for m in list_drift(ledger)
    ]
    if as_json:
        click.echo(json_text(result), nl=False)
    else:
        click.echo(stats_text(result), nl=False)


# -- code --------------------------------------------------------------------------------


@cli.command()
@click.option("--account", metavar="EMAIL", help="Only codes sent to this address.")
@platform_option(help="Only codes for this platform.")
@click.option("--include-expired", is_flag=True, help="Print the newest code even if expired.")
@click.option(
    "--login", "include_login", is_flag=True, help="Also consider login and sign-up codes."
)
@json_option("Print the code with its details as JSON.")
@click.option(
    "--unverified",
    "include_unverified",
    is_flag=True,
    help="Also print a code whose sender nobody could verify (see SECURITY.md).",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Wait up to SECONDS for a code recorded after the wait began (exit 1 on timeout).",
)
@click.option(
    "--any",
    "any_code",
    is_flag=True,
    help="With --wait: an unexpired code recorded earlier counts too (printed at once).",
)
@pass_context
def code(
    obj: Context,
    account: str | None,
    platform: str | None,
    include_expired: bool,
    include_login: bool,
    as_json: bool,
    include_unverified: bool,
    wait_seconds: float | None,
    any_code: bool,
) -> None:
    """Print the newest unexpired objection confirmation code (just the digits).

    Codes whose mail names neither a login nor the objection are printed too; `--login`
    adds login and sign-up codes.

    With --wait, a running `tracker watch` fills the ledger; without one, the configured
    mailboxes' INBOXes are watched by this command until the code arrives.

    \b
    Example:
      tracker code --account anna@example.org --platform instagram --wait 120
    """
    from tracker.render import code_to_dict, json_text, no_code_text

    if any_code and wait_seconds is None:
        raise click.UsageError("--any only makes sense with --wait")
    started = datetime.now(UTC)
    # Unknown codes are shown too: the objection form's code mail may name neither purpose.
    purposes = CODE_PURPOSES if include_login else ("objection", "unknown")
    # Waiting may record what the mailboxes bring, so it may start a ledger; a look may not.
    ledger = obj.ledger(create=wait_seconds is not None)

    def find() -> Any:
        fresh_only = wait_seconds is not None and not any_code
        return ledger.latest_code(
            account=account,
            platform=platform,
            purposes=purposes,
            include_expired=include_expired,
            include_unverified=include_unverified,
            recorded_after=started if fresh_only else None,
            now=datetime.now(UTC),
        )

    found = find()
    if found is None and wait_seconds is not None:
        found = _wait_for_code(obj, ledger, find, wait_seconds)
        if found is None:
            raise NotFoundError(f"no new code arrived within {wait_seconds:g} s")
    now = datetime.now(UTC)
    if found is None:
        raise NotFoundError(
            no_code_text(account=account, platform=platform, include_expired=include_expired)
        )
    if as_json:
        click.echo(json_text(code_to_dict(found, now=now)), nl=False)
    else:
        click.echo(found.code)


def _wait_for_code(obj: Context, ledger: Ledger, find: Callable[[], Any], seconds: float) -> Any:
    """Wait for `find` to return a code: poll the ledger a daemon fills, or watch ourselves."""
    from tracker.daemon import wait_for_code
    from tracker.watchlock import watch_running

    if watch_running(obj.ledger_url(), ledger.engine):
        log.info("A tracker watch holds this ledger; waiting for it to record a code")
        return wait_for_code(find, timeout=seconds)
    settings = obj.settings(required=False)
    if settings is None or not settings.mailboxes:
        raise ConfigError(
            "cannot wait for a code: no `tracker watch` is running on this ledger and "
            "no mailbox is configured (see `tracker config check`)"
        )
    log.info("No tracker watch is running; watching the INBOX of each mailbox meanwhile")
    return wait_for_code(
        find,
        timeout=seconds,
        ledger=ledger,
        mailboxes=settings.mailboxes,
        authserv_ids=settings.authserv_ids,
        custom_rules=tuple(settings.rules),
    )
