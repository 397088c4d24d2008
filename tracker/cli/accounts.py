"""Commands that look after the ledger by hand: account, skipped, forget-codes, status."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import click

from tracker.cli.app import Context, cli, pass_context
from tracker.domain import PLATFORMS
from tracker.errors import InputError

if TYPE_CHECKING:
    pass

log = logging.getLogger("tracker")


# -- accounts, skipped, codes ------------------------------------------------------------


@cli.group()
def account() -> None:
    """Add or list accounts by hand."""


@account.command("add")
@click.argument("email")
@click.option("--platform", type=click.Choice(PLATFORMS), required=True)
@pass_context
def account_add(obj: Context, email: str, platform: str) -> None:
    """Add an account that should be tracked even if no notice arrived for it."""
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise InputError(f"not an email address: {email}")
    added = obj.ledger().add_account(email.strip(), platform)
    verb = "Added" if added else "Already tracking"
    click.echo(f"{verb} {email.strip().lower()} on {platform}.")


@account.command("list")
@pass_context
def account_list(obj: Context) -> None:
    """List the accounts the ledger knows, with their state."""
    from tracker.render import table

    rows = [(r.account, r.platform, r.state) for r in obj.ledger().account_reports()]
    click.echo(table(("account", "platform", "state"), rows), nl=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def skipped(obj: Context, as_json: bool) -> None:
    """List the malformed messages that were skipped, and why."""
    from tracker.render import table

    rows = obj.ledger().skipped()
    if as_json:
        click.echo(json.dumps([{"source": s, "reason": r} for s, r in rows], indent=2))
    elif rows:
        click.echo(table(("source", "reason"), rows), nl=False)
    else:
        click.echo("No malformed messages were skipped.")


@cli.command("forget-codes")
@pass_context
def forget_codes(obj: Context) -> None:
    """Wipe every verification code from the ledger now (they expire on their own after 24 h)."""
    wiped = obj.ledger().wipe_codes()
    click.echo(f"Wiped {wiped} code(s).")


@cli.command()
@pass_context
def status(obj: Context) -> None:
    """Show where the ledger is and what it holds."""
    from tracker.ledger.db import describe, ledger_url

    ledger = obj.ledger()
    summary = ledger.summary()
    click.echo(f"Ledger: {describe(ledger_url(obj.db or obj._configured_ledger_url()))}")
    click.echo(
        f"{summary.accounts} accounts, {summary.messages} Meta messages, "
        f"{summary.skipped} skipped, {summary.codes_held} codes held"
    )
