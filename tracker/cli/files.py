"""Commands that read mail files: parse, import."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli.app import Context, ExitStatus, cli, json_option, pass_context

if TYPE_CHECKING:
    from tracker.domain import ReceivedTime


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
    from tracker.parse import parse_email, unreadable
    from tracker.render import json_lines, parsed_text, parsed_to_dict

    authserv = obj.authserv_ids()
    failed = False
    rows = []
    for file in files:
        try:
            mails = list(_mails_in(file))
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
        for source, raw, problem, received in mails:
            parsed = (
                unreadable(problem or "cannot be read")
                if raw is None
                else parse_email(
                    raw,
                    authserv_ids=authserv,
                    received=received,
                    dkim_lookup=default_txt_lookup(),
                    custom_rules=obj.custom_rules(),
                )
            )
            record = parsed_to_dict(parsed, source)
            if as_json:
                click.echo(json_lines([record]), nl=False)
            else:
                rows.append(record)
    if not as_json and rows:
        click.echo(parsed_text(rows), nl=False)
    if failed:
        raise SystemExit(ExitStatus.NOT_FOUND)


def _mails_in(
    file: Path,
) -> Iterator[tuple[str, bytes | None, str | None, ReceivedTime | None]]:
    """(source, bytes, problem, received) of the one mail in `file`, or of each mbox message."""
    from tracker.mailfiles import RawMail, file_received, iter_mbox

    with file.open("rb") as handle:
        head = handle.read(5)
    if head != b"From ":
        yield str(file), file.read_bytes(), None, file_received(file)
        return
    for mail in iter_mbox(file):
        if isinstance(mail, RawMail):
            yield mail.source, mail.raw, mail.problem, mail.received


# -- import ------------------------------------------------------------------------------


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
    if counts.new + counts.duplicate + counts.ignored + counts.malformed == 0:
        click.echo(f"tracker: no mail found in {', '.join(map(str, paths))}", err=True)
        raise SystemExit(ExitStatus.NOT_FOUND)
