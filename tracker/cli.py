"""The command line: argument parsing, and the one place where errors become exit statuses.

Every command is a thin layer over library calls; heavy imports happen inside the commands so
that `tracker --help` and `tracker code` start fast.
"""

from __future__ import annotations

import enum
import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from tracker.domain import PLATFORMS
from tracker.errors import ConfigError, InputError, NotFoundError, TrackerError

if TYPE_CHECKING:
    from tracker.ledger import Ledger


class ExitStatus(enum.IntEnum):
    """Every exit status tracker uses."""

    OK = 0
    NOT_FOUND = 1  # nothing to show (no code yet, a wait that timed out), or some input failed
    USAGE = 2  # bad arguments (click's own usage errors use 2 as well)
    LEDGER = 3
    MAILBOX = 4
    CONFIG = 5
    INTERNAL = 70
    INTERRUPTED = 130


log = logging.getLogger("tracker")


class Context:
    """What the global options set: the ledger location, the config path, verbosity."""

    def __init__(self, db: str | None, config: str | None, verbose: int) -> None:
        self.db = db
        self.config_path = config
        self.verbose = verbose
        self._ledger: Ledger | None = None
        self._settings: Any = None

    def ledger(self) -> Ledger:
        """Return the ledger (opened and migrated on first use)."""
        if self._ledger is None:
            from tracker.ledger import Ledger

            self._ledger = Ledger.open(self.db or self._configured_ledger_url())
        return self._ledger

    def ledger_url(self) -> str:
        """Return the ledger's SQLAlchemy URL (from --db, TRACKER_DB, the config, or the default)."""
        from tracker.ledger.db import ledger_url

        return ledger_url(self.db or self._configured_ledger_url())

    def mailboxes(self, names: tuple[str, ...] = ()) -> tuple[Any, ...]:
        """Return the configured mailboxes (only those named, if any); ConfigError if none."""
        settings = self.settings()
        if names:
            return tuple(settings.mailbox(name) for name in names)
        if not settings.mailboxes:
            raise ConfigError(f"{settings.source}: no [[mailbox]] configured")
        return tuple(settings.mailboxes)

    def _configured_ledger_url(self) -> str | None:
        settings = self.settings(required=False)
        return settings.ledger_url if settings else None

    def settings(self, *, required: bool = True) -> Any:
        """Return the configuration; None if it is optional here and there is no file."""
        from tracker.config import default_config_path, load_settings

        path = Path(self.config_path) if self.config_path else default_config_path()
        # A config named by --config or TRACKER_CONFIG must exist; the default one is optional.
        if not required and not self.config_path and not path.exists():
            return None
        if self._settings is None:  # read once per command, however many parts ask
            self._settings = load_settings(path)
        return self._settings

    def authserv_ids(self) -> tuple[str, ...]:
        """Return the provider authserv-ids whose Authentication-Results are trusted."""
        settings = self.settings(required=False)
        return tuple(getattr(settings, "authserv_ids", ())) if settings else ()


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="TRACKER_DB",
    metavar="PATH_OR_URL",
    help="Ledger: a file path or an SQLAlchemy URL (env TRACKER_DB). Default: your data folder.",
)
@click.option(
    "--config",
    envvar="TRACKER_CONFIG",
    metavar="PATH",
    help="Configuration file (env TRACKER_CONFIG). Default: config.toml in your config folder.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="tracker")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config: str | None, verbose: int) -> None:
    """Track Meta's AI-training objection emails: notices, codes, approvals and declines."""
    from tracker.logs import configure_logging

    configure_logging(verbose)
    if config and not Path(config).is_file():
        from tracker.errors import ConfigError

        raise ConfigError(f"{config}: no such configuration file")
    ctx.obj = Context(db, config, verbose)


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


# -- report, stats -----------------------------------------------------------------------


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON list of accounts.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
@click.option(
    "--state",
    type=click.Choice(["no_notice", "notified", "pending", "approved", "rejected"]),
    multiple=True,
    help="Only accounts in this state (repeatable).",
)
@pass_context
def report(obj: Context, as_json: bool, as_csv: bool, state: tuple[str, ...]) -> None:
    """Show every account by state: notified, pending, approved, declined."""
    from tracker.render import json_list, report_csv, report_text, report_to_dict

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    ledger = obj.ledger()
    reports = ledger.account_reports()
    if state:
        reports = [r for r in reports if r.state in state]
    if as_json:
        click.echo(json_list(report_to_dict(r) for r in reports), nl=False)
    elif as_csv:
        click.echo(report_csv(reports), nl=False)
    else:
        click.echo(report_text(reports, untrusted=ledger.untrusted_count()), nl=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@pass_context
def stats(obj: Context, as_json: bool) -> None:
    """Show turnaround statistics: how long Meta took to decide, per platform."""
    from tracker.render import stats_text
    from tracker.stats import build_stats

    result = build_stats(obj.ledger().account_lifecycles(), now=datetime.now(UTC))
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(stats_text(result), nl=False)


# -- code --------------------------------------------------------------------------------


@cli.command()
@click.option("--account", metavar="EMAIL", help="Only codes sent to this address.")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only codes for this platform.")
@click.option("--include-expired", is_flag=True, help="Print the newest code even if expired.")
@click.option(
    "--login", "include_login", is_flag=True, help="Also consider login and sign-up codes."
)
@click.option("--json", "as_json", is_flag=True, help="Print the code with its details as JSON.")
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
    wait_seconds: float | None,
    any_code: bool,
) -> None:
    """Print the newest unexpired objection confirmation code (just the digits).

    With --wait, a running `tracker watch` fills the ledger; without one, the configured
    mailboxes' INBOXes are watched by this command until the code arrives.
    """
    from tracker.render import code_to_dict

    if any_code and wait_seconds is None:
        raise click.UsageError("--any only makes sense with --wait")
    started = datetime.now(UTC)
    purposes = ("objection", "login") if include_login else ("objection",)
    ledger = obj.ledger()

    def find() -> Any:
        fresh_only = wait_seconds is not None and not any_code
        return ledger.latest_code(
            account=account,
            platform=platform,
            purposes=purposes,
            include_expired=include_expired,
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
        scope = " ".join(
            filter(None, [account and f"for {account}", platform and f"on {platform}"])
        )
        what = "no unexpired code" if not include_expired else "no code"
        raise NotFoundError(
            f"{what} {scope}".strip() + (" (try --include-expired)" if not include_expired else "")
        )
    if as_json:
        click.echo(json.dumps(code_to_dict(found, now=now), indent=2))
    else:
        click.echo(found.code)


def _wait_for_code(obj: Context, ledger: Ledger, find: Callable[[], Any], seconds: float) -> Any:
    """Wait for `find` to return a code: poll the ledger a daemon fills, or watch ourselves."""
    from tracker.daemon import wait_for_code, watch_lock_held

    if watch_lock_held(obj.ledger_url()):
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
    )


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
        raise SystemExit(_exit_status(failures[0]))


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
        raise SystemExit(_exit_status(failures[0]))


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


# -- entry point -------------------------------------------------------------------------


def _exit_status(err: TrackerError) -> ExitStatus:
    from tracker import errors

    mapping: list[tuple[type[TrackerError], ExitStatus]] = [
        (errors.NotFoundError, ExitStatus.NOT_FOUND),
        (errors.InputError, ExitStatus.USAGE),
        (errors.LedgerError, ExitStatus.LEDGER),
        (errors.MailboxError, ExitStatus.MAILBOX),
        (errors.ConfigError, ExitStatus.CONFIG),
    ]
    for cls, status_ in mapping:
        if isinstance(err, cls):
            return status_
    return ExitStatus.NOT_FOUND


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI; print a one-line error (never a traceback) and exit with its status."""
    run: Callable[..., Any] = cli.main
    try:
        run(args=argv, prog_name="tracker", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("tracker: interrupted", err=True)
        sys.exit(ExitStatus.INTERRUPTED)
    except click.UsageError as err:  # one line, like every other error
        where = err.ctx.command_path if err.ctx else "tracker"
        click.echo(f"tracker: {err.format_message()} (see '{where} --help')", err=True)
        sys.exit(ExitStatus.USAGE)
    except click.ClickException as err:
        click.echo(f"tracker: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except TrackerError as err:
        click.echo(f"tracker: {err}", err=True)
        sys.exit(_exit_status(err))
    except KeyboardInterrupt:
        click.echo("tracker: interrupted", err=True)
        sys.exit(ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        sys.exit(ExitStatus.OK)
    except SystemExit:
        raise
    except Exception as err:  # the promise is one line, never a traceback
        log.debug("internal error", exc_info=True)
        click.echo(
            f"tracker: internal error: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            " (run with -vv for details)",
            err=True,
        )
        sys.exit(ExitStatus.INTERNAL)
    sys.exit(ExitStatus.OK)
