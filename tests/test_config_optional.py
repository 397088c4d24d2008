"""A broken configuration file stops only the commands that need it (sync, watch, config check).

parse, import, report, code and stats with --db read mail files and the ledger: the config then
costs one warning line, and TRACKER_AUTHSERV_IDS still applies.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.imapconfig import child_env
from tests.support.mailfactory import meta_mail
from tracker.cli import ExitStatus

BROKEN = '[[mailbox]\nname = "personal"\n'  # not TOML: the table header is not closed


def _tracker(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def broken(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    config = tmp_path / "config.toml"
    config.write_text(BROKEN)
    env = child_env(XDG_CONFIG_HOME=str(tmp_path / "xdg"), TRACKER_CONFIG=str(config))
    return tmp_path, env


def test_file_and_ledger_commands_work_with_db_despite_a_broken_config(broken):
    folder, env = broken
    db = str(folder / "ledger.db")
    mail = folder / "code.eml"
    mail.write_bytes(meta_mail("code", account="anna@example.org", code="418207"))
    expected = [
        (["parse", str(mail)], ExitStatus.OK),
        (["--db", db, "import", str(mail)], ExitStatus.OK),
        (["--db", db, "report"], ExitStatus.OK),
        (["--db", db, "code", "--include-expired"], ExitStatus.OK),
        (["--db", db, "stats"], ExitStatus.OK),
    ]
    for args, status in expected:
        result = _tracker(env, *args)
        assert result.returncode == status, (args, result.stderr)
        # At most one line about the config, saying it was ignored.
        assert result.stderr.count("\n") <= 1 and "Traceback" not in result.stderr
        if result.stderr:
            assert "not valid TOML" in result.stderr and "ignored" in result.stderr
    assert _tracker(env, "--db", db, "code", "--include-expired").stdout == "418207\n"


def test_a_broken_config_named_by_option_is_ignored_too(broken):
    folder, env = broken
    env.pop("TRACKER_CONFIG")
    mail = folder / "notice.eml"
    mail.write_bytes(meta_mail("notice", account="anna@example.org"))
    result = _tracker(env, "--config", str(folder / "config.toml"), "parse", str(mail))
    assert result.returncode == ExitStatus.OK, result.stderr


@pytest.mark.parametrize("args", [["sync"], ["watch"], ["config", "check"]], ids=" ".join)
def test_commands_that_need_the_config_stop_with_one_line(broken, args: list[str]):
    folder, env = broken
    result = _tracker(env, "--db", str(folder / "l.db"), *args)
    assert result.returncode == ExitStatus.CONFIG, result.stderr
    assert result.stderr.count("\n") == 1 and "not valid TOML" in result.stderr


def test_without_db_the_ledger_location_is_in_the_broken_config_so_import_stops(broken):
    folder, env = broken
    mail = folder / "notice.eml"
    mail.write_bytes(meta_mail("notice", account="anna@example.org"))
    result = _tracker(env, "import", str(mail))
    assert result.returncode == ExitStatus.CONFIG, result.stderr
    assert result.stderr.count("\n") == 1 and "not valid TOML" in result.stderr
