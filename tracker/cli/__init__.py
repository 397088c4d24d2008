"""The command line: `app` holds the group, the shared options and the exit statuses; each other
module registers the commands of one area. Importing this package registers them all."""

from tracker.cli import accounts, files, mailboxes, reports  # noqa: F401  (registers commands)
from tracker.cli.app import ExitStatus, cli, main

__all__ = ["ExitStatus", "cli", "main"]
