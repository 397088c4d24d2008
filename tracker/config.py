"""Settings built once from the TOML file and TRACKER_* environment variables.

The file (default `<user config dir>/tracker/config.toml`, or `TRACKER_CONFIG`, or the
path the CLI passes) looks like this::

    [ledger]
    url = "sqlite:////home/me/.local/share/tracker/ledger.db"   # a plain path works too

    [trust]
    authserv_ids = ["mx.example.org"]   # Authentication-Results your own servers add

    [[mailbox]]
    name = "personal"
    host = "imap.example.org"
    port = 993                  # default 993 for "tls", 143 otherwise
    security = "tls"            # "tls" (default), "starttls", or "none" (loopback hosts only)
    username = "me@example.org"
    password_env = "PERSONAL_IMAP_PASSWORD"
    # or: password_command = "pass show mail/personal"
    # or: password_file = "~/.config/tracker/personal.pass"
    # or: keyring = true        (service "tracker", user = the mailbox name)
    # or: oauth2_token_command = "oauth2-token personal"   (XOAUTH2, for Gmail and Outlook)
    folders = ["INBOX"]
    ca_file = "/path/to/ca.pem"  # optional: trust this CA instead of the system's
    timeout_seconds = 30
    idle_renew_seconds = 600

Environment overrides: `TRACKER_DB` (the ledger url or path), `TRACKER_AUTHSERV_IDS`
(comma-separated). Secrets are never stored in `Settings`: `tracker.secrets` fetches them when a
connection is made.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

import platformdirs

from tracker.domain import CustomRule
from tracker.errors import ConfigError
from tracker.notify_config import (
    DigestSettings,
    NotifyTarget,
    StuckSettings,
    parse_digest,
    parse_notify_targets,
    parse_stuck,
)

Security = Literal["tls", "starttls", "none"]
SECURITIES: tuple[Security, ...] = get_args(Security)

DEFAULT_TIMEOUT_SECONDS = 30.0
# Servers may drop an IDLE after 30 minutes (RFC 2177) and NAT boxes much sooner.
DEFAULT_IDLE_RENEW_SECONDS = 600.0

_TOP_KEYS = ("ledger", "trust", "mailbox", "rule", "notify", "digest", "stuck")
_RULE_KEYS = ("kind", "language", "pattern")
_LEDGER_KEYS = ("url",)
_TRUST_KEYS = ("authserv_ids",)
_MAILBOX_KEYS = (
    "name",
    "host",
    "port",
    "security",
    "username",
    "password_env",
    "password_command",
    "password_file",
    "keyring",
    "oauth2_token_command",
    "folders",
    "ca_file",
    "timeout_seconds",
    "idle_renew_seconds",
)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses, the only hosts a plain-text login may reach."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class MailboxSettings:
    """One IMAP account to watch. Holds where to find the secret, never the secret itself."""

    name: str
    host: str
    port: int = 993
    security: Security = "tls"
    username: str
    password_env: str | None = None
    # Commands may embed a secret ("echo hunter2"); keep them out of reprs and logs.
    password_command: str | None = field(default=None, repr=False)
    password_file: Path | None = None
    oauth2_token_command: str | None = field(default=None, repr=False)
    use_keyring: bool = False
    folders: tuple[str, ...] = ("INBOX",)
    ca_file: Path | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    idle_renew_seconds: float = DEFAULT_IDLE_RENEW_SECONDS

    def __post_init__(self) -> None:
        where = f"mailbox '{self.name}'"
        if self.security not in SECURITIES:
            raise ConfigError(
                f"{where}: security must be one of {', '.join(SECURITIES)}, not {self.security!r}"
            )
        if self.security == "none" and not is_loopback(self.host):
            raise ConfigError(
                f"{where}: security 'none' would send the password in clear to {self.host}; "
                "it is only allowed for loopback hosts (use 'tls' or 'starttls')"
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"{where}: port must be between 1 and 65535, not {self.port}")
        if self.timeout_seconds <= 0 or self.idle_renew_seconds <= 0:
            raise ConfigError(f"{where}: timeout_seconds and idle_renew_seconds must be positive")
        if not self.folders:
            raise ConfigError(f"{where}: folders must name at least one folder")
        sources = self.credential_sources
        if len(sources) > 1:
            raise ConfigError(f"{where}: choose one of {', '.join(sources)}, not several")

    @property
    def credential_sources(self) -> tuple[str, ...]:
        """The config keys that say where the secret comes from (exactly one is valid)."""
        present = {
            "password_env": self.password_env is not None,
            "password_command": self.password_command is not None,
            "password_file": self.password_file is not None,
            "keyring": self.use_keyring,
            "oauth2_token_command": self.oauth2_token_command is not None,
        }
        return tuple(key for key, on in present.items() if on)

    @property
    def uses_oauth2(self) -> bool:
        return self.oauth2_token_command is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything tracker reads from its configuration, built once at start-up."""

    ledger_url: str | None = None
    mailboxes: tuple[MailboxSettings, ...] = ()
    authserv_ids: tuple[str, ...] = ()
    source: Path | None = None
    rules: tuple[CustomRule, ...] = ()  # [[rule]] tables: wording the built-in rules lack
    notify: tuple[NotifyTarget, ...] = ()
    digest: DigestSettings | None = None
    stuck: StuckSettings = field(default_factory=StuckSettings)

    def mailbox(self, name: str) -> MailboxSettings:
        """The mailbox called `name`; ConfigError if there is none."""
        for mailbox in self.mailboxes:
            if mailbox.name == name:
                return mailbox
        known = ", ".join(m.name for m in self.mailboxes) or "none configured"
        raise ConfigError(f"no mailbox named '{name}' (known: {known})")


def default_config_path(env: Mapping[str, str] = os.environ) -> Path:
    """`TRACKER_CONFIG` if set, else config.toml in the user's config directory."""
    override = env.get("TRACKER_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir("tracker")) / "config.toml"


def load_settings(path: Path | None = None, env: Mapping[str, str] = os.environ) -> Settings:
    """Settings from the TOML file at `path` (default: see `default_config_path`) and `env`.

    A missing file is an error when it was asked for (`path` or `TRACKER_CONFIG`); the
    default file may be absent, which gives settings with no mailboxes.
    """
    explicit = path is not None or bool(env.get("TRACKER_CONFIG"))
    config_path = (path if path is not None else default_config_path(env)).expanduser().absolute()
    data: dict[str, Any] = {}
    text = ""
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"config file {config_path} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read config file {config_path}: {_reason(err)}") from None
    if text:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{config_path}: not valid TOML: {err}") from None
    settings = _parse(data, _Where(config_path, text))
    return _apply_env(settings, env)


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__


@dataclass(frozen=True, slots=True)
class _Where:
    """Points errors at the file, and at the line when the key can be found in it."""

    path: Path
    text: str
    # Which [[mailbox]] table (1-based) the key belongs to; 0 for the whole file.
    section: int = 0

    def inside(self, section: int) -> _Where:
        return _Where(self.path, self.text, section)

    def fail(self, table: str, message: str, *, key: str | None = None) -> ConfigError:
        line = self.line_of(key) if key else None
        at = f"{self.path} line {line}" if line else str(self.path)
        prefix = f"{table}: " if table else ""
        return ConfigError(f"{at}: {prefix}{message}")

    def line_of(self, key: str) -> int | None:
        start, end = 0, len(self.text)
        if self.section:
            headers = list(_MAILBOX_HEADER.finditer(self.text))
            if len(headers) < self.section:
                return None
            start = headers[self.section - 1].end()
            following = _ANY_HEADER.search(self.text, start)
            end = following.start() if following else end
        pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
        match = pattern.search(self.text, start, end)
        return self.text.count("\n", 0, match.start()) + 1 if match else None


_MAILBOX_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*mailbox[ \t]*\]\]", re.MULTILINE)
_ANY_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], label: str, where: _Where) -> None:
    for key in table:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise where.fail(label, f"unknown key '{key}'{hint}", key=key)


def _parse(data: dict[str, Any], where: _Where) -> Settings:
    _check_keys(data, _TOP_KEYS, "", where)
    ledger = _table(data, "ledger", where)
    _check_keys(ledger, _LEDGER_KEYS, "[ledger]", where)
    trust = _table(data, "trust", where)
    _check_keys(trust, _TRUST_KEYS, "[trust]", where)

    raw_boxes = data.get("mailbox", [])
    if not isinstance(raw_boxes, list) or not all(isinstance(b, dict) for b in raw_boxes):
        raise where.fail("", "'mailbox' must be a list of tables ([[mailbox]])", key="mailbox")
    mailboxes = tuple(
        _parse_mailbox(raw, index, where) for index, raw in enumerate(raw_boxes, start=1)
    )
    seen: set[str] = set()
    for mailbox in mailboxes:
        if mailbox.name in seen:
            raise where.fail(f"mailbox '{mailbox.name}'", "name used by two mailboxes")
        seen.add(mailbox.name)

    url = ledger.get("url")
    if url is not None and not (isinstance(url, str) and url):
        raise where.fail("[ledger]", "url must be a non-empty string", key="url")
    ids = trust.get("authserv_ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise where.fail("[trust]", "authserv_ids must be a list of strings", key="authserv_ids")
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
        raise where.fail("", "'rule' must be a list of tables ([[rule]])", key="rule")

    def fail(table: str, message: str, key: str | None) -> ConfigError:
        # A key of a [[notify]] entry (url, name) may also be another table's: the first line
        # with it could point elsewhere, so those errors name the entry and no line.
        return where.fail(table, message, key=None if table.startswith("[[notify]]") else key)

    return Settings(
        ledger_url=_normalise_ledger_url(url, where.path.parent) if url else None,
        mailboxes=mailboxes,
        authserv_ids=tuple(ids),
        source=where.path,
        rules=tuple(_parse_rule(raw, i, where) for i, raw in enumerate(raw_rules, start=1)),
        notify=parse_notify_targets(data.get("notify"), fail),
        digest=parse_digest(data.get("digest"), fail),
        stuck=parse_stuck(data.get("stuck"), fail),
    )


def _parse_rule(raw: dict[str, Any], index: int, where: _Where) -> CustomRule:
    """Return one [[rule]] table, its pattern checked for validity and bounded cost."""
    from tracker.domain import KIND_ALIASES, MARK_KINDS
    from tracker.parse.rules import LANGUAGE_CODES
    from tracker.rulecheck import check_pattern

    label = f"rule #{index}"
    _check_keys(raw, _RULE_KEYS, label, where)
    kind = raw.get("kind")
    kind = KIND_ALIASES.get(kind, kind) if isinstance(kind, str) else kind
    if kind not in MARK_KINDS:
        raise where.fail(label, f"kind must be one of {', '.join(MARK_KINDS)}")
    language = raw.get("language")
    if language is not None and language not in LANGUAGE_CODES:
        raise where.fail(
            label, f"unknown language {language!r} (one of {', '.join(LANGUAGE_CODES)})"
        )
    pattern = raw.get("pattern")
    if not isinstance(pattern, str):
        raise where.fail(label, "needs a pattern (a regular expression)")
    problem = check_pattern(pattern)
    if problem:
        raise where.fail(label, problem)
    return CustomRule(name=label, kind=kind, pattern=pattern, language=language)


def _table(data: dict[str, Any], key: str, where: _Where) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise where.fail("", f"'{key}' must be a table ([{key}])", key=key)
    return value


def _parse_mailbox(raw: dict[str, Any], index: int, where: _Where) -> MailboxSettings:
    where = where.inside(index)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise where.fail(f"mailbox #{index}", 'needs a name (name = "personal")')
    label = f"mailbox '{name}'"
    _check_keys(raw, _MAILBOX_KEYS, label, where)

    def text(key: str, *, required: bool = False) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                raise where.fail(label, f"missing '{key}'")
            return None
        if not isinstance(value, str) or not value.strip():
            raise where.fail(label, f"'{key}' must be a non-empty string", key=key)
        return value

    def number(key: str, default: float) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise where.fail(label, f"'{key}' must be a positive number", key=key)
        return float(value)

    def path(key: str) -> Path | None:
        value = text(key)
        if value is None:
            return None
        return resolve_path(value, where.path.parent)

    security = raw.get("security", "tls")
    if security not in SECURITIES:
        raise where.fail(
            label,
            f"security must be one of {', '.join(SECURITIES)}, not {security!r}",
            key="security",
        )
    port = raw.get("port", 993 if security == "tls" else 143)
    if isinstance(port, bool) or not isinstance(port, int):
        raise where.fail(label, "'port' must be a whole number", key="port")
    keyring = raw.get("keyring", False)
    if not isinstance(keyring, bool):
        raise where.fail(label, "'keyring' must be true or false", key="keyring")
    folders = raw.get("folders", ["INBOX"])
    if (
        not isinstance(folders, list)
        or not folders
        or not all(isinstance(f, str) and f for f in folders)
    ):
        raise where.fail(label, "'folders' must be a non-empty list of names", key="folders")

    host = text("host", required=True)
    username = text("username", required=True)
    assert host is not None and username is not None
    try:
        mailbox = MailboxSettings(
            name=name,
            host=host,
            port=port,
            security=security,
            username=username,
            password_env=text("password_env"),
            password_command=text("password_command"),
            password_file=path("password_file"),
            oauth2_token_command=text("oauth2_token_command"),
            use_keyring=keyring,
            folders=tuple(folders),
            ca_file=path("ca_file"),
            timeout_seconds=number("timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            idle_renew_seconds=number("idle_renew_seconds", DEFAULT_IDLE_RENEW_SECONDS),
        )
    except ConfigError as err:
        raise ConfigError(f"{where.path}: {err}") from None
    if not mailbox.credential_sources:
        raise where.fail(
            label,
            "no password source: set password_env, password_command, password_file, "
            "keyring = true or oauth2_token_command",
        )
    return mailbox


def resolve_path(value: str, base: Path) -> Path:
    """Return `value` with `~` expanded; a relative path is taken from `base` (the config's folder).

    The one rule for every path in the config file: `[ledger] url`, `password_file`, `ca_file`.
    """
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _normalise_ledger_url(value: str, base: Path) -> str:
    """Return a path or URL with relative SQLite paths resolved from `base`; other URLs as given.

    A plain path stays a path (make_engine turns it into a URL); `sqlite:///ledger.db`, a
    relative file in URL form, is resolved the same way as a plain relative path.
    """
    if "://" not in value:
        return str(resolve_path(value, base))
    if not value.startswith("sqlite"):
        return value
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError:
        return value  # make_engine reports it, with the same words as for --db
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return value
    database = str(resolve_path(url.database, base))
    if database == url.database:
        return value
    return url.set(database=database).render_as_string(hide_password=False)


def authserv_ids_from_env(env: Mapping[str, str] = os.environ) -> tuple[str, ...] | None:
    """Return TRACKER_AUTHSERV_IDS (comma-separated) as a tuple; None when it is not set."""
    ids = env.get("TRACKER_AUTHSERV_IDS")
    if ids is None:
        return None
    return tuple(part.strip() for part in ids.split(",") if part.strip())


def _apply_env(settings: Settings, env: Mapping[str, str]) -> Settings:
    ledger_url = settings.ledger_url
    authserv_ids = settings.authserv_ids
    db = env.get("TRACKER_DB")
    if db:  # from the environment: relative to the working folder, like --db
        ledger_url = db if "://" in db else str(Path(db).expanduser())
    from_env = authserv_ids_from_env(env)
    if from_env is not None:
        authserv_ids = from_env
    return replace(settings, ledger_url=ledger_url, authserv_ids=authserv_ids)
