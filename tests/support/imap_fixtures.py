"""Pytest fixtures around tests/support/imapserver.py: a fresh Dovecot per test (it starts in ~20 ms).

Load with `pytest_plugins = ["tests.support.imap_fixtures"]` in tests/conftest.py.
Tests that use these fixtures are skipped when Dovecot is not installed or we are not root
(`.ci/run` installs it); mark them `@pytest.mark.imap`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.imapserver import DovecotServer, ImapUser, dovecot_available, running_dovecot
from tracker.config import MailboxSettings

__all__ = [
    "dovecot",
    "dovecot_no_idle",
    "imap_mailbox",
    "imap_user",
    "mailbox_settings",
]

_user_numbers = itertools.count(1)


def _require_dovecot() -> None:
    if not dovecot_available():
        pytest.skip("needs dovecot, doveadm and openssl, run as root (.ci/run installs them)")


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """A running Dovecot with IDLE, on free loopback ports; stopped and removed afterwards."""
    _require_dovecot()
    with running_dovecot() as server:
        yield server


@pytest.fixture
def dovecot_no_idle() -> Iterator[DovecotServer]:
    """Like `dovecot`, but the server does not advertise IDLE (for the polling fallback)."""
    _require_dovecot()
    with running_dovecot(idle=False) as server:
        yield server


@pytest.fixture
def imap_user(dovecot: DovecotServer) -> ImapUser:
    """A fresh account on `dovecot`; unpacks as (username, password)."""
    return dovecot.add_user(f"user{next(_user_numbers)}@example.org")


def mailbox_settings(
    server: DovecotServer,
    user: ImapUser,
    secrets_dir: Path,
    **overrides: Any,
) -> MailboxSettings:
    """MailboxSettings pointing at `server` as `user`, password in a 0600 file.

    Defaults to plain IMAP (loopback only); pass security="tls" or "starttls" to test TLS
    (port and ca_file follow unless given).
    """
    password_file = secrets_dir / f"{user.username}.pass"
    password_file.write_text(user.password + "\n")
    password_file.chmod(0o600)
    security = overrides.get("security", "none")
    values: dict[str, Any] = {
        "name": "test",
        "host": server.host,
        "port": server.tls_port if security == "tls" else server.port,
        "security": security,
        "username": user.username,
        "password_file": password_file,
        "ca_file": server.ca_file if security != "none" else None,
        "timeout_seconds": 5.0,
    }
    values.update(overrides)
    return MailboxSettings(**values)


@pytest.fixture
def imap_mailbox(dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path) -> MailboxSettings:
    """MailboxSettings for `imap_user` on `dovecot` over plain IMAP on loopback."""
    return mailbox_settings(dovecot, imap_user, tmp_path)
