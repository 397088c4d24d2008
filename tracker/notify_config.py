"""The `[[notify]]`, `[digest]` and `[stuck]` tables of the configuration, checked at load.

Each mistake is one line naming the entry: an unknown event name, an apprise URL apprise
cannot parse, a `command` that is not an executable, a cron expression that does not parse.
URLs carry tokens and passwords, so they are kept out of reprs; logs name a target by its
`name`, or by apprise's privacy form of its URL.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.domain import EVENT_NAMES
from tracker.errors import ConfigError
from tracker.events import StuckRule

# What a target may ask for: every event, and the digest.
TARGET_EVENTS: tuple[str, ...] = (*EVENT_NAMES, "digest")
NOTIFY_KEYS = (
    "name",
    "url",
    "urls",
    "command",
    "events",
    "include_code",
    "retry_initial_seconds",
    "retry_max_seconds",
    "timeout_seconds",
)
DIGEST_KEYS = ("cron",)
STUCK_KEYS = ("percentile", "fallback_hours", "min_history", "check_minutes")

Fail = Callable[[str, str, str | None], ConfigError]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyTarget:
    """One `[[notify]]` entry: apprise URLs or a command, and the events it wants."""

    id: str  # stable across restarts: the name, or a hash of what it points at
    label: str  # what logs and `notify test` call it; never holds a secret
    urls: tuple[str, ...] = field(default=(), repr=False)
    command: tuple[str, ...] = field(default=(), repr=False)
    events: frozenset[str] | None = None  # None: every event and the digest
    include_code: bool = False
    retry_initial_seconds: float = 10.0
    retry_max_seconds: float = 600.0
    timeout_seconds: float = 30.0

    def wants(self, event: str) -> bool:
        return self.events is None or event in self.events


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestSettings:
    """`[digest] cron = "0 8 * * 1"`: when to send the summary (local time)."""

    cron: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StuckSettings:
    """`[stuck]`: when a pending objection is stuck, and how often to look."""

    rule: StuckRule = field(default_factory=StuckRule)
    check_minutes: float = 60.0


def parse_notify_targets(raw: Any, fail: Fail) -> tuple[NotifyTarget, ...]:
    """Return the checked `[[notify]]` entries; `fail(entry, message, key)` builds the error."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise fail("", "'notify' must be a list of tables ([[notify]])", "notify")
    targets = [_parse_target(entry, index, fail) for index, entry in enumerate(raw, start=1)]
    seen: set[str] = set()
    for target in targets:
        if target.id in seen:
            raise fail(f"[[notify]] '{target.label}'", "used twice (give each a name)", None)
        seen.add(target.id)
    return tuple(targets)


def _parse_target(raw: dict[str, Any], index: int, fail: Fail) -> NotifyTarget:
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise fail(f"[[notify]] #{index}", "'name' must be a non-empty string", "name")
    entry = f"[[notify]] '{name}'" if name else f"[[notify]] #{index}"
    for key in raw:
        if key not in NOTIFY_KEYS:
            close = difflib.get_close_matches(key, NOTIFY_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise fail(entry, f"unknown key '{key}'{hint}", key)
    urls: list[str] = []
    if "url" in raw:
        urls.append(raw["url"])
    if "urls" in raw:
        if not isinstance(raw["urls"], list):
            raise fail(entry, "'urls' must be a list of apprise URLs", "urls")
        urls.extend(raw["urls"])
    if not all(isinstance(url, str) and url.strip() for url in urls):
        raise fail(entry, "every url must be a non-empty string", "url")
    command = raw.get("command")
    if command is not None:
        if (
            not isinstance(command, list)
            or not command
            or not all(isinstance(part, str) and part for part in command)
        ):
            raise fail(
                entry, "'command' must be a list of strings (program and arguments)", "command"
            )
        if urls:
            raise fail(entry, "choose 'url'/'urls' or 'command', not both", "command")
        _check_executable(command[0], entry, fail)
    elif not urls:
        raise fail(entry, "needs 'url', 'urls' or 'command'", None)
    labels = [_check_url(url, entry, fail) for url in urls]
    events = raw.get("events")
    wanted: frozenset[str] | None = None
    if events is not None:
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise fail(entry, "'events' must be a list of event names", "events")
        for event in events:
            if event not in TARGET_EVENTS:
                close = difflib.get_close_matches(event, TARGET_EVENTS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise fail(
                    entry,
                    f"unknown event '{event}'{hint}; known: {', '.join(TARGET_EVENTS)}",
                    "events",
                )
        wanted = frozenset(events)
    include_code = raw.get("include_code", False)
    if not isinstance(include_code, bool):
        raise fail(entry, "'include_code' must be true or false", "include_code")

    def seconds(key: str, default: float) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise fail(entry, f"'{key}' must be a positive number", key)
        return float(value)

    pointed = "\n".join(urls) if urls else "\0".join(command or ())
    target_id = name or "notify-" + hashlib.sha256(pointed.encode()).hexdigest()[:12]
    label = name or (", ".join(labels) if labels else Path(command[0]).name)  # type: ignore[index]
    return NotifyTarget(
        id=target_id,
        label=label,
        urls=tuple(urls),
        command=tuple(command or ()),
        events=wanted,
        include_code=include_code,
        retry_initial_seconds=seconds("retry_initial_seconds", 10.0),
        retry_max_seconds=seconds("retry_max_seconds", 600.0),
        timeout_seconds=seconds("timeout_seconds", 30.0),
    )


def _check_url(url: str, entry: str, fail: Fail) -> str:
    """Return the URL's privacy form (secrets masked); ConfigError if apprise cannot use it."""
    import apprise

    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else url[:12]
        raise fail(entry, f"apprise cannot use the URL (scheme '{scheme}')", "url")
    # Without its query (apprise adds its defaults there) the label stays short.
    return plugin.url(privacy=True).split("?", 1)[0]


def _check_executable(program: str, entry: str, fail: Fail) -> None:
    found = shutil.which(program) if os.sep not in program else program
    if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise fail(entry, f"command '{program}' is not an executable file", "command")


def parse_digest(raw: Any, fail: Fail) -> DigestSettings | None:
    """Return the checked `[digest]` table, or None without one."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail("", "'digest' must be a table ([digest])", "digest")
    for key in raw:
        if key not in DIGEST_KEYS:
            raise fail("[digest]", f"unknown key '{key}'", key)
    cron = raw.get("cron")
    if not isinstance(cron, str) or not cron.strip():
        raise fail("[digest]", 'needs cron = "MIN HOUR DAY MONTH WEEKDAY" (e.g. "0 8 * * 1")', None)
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(cron)
    except ValueError as err:
        raise fail("[digest]", f"cron '{cron}' does not parse: {err}", "cron") from None
    return DigestSettings(cron=cron)


def parse_stuck(raw: Any, fail: Fail) -> StuckSettings:
    """Return the checked `[stuck]` table (defaults without one)."""
    if raw is None:
        return StuckSettings()
    if not isinstance(raw, dict):
        raise fail("", "'stuck' must be a table ([stuck])", "stuck")
    for key in raw:
        if key not in STUCK_KEYS:
            close = difflib.get_close_matches(key, STUCK_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise fail("[stuck]", f"unknown key '{key}'{hint}", key)

    def number(key: str, default: float, *, low: float, high: float | None = None) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail("[stuck]", f"'{key}' must be a number", key)
        if value < low or (high is not None and value > high):
            bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            raise fail("[stuck]", f"'{key}' must be {bound}", key)
        return float(value)

    percentile = number("percentile", 0.9, low=0.0, high=1.0)
    rule = StuckRule(
        percentile=percentile,
        fallback_hours=number("fallback_hours", 48.0, low=0.01),
        min_history=int(number("min_history", 3, low=1)),
    )
    return StuckSettings(rule=rule, check_minutes=number("check_minutes", 60.0, low=0.01))
