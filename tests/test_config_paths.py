"""Every relative path in the config file is taken from the config file's folder, the same way;
`~` works in the config's own path too (--config, TRACKER_CONFIG)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.mailfactory import meta_mail
from tracker.cli import main
from tracker.config import load_settings

CONFIG = """
[ledger]
url = "{url}"

[[mailbox]]
name = "personal"
host = "imap.example.org"
username = "me@example.org"
password_file = "secrets/personal.pass"
ca_file = "certs/ca.pem"
"""


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder that is not the config's, so 'relative to the cwd' would show."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("TRACKER_DB", raising=False)
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    return cwd


@pytest.mark.parametrize("url", ["ledgers/ledger.db", "sqlite:///ledgers/ledger.db"])
def test_ledger_url_password_file_and_ca_file_resolve_against_the_config_folder(
    tmp_path: Path, elsewhere: Path, url: str
):
    folder = tmp_path / "conf"
    folder.mkdir()
    path = folder / "config.toml"
    path.write_text(CONFIG.format(url=url))
    settings = load_settings(path)
    box = settings.mailbox("personal")
    assert box.password_file == folder / "secrets" / "personal.pass"
    assert box.ca_file == folder / "certs" / "ca.pem"
    assert settings.ledger_url is not None
    assert settings.ledger_url.removeprefix("sqlite:///") == str(folder / "ledgers" / "ledger.db")


def test_a_relative_config_path_still_resolves_from_its_own_folder(tmp_path: Path, elsewhere: Path):
    (elsewhere / "conf").mkdir()
    (elsewhere / "conf" / "config.toml").write_text(CONFIG.format(url="ledger.db"))
    settings = load_settings(Path("conf/config.toml"))
    assert settings.ledger_url == str(elsewhere / "conf" / "ledger.db")
    assert settings.mailbox("personal").ca_file == elsewhere / "conf" / "certs" / "ca.pem"


@pytest.fixture
def tracker_logger_restored() -> Iterator[None]:
    """main() configures the "tracker" logger; put it back for the tests that follow."""
    logger = logging.getLogger("tracker")
    saved = (logger.level, logger.propagate, list(logger.handlers))
    yield
    logger.setLevel(saved[0])
    logger.propagate = saved[1]
    logger.handlers[:] = saved[2]


@pytest.mark.usefixtures("tracker_logger_restored")
@pytest.mark.parametrize("how", ["--config", "TRACKER_CONFIG"])
def test_tilde_in_the_config_path(
    tmp_path: Path, elsewhere: Path, monkeypatch: pytest.MonkeyPatch, how: str
):
    home = tmp_path / "home"
    (home / "tracker").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    (home / "tracker" / "config.toml").write_text(CONFIG.format(url="ledger.db"))
    mail = elsewhere / "notice.eml"
    mail.write_bytes(meta_mail("notice", account="anna@example.org"))
    argv = ["import", str(mail)]
    if how == "--config":
        argv = ["--config", "~/tracker/config.toml", *argv]
    else:
        monkeypatch.setenv("TRACKER_CONFIG", "~/tracker/config.toml")
    with CliRunner().isolation() as (_out, err, _):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 0, err.getvalue()
    assert (home / "tracker" / "ledger.db").is_file()  # beside the config, not in the cwd
    assert not (elsewhere / "ledger.db").exists()
