"""Connection errors that say what to do: the wrong `security` for a port, a folder that does
not exist, a driver that is not installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.imap_fixtures import mailbox_settings
from tests.support.quirkserver import QuirkyServer, quirky_settings
from tracker import DISTRIBUTION
from tracker.config import MailboxSettings
from tracker.errors import LedgerError, MailboxError
from tracker.imap import connect
from tracker.ledger import Ledger
from tracker.sync import sync_mailbox


def _quirky(server: QuirkyServer, tmp_path: Path, **overrides: object) -> MailboxSettings:
    return quirky_settings(server, tmp_path, **{"timeout_seconds": 2.0, **overrides})


def test_tls_to_a_plain_text_port_suggests_starttls(tmp_path: Path) -> None:
    with QuirkyServer({}) as server, pytest.raises(MailboxError) as caught:
        connect(_quirky(server, tmp_path, security="tls"))
    assert (
        'the server answered in plain text, so this is no IMAPS port; try security = "starttls"'
        in str(caught.value)
    )


@pytest.mark.imap
def test_plain_text_to_a_tls_port_fails_within_the_timeout_with_the_hint(
    dovecot, imap_user, tmp_path: Path
) -> None:
    settings = mailbox_settings(
        dovecot, imap_user, tmp_path, security="none", port=dovecot.tls_port, timeout_seconds=1.0
    )
    with pytest.raises(MailboxError) as caught:
        connect(settings)
    message = str(caught.value)
    assert "no answer from" in message and "within 1 s" in message
    assert 'if this is an IMAPS port (usually 993), use security = "tls"' in message


def test_a_missing_folder_lists_the_folders_that_exist(tmp_path: Path) -> None:
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer({}) as server:
        result = sync_mailbox(ledger, _quirky(server, tmp_path, folders=("Inbx", "INBOX")))
    [error] = result.errors
    assert str(error) == (
        "Mailbox quirky: cannot open folder 'Inbx': [NONEXISTENT] Mailbox doesn't exist "
        "(did you mean 'INBOX'? folders here: INBOX, Archive)"
    )
    assert [f.folder for f in result.folders] == ["INBOX"]  # the next folder still synced


def test_a_missing_database_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    with pytest.raises(LedgerError) as caught:
        Ledger.open("postgresql+psycopg://tracker@127.0.0.1:1/ledger")
    assert str(caught.value).endswith(
        f"its driver psycopg is not installed (pip install '{DISTRIBUTION}[postgres]')"
    )
