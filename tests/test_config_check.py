"""`tracker config check` against a real Dovecot: what works, what not, and the exit status."""

from __future__ import annotations

import json

import pytest

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapconfig import write_config
from tests.support.imapserver import ImapUser
from tests.support.mailfactory import meta_mail

pytestmark = pytest.mark.imap


def test_everything_works(dovecot, imap_user, tmp_path, run_cli) -> None:
    dovecot.deliver(imap_user.username, meta_mail("notice", account="anna@example.org"))
    dovecot.create_folder(imap_user.username, "Archive")
    box = mailbox_settings(
        dovecot, imap_user, tmp_path, name="personal", security="tls", folders=("INBOX", "Archive")
    )
    config = write_config(tmp_path / "config.toml", [box])
    result = run_cli("--config", str(config), "config", "check")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Mailbox personal:"
    assert lines[1].startswith(f"  ok   login: as {imap_user.username} on 127.0.0.1:")
    assert lines[2].startswith("  ok   folder INBOX: 1 messages, UIDVALIDITY ")
    assert lines[3].startswith("  ok   folder Archive: 0 messages")
    assert lines[4:] == [
        "  ok   IDLE: mail is seen as it arrives",
        "  ok   server-side search: 1 candidate(s) from Meta in INBOX",
        "  no   Gmail X-GM-EXT-1: not Gmail: standard SEARCH FROM is used",
    ]
    assert result.stderr == ""
    assert imap_user.password not in result.stdout


def test_failures_are_reported_per_mailbox_with_a_non_zero_exit(
    dovecot, imap_user, tmp_path, run_cli
) -> None:
    good = mailbox_settings(dovecot, imap_user, tmp_path, name="good", folders=("INBOX", "Inbx"))
    (tmp_path / "wrong").mkdir()
    wrong = mailbox_settings(
        dovecot, ImapUser(imap_user.username, "Wrong-Password-5"), tmp_path / "wrong", name="bad"
    )
    config = write_config(tmp_path / "config.toml", [wrong, good])
    result = run_cli("--config", str(config), "config", "check", "--json")
    assert result.exit_code == 4
    reports = {r["mailbox"]: r for r in json.loads(result.stdout)}
    assert not reports["bad"]["ok"] and not reports["good"]["ok"]
    assert reports["bad"]["checks"] == [
        {
            "check": "login",
            "status": "fail",
            "detail": "login refused: [AUTHENTICATIONFAILED] Authentication failed.",
        }
    ]
    good_checks = {c["check"]: c for c in reports["good"]["checks"]}
    assert good_checks["login"]["status"] == "ok"
    assert good_checks["folder INBOX"]["status"] == "ok"
    assert good_checks["folder Inbx"]["status"] == "fail"
    assert "(did you mean 'INBOX'? folders here: INBOX" in good_checks["folder Inbx"]["detail"]
    assert good_checks["IDLE"]["status"] == "ok"
    assert good_checks["server-side search"]["status"] == "ok"
    errors = result.stderr.splitlines()
    assert errors[0] == (
        "tracker: Mailbox bad: login refused: [AUTHENTICATIONFAILED] Authentication failed."
    )
    assert errors[1].startswith("tracker: Mailbox good: cannot open folder 'Inbx'")
    assert "Wrong-Password-5" not in result.stdout + result.stderr


def test_a_server_without_idle_is_reported_but_not_a_failure(
    dovecot_no_idle, tmp_path, run_cli
) -> None:
    user = dovecot_no_idle.add_user("plain@example.org")
    config = write_config(
        tmp_path / "config.toml", [mailbox_settings(dovecot_no_idle, user, tmp_path, name="p")]
    )
    result = run_cli("--config", str(config), "config", "check")
    assert result.exit_code == 0
    assert "  no   IDLE: not offered: `tracker watch` polls instead" in result.stdout


def test_a_failing_password_command_is_a_config_failure(
    dovecot, imap_user, tmp_path, run_cli
) -> None:
    box = mailbox_settings(
        dovecot, imap_user, tmp_path, name="vault", password_file=None, password_command="false"
    )
    config = write_config(tmp_path / "config.toml", [box])
    result = run_cli("--config", str(config), "config", "check")
    assert result.exit_code == 5
    assert "  FAIL login: password_command failed with exit status 1" in result.stdout
    assert result.stderr.strip() == (
        "tracker: mailbox 'vault': password_command failed with exit status 1"
    )


def test_a_typo_in_the_config_is_one_line(tmp_path, run_cli) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[mailbox]]\nname = "p"\nhost = "localhost"\nusername = "u"\nfolder = []\n')
    result = run_cli("--config", str(config), "config", "check")
    assert result.exit_code == 5
    assert result.stderr.count("\n") == 1 and "did you mean 'folders'?" in result.stderr


def test_a_refused_sender_search_is_reported_but_not_a_failure(
    dovecot, imap_user, imap_mailbox
) -> None:
    from typing import Any

    from imapclient.exceptions import IMAPClientError

    from tracker.check import check_mailbox
    from tracker.imap import connect
    from tracker.imap.wire import BoundedIMAPClient

    class RefusingSearch(BoundedIMAPClient):
        def search(self, criteria: Any = "ALL", charset: str | None = None) -> Any:
            if "FROM" in criteria:
                raise IMAPClientError("SEARCH command error: BAD [b'Unknown search key']")
            return super().search(criteria, charset)

    dovecot.deliver(imap_user.username, meta_mail("notice", account="anna@example.org"))
    report = check_mailbox(imap_mailbox, connect=lambda m: connect(m, factory=RefusingSearch))
    assert report.ok
    (search,) = [c for c in report.checks if c.name == "server-side search"]
    assert search.status == "no" and search.detail.startswith("refused:")
