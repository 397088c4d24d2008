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

    def __init__(
        self,
        mailbox: str,
        reason: str,
        *,
        lost: bool = False,
        refused: bool = False,
        server_text: str = "",
    ) -> None:
        super().__init__(f"Mailbox {mailbox}: {reason}")
        self.mailbox = mailbox
        self.reason = reason
        self.server_text = server_text  # the server's own words, when it answered NO or BAD
        # The connection is gone (connect again) / the server answered NO or BAD to a command.
        self.lost = lost
        self.refused = refused


class AuthenticationError(MailboxError):
    """The server refused the credentials (wrong password, expired token)."""


class NotFoundError(TrackerError):
    """The thing asked for (a code, an account) is not in the ledger."""
