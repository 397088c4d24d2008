"""The command line: argument parsing, and the one place where errors become exit statuses.

Every command is a thin layer over library calls; heavy imports happen inside the commands so
that `tracker --help` and `tracker code` start fast.
"""

from __future__ import annotations

import enum
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from tracker import DISTRIBUTION
from tracker.errors import ConfigError, TrackerError

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
        self._config_warned = False

    def ledger(self, *, create: bool = True) -> Ledger:
        """Return the ledger (opened and migrated on first use).

        Commands that only read pass `create=False`: a ledger that does not exist is then an
        error rather than a new empty file.
        """
        if self._ledger is None:
            from tracker.ledger import Ledger

            self._ledger = Ledger.open(self.db or self._configured_ledger_url(), create=create)
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

        path = Path(self.config_path).expanduser() if self.config_path else default_config_path()
        # A config named by --config or TRACKER_CONFIG must exist; the default one is optional.
        if not required and not self.config_path and not path.exists():
            return None
        if self._settings is None:  # read once per command, however many parts ask
            self._settings = load_settings(path)
        return self._settings

    def authserv_ids(self) -> tuple[str, ...]:
        """Return the provider authserv-ids whose Authentication-Results are trusted.

        Commands that read mail files or the ledger need no configuration beyond this: a
        config file that cannot be read is then a warning, and only TRACKER_AUTHSERV_IDS counts.
        """
        from tracker.config import authserv_ids_from_env

        try:
            settings = self.settings(required=False)
        except ConfigError as err:
            if not self._config_warned:
                log.warning("%s (ignored: this command does not need it)", err)
                self._config_warned = True
            return authserv_ids_from_env() or ()
        if settings is None:  # no config file: TRACKER_AUTHSERV_IDS still counts
            return authserv_ids_from_env() or ()
        return tuple(settings.authserv_ids)

    def custom_rules(self, *, strict: bool = False) -> tuple[Any, ...]:
        """Return the configuration's [[rule]]s (wording the built-in rules lack).

        Unless `strict` (rescan, whose whole job is applying them), a config file that cannot
        be read is a warning, as for `authserv_ids`, and no rule applies.
        """
        try:
            settings = self.settings(required=False)
        except ConfigError as err:
            if strict:
                raise
            if not self._config_warned:
                log.warning("%s (ignored: this command does not need it)", err)
                self._config_warned = True
            return ()
        return tuple(getattr(settings, "rules", ())) if settings else ()


pass_context = click.make_pass_decorator(Context)


class OutputClosed(Exception):
    """Whoever read our output stopped reading (`tracker report --csv | head -1`)."""


class TrackerGroup(click.Group):
    """The command group; a closed output pipe leaves click's hands as OutputClosed.

    click turns EPIPE into exit status 1; for a reader that has seen enough, 0 is right.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as err:
            raise OutputClosed() from err


# -- shared options ----------------------------------------------------------------------


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class WordChoice(click.Choice):
    """A choice matched case-insensitively, with aliases (`declined` for `rejected`, `fb`)."""

    def __init__(self, choices: Sequence[str], aliases: Mapping[str, str]) -> None:
        super().__init__(choices, case_sensitive=False)
        self.aliases = dict(aliases)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            value = self.aliases.get(value.strip().lower(), value.strip().lower())
        return super().convert(value, param, ctx)


def platform_option(*, required: bool = False, help: str | None = None) -> Decorator:
    """`--platform P`: facebook, instagram, ... in any case, or fb / ig."""
    from tracker.domain import PLATFORM_ALIASES, PLATFORMS

    return click.option(
        "--platform",
        type=WordChoice(PLATFORMS, PLATFORM_ALIASES),
        required=required,
        help=(help or "The platform.") + " Any case; fb and ig work too.",
    )


def state_option() -> Decorator:
    """`--state S` (repeatable): an account state; `declined` is taken for `rejected`."""
    from tracker.domain import ACCOUNT_STATES, STATE_ALIASES

    return click.option(
        "--state",
        type=WordChoice(ACCOUNT_STATES, STATE_ALIASES),
        multiple=True,
        help="Only accounts in this state (repeatable; declined means rejected).",
    )


def json_option(help: str = "Print JSON instead of text.") -> Decorator:
    """`--json`, passed to the command as `as_json`."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def mailbox_option(help: str = "Only this configured mailbox (repeatable).") -> Decorator:
    """`--mailbox NAME` (repeatable), passed to the command as `names`."""
    return click.option("--mailbox", "names", multiple=True, metavar="NAME", help=help)


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.version_option(package_name=DISTRIBUTION)
@click.pass_context
def cli(ctx: click.Context, db: str | None, config: str | None, verbose: int) -> None:
    """Track Meta's AI-training objection emails: notices, codes, approvals and rejections.

    \b
    Example:
      tracker --db demo.db import sample_emails/ && tracker --db demo.db report
    """
    from tracker.logs import configure_logging

    configure_logging(verbose)
    # The configuration is read when a command needs it, so that a broken one stops only
    # the commands that need it (sync, watch, config check; others without --db).
    ctx.obj = Context(db, config, verbose)


# -- entry point -------------------------------------------------------------------------


def exit_status(err: TrackerError) -> ExitStatus:
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


def _discard_output() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail on the closed pipe."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _database_failure(err: BaseException) -> str | None:
    """The first line of a database error's reason; None if `err` is not one.

    Opening the ledger turns these into LedgerError; this catches what a later read meets
    (a damaged page, a table dropped while we ran).
    """
    import sqlite3

    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(err, sa_exc.DBAPIError):
        err = getattr(err, "orig", None) or err
    elif not isinstance(err, sqlite3.Error):
        return None
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI; print a one-line error (never a traceback) and exit with its status."""
    run: Callable[..., Any] = cli.main
    try:
        run(args=argv, prog_name="tracker", standalone_mode=False)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is seen and handled
    except (OutputClosed, BrokenPipeError):
        _discard_output()
        sys.exit(ExitStatus.OK)
    except click.exceptions.NoArgsIsHelpError as err:  # bare `tracker`, `tracker account`
        click.echo(err.ctx.get_help() if err.ctx else cli.get_help(click.Context(cli)))
        sys.exit(ExitStatus.OK)
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
        sys.exit(exit_status(err))
    except KeyboardInterrupt:
        click.echo("tracker: interrupted", err=True)
        sys.exit(ExitStatus.INTERRUPTED)
    except SystemExit:
        raise
    except Exception as err:  # the promise is one line, never a traceback
        reason = _database_failure(err)
        if reason is not None:  # a read that met a damaged ledger: still the ledger's status
            log.debug("ledger error", exc_info=True)
            click.echo(f"tracker: cannot read the ledger: {reason}", err=True)
            sys.exit(ExitStatus.LEDGER)
        log.debug("internal error", exc_info=True)
        click.echo(
            f"tracker: internal error: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            " (run with -vv for details)",
            err=True,
        )
        sys.exit(ExitStatus.INTERNAL)
    sys.exit(ExitStatus.OK)
