"""Commands that read mail files: parse, import."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker.cli.app import Context, ExitStatus, cli, json_option, pass_context


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option("One JSON object per file (JSON Lines).")
@pass_context
def parse(obj: Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Show what each mail FILE is, without recording anything.

    \b
    Example:
      tracker parse ~/Downloads/facebook-notice.eml --json
    """
    from tracker.dkimdns import default_txt_lookup
    from tracker.mailfiles import file_received
    from tracker.parse import parse_email
    from tracker.render import json_lines, parsed_text, parsed_to_dict

    authserv = obj.authserv_ids()
    failed = False
    rows = []
    for file in files:
        try:
            raw = file.read_bytes()
        except IsADirectoryError:
            click.echo(
                f"tracker: {file}: is a directory (use `tracker import` for folders)", err=True
            )
            failed = True
            continue
        except OSError as err:
            click.echo(f"tracker: {file}: {err.strerror or err}", err=True)
            failed = True
            continue
        parsed = parse_email(
            raw,
            authserv_ids=authserv,
            received=file_received(file),
            dkim_lookup=default_txt_lookup(),
            custom_rules=obj.custom_rules(),
        )
        record = parsed_to_dict(parsed, str(file))
        if as_json:
            click.echo(json_lines([record]), nl=False)
        else:
            rows.append(record)
    if not as_json and rows:
        click.echo(parsed_text(rows), nl=False)
    if failed:
        raise SystemExit(ExitStatus.NOT_FOUND)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option("Print the counts as JSON.")
@pass_context
def import_(obj: Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Record Meta's mail from .eml files, folders, mbox files and Maildirs (idempotent).

    \b
    Example:
      tracker import ~/Takeout/Mail/All\\ mail\\ Including\\ Spam\\ and\\ Trash.mbox
    """
    from tracker.mailfiles import check_paths, total_size
    from tracker.render import counts_to_dict, import_text, json_lines
    from tracker.sync import import_paths

    checked = check_paths(paths)
    ledger = obj.ledger()
    show_progress = sys.stderr.isatty() and not as_json
    if show_progress:
        with click.progressbar(
            length=total_size(checked), label="Importing", file=sys.stderr, show_eta=True
        ) as bar:
            counts = import_paths(
                ledger,
                checked,
                authserv_ids=obj.authserv_ids(),
                on_progress=bar.update,
                custom_rules=obj.custom_rules(),
            )
    else:
        counts = import_paths(
            ledger, checked, authserv_ids=obj.authserv_ids(), custom_rules=obj.custom_rules()
        )
    if as_json:
        click.echo(json_lines([counts_to_dict(counts)]), nl=False)
    else:
        click.echo(import_text(counts), nl=False)
