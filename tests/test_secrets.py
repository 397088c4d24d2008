"""Secrets stay secret: owner-only files, nothing in logs (even DEBUG and the IMAP wire log),
error messages or the ledger; TLS verified; no plain-text login to a remote host.

The IMAP tests run `tracker` in a child process at `-vv` with the root logger at DEBUG as well,
so imapclient's own wire log ("imapclient", "imapclient.imaplib") is printed too, then grep every
line of it, and the ledger's bytes, for the password, the OAuth token and the codes.
"""

from __future__ import annotations

import base64
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapconfig import child_env, write_config
from tests.support.mailfactory import meta_mail, ordinary_mail, write_mbox
from tracker.config import ConfigError, MailboxSettings
from tracker.errors import MailboxError
from tracker.imap.client import connect
from tracker.secrets import resolve_password

PASSWORD = "Zq8-secret-Passw0rd-unique-7731"
TOKEN = "ya29.A0-test-oauth-token-4f1e9c"
CODES = ("418207", "552190")

# The child: everything at DEBUG on stderr, imapclient's wire log included, then the CLI.
_DEBUG_CHILD = (
    "import logging, sys\n"
    "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,\n"
    "                    format='%(name)s %(levelname)s %(message)s')\n"
    "logging.getLogger('imapclient').setLevel(logging.DEBUG)\n"
    "from tracker.cli import main\n"
    "main(sys.argv[1:])\n"
)


def _run_debug(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _DEBUG_CHILD, "-vv", *args],
        capture_output=True,
        text=True,
        env=child_env(**(env_extra or {})),
        timeout=120,
        check=False,
    )


def _secret_forms(secret: str, username: str) -> list[str]:
    """The secret as it could appear: plain, quoted, base64 alone and inside SASL strings."""
    forms = [secret]
    for blob in (
        secret.encode(),
        f"user={username}\x01auth=Bearer {secret}\x01\x01".encode(),
        f"\x00{username}\x00{secret}".encode(),
    ):
        forms.append(base64.b64encode(blob).decode())
    return forms


def _assert_absent(text: str | bytes, needles: list[str], where: str) -> None:
    haystack = text.encode() if isinstance(text, str) else text
    for needle in needles:
        assert needle.encode() not in haystack, f"{needle!r} leaked into {where}"


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _assert_owner_only(paths: list[Path]) -> None:
    assert paths
    for path in paths:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"


def _mailbox_with_mail(dovecot, user) -> None:
    mails = [
        meta_mail("notice", account="anna@example.org"),
        meta_mail("code", account="anna@example.org", code=CODES[0]),
        meta_mail("code", account="ben@example.org", code=CODES[1], platform="instagram"),
        *(ordinary_mail(i) for i in range(20)),
    ]
    dovecot.deliver_many(user.username, mails)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# -- files --------------------------------------------------------------------------------


def test_ledger_wal_and_shm_are_owner_only(tmp_path: Path, umask_022):
    from tracker.ledger import Ledger

    folder = tmp_path / "new" / "data"
    ledger = Ledger.open(str(folder / "ledger.db"))
    try:
        from tracker.sync import import_paths

        mbox = tmp_path / "mail.mbox"
        write_mbox(mbox, [meta_mail("code", account="a@example.org", code=CODES[0])])
        import_paths(ledger, [mbox])
        names = {p.name for p in _files_under(folder)}
        # While a connection is open the WAL and shared-memory files exist; check them too.
        assert {"ledger.db", "ledger.db-wal", "ledger.db-shm"} <= names
        _assert_owner_only(_files_under(folder))
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    finally:
        ledger.close()


def test_every_file_a_cli_run_writes_is_owner_only(tmp_path: Path, umask_022):
    data = tmp_path / "data"
    mbox = tmp_path / "mail.mbox"
    write_mbox(mbox, [meta_mail("notice", account="a@example.org"), ordinary_mail(1)])
    for args in (["import", str(mbox)], ["report"], ["code"], ["forget-codes"], ["status"]):
        subprocess.run(
            [sys.executable, "-m", "tracker", "--db", str(data / "ledger.db"), *args],
            env=child_env(XDG_CONFIG_HOME=str(tmp_path / "xdg")),
            capture_output=True,
            timeout=60,
            check=False,
        )
    _assert_owner_only(_files_under(data))


# -- logs and ledger at DEBUG, against a real server ------------------------------------


@pytest.mark.imap
def test_sync_at_debug_leaks_no_password_and_no_code(dovecot, tmp_path: Path, umask_022):
    user = dovecot.add_user("secret-user@example.org", PASSWORD)
    _mailbox_with_mail(dovecot, user)
    box = mailbox_settings(dovecot, user, tmp_path, name="personal")
    ledger = tmp_path / "data" / "ledger.db"
    config = write_config(tmp_path / "config.toml", [box], ledger=ledger)

    result = _run_debug("--config", str(config), "sync")
    assert result.returncode == 0, result.stderr[-2000:]
    # The wire log really is on: the test would prove nothing otherwise.
    assert "imapclient" in result.stderr and "FETCH" in result.stderr
    assert "LOGIN" in result.stderr  # redacted, but there
    needles = _secret_forms(PASSWORD, user.username)
    _assert_absent(result.stderr + result.stdout, [*needles, *CODES], "the DEBUG log")
    for path in _files_under(ledger.parent):
        _assert_absent(path.read_bytes(), needles, path.name)
    _assert_owner_only(_files_under(ledger.parent))

    # The codes are in the ledger (that is its job), and `tracker code` prints them; no log
    # line mentions them even when a code is printed.
    shown = _run_debug("--config", str(config), "code", "--include-expired", "--json")
    assert shown.returncode == 0, shown.stderr[-2000:]
    _assert_absent(shown.stderr, [*needles, *CODES], "the DEBUG log of `tracker code`")


@pytest.mark.imap
def test_import_at_debug_leaks_no_code(tmp_path: Path):
    mbox = tmp_path / "mail.mbox"
    write_mbox(mbox, [meta_mail("code", account="a@example.org", code=CODES[0]), ordinary_mail(2)])
    result = _run_debug("--db", str(tmp_path / "ledger.db"), "import", str(mbox))
    assert result.returncode == 0, result.stderr[-2000:]
    _assert_absent(result.stderr, list(CODES), "the DEBUG log of `tracker import`")


@pytest.mark.imap
def test_wrong_password_and_refused_token_never_appear(dovecot, tmp_path: Path):
    user = dovecot.add_user("victim@example.org", "the-right-one-" + PASSWORD[::-1])
    wrong = mailbox_settings(dovecot, user._replace(password=PASSWORD), tmp_path, name="wrong")
    token_file = tmp_path / "token.sh"
    token_file.write_text(f"#!/bin/sh\necho {TOKEN}\n")
    token_file.chmod(0o700)
    oauth = MailboxSettings(
        name="oauth",
        host=dovecot.host,
        port=dovecot.port,
        security="none",
        username=user.username,
        oauth2_token_command=str(token_file),
        timeout_seconds=5.0,
    )
    config = write_config(tmp_path / "config.toml", [wrong], ledger=tmp_path / "l.db")
    with config.open("a") as out:
        out.write(
            f'[[mailbox]]\nname = "oauth"\nhost = "{oauth.host}"\nport = {oauth.port}\n'
            f'security = "none"\nusername = "{user.username}"\n'
            f'oauth2_token_command = "{token_file}"\ntimeout_seconds = 5.0\n'
        )
    result = _run_debug("--config", str(config), "sync")
    assert result.returncode == 4
    assert "wrong" in result.stderr and "oauth" in result.stderr
    needles = [*_secret_forms(PASSWORD, user.username), *_secret_forms(TOKEN, user.username)]
    _assert_absent(result.stderr + result.stdout, needles, "errors and the DEBUG log")
    # And in-process: the exception text and its chain.
    for box in (wrong, oauth):
        with pytest.raises(MailboxError) as caught:
            connect(box)
        chain = []
        err: BaseException | None = caught.value
        while err is not None:
            chain.append(f"{err!r} {err}")
            err = err.__cause__ or err.__context__
        _assert_absent(" ".join(chain), needles, "the exception chain")


# -- configuration ------------------------------------------------------------------------


def test_world_readable_password_file_warns(tmp_path: Path, caplog):
    secret = tmp_path / "pass"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o644)
    box = MailboxSettings(
        name="personal", host="imap.example.org", username="me", password_file=secret
    )
    with caplog.at_level(logging.WARNING, logger="tracker"):
        assert resolve_password(box) == PASSWORD
    assert "readable by other users" in caplog.text
    assert PASSWORD not in caplog.text
    secret.chmod(0o600)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tracker"):
        resolve_password(box)
    assert "readable" not in caplog.text


@pytest.mark.parametrize("host", ["imap.example.org", "192.0.2.10", "10.0.0.1", "::ffff:1.2.3.4"])
def test_plaintext_login_to_a_remote_host_is_refused(host: str):
    with pytest.raises(ConfigError, match="only allowed for loopback"):
        MailboxSettings(
            name="personal", host=host, security="none", username="me", password_env="X"
        )


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_plaintext_login_to_loopback_is_allowed(host: str):
    MailboxSettings(name="local", host=host, security="none", username="me", password_env="X")


@pytest.mark.imap
@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_self_signed_certificate_is_refused_by_default(
    dovecot, imap_user, tmp_path: Path, security: str
):
    # No ca_file: the system's CAs, which never signed the test server's certificate.
    box = mailbox_settings(dovecot, imap_user, tmp_path, security=security, ca_file=None)
    with pytest.raises(MailboxError, match="not trusted"):
        connect(box)
    # With the server's CA named explicitly, the same server is accepted.
    good = mailbox_settings(dovecot, imap_user, tmp_path, security=security)
    connect(good).close()


def test_wire_log_redactor_on_imapclient_loggers(caplog):
    import tracker.logs  # noqa: F401  (installs the filter)

    wire = logging.getLogger("imapclient.imaplib")
    with caplog.at_level(logging.DEBUG, logger="imapclient.imaplib"):
        wire.debug("> b'AB1 LOGIN me@example.org \"%s\"'", PASSWORD)
        wire.debug("> b'AB2 AUTHENTICATE XOAUTH2 %s'", base64.b64encode(TOKEN.encode()).decode())
        wire.debug(
            "untagged_responses[FETCH] 1 += [(b'1 (UID 7 BODY[] {900}', b'Subject: x\\r\\n\\r\\n"
            "Your code is %s, and a long tail of the message body follows here')]",
            CODES[0],
        )
        wire.debug("< b'* CAPABILITY IMAP4rev1 LOGIN-REFERRALS IDLE'")
    text = caplog.text
    _assert_absent(
        text, [*_secret_forms(PASSWORD, "me"), *_secret_forms(TOKEN, "me"), *CODES], "log"
    )
    assert "LOGIN **REDACTED**" in text and "AUTHENTICATE **REDACTED**" in text
    assert "message data not logged" in text
    assert "LOGIN-REFERRALS IDLE" in text  # harmless lines are left alone
