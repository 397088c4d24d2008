"""`tracker config check`: log in to each mailbox and try what tracker needs, changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tracker.errors import ConfigError, MailboxError, TrackerError
from tracker.imap.client import connect as connect_mailbox
from tracker.sync import error_reason

if TYPE_CHECKING:
    from tracker.config import MailboxSettings
    from tracker.imap.session import MailboxSession

    Connector = Callable[[MailboxSettings], MailboxSession]


CheckStatus = Literal["ok", "fail", "no"]


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `tracker config check`: "no" is a missing feature, not a failure."""

    name: str
    status: CheckStatus
    detail: str = ""


@dataclass(frozen=True, slots=True)
class MailboxCheck:
    """What works on one mailbox, and the errors of what does not."""

    mailbox: str
    checks: tuple[Check, ...]
    errors: tuple[TrackerError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_mailbox(
    mailbox: MailboxSettings, *, connect: Connector = connect_mailbox
) -> MailboxCheck:
    """Log in to `mailbox` and try what tracker needs: each folder, IDLE, server-side search.

    Nothing is changed on the server (EXAMINE and SEARCH only). Never raises for mailbox
    or configuration problems: they become failed checks and `errors`.
    """
    name = mailbox.name
    checks: list[Check] = []
    errors: list[TrackerError] = []
    try:
        connection = connect(mailbox)
    except (MailboxError, ConfigError) as err:
        checks.append(Check("login", "fail", error_reason(err)))
        return MailboxCheck(name, tuple(checks), (err,))
    with connection:
        checks.append(
            Check(
                "login",
                "ok",
                f"as {mailbox.username} on {mailbox.host}:{mailbox.port} ({mailbox.security}"
                f"{', XOAUTH2' if mailbox.uses_oauth2 else ''})",
            )
        )
        searchable: str | None = None
        for folder in mailbox.folders:
            try:
                state = connection.examine(folder)
            except MailboxError as err:
                errors.append(err)
                checks.append(Check(f"folder {folder}", "fail", error_reason(err)))
                if connection.closed:
                    break
                continue
            searchable = searchable or folder
            checks.append(
                Check(
                    f"folder {folder}",
                    "ok",
                    f"{state.exists} messages, UIDVALIDITY {state.uidvalidity}",
                )
            )
        checks.append(
            Check("IDLE", "ok", "mail is seen as it arrives")
            if connection.supports_idle
            else Check("IDLE", "no", "not offered: `tracker watch` polls instead")
        )
        if searchable is not None and not connection.closed:
            checks.append(_check_search(connection, searchable, errors))
        checks.append(
            Check("Gmail X-GM-EXT-1", "ok", "searches with X-GM-RAW")
            if connection.supports_gmail_search
            else Check("Gmail X-GM-EXT-1", "no", "not Gmail: standard SEARCH FROM is used")
        )
    return MailboxCheck(name, tuple(checks), tuple(errors))


def _check_search(connection: MailboxSession, folder: str, errors: list[TrackerError]) -> Check:
    try:
        connection.examine(folder)
        found = connection.search_candidates()
    except MailboxError as err:
        errors.append(err)
        return Check("server-side search", "fail", error_reason(err))
    if connection.search_refused:
        return Check(
            "server-side search",
            "no",
            "refused: every new message's headers are fetched and checked here (slower)",
        )
    return Check("server-side search", "ok", f"{len(found)} candidate(s) from Meta in {folder}")
