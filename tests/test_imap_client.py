"""tracker.imap.client against a real Dovecot (and a few scripted fakes for what Dovecot lacks)."""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
from imapclient.exceptions import IMAPClientError, LoginError

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapserver import DovecotServer, ImapUser, free_port, make_message
from tracker.config import MailboxSettings
from tracker.errors import AuthenticationError, ConfigError, MailboxError
from tracker.imap import META_SENDER_DOMAINS, FolderState, MailboxConnection, connect
from tracker.imap.client import search_terms
from tracker.imap.wire import BoundedIMAPClient

pytestmark = pytest.mark.imap

META_SENDERS = [
    "Facebook <security@facebookmail.com>",
    "Instagram <no-reply@mail.instagram.com>",
    "Meta <privacy@support.facebook.com>",
    "Meta Privacy <noreply@meta.com>",
]
OTHER_SENDERS = [
    "Alice <alice@example.org>",
    "Newsletter <news@shop.example>",
    "Bob <bob@facebook-fans.example>",  # mentions Facebook, not a Meta domain
]


@pytest.fixture
def conn(imap_mailbox: MailboxSettings) -> Iterator[MailboxConnection]:
    with connect(imap_mailbox) as connection:
        yield connection


def later(delay: float, action: Callable[[], object]) -> threading.Thread:
    """Run `action` in `delay` seconds on another thread (the test thread is in IDLE)."""

    def run() -> None:
        time.sleep(delay)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# ------------------------------------------------------------------------------ connect


def test_login_and_examine_an_empty_inbox(conn: MailboxConnection) -> None:
    assert "IMAP4REV1" in conn.capabilities
    assert conn.supports_idle and not conn.supports_gmail_search
    state = conn.examine("INBOX")
    assert state.uidvalidity > 0 and (state.uidnext, state.exists) == (1, 0)
    assert conn.folder == "INBOX" and conn.state == state


def test_tcp_nodelay_is_set(conn: MailboxConnection) -> None:
    sock = conn._client.socket()  # type: ignore[union-attr]
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_tcp_keepalive_is_set(conn: MailboxConnection) -> None:
    """A silent network path must fail the socket instead of leaving IDLE waiting for ever."""
    sock = conn._client.socket()  # type: ignore[union-attr]
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60


def test_wrong_password_is_an_authentication_error(
    dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path
) -> None:
    wrong = ImapUser(imap_user.username, "not-the-Password-42")
    with pytest.raises(AuthenticationError) as excinfo:
        connect(mailbox_settings(dovecot, wrong, tmp_path))
    message = str(excinfo.value)
    assert message == ("Mailbox test: login refused: [AUTHENTICATIONFAILED] Authentication failed.")
    assert wrong.password not in message and imap_user.password not in message


def test_failing_password_source_is_a_config_error_before_connecting(
    dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path
) -> None:
    settings = replace(
        mailbox_settings(dovecot, imap_user, tmp_path),
        password_file=None,
        password_env="TRACKER_TEST_UNSET_PASSWORD",
    )
    with pytest.raises(ConfigError, match="TRACKER_TEST_UNSET_PASSWORD is not set"):
        connect(settings, env={})


def test_unknown_host(dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path) -> None:
    settings = mailbox_settings(
        dovecot, imap_user, tmp_path, host="no-such-host.invalid", security="tls"
    )
    with pytest.raises(
        MailboxError, match=r"^Mailbox test: cannot resolve host 'no-such-host\.invalid'"
    ):
        connect(settings)


def test_refused_port(dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path) -> None:
    port = free_port()
    settings = mailbox_settings(dovecot, imap_user, tmp_path, port=port)
    with pytest.raises(MailboxError) as excinfo:
        connect(settings)
    assert str(excinfo.value) == f"Mailbox test: connection refused by 127.0.0.1:{port}"
    assert not isinstance(excinfo.value, AuthenticationError)


def test_silent_server_times_out(
    dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # the kernel accepts; nobody ever sends a greeting
        port = listener.getsockname()[1]
        settings = mailbox_settings(dovecot, imap_user, tmp_path, port=port, timeout_seconds=0.3)
        started = time.monotonic()
        with pytest.raises(MailboxError, match=r"no answer from 127\.0\.0\.1:\d+ within 0\.3 s"):
            connect(settings)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_self_signed_certificate_is_refused_without_ca_file(
    dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path, security: str
) -> None:
    settings = mailbox_settings(dovecot, imap_user, tmp_path, security=security, ca_file=None)
    with pytest.raises(MailboxError) as excinfo:
        connect(settings)
    message = str(excinfo.value)
    assert message.startswith("Mailbox test: TLS certificate of 127.0.0.1 not trusted (")
    assert message.endswith("; set ca_file if the server uses a private CA")
    assert "\n" not in message


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_works_with_the_ca_file(
    dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path, security: str
) -> None:
    settings = mailbox_settings(dovecot, imap_user, tmp_path, security=security)
    assert settings.ca_file == dovecot.ca_file
    dovecot.deliver(imap_user.username, make_message(sender=META_SENDERS[0]))
    with connect(settings) as conn:
        conn.examine("INBOX")
        assert conn.search_candidates() == [1]
        assert conn._client._imap.sock.version() in ("TLSv1.2", "TLSv1.3")  # type: ignore[union-attr]


def test_unreadable_ca_file(dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path) -> None:
    settings = mailbox_settings(
        dovecot, imap_user, tmp_path, security="tls", ca_file=tmp_path / "nope.pem"
    )
    with pytest.raises(MailboxError, match=r"cannot load ca_file .*nope\.pem"):
        connect(settings)


def test_starttls_refused_when_not_offered(
    dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path
) -> None:
    class NoStarttls(BoundedIMAPClient):
        def capabilities(self) -> tuple[bytes, ...]:
            return tuple(c for c in super().capabilities() if c != b"STARTTLS")

    settings = mailbox_settings(dovecot, imap_user, tmp_path, security="starttls")
    with pytest.raises(MailboxError, match="does not offer STARTTLS"):
        connect(settings, factory=NoStarttls)


# ------------------------------------------------------------------------------ folders


def test_missing_folder(conn: MailboxConnection) -> None:
    with pytest.raises(MailboxError) as excinfo:
        conn.examine("No/Such/Folder")
    assert str(excinfo.value) == (
        "Mailbox test: cannot open folder 'No/Such/Folder': Mailbox doesn't exist: No/Such/Folder"
        " (folders here: INBOX)"
    )
    assert conn.folder is None and not conn.closed


def test_examine_reports_uidvalidity_uidnext_exists(
    dovecot: DovecotServer, imap_user: ImapUser, conn: MailboxConnection
) -> None:
    for _ in range(3):
        dovecot.deliver(imap_user.username, make_message(), folder="Meta")
    state = conn.examine("Meta")
    assert state == FolderState(
        uidvalidity=dovecot.status(imap_user.username, "Meta")["uidvalidity"], uidnext=4, exists=3
    )
    assert "Meta" in conn.list_folders()


def test_uidvalidity_change_is_visible(
    dovecot: DovecotServer, imap_user: ImapUser, imap_mailbox: MailboxSettings
) -> None:
    dovecot.deliver(imap_user.username, make_message())
    with connect(imap_mailbox) as conn:
        before = conn.examine("INBOX").uidvalidity
    after = dovecot.reset_uidvalidity(imap_user.username)
    with connect(imap_mailbox) as conn:
        assert conn.examine("INBOX").uidvalidity == after != before


# ------------------------------------------------------------------------------- search


def deliver_mixture(dovecot: DovecotServer, user: str) -> list[int]:
    """Unrelated mail around Meta's; returns the Meta mails' UIDs."""
    meta_uids = []
    for index in range(len(META_SENDERS) + len(OTHER_SENDERS)):
        if index % 2 == 0 and index // 2 < len(META_SENDERS):
            sender = META_SENDERS[index // 2]
            meta_uids.append(dovecot.deliver(user, make_message(sender=sender)))
        else:
            sender = OTHER_SENDERS[index % len(OTHER_SENDERS)]
            dovecot.deliver(user, make_message(sender=sender, subject="Your Facebook page"))
    return meta_uids


def test_search_finds_meta_mail_among_unrelated_mail(
    dovecot: DovecotServer, imap_user: ImapUser, conn: MailboxConnection
) -> None:
    meta_uids = deliver_mixture(dovecot, imap_user.username)
    assert len(meta_uids) == len(META_SENDERS)
    conn.examine("INBOX")

    assert conn.search_candidates() == meta_uids
    assert conn.search_candidates(after_uid=meta_uids[1]) == meta_uids[2:]


def test_search_after_the_last_uid_is_empty(
    dovecot: DovecotServer, imap_user: ImapUser, conn: MailboxConnection
) -> None:
    # "UID 5:*" matches the newest message even when its UID is 4: that must not come back.
    for sender in META_SENDERS:
        dovecot.deliver(imap_user.username, make_message(sender=sender))
    conn.examine("INBOX")
    assert conn.search_candidates(after_uid=4) == []
    assert conn.search_candidates(after_uid=400) == []
    assert conn.list_uids(after_uid=4) == []


def test_search_since_bounds_by_arrival_date(
    dovecot: DovecotServer, imap_user: ImapUser, conn: MailboxConnection
) -> None:
    dovecot.deliver(imap_user.username, make_message(sender=META_SENDERS[0]))
    conn.examine("INBOX")
    assert conn.search_candidates(since=date(2000, 1, 1)) == [1]
    assert conn.search_candidates(since=date(2999, 1, 1)) == []


def test_search_terms_skip_domains_covered_by_others() -> None:
    terms = search_terms()
    assert "support.facebook.com" not in terms and "facebook.com" in terms
    assert set(terms) <= set(META_SENDER_DOMAINS)
    for domain in META_SENDER_DOMAINS:
        assert any(term in domain for term in terms)


class RefusingSearch(BoundedIMAPClient):
    """A real client whose sender searches the server 'refuses' (as some servers do)."""

    def search(self, criteria: Any = "ALL", charset: str | None = None) -> Any:
        if "FROM" in criteria:
            raise IMAPClientError("SEARCH command error: BAD [b'Unknown search key']")
        return super().search(criteria, charset)


def test_refused_search_falls_back_to_every_new_uid(
    dovecot: DovecotServer,
    imap_user: ImapUser,
    imap_mailbox: MailboxSettings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The CLI's configure_logging stops propagation; caplog listens at the root.
    monkeypatch.setattr(logging.getLogger("tracker"), "propagate", True)
    deliver_mixture(dovecot, imap_user.username)
    total = len(META_SENDERS) + len(OTHER_SENDERS)
    with connect(imap_mailbox, factory=RefusingSearch) as conn:
        conn.examine("INBOX")
        assert conn.search_candidates() == list(range(1, total + 1))
        assert conn.search_candidates(after_uid=5) == list(range(6, total + 1))
    assert "refused the sender search" in caplog.text
    assert caplog.text.count("refused the sender search") == 1


class GmailLike(BoundedIMAPClient):
    """Advertises Gmail's extension and turns X-GM-RAW into the equivalent FROM search."""

    seen: ClassVar[list[Any]] = []

    def capabilities(self) -> tuple[bytes, ...]:
        return (*super().capabilities(), b"X-GM-EXT-1")

    def search(self, criteria: Any = "ALL", charset: str | None = None) -> Any:
        GmailLike.seen.append(list(criteria))
        criteria = list(criteria)
        raw = criteria.index("X-GM-RAW")
        domains = criteria[raw + 1].removeprefix("from:(").removesuffix(")").split(" OR ")
        ors: list[str] = []
        for domain in domains[:-1]:
            ors += ["OR", "FROM", domain]
        return super().search([*criteria[:raw], *ors, "FROM", domains[-1]], charset)


def test_gmail_search_uses_x_gm_raw(
    dovecot: DovecotServer, imap_user: ImapUser, imap_mailbox: MailboxSettings
) -> None:
    meta_uids = deliver_mixture(dovecot, imap_user.username)
    GmailLike.seen = []
    with connect(imap_mailbox, factory=GmailLike) as conn:
        assert conn.supports_gmail_search
        conn.examine("INBOX")
        assert conn.search_candidates() == meta_uids
    (criteria,) = GmailLike.seen
    assert criteria[:3] == ["UID", "1:*", "X-GM-RAW"]
    assert criteria[3].startswith("from:(facebook.com OR facebookmail.com OR ")


# -------------------------------------------------------------------------------- fetch


def test_fetch_headers_and_messages_never_set_seen(
    dovecot: DovecotServer, imap_user: ImapUser, conn: MailboxConnection
) -> None:
    user = imap_user.username
    for index, sender in enumerate(META_SENDERS):
        dovecot.deliver(user, make_message(sender=sender, subject=f"Meta {index}"))
    dovecot.set_flags(user, "INBOX", 2, ["\\Flagged"])
    before = dovecot.flags(user)
    conn.examine("INBOX")

    headers = conn.fetch_headers([1, 2, 3, 4, 99])
    bodies = conn.fetch_messages(conn.search_candidates())

    assert sorted(headers) == [1, 2, 3, 4] and sorted(bodies) == [1, 2, 3, 4]
    assert b"Subject: Meta 2\r\n" in headers[3] and b"Just a note." not in headers[3]
    assert bodies[3].startswith(headers[3]) and b"Just a note." in bodies[3]
    after = dovecot.flags(user)
    assert after == before == {1: set(), 2: {"\\Flagged"}, 3: set(), 4: set()}


def test_fetch_in_batches(
    dovecot: DovecotServer, imap_user: ImapUser, conn: MailboxConnection
) -> None:
    count = 1234  # three header batches, thirteen message batches
    dovecot.deliver_many(
        imap_user.username, (make_message(subject=f"bulk {i}") for i in range(count))
    )
    conn.examine("INBOX")
    headers = conn.fetch_headers(range(1, count + 1))
    assert len(headers) == count
    assert b"Subject: bulk 1233\r\n" in headers[count]
    assert len(conn.fetch_messages(range(1, count + 1))) == count
    assert all(not flags for flags in dovecot.flags(imap_user.username).values())


def test_commands_need_an_examined_folder(conn: MailboxConnection) -> None:
    with pytest.raises(RuntimeError, match="examine"):
        conn.search_candidates()


# --------------------------------------------------------------------------------- IDLE


def test_idle_sees_a_delivery(
    dovecot: DovecotServer, imap_user: ImapUser, conn: MailboxConnection
) -> None:
    conn.examine("INBOX")
    delivered_at: list[float] = []

    def deliver() -> None:
        dovecot.deliver(imap_user.username, make_message(sender=META_SENDERS[0]))
        delivered_at.append(time.monotonic())

    thread = later(0.2, deliver)
    assert conn.idle(timeout=10) is True
    woke = time.monotonic()
    thread.join()
    # Dovecot batches IDLE notifications by about half a second.
    assert woke - delivered_at[0] < 2.0
    assert conn.search_candidates() == [1]


def test_idle_times_out_quietly(conn: MailboxConnection) -> None:
    conn.examine("INBOX")
    started = time.monotonic()
    assert conn.idle(timeout=0.4) is False
    assert 0.35 < time.monotonic() - started < 2
    conn.noop()  # still usable afterwards


def test_idle_detects_a_killed_session(dovecot: DovecotServer, conn: MailboxConnection) -> None:
    conn.examine("INBOX")
    later(0.3, dovecot.kill_sessions)
    started = time.monotonic()
    with pytest.raises(MailboxError, match=r"^Mailbox test: IDLE on 'INBOX': connection lost"):
        conn.idle(timeout=30)
    assert time.monotonic() - started < 5
    assert conn.closed
    with pytest.raises(MailboxError, match="the connection is closed"):
        conn.noop()


def test_idle_detects_a_server_shutdown_with_bye(
    dovecot: DovecotServer, conn: MailboxConnection
) -> None:
    conn.examine("INBOX")
    later(0.3, lambda: dovecot.kill_sessions(signal.SIGTERM))
    with pytest.raises(MailboxError, match=r"connection lost \(the server said BYE: Server shut"):
        conn.idle(timeout=30)
    assert conn.closed


def test_idle_treats_a_silent_server_as_dead(
    dovecot: DovecotServer, imap_user: ImapUser, tmp_path: Path
) -> None:
    settings = mailbox_settings(dovecot, imap_user, tmp_path, timeout_seconds=0.5)
    with connect(settings) as conn:
        conn.examine("INBOX")
        dovecot.pause_sessions()  # the socket stays open but nothing will ever answer
        started = time.monotonic()
        with pytest.raises(MailboxError) as excinfo:
            conn.idle(timeout=0.3)
        assert time.monotonic() - started < 2
        assert str(excinfo.value) == (
            f"Mailbox test: IDLE on 'INBOX': connection lost: "
            f"no answer from 127.0.0.1:{dovecot.port} within 0.5 s"
        )
        assert conn.closed


def test_reconnect_after_restart_sees_mail_that_arrived_meanwhile(
    dovecot: DovecotServer, imap_user: ImapUser, imap_mailbox: MailboxSettings
) -> None:
    with connect(imap_mailbox) as conn:
        conn.examine("INBOX")
        dovecot.stop()
        with pytest.raises(MailboxError, match="connection lost"):
            conn.noop()
    dovecot.start()
    dovecot.deliver(imap_user.username, make_message(sender=META_SENDERS[1]))
    with connect(imap_mailbox) as conn:
        conn.examine("INBOX")
        assert conn.search_candidates() == [1]


def test_no_idle_capability(dovecot_no_idle: DovecotServer, tmp_path: Path) -> None:
    user = dovecot_no_idle.add_user("poller@example.org")
    with connect(mailbox_settings(dovecot_no_idle, user, tmp_path)) as conn:
        assert not conn.supports_idle
        conn.examine("INBOX")
        with pytest.raises(MailboxError, match="does not support IDLE; poll instead"):
            conn.idle(timeout=1)
        conn.noop()


def test_close_is_idempotent_and_logs_out(dovecot: DovecotServer, conn: MailboxConnection) -> None:
    assert len(dovecot.session_pids()) == 1
    conn.close()
    conn.close()
    assert conn.closed and repr(conn) == "<MailboxConnection test closed>"
    deadline = time.monotonic() + 5
    while dovecot.session_pids() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dovecot.session_pids() == []


# ------------------------------------------------------------------------------ XOAUTH2


class FakeOAuthServer:
    """Stands in for IMAPClient: accepts XOAUTH2 with the token 'fresh' only."""

    logins: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, host: str, **_: Any) -> None:
        self._sock = socket.socket()

    def socket(self) -> socket.socket:
        return self._sock

    def capabilities(self) -> tuple[bytes, ...]:
        return (b"IMAP4REV1", b"AUTH=XOAUTH2", b"IDLE")

    def oauth2_login(self, user: str, token: str) -> bytes:
        FakeOAuthServer.logins.append((user, token))
        if token != "fresh":
            raise LoginError(f"b'[AUTHENTICATIONFAILED] Invalid credentials {token}'")
        return b"OK"

    def logout(self) -> None:
        pass

    def shutdown(self) -> None:
        self._sock.close()


def oauth_mailbox(command: str) -> MailboxSettings:
    return MailboxSettings(
        name="gmail",
        host="imap.gmail.example",
        username="me@gmail.example",
        oauth2_token_command=command,
    )


def test_xoauth2_asks_for_a_fresh_token_once() -> None:
    FakeOAuthServer.logins = []
    command = "sh -c 'if [ -n \"$TRACKER_OAUTH2_REFRESH\" ]; then echo fresh; else echo stale; fi'"
    with connect(oauth_mailbox(command), factory=FakeOAuthServer) as conn:  # type: ignore[arg-type]
        assert conn.supports_idle
    assert FakeOAuthServer.logins == [
        ("me@gmail.example", "stale"),
        ("me@gmail.example", "fresh"),
    ]


def test_xoauth2_rejected_twice_is_an_authentication_error_without_the_token() -> None:
    FakeOAuthServer.logins = []
    with pytest.raises(AuthenticationError) as excinfo:
        connect(oauth_mailbox("echo expired-token-123"), factory=FakeOAuthServer)  # type: ignore[arg-type]
    assert len(FakeOAuthServer.logins) == 2
    message = str(excinfo.value)
    assert message.startswith("Mailbox gmail: XOAUTH2 login refused: [AUTHENTICATIONFAILED]")
    assert "expired-token-123" not in message
