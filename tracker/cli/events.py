"""Commands about what happened and who is told: events, notify test."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from tracker.cli.app import Context, ExitStatus, cli, json_option, pass_context
from tracker.errors import ConfigError


@cli.command()
@click.option(
    "--since",
    metavar="TIME",
    help="Only events at or after TIME: an ISO date or time (UTC), or an age such as 2h, 3d, 1w.",
)
@click.option("--account", metavar="EMAIL", help="Only events of this address.")
@json_option("One JSON object per line.")
@pass_context
def events(obj: Context, since: str | None, account: str | None, as_json: bool) -> None:
    """List the events: notice, code, submitted, approved, rejected, info_requested, stuck...

    JSON fields: id, event, account, platform, at, turnaround_seconds, detail.

    \b
    Example:
      tracker events --since 7d --account anna@example.org
    """
    from tracker.events import describe, event_to_dict, parse_since
    from tracker.ledger.eventlog import EventLog
    from tracker.render import table

    start = None
    if since:
        try:
            start = parse_since(since, now=datetime.now(UTC))
        except ValueError:
            raise click.UsageError(
                f"--since: '{since}' is neither an ISO date/time nor an age like 2h or 3d"
            ) from None
    found = EventLog(obj.ledger(create=False).engine).list_events(since=start, account=account)
    if as_json:
        for event in found:
            click.echo(json.dumps(event_to_dict(event), ensure_ascii=False))
        return
    if not found:
        click.echo("No events.")
        return
    rows = [
        (str(e.id), e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"), e.event, describe(e))
        for e in found
    ]
    click.echo(table(("id", "at (UTC)", "event", "what"), rows), nl=False)


@cli.group("notify")
def notify_group() -> None:
    """Check the notification targets ([[notify]] in the configuration).

    \b
    Example:
      tracker notify test
    """


@notify_group.command("test")
@pass_context
def notify_test(obj: Context) -> None:
    """Send a test message to every [[notify]] target and report each result.

    Exit status 5 when a target failed.

    \b
    Example:
      tracker --config ~/.config/tracker/config.toml notify test
    """
    from tracker.notify import test_targets

    settings = obj.settings()
    if not settings.notify:
        raise ConfigError(f"{settings.source}: no [[notify]] configured")
    failed = 0
    for target, result in test_targets(settings.notify):
        if result.ok:
            click.echo(f"ok    {target.label}")
        else:
            failed += 1
            click.echo(f"FAIL  {target.label}: {result.detail}")
    if failed:
        click.echo(f"tracker: {failed} notification target(s) failed", err=True)
        raise SystemExit(ExitStatus.CONFIG)
