"""The Dovecot fixture itself: it must behave like a real server before other tests trust it."""

from __future__ import annotations

import socket
import ssl
import time

import imapclient
import pytest
from imapclient.exceptions import LoginError

from tests.support.imapserver import DovecotServer, ImapUser, make_message, process_alive

pytestmark = pytest.mark.imap


def login(server: DovecotServer, user: ImapUser) -> imapclient.IMAPClient:
    client = imapclient.IMAPClient(server.host, port=server.port, ssl=False, timeout=5)
    client.login(user.username, user.password)
    return client


def test_login_with_the_right_password_only(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    client = login(dovecot, imap_user)
    client.logout()

    client = imapclient.IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=5)
    with pytest.raises(LoginError):
        client.login(imap_user.username, "wrong")


def test_imap_user_unpacks_as_a_pair(imap_user: ImapUser) -> None:
    username, password = imap_user
    assert username.endswith("@example.org") and password


def test_starts_fast_and_in_a_short_directory() -> None:
    started = time.monotonic()
    with DovecotServer() as server:
        elapsed = time.monotonic() - started
        assert len(str(server.base)) < 40
    assert elapsed < 1.0
    assert not server.base.exists()


def test_deliver_appears_over_imap_with_increasing_uids(
    dovecot: DovecotServer, imap_user: ImapUser
) -> None:
    first = dovecot.deliver(imap_user.username, make_message(subject="one"))
    second = dovecot.deliver(imap_user.username, make_message(subject="two"))
    assert (first, second) == (1, 2)

    client = login(dovecot, imap_user)
    info = client.select_folder("INBOX", readonly=True)
    assert info[b"EXISTS"] == 2
    fetched = client.fetch([2], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    assert b"Subject: two" in fetched[2][b"BODY[HEADER.FIELDS (SUBJECT)]"]
    client.logout()


def test_deliver_to_another_folder_creates_it(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    dovecot.deliver(imap_user.username, make_message(), folder="Archive/2024")
    client = login(dovecot, imap_user)
    names = [name for _flags, _sep, name in client.list_folders()]
    assert "Archive/2024" in names
    assert client.select_folder("Archive/2024", readonly=True)[b"EXISTS"] == 1
    client.logout()


def test_deliver_many_keeps_order(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    count = dovecot.deliver_many(
        imap_user.username, (make_message(subject=f"n{i}") for i in range(50))
    )
    assert count == 50
    assert dovecot.uids(imap_user.username) == list(range(1, 51))
    client = login(dovecot, imap_user)
    client.select_folder("INBOX", readonly=True)
    subjects = client.fetch([1, 50], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    assert b"n0\r\n" in subjects[1][b"BODY[HEADER.FIELDS (SUBJECT)]"]
    assert b"n49\r\n" in subjects[50][b"BODY[HEADER.FIELDS (SUBJECT)]"]
    client.logout()


def test_flags_report_what_clients_set(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    user = imap_user.username
    dovecot.deliver(user, make_message())
    dovecot.deliver(user, make_message())
    assert dovecot.flags(user) == {1: set(), 2: set()}

    client = login(dovecot, imap_user)
    client.select_folder("INBOX")
    client.fetch([2], ["BODY[]"])  # a non-PEEK fetch on a read-write selection sets \Seen
    client.logout()
    dovecot.set_flags(user, "INBOX", 1, ["\\Flagged"])

    assert dovecot.flags(user) == {1: {"\\Flagged"}, 2: {"\\Seen"}}


def test_restart_keeps_ports_mail_and_users(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    dovecot.deliver(imap_user.username, make_message())
    client = login(dovecot, imap_user)
    client.select_folder("INBOX", readonly=True)
    ports = (dovecot.port, dovecot.tls_port)

    dovecot.restart()

    # The old session is gone: the server side was killed with the master.
    with pytest.raises((imapclient.exceptions.IMAPClientAbortError, OSError)):
        client.noop()
    assert (dovecot.port, dovecot.tls_port) == ports
    client = login(dovecot, imap_user)
    assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 1
    client.logout()


def test_graceful_restart_says_bye(dovecot: DovecotServer, imap_user: ImapUser) -> None:
    client = login(dovecot, imap_user)
    client.select_folder("INBOX", readonly=True)
    client.socket().settimeout(5)
    dovecot.restart(graceful=True)
    assert client._imap.readline().startswith(b"* BYE")


def test_kill_sessions_drops_clients_but_not_the_server(
    dovecot: DovecotServer, imap_user: ImapUser
) -> None:
    client = login(dovecot, imap_user)
    client.select_folder("INBOX", readonly=True)
    assert len(dovecot.session_pids()) == 1

    assert dovecot.kill_sessions() == 1

    client.socket().settimeout(5)
    assert client._imap.readline() == b""  # closed without a BYE
    assert dovecot.session_pids() == []
    login(dovecot, imap_user).logout()


def test_stop_ends_sessions_too(imap_user: ImapUser, dovecot: DovecotServer) -> None:
    client = login(dovecot, imap_user)
    pids = dovecot.session_pids()
    assert pids

    dovecot.stop()

    # Gone, or a zombie waiting for init to reap it: either way it serves nobody.
    assert not any(process_alive(pid) for pid in pids)
    with pytest.raises(OSError):
        socket.create_connection((dovecot.host, dovecot.port), timeout=1)
    client.socket().close()


def test_reset_uidvalidity_renumbers_and_keeps_flags(
    dovecot: DovecotServer, imap_user: ImapUser
) -> None:
    user = imap_user.username
    for subject in ("a", "b", "c"):
        dovecot.deliver(user, make_message(subject=subject))
    dovecot.set_flags(user, "INBOX", 2, ["\\Flagged"])
    before = dovecot.status(user)

    after = dovecot.reset_uidvalidity(user)

    status = dovecot.status(user)
    assert after == status["uidvalidity"] != before["uidvalidity"]
    assert status["messages"] == 3
    assert dovecot.flags(user) == {1: set(), 2: {"\\Flagged"}, 3: set()}
    client = login(dovecot, imap_user)
    assert client.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"] == after
    client.logout()


def test_imaps_port_verifies_against_the_ca_only(
    dovecot: DovecotServer, imap_user: ImapUser
) -> None:
    context = ssl.create_default_context(cafile=str(dovecot.ca_file))
    client = imapclient.IMAPClient(
        dovecot.host, port=dovecot.tls_port, ssl=True, ssl_context=context, timeout=5
    )
    client.login(imap_user.username, imap_user.password)
    client.logout()

    with pytest.raises(ssl.SSLCertVerificationError):
        imapclient.IMAPClient(
            dovecot.host,
            port=dovecot.tls_port,
            ssl=True,
            ssl_context=ssl.create_default_context(),
            timeout=5,
        )


def test_idle_is_advertised_unless_disabled(
    dovecot: DovecotServer, dovecot_no_idle: DovecotServer
) -> None:
    for server, expected in ((dovecot, True), (dovecot_no_idle, False)):
        user = server.add_user("idle-check@example.org")
        client = login(server, user)
        assert (b"IDLE" in client.capabilities()) is expected
        assert b"UIDPLUS" in client.capabilities()
        client.logout()
