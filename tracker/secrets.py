"""Where a mailbox's secret comes from: an environment variable, a command, a file, the keyring.

The configuration only says where to look (`MailboxSettings`); these functions fetch the secret
when a connection is made, and their errors name the mailbox and the source, never the secret.
"""

from __future__ import annotations

import logging
import os
import shlex
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tracker import DISTRIBUTION
from tracker.config import MailboxSettings
from tracker.errors import MailboxConfigError

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "tracker"
# Long enough for a password manager that asks for a passphrase, short enough to notice a hang.
SECRET_COMMAND_TIMEOUT_SECONDS = 120.0


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__


def resolve_password(mailbox: MailboxSettings, env: Mapping[str, str] = os.environ) -> str:
    """The mailbox's password, from its environment variable, command, file or keyring.

    Raises MailboxConfigError naming the mailbox and the source; the secret never appears in it.
    """
    where = mailbox.name
    if mailbox.password_env is not None:
        value = env.get(mailbox.password_env)
        if value is None:
            raise MailboxConfigError(
                where, f"environment variable {mailbox.password_env} is not set"
            )
        if not value:
            raise MailboxConfigError(where, f"environment variable {mailbox.password_env} is empty")
        return value
    if mailbox.password_command is not None:
        return _run_secret_command(mailbox.password_command, where, "password_command")
    if mailbox.password_file is not None:
        return _read_secret_file(mailbox.password_file, mailbox.name)
    if mailbox.use_keyring:
        return _keyring_password(mailbox, where)
    if mailbox.oauth2_token_command is not None:
        raise MailboxConfigError(where, "uses OAuth2 (oauth2_token_command), not a password")
    raise MailboxConfigError(where, "no password source configured")


def resolve_oauth2_token(mailbox: MailboxSettings, *, refresh: bool = False) -> str:
    """An OAuth2 access token from the mailbox's `oauth2_token_command`.

    With `refresh`, the command runs with TRACKER_OAUTH2_REFRESH=1 in its environment so a
    script that caches tokens knows the last one was rejected.
    """
    where = mailbox.name
    if mailbox.oauth2_token_command is None:
        raise MailboxConfigError(where, "no oauth2_token_command configured")
    extra = {"TRACKER_OAUTH2_REFRESH": "1"} if refresh else {}
    return _run_secret_command(mailbox.oauth2_token_command, where, "oauth2_token_command", extra)


def _run_secret_command(
    command: str, where: str, key: str, extra_env: Mapping[str, str] | None = None
) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as err:
        raise MailboxConfigError(where, f"{key} cannot be split into words: {err}") from None
    if not argv:
        raise MailboxConfigError(where, f"{key} is empty")
    # Pipes, redirections and the like need a shell; a plain command does not.
    needs_shell = any(ch in command for ch in "|&;<>()$`*?~")
    run_env = {**os.environ, **(extra_env or {})}
    try:
        result = subprocess.run(
            command if needs_shell else argv,
            shell=needs_shell,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env=run_env,
            timeout=SECRET_COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise MailboxConfigError(where, f"{key}: command '{argv[0]}' not found") from None
    except subprocess.TimeoutExpired:
        raise MailboxConfigError(
            where, f"{key} did not finish within {SECRET_COMMAND_TIMEOUT_SECONDS:.0f} s"
        ) from None
    except OSError as err:
        raise MailboxConfigError(where, f"{key}: cannot run '{argv[0]}': {_reason(err)}") from None
    if result.returncode != 0:
        # stderr is the command's complaint, not its output: safe to show one line of it.
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        detail = f": {lines[-1][:200]}" if lines else ""
        raise MailboxConfigError(
            where, f"{key} failed with exit status {result.returncode}{detail}"
        )
    # Like git's credential helpers and mutt's password commands: the first line is the secret.
    output = result.stdout.decode(errors="replace").splitlines()
    secret = output[0].strip() if output else ""
    if not secret:
        raise MailboxConfigError(where, f"{key} printed nothing")
    return secret


def _read_secret_file(path: Path, name: str) -> str:
    where = name
    try:
        info = path.stat()
        content = path.read_text(encoding="utf-8")
    except OSError as err:
        raise MailboxConfigError(
            where, f"cannot read password_file {path}: {_reason(err)}"
        ) from None
    except UnicodeDecodeError:
        raise MailboxConfigError(where, f"password_file {path} is not UTF-8 text") from None
    if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        logger.warning(
            "Mailbox %s: password_file %s is readable by other users; chmod 600 it",
            name,
            path,
        )
    lines = content.splitlines()
    secret = lines[0].strip() if lines else ""
    if not secret:
        raise MailboxConfigError(where, f"password_file {path} is empty")
    return secret


def _keyring_password(mailbox: MailboxSettings, where: str) -> str:
    # An optional extra: the message names it by the distribution's name.
    try:
        import keyring  # optional: the keyring extra
        from keyring.errors import KeyringError
    except ImportError:
        raise MailboxConfigError(
            where,
            f"keyring = true needs the keyring package (pip install '{DISTRIBUTION}[keyring]')",
        ) from None
    try:
        value = keyring.get_password(KEYRING_SERVICE, mailbox.name)
    except KeyringError as err:
        raise MailboxConfigError(
            where, f"the system keyring failed: {type(err).__name__}"
        ) from None
    if not value:
        raise MailboxConfigError(
            where,
            f"no password in the keyring for service '{KEYRING_SERVICE}', "
            f"user '{mailbox.name}' (keyring set {KEYRING_SERVICE} {mailbox.name})",
        )
    return value
