"""Commands that look after the ledger by hand: account, skipped, forget-codes, status."""

from __future__ import annotations

import click

from tracker.cli.app import Context, cli, json_option, pass_context, platform_option
from tracker.errors import InputError


@cli.group()
def account() -> None:
    """Add or list accounts by hand.

    \b
    Example:
      tracker account add anna@example.org --platform facebook
    """


@account.command("add")
@click.argument("email")
@platform_option(required=True, help="The account's platform.")
@pass_context
def account_add(obj: Context, email: str, platform: str) -> None:
    """Add an account that should be tracked even if no notice arrived for it.

    \b
    Example:
      tracker account add anna@example.org --platform instagram
    """
    from tracker.render import account_added_text

    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise InputError(f"not an email address: {email}")
    added = obj.ledger().add_account(email.strip(), platform)
    click.echo(account_added_text(email.strip().lower(), platform, added=added), nl=False)


@account.command("list")
@pass_context
def account_list(obj: Context) -> None:
    """List the accounts the ledger knows, with their state.

    \b
    Example:
      tracker account list
    """
    from tracker.render import accounts_text

    click.echo(accounts_text(obj.ledger(create=False).account_reports()), nl=False)


@cli.command()
@json_option("A JSON list of {source, reason} objects.")
@pass_context
def skipped(obj: Context, as_json: bool) -> None:
    """List the malformed messages that were skipped, and why.

    \b
    Example:
      tracker skipped --json
    """
    from tracker.render import json_text, skipped_text, skipped_to_dicts

    rows = obj.ledger(create=False).skipped()
    if as_json:
        click.echo(json_text(skipped_to_dicts(rows)), nl=False)
    else:
        click.echo(skipped_text(rows), nl=False)


@cli.command("forget-codes")
@pass_context
def forget_codes(obj: Context) -> None:
    """Wipe every verification code from the ledger now (they expire on their own after 24 h).

    \b
    Example:
      tracker forget-codes
    """
    from tracker.render import wiped_text

    click.echo(wiped_text(obj.ledger().wipe_codes()), nl=False)


@cli.command()
@json_option("Print the status as JSON.")
@pass_context
def status(obj: Context, as_json: bool) -> None:
    """Show the ledger, whether a watcher runs, each folder's last check and error,
    undelivered notifications and mail awaiting review.

    \b
    Example:
      tracker --db demo.db status
    """
    from tracker.render import json_text
    from tracker.status import gather_status, service_status_text, status_to_dict

    result = gather_status(obj.ledger(create=False), obj.ledger_url())
    if as_json:
        click.echo(json_text(status_to_dict(result)), nl=False)
    else:
        click.echo(service_status_text(result), nl=False)
