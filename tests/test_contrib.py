"""The systemd units in contrib/ are valid and do what the README says: the install path it
uses, the password from the EnvironmentFile, a watcher that records mail and stops on SIGTERM."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.imapconfig import eventually
from tests.support.mailfactory import meta_mail
from tests.support.paths import ROOT
from tracker.ledger import Ledger

CONTRIB = ROOT / "contrib"
UNITS = sorted(CONTRIB.glob("*.service"))


def _tracker_script() -> Path:
    """The `tracker` console script of the environment running the tests."""
    found = Path(sys.executable).parent / "tracker"
    if not found.exists():
        pytest.skip("no tracker console script beside this interpreter (pip install it)")
    return found


def _home(tmp_path: Path) -> Path:
    """A home folder laid out as the README's install recipe leaves it."""
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "tracker").symlink_to(_tracker_script())
    return home


def _directives(unit: Path, home: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in unit.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[key.strip()] = value.strip().replace("%h", str(home))
    return values


def test_there_is_a_unit_and_a_template() -> None:
    assert {u.name for u in UNITS} == {"tracker-watch.service", "tracker-watch@.service"}


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_analyze_verify_accepts_the_unit(unit: Path, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (.ci/run installs systemd)")
    home = _home(tmp_path)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    # A template is verified through one of its instances.
    name = unit.name.replace("@.", "@1.")
    shutil.copy(unit, tmp_path / name)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    result = subprocess.run(
        [analyze, "--user", "verify", str(tmp_path / name)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "not executable" not in result.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_units_point_where_the_readme_installs(unit: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    values = _directives(unit, home)
    assert shlex.split(values["ExecStart"])[0] == str(home / ".local/bin/tracker")
    assert values["EnvironmentFile"] == f"-{home}/.config/tracker/env"
    readme = (ROOT / "README.md").read_text()
    assert "~/.local/bin/tracker" in readme and "~/.config/tracker/env" in readme
    assert f"contrib/{unit.name}" in readme


@pytest.mark.imap
@pytest.mark.slow
def test_the_unit_command_watches_with_the_password_from_the_environment_file(
    dovecot, imap_user, tmp_path: Path
) -> None:
    """What systemd would run: ExecStart, the EnvironmentFile's variables, the default config."""
    home = _home(tmp_path)
    values = _directives(CONTRIB / "tracker-watch.service", home)
    env_file = Path(values["EnvironmentFile"].lstrip("-"))
    env_file.parent.mkdir(parents=True)
    env_file.write_text(f"PERSONAL_IMAP_PASSWORD={imap_user.password}\n")
    env_file.chmod(0o600)
    (env_file.parent / "config.toml").write_text(
        f'[[mailbox]]\nname = "personal"\nhost = "{dovecot.host}"\nport = {dovecot.port}\n'
        f'security = "none"\nusername = "{imap_user.username}"\n'
        'password_env = "PERSONAL_IMAP_PASSWORD"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "XDG_"))}
    env["HOME"] = str(home)
    for line in env_file.read_text().splitlines():  # systemd's EnvironmentFile= reading
        key, _, value = line.partition("=")
        env[key] = value
    log = tmp_path / "journal.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            shlex.split(values["ExecStart"]), stdout=out, stderr=out, env=env, cwd=home
        )
    try:
        eventually(lambda: "connected (IDLE)" in log.read_text(), timeout=60)
        dovecot.deliver(imap_user.username, meta_mail("notice", account="anna@example.org"))
        ledger = Ledger.open(str(home / ".local/share/tracker/ledger.db"))
        eventually(lambda: ledger.summary().messages == 1, timeout=60)
        ledger.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert imap_user.password not in log.read_text()
