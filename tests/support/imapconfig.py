"""Config files pointing at the test Dovecot, and helpers shared by the sync/watch/code tests."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker.config import MailboxSettings

ROOT = Path(__file__).resolve().parents[1]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(
    path: Path,
    mailboxes: list[MailboxSettings],
    *,
    ledger: Path | None = None,
    authserv_ids: tuple[str, ...] = (),
) -> Path:
    """Write a tracker config.toml with these mailboxes; return its path."""
    lines: list[str] = []
    if ledger is not None:
        lines += ["[ledger]", f"url = {_toml_value(str(ledger))}", ""]
    if authserv_ids:
        lines += ["[trust]", f"authserv_ids = {_toml_value(list(authserv_ids))}", ""]
    for box in mailboxes:
        entries: dict[str, Any] = {
            "name": box.name,
            "host": box.host,
            "port": box.port,
            "security": box.security,
            "username": box.username,
            "folders": list(box.folders),
            "timeout_seconds": box.timeout_seconds,
            "idle_renew_seconds": box.idle_renew_seconds,
        }
        for key in ("password_env", "password_command", "password_file", "ca_file"):
            value = getattr(box, key)
            if value is not None:
                entries[key] = str(value)
        lines.append("[[mailbox]]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in entries.items()]
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def tracker_command(*args: str) -> list[str]:
    """argv running this checkout's tracker in a child process."""
    return [sys.executable, "-m", "tracker", *args]


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a child tracker: this checkout first on the path, no stray config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def eventually(check: Callable[[], Any], timeout: float = 30.0, step: float = 0.05) -> Any:
    """Return check()'s first truthy value, polling; AssertionError after `timeout` seconds.

    Timeouts are generous on purpose: the test machines are shared and noisy. Nothing here
    asserts speed.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)
