"""Read-only IMAP access: connect, EXAMINE, SEARCH for Meta's mail, fetch with BODY.PEEK, IDLE.

The only module that imports imapclient. Every imapclient, socket and ssl exception leaves
this module as a MailboxError (AuthenticationError for refused credentials) whose message is
one line naming the mailbox, never a secret. Folders are only ever opened with EXAMINE and
messages only fetched with BODY.PEEK, so nothing here can change a flag or move a message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from types import TracebackType
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import (
    CapabilityError,
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)

from tracker.config import MailboxSettings
from tracker.domain import META_BASE_DOMAINS, META_EXACT_DOMAINS
from tracker.errors import AuthenticationError, MailboxError
from tracker.imap.cursor import FolderState
from tracker.secrets import resolve_oauth2_token, resolve_password

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Domains Meta sends account mail from (objection notices, codes, decisions). FROM searches
# match substrings, so the base domains also find their subdomains.
META_SENDER_DOMAINS: tuple[str, ...] = (*META_BASE_DOMAINS, *META_EXACT_DOMAINS)
HEADER_BATCH = 500
MESSAGE_BATCH = 100

Factory = Callable[..., IMAPClient]


def search_terms(domains: Sequence[str] = META_SENDER_DOMAINS) -> tuple[str, ...]:
    """The domains to search FROM for: those another one already matches as a substring go."""
    return tuple(d for d in domains if not any(o != d and o in d for o in domains))


def _or_tree(key: str, values: Sequence[str]) -> list[str]:
    """`OR key a OR key b key c`: IMAP's OR takes two operands, so n values need n-1 ORs."""
    criteria: list[str] = []
    for value in values[:-1]:
        criteria += ["OR", key, value]
    return [*criteria, key, values[-1]]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# imapclient prefixes the server's words with the command ("select failed: ..."), and
# Dovecot appends its timings ("(0.001 + 0.000 secs).").
_COMMAND_PREFIX = re.compile(r"^[a-z]+ failed: ", re.IGNORECASE)
_DOVECOT_TIMING = re.compile(r"\s*\((?:[\d.]+ \+ )*[\d.]+ secs\)\.?$")


def _server_text(err: BaseException) -> str:
    """The server's words from an imapclient error, without the b'...' wrapping."""
    text = str(err.args[0]) if err.args else str(err)
    text = _COMMAND_PREFIX.sub("", text.strip())
    for quote in ("'", '"'):
        if text.startswith("b" + quote) and text.endswith(quote):
            text = text[2:-1]
    text = _DOVECOT_TIMING.sub("", text)
    return _one_line(text) or type(err).__name__


def _translate(err: Exception, mailbox: MailboxSettings, action: str) -> tuple[str, bool] | None:
    """(one-line message, whether the connection is gone) for `err`; None if it is not ours.

    Login refusals are handled by the caller (they become AuthenticationError).
    """
    where = f"{mailbox.host}:{mailbox.port}"
    if isinstance(err, socket.gaierror):
        return f"cannot resolve host '{mailbox.host}' ({err.strerror or err})", True
    if isinstance(err, ConnectionRefusedError):
        return f"connection refused by {where}", True
    if isinstance(err, ssl.SSLCertVerificationError):
        hint = "" if mailbox.ca_file else "; set ca_file if the server uses a private CA"
        reason = err.verify_message or err.reason or "verification failed"
        return f"TLS certificate of {mailbox.host} not trusted ({reason}){hint}", True
    if isinstance(err, ssl.SSLError):
        return f"TLS failed with {where}: {err.reason or err}", True
    if isinstance(err, TimeoutError):
        return f"{action}: no answer from {where} within {mailbox.timeout_seconds:g} s", True
    if isinstance(err, IMAPClientAbortError):
        return f"{action} ({_server_text(err)})", True
    if isinstance(err, CapabilityError):
        return f"{action}: the server lacks {_server_text(err)}", False
    if isinstance(err, IMAPClientError):
        return f"{action}: {_server_text(err)}", False
    if isinstance(err, ConnectionError | EOFError):
        return f"{action}: connection lost", True
    if isinstance(err, OSError):
        return f"{action}: {err.strerror or err}", True
    return None


def _server_refused(err: MailboxError) -> bool:
    """True when the server answered NO or BAD (the session itself is still fine)."""
    cause = err.__cause__
    return isinstance(cause, IMAPClientError) and not isinstance(
        cause, IMAPClientAbortError | LoginError
    )


class _Guard:
    """Turns whatever imapclient, socket or ssl raise into one-line MailboxErrors."""

    def __init__(self, mailbox: MailboxSettings, secrets: Sequence[str]) -> None:
        self.mailbox = mailbox
        self.secrets = tuple(s for s in secrets if s)

    def error(self, message: str, *, auth: bool = False) -> MailboxError:
        message = _one_line(message)
        # In case a server ever echoes what it was sent.
        for secret in self.secrets:
            message = message.replace(secret, "***")
        return (AuthenticationError if auth else MailboxError)(self.mailbox.name, message)

    @contextlib.contextmanager
    def __call__(self, action: str, on_lost: Callable[[], None] | None = None) -> Iterator[None]:
        try:
            yield
        except MailboxError:
            raise
        except LoginError as err:
            raise self.error(f"{action} refused: {_server_text(err)}", auth=True) from err
        except Exception as err:
            translated = _translate(err, self.mailbox, action)
            if translated is None:
                raise
            message, lost = translated
            if lost and on_lost is not None:
                on_lost()
            raise self.error(message) from err


class MailboxConnection:
    """A logged-in, read-only IMAP session for one configured mailbox.

    Build it with `connect()`. Methods other than `examine` act on the folder examined last.
    After a "connection lost" error the connection is closed: connect again.
    """

    def __init__(
        self,
        client: IMAPClient,
        mailbox: MailboxSettings,
        capabilities: frozenset[str],
        *,
        secrets: Sequence[str] = (),
    ) -> None:
        self._client: IMAPClient | None = client
        self.mailbox = mailbox
        self.capabilities = capabilities
        self.folder: str | None = None
        self.state: FolderState | None = None
        self._guard = _Guard(mailbox, secrets)
        self._search_fallback_logged = False

    # ------------------------------------------------------------------- properties

    @property
    def name(self) -> str:
        return self.mailbox.name

    @property
    def supports_idle(self) -> bool:
        return "IDLE" in self.capabilities

    @property
    def supports_gmail_search(self) -> bool:
        return "X-GM-EXT-1" in self.capabilities

    @property
    def closed(self) -> bool:
        return self._client is None

    @property
    def search_refused(self) -> bool:
        """True once the server refused the sender search (candidates then are every UID)."""
        return self._search_fallback_logged

    # ---------------------------------------------------------------------- helpers

    def _live(self, action: str) -> IMAPClient:
        if self._client is None:
            raise self._guard.error(f"{action}: the connection is closed")
        return self._client

    @contextlib.contextmanager
    def _call(self, action: str) -> Iterator[IMAPClient]:
        client = self._live(action)
        with self._guard(action, on_lost=self._drop):
            yield client

    def _drop(self) -> None:
        """Forget a dead connection without talking to it."""
        client, self._client = self._client, None
        self.folder = None
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()

    def _selected(self) -> str:
        if self.folder is None:
            raise RuntimeError("examine() a folder first")
        return self.folder

    # -------------------------------------------------------------------- commands

    def examine(self, folder: str) -> FolderState:
        """Open `folder` read-only (EXAMINE) and return its UIDVALIDITY, UIDNEXT and size."""
        self.folder = None
        with self._call(f"cannot open folder '{folder}'") as client:
            info = client.select_folder(folder, readonly=True)
        try:
            uidvalidity = int(info[b"UIDVALIDITY"])
        except (KeyError, TypeError, ValueError):
            raise self._guard.error(f"folder '{folder}': the server sent no UIDVALIDITY") from None
        state = FolderState(
            uidvalidity=uidvalidity,
            uidnext=int(info.get(b"UIDNEXT") or 0),
            exists=int(info.get(b"EXISTS") or 0),
        )
        self.folder, self.state = folder, state
        return state

    def list_folders(self) -> list[str]:
        """Names of every folder the account has (for `config check`)."""
        with self._call("cannot list folders") as client:
            return [name for _flags, _sep, name in client.list_folders()]

    def search_candidates(
        self,
        *,
        after_uid: int = 0,
        since: date | None = None,
        domains: Sequence[str] = META_SENDER_DOMAINS,
    ) -> list[int]:
        """UIDs above `after_uid` of mail from Meta's sending domains, oldest first.

        The server does the searching (Gmail's X-GM-RAW where offered, FROM elsewhere). If
        it refuses the search, every UID in the range is returned: the caller's header
        triage then does the server's job.
        """
        folder = self._selected()
        terms = search_terms(domains)
        criteria: list[Any] = ["UID", f"{after_uid + 1}:*"]
        if since is not None:
            criteria += ["SINCE", since]
        if self.supports_gmail_search:
            criteria += ["X-GM-RAW", f"from:({' OR '.join(terms)})"]
        else:
            criteria += _or_tree("FROM", terms)
        try:
            with self._call(f"search in '{folder}' failed") as client:
                found: Iterable[int] = client.search(criteria)
        except MailboxError as err:
            if not _server_refused(err):
                raise
            if not self._search_fallback_logged:
                logger.warning(
                    "Mailbox %s: the server refused the sender search (%s); "
                    "listing every new UID instead",
                    self.name,
                    _server_text(err.__cause__ or err),
                )
                self._search_fallback_logged = True
            found = self.list_uids(after_uid=after_uid, since=since)
        # "UID n:*" always matches the newest message, even when its UID is below n.
        return sorted({int(uid) for uid in found if int(uid) > after_uid})

    def list_uids(self, *, after_uid: int = 0, since: date | None = None) -> list[int]:
        """Every UID above `after_uid` in the folder (SEARCH, or FETCH if SEARCH fails)."""
        folder = self._selected()
        uid_range = f"{after_uid + 1}:*"
        criteria: list[Any] = ["UID", uid_range]
        if since is not None:
            criteria += ["SINCE", since]
        try:
            with self._call(f"search in '{folder}' failed") as client:
                found: Iterable[int] = client.search(criteria)
        except MailboxError as err:
            if not _server_refused(err):
                raise
            with self._call(f"listing messages in '{folder}' failed") as client:
                found = client.fetch(uid_range, ["UID"]).keys()
        return sorted({int(uid) for uid in found if int(uid) > after_uid})

    def fetch_headers(self, uids: Iterable[int]) -> dict[int, bytes]:
        """The raw header block of each message, by UID (BODY.PEEK: nothing gets marked read).

        UIDs that no longer exist are simply missing from the result.
        """
        return self._fetch(uids, "BODY.PEEK[HEADER]", b"BODY[HEADER]", HEADER_BATCH, bytes)

    def fetch_sizes(self, uids: Iterable[int]) -> dict[int, int]:
        """The size in bytes (RFC822.SIZE) of each message, by UID, without fetching it."""
        return self._fetch(uids, "RFC822.SIZE", b"RFC822.SIZE", HEADER_BATCH, int)

    def fetch_messages(self, uids: Iterable[int]) -> dict[int, bytes]:
        """The full raw message of each UID (BODY.PEEK[]: \\Seen is never set)."""
        return self._fetch(uids, "BODY.PEEK[]", b"BODY[]", MESSAGE_BATCH, bytes)

    def _fetch(
        self, uids: Iterable[int], item: str, key: bytes, batch: int, kind: type[T]
    ) -> dict[int, T]:
        folder = self._selected()
        wanted = sorted(set(uids))
        result: dict[int, T] = {}
        for start in range(0, len(wanted), batch):
            chunk = wanted[start : start + batch]
            asked = set(chunk)
            with self._call(f"fetching from '{folder}' failed") as client:
                data = client.fetch(chunk, [item])
            for uid, fields in data.items():
                value = fields.get(key)
                # Unsolicited FETCH responses (another client's flag change) carry no body.
                if isinstance(value, kind) and uid in asked:
                    result[int(uid)] = value
        return result

    def noop(self) -> None:
        """Ask the server for a sign of life; MailboxError if the connection is gone."""
        with self._call("connection lost") as client:
            client.noop()

    def idle(
        self,
        timeout: float,
        *,
        interrupt: Callable[[], bool] | None = None,
        check_every: float = 0.5,
    ) -> bool:
        """Wait in IDLE up to `timeout` seconds; True as soon as new mail may have arrived.

        Returns False when the time ran out quietly, or when `interrupt()` (asked every
        `check_every` seconds, inside the one IDLE command) turns true. Raises MailboxError
        "connection lost" when the server goes away, with or without a BYE: imapclient's
        idle_check returns an empty list rather than failing when the socket closes, so an
        early empty wake-up is checked by ending IDLE, which needs the server's tagged answer.
        """
        folder = self._selected()
        if not self.supports_idle:
            raise self._guard.error("the server does not support IDLE; poll instead")
        deadline = time.monotonic() + timeout
        action = f"IDLE on '{folder}': connection lost"
        with self._call(action) as client:
            client.idle()
            while True:
                started = time.monotonic()
                remaining = deadline - started
                if remaining <= 0 or (interrupt is not None and interrupt()):
                    break
                wait = remaining if interrupt is None else min(remaining, check_every)
                responses = client.idle_check(timeout=wait)
                if _announces_mail(responses):
                    client.idle_done()
                    return True
                bye = _bye_text(responses)
                if bye is not None:
                    self._drop()
                    raise self._guard.error(f"{action} (the server said BYE: {bye})")
                if not responses and time.monotonic() < started + wait - 0.01:
                    # Woken with nothing to read: noise, or the peer closed the socket.
                    _, late = client.idle_done()
                    if _announces_mail(late):
                        return True
                    client.idle()
            _, late = client.idle_done()
            return _announces_mail(late)

    def close(self) -> None:
        """Log out if the server still listens, then drop the socket. Safe to call twice."""
        client, self._client = self._client, None
        self.folder = None
        if client is None:
            return
        with contextlib.suppress(Exception):
            client.socket().settimeout(min(self.mailbox.timeout_seconds, 5.0))
        with contextlib.suppress(Exception):
            client.logout()
        with contextlib.suppress(Exception):
            client.shutdown()

    def __enter__(self) -> MailboxConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"folder={self.folder!r}"
        return f"<MailboxConnection {self.name} {state}>"


def _announces_mail(responses: Iterable[Any]) -> bool:
    return any(
        isinstance(r, tuple) and len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") for r in responses
    )


def _bye_text(responses: Iterable[Any]) -> str | None:
    for response in responses:
        if isinstance(response, tuple) and response and response[0] == b"BYE":
            words = (
                w.decode(errors="replace") if isinstance(w, bytes) else str(w) for w in response[1:]
            )
            return " ".join(words)
    return None


# ------------------------------------------------------------------------------ connect


def _ssl_context(mailbox: MailboxSettings) -> ssl.SSLContext:
    cafile = str(mailbox.ca_file) if mailbox.ca_file else None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as err:
        reason = getattr(err, "strerror", None) or getattr(err, "reason", None) or err
        raise MailboxError(mailbox.name, f"cannot load ca_file {cafile}: {reason}") from None


# TCP keepalive: a silent network path (NAT timeout, suspended laptop) fails the socket after
# about 60 + 4 * 15 seconds, instead of leaving an IDLE waiting until its next renewal.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 60, 15, 4


def _set_nodelay(client: IMAPClient) -> None:
    sock = client.socket()
    # imaplib leaves Nagle on; with it some servers stall ~40 ms on every command.
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPALIVE_IDLE)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, KEEPALIVE_INTERVAL)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, KEEPALIVE_COUNT)


def _normalise_capabilities(raw: Iterable[Any]) -> frozenset[str]:
    return frozenset(
        (c.decode("ascii", "replace") if isinstance(c, bytes) else str(c)).upper() for c in raw
    )


def connect(
    mailbox: MailboxSettings,
    *,
    factory: Factory = IMAPClient,
    env: Mapping[str, str] = os.environ,
) -> MailboxConnection:
    """Connect, secure and log in to `mailbox`; return the session.

    TLS certificates are verified (against `ca_file` when set, else the system's CAs).
    With `oauth2_token_command`, logs in with XOAUTH2 and re-runs the command once if the
    server rejects the token. Raises ConfigError when the secret cannot be obtained,
    AuthenticationError when the server refuses it, MailboxError for everything else.
    """
    context = None if mailbox.security == "none" else _ssl_context(mailbox)
    # Obtain the secret before opening a socket: a failing password command needs no server.
    password = None if mailbox.uses_oauth2 else resolve_password(mailbox, env)
    token = resolve_oauth2_token(mailbox) if mailbox.uses_oauth2 else None
    guard = _Guard(mailbox, [s for s in (password, token) if s])

    with guard("cannot connect"):
        client = factory(
            mailbox.host,
            port=mailbox.port,
            ssl=mailbox.security == "tls",
            ssl_context=context,
            timeout=mailbox.timeout_seconds,
        )
    try:
        _set_nodelay(client)
        if mailbox.security == "starttls":
            with guard("STARTTLS failed"):
                if "STARTTLS" not in _normalise_capabilities(client.capabilities()):
                    raise guard.error(
                        'the server does not offer STARTTLS; use security = "tls" on its IMAPS port'
                    )
                client.starttls(context)
        if token is not None:
            try:
                with guard("XOAUTH2 login"):
                    client.oauth2_login(mailbox.username, token)
            except AuthenticationError:
                # Tokens expire; the command may hand out a fresh one when asked again.
                logger.info("Mailbox %s: OAuth2 token refused, asking for a new one", mailbox.name)
                token = resolve_oauth2_token(mailbox, refresh=True)
                guard = _Guard(mailbox, [*guard.secrets, token])
                with guard("XOAUTH2 login"):
                    client.oauth2_login(mailbox.username, token)
        else:
            assert password is not None
            with guard("login"):
                client.login(mailbox.username, password)
        with guard("CAPABILITY failed"):
            capabilities = _normalise_capabilities(client.capabilities())
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise

    connection = MailboxConnection(client, mailbox, capabilities, secrets=guard.secrets)
    logger.debug(
        "Mailbox %s: logged in to %s:%s (%s), IDLE %s",
        mailbox.name,
        mailbox.host,
        mailbox.port,
        mailbox.security,
        "offered" if connection.supports_idle else "not offered",
    )
    return connection
