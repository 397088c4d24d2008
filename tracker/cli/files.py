"""Commands that read mail files: parse, import."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli.app import Context, ExitStatus, cli, pass_context

if TYPE_CHECKING:
    pass

log = logging.getLogger("tracker")


# -- parse -------------------------------------------------------------------------------


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file (JSON Lines).")
@pass_context
def parse(obj: Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Show what each mail FILE is, without recording anything."""
    from tracker.parse import parse_email
    from tracker.render import PARSE_FIELDS, json_lines, parsed_to_dict, table

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
        record = parsed_to_dict(parse_email(raw, authserv_ids=authserv), str(file))
        if as_json:
            click.echo(json_lines([record]), nl=False)
        else:
            rows.append(record)
    if not as_json and rows:
        headers = ("file", *PARSE_FIELDS[:5], "trusted", "error")
        click.echo(
            table(
                headers,
                [
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
                    for r in rows
                ],
            ),
            nl=False,
        )
    if failed:
        raise SystemExit(ExitStatus.NOT_FOUND)


# -- import ------------------------------------------------------------------------------


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_context
def import_(obj: Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Record Meta's mail from .eml files, folders, mbox files and Maildirs (idempotent)."""
    from tracker.mailfiles import check_paths, total_size
    from tracker.sync import import_paths

    checked = check_paths(paths)
    ledger = obj.ledger()
    show_progress = sys.stderr.isatty() and not as_json
    if show_progress:
        with click.progressbar(
            length=total_size(checked), label="Importing", file=sys.stderr, show_eta=True
        ) as bar:
            counts = import_paths(
                ledger, checked, authserv_ids=obj.authserv_ids(), on_progress=bar.update
            )
    else:
        counts = import_paths(ledger, checked, authserv_ids=obj.authserv_ids())
    if as_json:
        click.echo(
            json.dumps(
                {
                    "new": counts.new,
                    "duplicate": counts.duplicate,
                    "ignored": counts.ignored,
                    "malformed": counts.malformed,
                }
            )
        )
    else:
        total = counts.new + counts.duplicate + counts.ignored + counts.malformed
        click.echo(
            f"Read {total} messages: {counts.new} new from Meta, "
            f"{counts.duplicate} already recorded, {counts.ignored} not Meta's objection mail, "
            f"{counts.malformed} malformed (skipped; see `tracker skipped`)."
        )
