"""Commands that talk to IMAP mailboxes: sync, config check, watch."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from tracker.cli.app import Context, cli, exit_status, pass_context

if TYPE_CHECKING:
    pass

log = logging.getLogger("tracker")


# -- mailboxes (IMAP) --------------------------------------------------------------------


@cli.command()
@click.option(
    "--mailbox",
    "names",
    multiple=True,
    metavar="NAME",
    help="Only this configured mailbox (repeatable).",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="On a folder's first scan, only mail from this date on.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@pass_context
def sync(obj: Context, names: tuple[str, ...], since: datetime | None, as_json: bool) -> None:
    """Record new Meta mail from every configured mailbox and folder once, then exit.

    Folders are opened read-only and nothing is marked read. A mailbox that fails is
    reported on one line and the others are still synced; the exit status is then non-zero.
    """
    from tracker.sync import sync_mailbox

    mailboxes = obj.mailboxes(names)
    ledger = obj.ledger()
    results = []
    for mailbox in mailboxes:
        result = sync_mailbox(
            ledger,
            mailbox,
            since=since.date() if since else None,
            authserv_ids=obj.authserv_ids(),
        )
        results.append(result)
        for err in result.errors:
            click.echo(f"tracker: {err}", err=True)
        if not as_json:
            for done in result.folders:
                counts = done.counts
                rescan = " (new UIDVALIDITY: rescanned)" if done.rescanned else ""
                click.echo(
                    f"Mailbox {result.mailbox}: {done.folder}: {done.candidates} candidates, "
                    f"{counts.new} new, {counts.duplicate} duplicates{rescan}"
                )
    if as_json:
        click.echo(json.dumps([_mailbox_sync_to_dict(r) for r in results], indent=2))
    failures = [err for r in results for err in r.errors]
    if failures:
        raise SystemExit(exit_status(failures[0]))


def _mailbox_sync_to_dict(result: Any) -> dict[str, Any]:
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
                "new": f.counts.new,
                "duplicate": f.counts.duplicate,
                "ignored": f.counts.ignored,
                "malformed": f.counts.malformed,
            }
            for f in result.folders
        ],
    }


@cli.group("config")
def config_group() -> None:
    """Check the configuration file and the mailboxes it names."""


@config_group.command("check")
@click.option(
    "--mailbox", "names", multiple=True, metavar="NAME", help="Only this mailbox (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@pass_context
def config_check(obj: Context, names: tuple[str, ...], as_json: bool) -> None:
    """Connect to each mailbox and report what works: login, folders, IDLE, search."""
    from tracker.sync import check_mailbox

    mailboxes = obj.mailboxes(names)
    reports = [check_mailbox(mailbox) for mailbox in mailboxes]
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "mailbox": r.mailbox,
                        "ok": r.ok,
                        "checks": [
                            {"check": c.name, "status": c.status, "detail": c.detail}
                            for c in r.checks
                        ],
                    }
                    for r in reports
                ],
                indent=2,
            )
        )
    else:
        marks = {"ok": "ok  ", "fail": "FAIL", "no": "no  ", "skip": "--  "}
        for report_ in reports:
            click.echo(f"Mailbox {report_.mailbox}:")
            for check in report_.checks:
                detail = f": {check.detail}" if check.detail else ""
                click.echo(f"  {marks[check.status]} {check.name}{detail}")
    failures = [err for r in reports for err in r.errors]
    for err in failures:
        click.echo(f"tracker: {err}", err=True)
    if failures:
        raise SystemExit(exit_status(failures[0]))


@cli.command()
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per log line (for journald and log shippers).",
)
@click.option(
    "--mailbox", "names", multiple=True, metavar="NAME", help="Only this mailbox (repeatable)."
)
@click.option(
    "--reconcile-seconds",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    envvar="TRACKER_RECONCILE_SECONDS",
    help="How often every folder gets a full pass anyway (env TRACKER_RECONCILE_SECONDS).",
)
@click.option(
    "--poll-seconds",
    type=click.FloatRange(min=0.5),
    default=60,
    show_default=True,
    envvar="TRACKER_POLL_SECONDS",
    help="How often to look for mail on servers without IDLE (env TRACKER_POLL_SECONDS).",
)
@pass_context
def watch(
    obj: Context,
    log_format: str,
    names: tuple[str, ...],
    reconcile_seconds: float,
    poll_seconds: float,
) -> None:
    """Watch every configured mailbox folder (IDLE, or polling) and record Meta's mail as it lands.

    Runs until SIGTERM or Ctrl-C. Only one watcher may use a ledger at a time.
    """
    import threading

    from tracker.daemon import WatchLock, WatchOptions, lock_path, run_watch, stop_on_signals
    from tracker.logs import configure_logging

    configure_logging(max(obj.verbose, 1), json_format=log_format == "json")
    mailboxes = obj.mailboxes(names)
    with WatchLock(lock_path(obj.ledger_url())):
        ledger = obj.ledger()
        stop = threading.Event()
        with stop_on_signals(stop):
            run_watch(
                ledger,
                mailboxes,
                stop=stop,
                options=WatchOptions(
                    reconcile_seconds=reconcile_seconds, poll_seconds=poll_seconds
                ),
                authserv_ids=obj.authserv_ids(),
            )
