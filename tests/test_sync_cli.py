"""`tracker sync` against a real Dovecot: same answers as importing the files, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.imap_fixtures import mailbox_settings
from tests.support.imapconfig import write_config
from tests.support.imapserver import ImapUser, free_port
from tests.support.mailfactory import meta_mail, ordinary_mail
from tests.support.paths import SAMPLES

pytestmark = pytest.mark.imap


def one_line(text: str) -> bool:
    return len(text.strip().splitlines()) == 1


def _dated(files: list[Path]) -> list[Path]:
    """The mails that carry a usable Date.

    A mail without one is dated by when it was received: the server's INTERNALDATE over IMAP
    (here, when the test delivered it), the topmost Received line in a file. Those two differ
    in this test and agree in life; tests/test_poison.py covers the INTERNALDATE path.
    """
    from tracker.parse import parse_email

    dated = [f for f in files if parse_email(f.read_bytes()).sent_at_source in (None, "date")]
    assert len(dated) < len(files)  # the samples have such a mail
    return dated


def test_sync_then_report_matches_import_of_the_same_files(
    dovecot, imap_user, tmp_path, run_cli
) -> None:
    files = _dated(sorted(SAMPLES.rglob("*.eml")))
    assert len(files) > 50
    for file in files:
        dovecot.deliver(imap_user.username, file.read_bytes())
    flags_before = dovecot.flags(imap_user.username)
    config = write_config(
        tmp_path / "config.toml", [mailbox_settings(dovecot, imap_user, tmp_path, name="personal")]
    )
    synced_db, imported_db = tmp_path / "synced.db", tmp_path / "imported.db"

    result = run_cli("--config", str(config), "sync", "--json", db=synced_db)
    assert result.exit_code == 0, result.stderr
    (mailbox,) = json.loads(result.stdout)
    assert mailbox["mailbox"] == "personal" and mailbox["ok"] and mailbox["errors"] == []
    (inbox,) = mailbox["folders"]
    assert inbox["last_uid"] == len(files) and inbox["new"] > 0
    # The server's search narrowed the mailbox down: ordinary mail was never downloaded.
    assert inbox["fetched"] < len(files)

    assert run_cli("import", *map(str, files), db=imported_db).exit_code == 0
    for command in (["report", "--json"], ["stats", "--json"], ["skipped", "--json"]):
        synced = run_cli(*command, db=synced_db)
        imported = run_cli(*command, db=imported_db)
        assert synced.exit_code == imported.exit_code
        if command[0] == "skipped":  # the sources differ (IMAP URL vs file path), not the count
            assert len(json.loads(synced.stdout)) == len(json.loads(imported.stdout))
        elif command[0] == "stats":
            assert _without_clock(json.loads(synced.stdout)) == _without_clock(
                json.loads(imported.stdout)
            )
        else:
            assert json.loads(synced.stdout) == json.loads(imported.stdout)
    assert json.loads(run_cli("report", "--json", db=synced_db).stdout)  # not trivially empty

    # Nothing was marked read, flagged or moved; a second pass finds nothing new.
    assert dovecot.flags(imap_user.username) == flags_before
    again = run_cli("--config", str(config), "sync", db=synced_db)
    assert again.exit_code == 0
    assert again.stdout.strip() == "Mailbox personal: INBOX: 0 candidates, 0 new, 0 duplicates"


def _without_clock(stats: object) -> object:
    """Stats that depend on the time they were computed (waiting-for-N-days) are dropped.

    Review drift is compared in total: a mail without a Date is dated by its INTERNALDATE over
    IMAP and by its Received line from a file, so it can fall in another month.
    """
    if isinstance(stats, dict) and "review_drift" in stats:
        drift = stats["review_drift"]
        totals = [sum(m[k] for m in drift) for k in ("flow_messages", "unrecognised")]
        stats = {**stats, "review_drift": totals}
    if isinstance(stats, dict):
        return {k: _without_clock(v) for k, v in stats.items() if "wait" not in k}
    if isinstance(stats, list):
        return [_without_clock(v) for v in stats]
    return stats


def test_wrong_password_is_one_line_exit_4_without_the_password(
    dovecot, imap_user, tmp_path, run_cli
) -> None:
    wrong = ImapUser(imap_user.username, "Not-The-Password-93")
    box = mailbox_settings(dovecot, wrong, tmp_path, name="personal")
    config = write_config(tmp_path / "config.toml", [box])
    result = run_cli("-vv", "--config", str(config), "sync")
    assert result.exit_code == 4
    assert one_line(result.stderr)
    assert result.stderr.startswith("tracker: Mailbox personal: login refused")
    assert "Not-The-Password-93" not in result.stdout + result.stderr


def test_tls_with_a_private_ca_is_refused_unless_ca_file_is_given(
    dovecot, imap_user, tmp_path, run_cli
) -> None:
    untrusting = mailbox_settings(
        dovecot, imap_user, tmp_path, name="personal", security="tls", ca_file=None
    )
    config = write_config(tmp_path / "untrusting.toml", [untrusting])
    refused = run_cli("--config", str(config), "sync")
    assert refused.exit_code == 4 and one_line(refused.stderr)
    assert "TLS certificate of 127.0.0.1 not trusted" in refused.stderr
    assert "ca_file" in refused.stderr

    trusting = mailbox_settings(dovecot, imap_user, tmp_path, name="personal", security="tls")
    assert trusting.ca_file == dovecot.ca_file
    config = write_config(tmp_path / "trusting.toml", [trusting])
    dovecot.deliver(imap_user.username, meta_mail("notice", account="anna@example.org"))
    accepted = run_cli("--config", str(config), "sync")
    assert accepted.exit_code == 0, accepted.stderr
    assert "1 new" in accepted.stdout


def test_two_mailboxes_one_broken_the_other_still_syncs(dovecot, tmp_path, run_cli) -> None:
    good_user = dovecot.add_user("good@example.org")
    dovecot.deliver(good_user.username, meta_mail("notice", account="anna@example.org"))
    good = mailbox_settings(dovecot, good_user, tmp_path, name="good")
    refused = mailbox_settings(dovecot, good_user, tmp_path, name="refused", port=free_port())
    config = write_config(tmp_path / "config.toml", [refused, good])
    result = run_cli("--config", str(config), "sync")
    assert result.exit_code == 4
    assert one_line(result.stderr)
    assert result.stderr.startswith("tracker: Mailbox refused: connection refused by 127.0.0.1:")
    assert "Mailbox good: INBOX: 1 candidate, 1 new, 0 duplicates" in result.stdout
    assert run_cli("status").stdout.count("1 Meta message,") == 1


def test_failing_password_command_is_a_config_error_naming_the_mailbox(
    dovecot, imap_user, tmp_path, run_cli
) -> None:
    dovecot.deliver(imap_user.username, meta_mail("notice", account="anna@example.org"))
    good = mailbox_settings(dovecot, imap_user, tmp_path, name="good")
    box = mailbox_settings(
        dovecot,
        imap_user,
        tmp_path,
        name="vault",
        password_file=None,
        password_command="sh -c 'echo vault is locked >&2; exit 3'",
    )
    config = write_config(tmp_path / "config.toml", [box, good])
    result = run_cli("--config", str(config), "sync")
    assert result.exit_code == 5
    assert one_line(result.stderr)
    assert "mailbox 'vault': password_command failed with exit status 3" in result.stderr
    assert "Mailbox good: INBOX: 1 candidate, 1 new" in result.stdout


def test_missing_folder_fails_that_folder_only(dovecot, imap_user, tmp_path, run_cli) -> None:
    dovecot.deliver(imap_user.username, meta_mail("notice", account="anna@example.org"))
    box = mailbox_settings(
        dovecot, imap_user, tmp_path, name="personal", folders=("Archive", "INBOX")
    )
    config = write_config(tmp_path / "config.toml", [box])
    result = run_cli("--config", str(config), "sync")
    assert result.exit_code == 4 and one_line(result.stderr)
    assert "Mailbox personal: cannot open folder 'Archive'" in result.stderr
    assert "Mailbox personal: INBOX: 1 candidate, 1 new" in result.stdout


def test_uidvalidity_change_rescans_without_duplicating(
    dovecot, imap_user, tmp_path, run_cli
) -> None:
    user = imap_user.username
    for i in range(5):
        dovecot.deliver(user, ordinary_mail(i))
    dovecot.deliver(user, meta_mail("notice", account="anna@example.org"))
    dovecot.deliver(user, meta_mail("code", account="anna@example.org", code="418207"))
    config = write_config(
        tmp_path / "config.toml", [mailbox_settings(dovecot, imap_user, tmp_path, name="p")]
    )
    assert "2 new" in run_cli("--config", str(config), "sync").stdout
    dovecot.reset_uidvalidity(user)
    result = run_cli("--config", str(config), "sync", "--json")
    (folder,) = json.loads(result.stdout)[0]["folders"]
    assert folder["rescanned"] and folder["new"] == 0 and folder["duplicate"] == 2
    assert "2 Meta messages" in run_cli("status").stdout
    assert all(not flags for flags in dovecot.flags(user).values())


def test_mailbox_option_and_missing_configuration(dovecot, imap_user, tmp_path, run_cli) -> None:
    box = mailbox_settings(dovecot, imap_user, tmp_path, name="personal")
    config = write_config(tmp_path / "config.toml", [box])
    only = run_cli("--config", str(config), "sync", "--mailbox", "personal")
    assert only.exit_code == 0 and only.stdout.startswith("Mailbox personal: INBOX")
    unknown = run_cli("--config", str(config), "sync", "--mailbox", "work")
    assert unknown.exit_code == 5 and "no mailbox named 'work'" in unknown.stderr

    empty = write_config(tmp_path / "empty.toml", [])
    none = run_cli("--config", str(empty), "sync")
    assert none.exit_code == 5 and one_line(none.stderr) and "no [[mailbox]]" in none.stderr
    absent = run_cli("--config", str(tmp_path / "absent.toml"), "sync")
    assert absent.exit_code == 5 and one_line(absent.stderr)


def test_help_of_new_commands_mentions_what_they_do(run_cli) -> None:
    for command in (["sync"], ["watch"], ["config", "check"], ["code"]):
        result = run_cli(*command, "--help")
        assert result.exit_code == 0 and len(result.stdout) > 200


def test_readme_documents_the_watcher() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Watching mailboxes (IMAP)", 1)[1]
    for needle in (
        "tracker sync",
        "tracker watch",
        "tracker config check",
        "code --wait",
        "password_command",
        "oauth2_token_command",
        "systemctl --user enable --now tracker-watch",
        "authserv_ids",
    ):
        assert needle in section, needle
