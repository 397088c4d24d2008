"""Every failure a user can act on has its own class; the CLI maps them to exit codes."""

from __future__ import annotations


class TrackerError(Exception):
    """Root of tracker's errors; str(err) is a one-line message fit for the user."""


class InputError(TrackerError):
    """A file or directory given on the command line cannot be read."""


class LedgerError(TrackerError):
    """The ledger database cannot be opened, created, migrated or written."""


class ConfigError(TrackerError):
    """The configuration file or an environment override is wrong."""


class MailboxConfigError(ConfigError):
    """One mailbox's settings cannot be used (its secret cannot be obtained, say)."""

    def __init__(self, mailbox: str, reason: str) -> None:
        super().__init__(f"mailbox '{mailbox}': {reason}")
        self.mailbox = mailbox
        self.reason = reason


class MailboxError(TrackerError):
    """An IMAP mailbox cannot be reached, logged in to or read."""

    def __init__(self, mailbox: str, reason: str) -> None:
        super().__init__(f"Mailbox {mailbox}: {reason}")
        self.mailbox = mailbox
        self.reason = reason


class AuthenticationError(MailboxError):
    """The server refused the credentials (wrong password, expired token)."""


class NotFoundError(TrackerError):
    """The thing asked for (a code, an account) is not in the ledger."""
