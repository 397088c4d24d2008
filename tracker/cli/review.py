"""Commands for mail the rules missed: review, mark, account set, rescan."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import click

from tracker.cli.accounts import account
from tracker.cli.app import Context, cli, json_option, pass_context, platform_option
from tracker.domain import (
    KIND_ALIASES,
    MARK_KINDS,
    SETTABLE_STATES,
    STATE_ALIASES,
)
from tracker.errors import InputError

log = logging.getLogger("tracker")


@cli.command()
@json_option("A JSON list: id, account, platform, sent_at, subject, reason.")
@pass_context
def review(obj: Context, as_json: bool) -> None:
    """List trusted Meta mail that looked like the objection flow but matched no rule.

    Settle each with `tracker mark ID --as KIND`, or teach the wording with a [[rule]] in
    the configuration and run `tracker rescan`.

    \b
    Example:
      tracker review --json
    """
    from tracker.ledger.events import list_review
    from tracker.render import json_list, review_text, review_to_dict

    items = list_review(obj.ledger(create=False))
    if as_json:
        click.echo(json_list(review_to_dict(i) for i in items), nl=False)
    else:
        click.echo(review_text(items), nl=False)


@cli.command()
@click.argument("message_id", metavar="ID")
@click.option(
    "--as",
    "kind",
    required=True,
    metavar="KIND",
    help=f"What the message is: {', '.join(MARK_KINDS)} ('declined' means rejected).",
)
@pass_context
def mark(obj: Context, message_id: str, kind: str) -> None:
    """Settle what a message is by hand (an id from `tracker review`).

    The mark is kept as a correction of its own: it survives re-imports, re-syncs and
    rescans, and the report folds it like mail.

    \b
    Example:
      tracker mark 17 --as approved
    """
    from tracker.ledger.events import record_mark

    if not message_id.isdigit():
        raise InputError(f"not a message id: {message_id!r} (see `tracker review`)")
    wanted = _mark_kind(kind)
    from tracker.render import marked_text

    where = record_mark(obj.ledger(create=False), int(message_id), wanted)
    click.echo(marked_text(int(message_id), wanted, where), nl=False)
    _announce(obj)


@account.command("set")
@click.argument("email")
@platform_option(required=True, help="The account's platform.")
@click.option(
    "--state",
    required=True,
    metavar="STATE",
    help=f"One of {', '.join(SETTABLE_STATES)} ('declined' means rejected).",
)
@click.option(
    "--at",
    "at_text",
    metavar="TIME",
    help="When it happened: ISO 8601, e.g. 2025-05-20T14:00 (UTC unless an offset is given). "
    "Default: now.",
)
@pass_context
def account_set(obj: Context, email: str, platform: str, state: str, at_text: str | None) -> None:
    """Record what only you know: you objected on the website, Meta approved in the app...

    \b
    Example:
      tracker account set anna@example.org --platform instagram --state approved --at 2025-05-21T09:30
    """
    from tracker.ledger.events import record_account_state

    address = email.strip().lower()
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise InputError(f"not an email address: {email}")
    wanted = STATE_ALIASES.get(state.lower(), state.lower())
    if wanted not in SETTABLE_STATES:
        raise InputError(f"unknown state {state!r} (one of {', '.join(SETTABLE_STATES)})")
    at = _parse_time(at_text) if at_text else datetime.now(UTC)
    from tracker.render import account_set_text

    record_account_state(obj.ledger(), address, platform, SETTABLE_STATES[wanted], at)
    click.echo(account_set_text(address, platform, wanted, at), nl=False)
    _announce(obj)


@cli.command()
@pass_context
def rescan(obj: Context) -> None:
    """Re-read the Meta mail the ledger knows about and re-derive its kinds with today's rules.

    Files that are still where they were read are parsed again (IMAP mail is found again by
    its Message-ID through the server's own search); manual marks are never changed and
    nothing is recorded twice.

    \b
    Example:
      tracker --config ~/.config/tracker/config.toml rescan
    """
    from tracker.render import rescan_text
    from tracker.rescan import rescan_ledger

    settings = obj.settings(required=False)
    result = rescan_ledger(
        obj.ledger(create=False),
        authserv_ids=obj.authserv_ids(),
        custom_rules=obj.custom_rules(strict=True),
        mailboxes=tuple(getattr(settings, "mailboxes", ())) if settings else (),
    )
    click.echo(rescan_text(result), nl=False)
    _announce(obj)


def _announce(obj: Context) -> None:
    """Record the events a correction or rescan caused (delivered by the watcher or `sync`)."""
    from tracker.jobs import reconcile_events

    reconcile_events(obj.ledger(create=False))


def _mark_kind(text: str) -> str:
    kind = KIND_ALIASES.get(text.lower(), text.lower())
    if kind not in MARK_KINDS:
        raise InputError(f"unknown kind {text!r} (one of {', '.join(MARK_KINDS)})")
    return kind


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"not a time: {text!r} (use ISO 8601, e.g. 2025-05-20T14:00 or 2025-05-20)"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
