"""The command line: `app` holds the group, the shared options and the exit statuses; each other
module registers the commands of one area. Importing this package registers them all."""

import tracker.cli.events  # noqa: F401  (registers events, notify test)
from tracker.cli import (  # noqa: F401  (registers commands)
    accounts,
    files,
    mailboxes,
    reports,
    review,
)
from tracker.cli.app import ExitStatus, cli, main

__all__ = ["ExitStatus", "cli", "main"]
