"""Commands that talk to IMAP mailboxes: sync, config check, watch."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from tracker.cli.app import (
    Context,
    ExitStatus,
    cli,
    exit_status,
    json_option,
    mailbox_option,
    pass_context,
)

if TYPE_CHECKING:
    from tracker.ledger import Ledger


@cli.command()
@mailbox_option()
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="On a folder's first scan, only mail from this date on.",
)
@json_option("Print the results as JSON.")
@pass_context
def sync(obj: Context, names: tuple[str, ...], since: datetime | None, as_json: bool) -> None:
    """Record new Meta mail from every configured mailbox and folder once, then exit.

    Folders are opened read-only and nothing is marked read. A mailbox that fails is
    reported on one line and the others are still synced; the exit status is then non-zero.

    \b
    Example:
      tracker sync --mailbox personal --since 2024-06-01
    """
    from tracker.render import folder_sync_text, json_text, mailbox_sync_to_dict
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
            custom_rules=obj.custom_rules(strict=True),
        )
        results.append(result)
        for err in result.errors:
            click.echo(f"tracker: {err}", err=True)
        if not as_json:
            for done in result.folders:
                click.echo(folder_sync_text(result.mailbox, done), nl=False)
    if as_json:
        click.echo(json_text([mailbox_sync_to_dict(r) for r in results]), nl=False)
    _notify_after_sync(obj, ledger)
    failures = [err for r in results for err in r.errors]
    if failures:
        raise SystemExit(exit_status(failures[0]))


def _notify_after_sync(obj: Context, ledger: Ledger) -> None:
    """Deliver pending notifications once, for cron users; a running watcher does it itself
    (two senders could both send one event)."""
    from tracker.watchlock import watch_lock_held

    settings = obj.settings()
    if not settings.notify or watch_lock_held(obj.ledger_url()):
        return
    from tracker.ledger.eventlog import EventLog
    from tracker.notify import deliver_pending

    events = EventLog(ledger.engine)
    for target in settings.notify:
        deliver_pending(events, target)


@cli.group("config")
def config_group() -> None:
    """Check the configuration file and the mailboxes it names.

    \b
    Example:
      tracker config check --mailbox personal
    """


@config_group.command("check")
@mailbox_option()
@json_option("Print the checks as JSON.")
@pass_context
def config_check(obj: Context, names: tuple[str, ...], as_json: bool) -> None:
    """Connect to each mailbox and report what works: login, folders, IDLE, search.

    Every [[notify]] target is sent a test message as well (unless --mailbox is given).

    \b
    Example:
      tracker --config ~/.config/tracker/config.toml config check
    """
    from tracker.check import check_mailbox
    from tracker.notify import notify_check_text, notify_check_to_dict, test_targets
    from tracker.render import json_text, mailbox_check_text, mailbox_check_to_dict

    settings = obj.settings()
    only_targets = not names and not settings.mailboxes and bool(settings.notify)
    mailboxes = () if only_targets else obj.mailboxes(names)
    reports = [check_mailbox(mailbox) for mailbox in mailboxes]
    notified = [] if names else test_targets(settings.notify)
    if as_json:
        checks = [mailbox_check_to_dict(r) for r in reports]
        checks += [notify_check_to_dict(target, result) for target, result in notified]
        click.echo(json_text(checks), nl=False)
    else:
        for report_ in reports:
            click.echo(mailbox_check_text(report_), nl=False)
        for target, result in notified:
            click.echo(notify_check_text(target, result), nl=False)
    failures = [err for r in reports for err in r.errors]
    for err in failures:
        click.echo(f"tracker: {err}", err=True)
    broken = [target.label for target, result in notified if not result.ok]
    for label in broken:
        click.echo(f"tracker: notification target {label} failed its test", err=True)
    if failures:
        raise SystemExit(exit_status(failures[0]))
    if broken:
        raise SystemExit(ExitStatus.CONFIG)


@cli.command()
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per log line (for journald and log shippers).",
)
@mailbox_option()
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

    Runs until SIGTERM or Ctrl-C. On a SQLite ledger only one watcher may run at a time; on a
    PostgreSQL ledger any number may, on any machines, and they share the folders.

    \b
    Example:
      tracker watch --log-format json
    """
    import threading

    from tracker.daemon import WatchOptions, run_watch, stop_on_signals
    from tracker.jobs import ServicePlan
    from tracker.ledger.leases import FolderLeases
    from tracker.logs import configure_logging
    from tracker.watchlock import WatchLock, is_shared_ledger, lock_path

    configure_logging(max(obj.verbose, 1), json_format=log_format == "json")
    mailboxes = obj.mailboxes(names)
    settings = obj.settings()
    services = ServicePlan(
        targets=settings.notify,
        stuck=settings.stuck,
        digest_cron=settings.digest.cron if settings.digest else None,
        reconcile_seconds=reconcile_seconds,
    )
    url = obj.ledger_url()
    leases = FolderLeases(url) if is_shared_ledger(url) else None
    with WatchLock(lock_path(url)):
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
                custom_rules=obj.custom_rules(strict=True),
                services=services,
                leases=leases,
            )
