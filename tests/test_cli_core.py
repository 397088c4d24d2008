"""The offline product end to end: import mail files, then report, stats and codes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.mailfactory import meta_mail, ordinary_mail, write_mbox

T = lambda h, m, d=12: datetime(2024, 9, d, h, m, tzinfo=UTC)  # noqa: E731


def _story_mbox(path: Path) -> Path:
    """One account notified, code at 09:40, approved at 10:01, amid ordinary mail."""
    mails = [ordinary_mail(i) for i in range(5)]
    mails.insert(1, meta_mail("notice", account="anna@example.org", sent_at=T(8, 0, d=10)))
    mails.insert(3, meta_mail("code", account="anna@example.org", code="418 207", sent_at=T(9, 40)))
    mails.append(meta_mail("approved", account="anna@example.org", sent_at=T(10, 1)))
    write_mbox(path, mails)
    return path


def test_import_reports_approved_with_21_minute_turnaround(run_cli, tmp_path):
    mbox = _story_mbox(tmp_path / "inbox.mbox")
    result = run_cli("import", str(mbox))
    assert result.exit_code == 0, result.stderr
    assert "3 new from Meta" in result.stdout

    report = json.loads(run_cli("report", "--json").stdout)
    assert report == [
        {
            "account": "anna@example.org",
            "platform": "facebook",
            "state": "approved",
            "notified_at": "2024-09-10T08:00:00+00:00",
            "submitted_at": "2024-09-12T09:40:00+00:00",
            "decided_at": "2024-09-12T10:01:00+00:00",
            "turnaround_seconds": 1260.0,
            "verified": True,
            "form_link": None,
            "reference": None,
            "source": "mail",
        }
    ]
    code = run_cli("code", "--include-expired")
    assert (code.exit_code, code.stdout) == (0, "418207\n")


def test_import_twice_changes_nothing(run_cli, tmp_path):
    mbox = _story_mbox(tmp_path / "inbox.mbox")
    run_cli("import", str(mbox))
    before = run_cli("report", "--json").stdout
    again = json.loads(run_cli("import", "--json", str(mbox)).stdout)
    assert again == {"new": 0, "untrusted": 0, "duplicate": 3, "ignored": 5, "malformed": 0}
    assert run_cli("report", "--json").stdout == before
    status = run_cli("status").stdout
    assert "1 account, 3 Meta messages" in status


def test_out_of_order_import_gives_same_state(run_cli, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "approved.eml").write_bytes(
        meta_mail("approved", account="x@example.org", sent_at=T(10, 1))
    )
    (b / "code.eml").write_bytes(
        meta_mail("code", account="x@example.org", code="123456", sent_at=T(9, 40))
    )
    run_cli("import", str(a))
    assert json.loads(run_cli("report", "--json").stdout)[0]["state"] == "approved"
    run_cli("import", str(b))
    row = json.loads(run_cli("report", "--json").stdout)[0]
    assert (row["state"], row["turnaround_seconds"]) == ("approved", 1260.0)


def test_pending_then_new_round(run_cli, tmp_path):
    (tmp_path / "1.eml").write_bytes(
        meta_mail("code", account="p@example.org", code="111111", sent_at=T(9, 0))
    )
    (tmp_path / "2.eml").write_bytes(
        meta_mail("rejected", account="p@example.org", sent_at=T(9, 30))
    )
    (tmp_path / "3.eml").write_bytes(
        meta_mail("code", account="p@example.org", code="222222", sent_at=T(12, 0))
    )
    run_cli("import", str(tmp_path / "1.eml"), str(tmp_path / "2.eml"))
    assert json.loads(run_cli("report", "--json").stdout)[0]["state"] == "rejected"
    run_cli("import", str(tmp_path / "3.eml"))
    row = json.loads(run_cli("report", "--json").stdout)[0]
    assert (row["state"], row["decided_at"], row["submitted_at"]) == (
        "pending",
        None,
        "2024-09-12T12:00:00+00:00",
    )


def test_code_respects_expiry_account_and_platform(run_cli, tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    (tmp_path / "fb.eml").write_bytes(
        meta_mail("code", account="a@example.org", code="111111", sent_at=now)
    )
    (tmp_path / "ig.eml").write_bytes(
        meta_mail(
            "code", account="b@example.org", platform="instagram", code="222 222", sent_at=now
        )
    )
    run_cli("import", str(tmp_path))
    assert run_cli("code", "--platform", "facebook").stdout == "111111\n"
    assert run_cli("code", "--account", "B@example.org").stdout == "222222\n"
    details = json.loads(run_cli("code", "--account", "a@example.org", "--json").stdout)
    assert details["code"] == "111111" and details["expired"] is False
    assert (
        details["expires_at"]
        == (now.replace(tzinfo=UTC) + __import__("datetime").timedelta(minutes=10)).isoformat()
    )
    none = run_cli("code", "--account", "nobody@example.org")
    assert none.exit_code == 1 and none.stdout == "" and "no unexpired code" in none.stderr


def test_code_when_only_expired_codes(run_cli, tmp_path):
    (tmp_path / "old.eml").write_bytes(
        meta_mail("code", account="a@example.org", code="654321", sent_at=T(9, 0))
    )
    run_cli("import", str(tmp_path))
    assert run_cli("code").exit_code == 1
    assert run_cli("code", "--include-expired").stdout == "654321\n"


def test_forget_codes_wipes_digits_but_keeps_history(run_cli, tmp_path):
    (tmp_path / "c.eml").write_bytes(
        meta_mail("code", account="a@example.org", code="654321", sent_at=T(9, 0))
    )
    run_cli("import", str(tmp_path))
    assert "Wiped 1" in run_cli("forget-codes").stdout
    assert run_cli("code", "--include-expired").exit_code == 1
    assert json.loads(run_cli("report", "--json").stdout)[0]["state"] == "pending"


def test_account_add_shows_up_without_notice(run_cli):
    assert run_cli("account", "add", "Kid@Example.org", "--platform", "instagram").exit_code == 0
    row = json.loads(run_cli("report", "--json").stdout)[0]
    assert (row["account"], row["platform"], row["state"]) == (
        "kid@example.org",
        "instagram",
        "no_notice",
    )
    assert (
        "Already tracking"
        in run_cli("account", "add", "kid@example.org", "--platform", "instagram").stdout
    )


def test_report_csv_and_text(run_cli, tmp_path):
    run_cli("import", str(_story_mbox(tmp_path / "m.mbox")))
    csv_out = run_cli("report", "--csv").stdout.splitlines()
    assert (
        csv_out[0]
        == "account,platform,state,notified_at,submitted_at,decided_at,turnaround_seconds,"
        "verified,form_link,reference,source"
    )
    assert csv_out[1].startswith("anna@example.org,facebook,approved,")
    text = run_cli("report").stdout
    assert "Objection approved (1)" in text and "21m" in text


def test_stats_json(run_cli, tmp_path):
    for i, minutes in enumerate([5, 21, 40, 90, 600]):
        account = f"user{i}@example.org"
        (tmp_path / f"c{i}.eml").write_bytes(
            meta_mail("code", account=account, code="123456", sent_at=T(9, 0))
        )
        decided = datetime(2024, 9, 12, 9, 0, tzinfo=UTC) + __import__("datetime").timedelta(
            minutes=minutes
        )
        (tmp_path / f"a{i}.eml").write_bytes(
            meta_mail("approved", account=account, sent_at=decided)
        )
    (tmp_path / "waiting.eml").write_bytes(
        meta_mail("code", account="late@example.org", code="123456", sent_at=T(9, 0))
    )
    run_cli("import", str(tmp_path))
    stats = json.loads(run_cli("stats", "--json").stdout)
    assert stats["turnaround"]["count"] == 5
    assert stats["turnaround"]["min"] == 300 and stats["turnaround"]["max"] == 36000
    assert stats["turnaround"]["median"] == 2400
    assert stats["turnaround_by_platform"]["facebook"]["count"] == 5
    assert [w["account"] for w in stats["waiting_longer_than_usual"]] == ["late@example.org"]
    assert sum(b["count"] for b in stats["turnaround_histogram"]) == 5
    assert "Turnaround histogram" in run_cli("stats").stdout


def test_parse_json_lines_in_argument_order(run_cli, tmp_path):
    first = tmp_path / "b.eml"
    first.write_bytes(meta_mail("code", account="a@example.org", code="418 207", sent_at=T(9, 40)))
    second = tmp_path / "a.eml"
    second.write_bytes(ordinary_mail(1))
    result = run_cli("parse", "--json", str(first), str(second))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(first), str(second)]
    assert set(lines[0]) == {
        "file",
        "kind",
        "platform",
        "account",
        "code",
        "sent_at",
        "message_id",
        "trusted",
        "verified",
        "sent_at_source",
        "trust_reason",
    }
    assert (lines[0]["kind"], lines[0]["code"], lines[0]["trusted"]) == ("code", "418207", True)
    assert (lines[1]["kind"], lines[1]["platform"], lines[1]["trusted"]) == ("other", None, False)


# -- bad input ---------------------------------------------------------------------------


def test_parse_missing_file_and_binary_file(run_cli, tmp_path):
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    good = tmp_path / "good.eml"
    good.write_bytes(ordinary_mail(2))
    result = run_cli("parse", "--json", str(tmp_path / "missing.eml"), str(binary), str(good))
    assert result.exit_code != 0
    assert result.stderr.strip().count("\n") == 0 and "missing.eml" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(line["file"]).name for line in lines] == ["photo.jpg", "good.eml"]
    assert "error" in lines[0] and "error" not in lines[1]


def test_import_missing_path_is_one_line_error(run_cli, tmp_path):
    result = run_cli("import", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.stderr == f"tracker: {tmp_path / 'nope'}: no such file or directory\n"


def test_truncated_mbox_and_broken_mail_are_skipped_not_fatal(run_cli, tmp_path):
    mbox = tmp_path / "cut.mbox"
    write_mbox(
        mbox, [ordinary_mail(1), meta_mail("notice", account="n@example.org", sent_at=T(8, 0))]
    )
    with mbox.open("ab") as out:
        out.write(
            # A separator without a time: the cut message has no time at all.
            b"From x\nFrom: Facebook <notification@facebookmail.com>\nSubj"
        )
    result = run_cli("import", "--json", str(mbox))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["new"] == 1
    skipped = json.loads(run_cli("skipped", "--json").stdout)
    assert skipped == [{"source": f"{mbox}#2", "reason": "no Date header"}]


def test_unknown_platform_is_usage_error(run_cli):
    result = run_cli("code", "--platform", "myspace")
    assert result.exit_code == 2 and "myspace" in result.stderr and result.stderr.count("\n") == 1


def test_unwritable_database_path(run_cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli("forget-codes", db=blocker / "ledger.db")
    assert result.exit_code == 3
    assert (
        result.stderr.startswith("tracker: cannot create the ledger at ")
        and result.stderr.count("\n") == 1
    )


def test_ledger_that_is_not_a_database(run_cli, tmp_path):
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    result = run_cli("report", db=bogus)
    assert result.exit_code == 3 and "Traceback" not in result.stderr
    assert bogus.read_bytes() == b"this is not sqlite" * 100  # nothing destroyed


def test_ledger_file_is_private(run_cli, ledger_path):
    assert run_cli("forget-codes").exit_code == 0
    assert ledger_path.stat().st_mode & 0o077 == 0


def test_console_script_never_prints_a_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "--db",
            str(tmp_path / "l.db"),
            "import",
            str(tmp_path / "missing"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_import_unreadable_directory_inside_tree_is_recorded(run_cli, tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every directory")
    locked = tmp_path / "tree" / "locked"
    locked.mkdir(parents=True)
    (tmp_path / "tree" / "ok.eml").write_bytes(ordinary_mail(1))
    locked.chmod(0)
    try:
        result = run_cli("import", "--json", str(tmp_path / "tree"))
    finally:
        locked.chmod(0o755)
    assert json.loads(result.stdout)["malformed"] == 1


def test_named_config_that_is_missing_is_an_error(run_cli, tmp_path):
    result = run_cli("--config", str(tmp_path / "missing.toml"), "sync")
    assert result.exit_code == 5 and "missing.toml" in result.stderr


def test_named_config_that_is_missing_is_a_warning_where_no_config_is_needed(run_cli, tmp_path):
    mail = tmp_path / "notice.eml"
    mail.write_bytes(meta_mail("notice", account="anna@example.org"))
    result = run_cli("--config", str(tmp_path / "missing.toml"), "parse", str(mail))
    assert result.exit_code == 0
    assert "missing.toml" in result.stderr and result.stderr.count("\n") == 1
