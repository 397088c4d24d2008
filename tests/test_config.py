"""Loading the TOML configuration and resolving secrets."""

from __future__ import annotations

import logging
import sys
import types
from pathlib import Path

import pytest

from tracker.config import (
    MailboxSettings,
    Settings,
    default_config_path,
    is_loopback,
    load_settings,
)
from tracker.errors import ConfigError
from tracker.secrets import resolve_oauth2_token, resolve_password

EXAMPLE = """\
[ledger]
url = "sqlite:////home/me/.local/share/tracker/ledger.db"

[[mailbox]]
name = "personal"
host = "imap.example.org"
port = 993
security = "tls"
username = "me@example.org"
password_env = "PERSONAL_IMAP_PASSWORD"
folders = ["INBOX"]
ca_file = "/path/to/ca.pem"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def mailbox(**overrides: object) -> MailboxSettings:
    values: dict[str, object] = {
        "name": "personal",
        "host": "imap.example.org",
        "username": "me@example.org",
        "password_env": "PW",
    }
    values.update(overrides)
    return MailboxSettings(**values)  # type: ignore[arg-type]


def one_line_error(excinfo: pytest.ExceptionInfo[ConfigError]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


# ----------------------------------------------------------------------------- loading


def test_issue_example_loads(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, EXAMPLE), env={})

    assert settings.ledger_url == "sqlite:////home/me/.local/share/tracker/ledger.db"
    assert settings.authserv_ids == ()
    (box,) = settings.mailboxes
    assert box == MailboxSettings(
        name="personal",
        host="imap.example.org",
        port=993,
        security="tls",
        username="me@example.org",
        password_env="PERSONAL_IMAP_PASSWORD",
        folders=("INBOX",),
        ca_file=Path("/path/to/ca.pem"),
    )
    assert settings.mailbox("personal") is box


def test_defaults_for_a_minimal_mailbox(tmp_path: Path) -> None:
    text = '[[mailbox]]\nname = "a"\nhost = "h.example"\nusername = "u"\nkeyring = true\n'
    (box,) = load_settings(write(tmp_path, text), env={}).mailboxes

    assert (box.port, box.security, box.folders) == (993, "tls", ("INBOX",))
    assert box.use_keyring
    assert box.timeout_seconds > 0 and box.idle_renew_seconds < 29 * 60


def test_starttls_defaults_to_port_143(tmp_path: Path) -> None:
    text = (
        '[[mailbox]]\nname = "a"\nhost = "h.example"\nusername = "u"\n'
        'security = "starttls"\npassword_env = "X"\n'
    )
    (box,) = load_settings(write(tmp_path, text), env={}).mailboxes
    assert box.port == 143


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    text = (
        '[[mailbox]]\nname = "a"\nhost = "h.example"\nusername = "u"\n'
        'password_file = "secrets/a.pass"\nca_file = "ca.pem"\n'
    )
    (box,) = load_settings(write(tmp_path, text), env={}).mailboxes
    assert box.password_file == tmp_path / "secrets" / "a.pass"
    assert box.ca_file == tmp_path / "ca.pem"


def test_plain_ledger_path_is_kept_with_home_expanded(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[ledger]\nurl = "~/ledger.db"\n'), env={})
    assert settings.ledger_url == str(Path.home() / "ledger.db")


def test_trust_table_gives_authserv_ids(tmp_path: Path) -> None:
    text = '[trust]\nauthserv_ids = ["mx.example.org", "mx2.example.org"]\n'
    settings = load_settings(write(tmp_path, text), env={})
    assert settings.authserv_ids == ("mx.example.org", "mx2.example.org")


def test_several_mailboxes_and_folders(tmp_path: Path) -> None:
    text = EXAMPLE + (
        '\n[[mailbox]]\nname = "work"\nhost = "127.0.0.1"\nport = 1143\nsecurity = "none"\n'
        'username = "w"\npassword_command = "pass show work"\nfolders = ["INBOX", "Meta"]\n'
    )
    settings = load_settings(write(tmp_path, text), env={})
    assert [m.name for m in settings.mailboxes] == ["personal", "work"]
    assert settings.mailbox("work").folders == ("INBOX", "Meta")


# ------------------------------------------------------------------- files and overrides


def test_env_overrides_the_ledger_url_and_authserv_ids(tmp_path: Path) -> None:
    env = {"TRACKER_DB": "/tmp/other.db", "TRACKER_AUTHSERV_IDS": "mx.a, mx.b"}
    settings = load_settings(write(tmp_path, EXAMPLE), env=env)
    assert settings.ledger_url == "/tmp/other.db"
    assert settings.authserv_ids == ("mx.a", "mx.b")


def test_tracker_config_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE)
    assert default_config_path({"TRACKER_CONFIG": str(path)}) == path
    assert load_settings(env={"TRACKER_CONFIG": str(path)}).mailboxes[0].name == "personal"


def test_explicit_path_wins_over_tracker_config(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE)
    settings = load_settings(path, env={"TRACKER_CONFIG": str(tmp_path / "nope.toml")})
    assert settings.source == path


def test_default_path_is_in_the_user_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "/somewhere")
    assert default_config_path({}) == Path("/somewhere/tracker/config.toml")


def test_missing_default_file_gives_empty_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    settings = load_settings(env={"TRACKER_DB": "x.db"})
    assert settings.mailboxes == () and settings.ledger_url == "x.db"


@pytest.mark.parametrize("via_env", [False, True])
def test_missing_explicit_file_is_a_one_line_error(tmp_path: Path, via_env: bool) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError) as excinfo:
        if via_env:
            load_settings(env={"TRACKER_CONFIG": str(missing)})
        else:
            load_settings(missing, env={})
    assert one_line_error(excinfo) == f"config file {missing} does not exist"


def test_invalid_toml_is_a_one_line_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[ledger]\nurl = \n")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, env={})
    message = one_line_error(excinfo)
    assert message.startswith(f"{path}: not valid TOML") and "line 2" in message


# ------------------------------------------------------------------------------- typos


def test_typo_names_key_table_line_and_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE.replace("password_env", "pasword_env"))
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path, env={})
    assert one_line_error(excinfo) == (
        f"{path} line 10: mailbox 'personal': unknown key 'pasword_env' "
        "(did you mean 'password_env'?)"
    )


def test_typo_line_is_found_in_the_right_mailbox(tmp_path: Path) -> None:
    # The first mailbox spells the key right; the error must point into the second.
    second = '\n[[mailbox]]\nname = "work"\nhost = "h"\nusername = "u"\npasword_env = "X"\n'
    path = write(tmp_path, EXAMPLE + second)
    assert path.read_text().splitlines()[17] == 'pasword_env = "X"'
    with pytest.raises(ConfigError, match=r"line 18: mailbox 'work': unknown key 'pasword_env'"):
        load_settings(path, env={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[ledgr]\nurl = "x"\n', "unknown key 'ledgr' (did you mean 'ledger'?)"),
        ('[ledger]\nurll = "x"\n', "[ledger]: unknown key 'urll' (did you mean 'url'?)"),
        ('[[mailboxes]]\nname = "a"\n', "unknown key 'mailboxes' (did you mean 'mailbox'?)"),
        ('[trust]\nauthserv_id = "x"\n', "[trust]: unknown key 'authserv_id'"),
        ("zzz = 1\n", "unknown key 'zzz'"),
    ],
)
def test_unknown_keys_elsewhere(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(write(tmp_path, text), env={})
    assert expected in one_line_error(excinfo)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("port = 993", 'port = "993"'), "'port' must be a whole number"),
        (("port = 993", "port = 70000"), "port must be between 1 and 65535"),
        (('security = "tls"', 'security = "ssl"'), "security must be one of tls, starttls, none"),
        (('folders = ["INBOX"]', "folders = []"), "'folders' must be a non-empty list"),
        (('username = "me@example.org"', ""), "missing 'username'"),
        (('name = "personal"', ""), "mailbox #1: needs a name"),
        (
            ('password_env = "PERSONAL_IMAP_PASSWORD"', ""),
            "mailbox 'personal': no password source",
        ),
        (
            ('folders = ["INBOX"]', 'folders = ["INBOX"]\npassword_command = "pass x"'),
            "choose one of password_env, password_command, not several",
        ),
        (
            ('security = "tls"', 'security = "none"'),
            "security 'none' would send the password in clear to imap.example.org",
        ),
        (("[ledger]", "ledger = 3\n[trust]"), "'ledger' must be a table"),
    ],
)
def test_bad_values_are_one_line_errors(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = EXAMPLE.replace(*change)
    assert text != EXAMPLE
    with pytest.raises(ConfigError) as excinfo:
        load_settings(write(tmp_path, text), env={})
    assert expected in one_line_error(excinfo)


def test_duplicate_mailbox_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="name used by two mailboxes"):
        load_settings(write(tmp_path, EXAMPLE + "\n" + EXAMPLE.split("\n", 3)[3]), env={})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"])
def test_plain_text_is_allowed_to_loopback(host: str) -> None:
    assert is_loopback(host)
    assert mailbox(host=host, security="none", port=143).security == "none"


@pytest.mark.parametrize("host", ["imap.example.org", "10.0.0.1", "localhost.example.org"])
def test_plain_text_is_refused_elsewhere(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigError, match="only allowed for loopback hosts"):
        mailbox(host=host, security="none")


def test_unknown_mailbox_lookup() -> None:
    with pytest.raises(ConfigError, match="no mailbox named 'x' \\(known: a\\)"):
        Settings(mailboxes=(mailbox(name="a"),)).mailbox("x")


# ------------------------------------------------------------------------------ secrets

SECRET = "s3cr3t-Pa55"


def test_password_from_env() -> None:
    assert resolve_password(mailbox(password_env="PW"), env={"PW": SECRET}) == SECRET


def test_password_env_unset_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="mailbox 'personal': environment variable PW is not set"):
        resolve_password(mailbox(password_env="PW"), env={})


def test_secret_errors_carry_the_mailbox_and_the_reason_as_fields() -> None:
    """Callers that already name the mailbox use `reason`, never a slice of the message."""
    from tracker.errors import MailboxConfigError
    from tracker.sync import error_reason

    with pytest.raises(MailboxConfigError) as caught:
        resolve_password(mailbox(name="odd: name", password_env="PW"), env={})
    assert caught.value.mailbox == "odd: name"
    assert caught.value.reason == "environment variable PW is not set"
    assert error_reason(caught.value) == caught.value.reason


def test_password_from_command_without_a_shell() -> None:
    box = mailbox(password_env=None, password_command=f"printf '%s\\nsecond line\\n' {SECRET}")
    assert resolve_password(box) == SECRET


def test_password_from_command_with_a_pipe() -> None:
    box = mailbox(password_env=None, password_command=f"echo junk {SECRET} | cut -d' ' -f2")
    assert resolve_password(box) == SECRET


def test_failing_command_reports_status_and_stderr_but_not_the_secret() -> None:
    command = f"sh -c 'echo {SECRET}; echo gpg: decryption failed >&2; exit 2'"
    with pytest.raises(ConfigError) as excinfo:
        resolve_password(mailbox(password_env=None, password_command=command))
    message = one_line_error(excinfo)
    assert message == (
        "mailbox 'personal': password_command failed with exit status 2: gpg: decryption failed"
    )
    assert SECRET not in message


def test_missing_command_is_named() -> None:
    box = mailbox(password_env=None, password_command="no-such-password-tool show x")
    with pytest.raises(ConfigError, match="command 'no-such-password-tool' not found"):
        resolve_password(box)


def test_silent_command_is_an_error() -> None:
    with pytest.raises(ConfigError, match="password_command printed nothing"):
        resolve_password(mailbox(password_env=None, password_command="true"))


def test_password_file_first_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("tracker"), "propagate", True)
    secret_file = tmp_path / "pw"
    secret_file.write_text(f"{SECRET}\n")
    secret_file.chmod(0o600)
    with caplog.at_level(logging.WARNING):
        assert resolve_password(mailbox(password_env=None, password_file=secret_file)) == SECRET
    assert caplog.records == []


def test_readable_password_file_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI's configure_logging stops propagation; caplog listens at the root.
    monkeypatch.setattr(logging.getLogger("tracker"), "propagate", True)
    secret_file = tmp_path / "pw"
    secret_file.write_text(SECRET)
    secret_file.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        resolve_password(mailbox(password_env=None, password_file=secret_file))
    (record,) = caplog.records
    assert record.getMessage().startswith("Mailbox personal: password_file")
    assert "readable by other users" in record.getMessage()
    assert SECRET not in caplog.text


def test_missing_password_file(tmp_path: Path) -> None:
    box = mailbox(password_env=None, password_file=tmp_path / "nope")
    with pytest.raises(ConfigError, match=r"cannot read password_file .*nope: No such file"):
        resolve_password(box)


def test_keyring_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("keyring")
    errors = types.ModuleType("keyring.errors")
    errors.KeyringError = type("KeyringError", (Exception,), {})  # type: ignore[attr-defined]
    calls: list[tuple[str, str]] = []

    def get_password(service: str, user: str) -> str | None:
        calls.append((service, user))
        return SECRET if user == "personal" else None

    fake.get_password = get_password  # type: ignore[attr-defined]
    fake.errors = errors  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)

    assert resolve_password(mailbox(password_env=None, use_keyring=True)) == SECRET
    with pytest.raises(ConfigError, match=r"no password in the keyring .* user 'other'"):
        resolve_password(mailbox(name="other", password_env=None, use_keyring=True))
    assert calls == [("tracker", "personal"), ("tracker", "other")]


def test_keyring_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    with pytest.raises(ConfigError, match="needs the keyring package"):
        resolve_password(mailbox(password_env=None, use_keyring=True))


def test_oauth2_token_command_and_refresh_hint() -> None:
    command = "sh -c 'echo token-${TRACKER_OAUTH2_REFRESH:-0}'"
    box = mailbox(password_env=None, oauth2_token_command=command)
    assert box.uses_oauth2
    assert resolve_oauth2_token(box) == "token-0"
    assert resolve_oauth2_token(box, refresh=True) == "token-1"
    with pytest.raises(ConfigError, match="uses OAuth2"):
        resolve_password(box)


def test_commands_stay_out_of_reprs() -> None:
    box = mailbox(password_env=None, password_command=f"echo {SECRET}")
    oauth = mailbox(password_env=None, oauth2_token_command=f"echo {SECRET}")
    assert SECRET not in repr(box) and SECRET not in repr(oauth)
    assert SECRET not in repr(Settings(mailboxes=(box, oauth)))
