"""Read-only IMAP access: connect, EXAMINE, SEARCH for Meta's mail, fetch with BODY.PEEK, IDLE.

The only module that imports imapclient. Every imapclient, socket and ssl exception leaves
this module as a MailboxError (AuthenticationError for refused credentials) whose message is
one line naming the mailbox, never a secret. Folders are only ever opened with EXAMINE and
messages only fetched with BODY.PEEK, so nothing here can change a flag or move a message.
"""

from __future__ import annotations

import ast
import base64
import codecs
import contextlib
import difflib
import json
import logging
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
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
from tracker.imap.wire import BoundedIMAPClient
from tracker.logs import hide_in_wire_log
from tracker.secrets import resolve_oauth2_token, resolve_password

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Domains Meta sends account mail from (objection notices, codes, decisions). FROM searches
# match substrings, so the base domains also find their subdomains.
META_SENDER_DOMAINS: tuple[str, ...] = (*META_BASE_DOMAINS, *META_EXACT_DOMAINS)
HEADER_BATCH = 100
MESSAGE_BATCH = 100
SIZE_BATCH = 500
# A header block is read up to this many bytes (a partial fetch): enough for Meta's headers
# and any provider's Authentication-Results, bounded whatever the message's size.
HEADER_BYTES = 65536
# What one header answer may declare when the server ignores the partial fetch, and what the
# answers to one header fetch may carry together (100 capped headers take 6.25 MiB).
HEADER_LITERAL_LIMIT = 1024 * 1024
HEADER_COMMAND_LIMIT = 16 * 1024 * 1024
HEADER_ALONE_LIMIT = 16 * 1024 * 1024
# What one full message may declare: its RFC822.SIZE was checked against MAX_BODY_BYTES
# first, so a bigger literal means the server lied about the size.
MESSAGE_LITERAL_LIMIT = 5 * 1024 * 1024 + 65536
# Folder names listed when a configured folder does not exist.
FOLDERS_SHOWN = 8
# What the answers to one message fetch may carry together.
MESSAGE_COMMAND_LIMIT = 16 * 1024 * 1024
# The longest server text quoted in an error line.
SERVER_TEXT_CHARS = 160

Factory = Callable[..., BoundedIMAPClient]


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


_BYTES_REPR = re.compile(r"""b(['"])((?:\\.|(?!\1).)*)\1""")
_URL = re.compile(r"\s*\(?https?://\S+\)?")
_LIST_BRACKETS = re.compile(r"\[((?:b?['\"]).*?['\"])\]")


def _unrepr(match: re.Match[str]) -> str:
    try:
        value = ast.literal_eval(match.group(0))
    except (ValueError, SyntaxError):
        return match.group(0)
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _server_text(err: BaseException) -> str:
    """The server's words from an imapclient or imaplib error: one line, no byte reprs or URLs."""
    text = str(err.args[0]) if err.args else str(err)
    # imapclient appends paragraphs of advice and a documentation URL to search errors.
    text = text.strip().split("\n", 1)[0]
    text = _COMMAND_PREFIX.sub("", text)
    text = _LIST_BRACKETS.sub(r"\1", text)
    text = _BYTES_REPR.sub(_unrepr, text)
    text = _URL.sub("", text)
    text = _DOVECOT_TIMING.sub("", text)
    text = _one_line(text) or type(err).__name__
    # A greeting imaplib did not accept comes back whole.
    if text.startswith("* BYE"):
        text = f"the server ended the session (BYE:{text[5:]})"
    elif text.startswith("* NO"):
        text = f"the server turned the connection away (NO:{text[4:]})"
    if len(text) > SERVER_TEXT_CHARS:
        text = text[: SERVER_TEXT_CHARS - 3].rstrip() + "..."
    return text


def secret_forms(secret: str, username: str = "") -> set[str]:
    """Every way a server or a library may write `secret` back: raw, IMAP-quoted, escaped
    as Python or JSON would, and base64 alone or inside an AUTHENTICATE PLAIN or XOAUTH2
    string."""
    quoted = secret.replace("\\", "\\\\").replace('"', '\\"')
    forms = {secret, quoted}
    for text in (secret, quoted):
        # Python's reprs, with either quote escaped (a repr picks its quote by the whole line).
        for escaped in (
            codecs.escape_encode(text.encode("utf-8"))[0].decode("ascii"),  # type: ignore[attr-defined]
            text.encode("unicode_escape").decode("ascii").replace("'", "\\'"),
            repr(text)[1:-1],
        ):
            plain = escaped.replace("\\'", "'")
            forms.update((escaped, plain, plain.replace('"', '\\"')))
        forms.add(json.dumps(text)[1:-1])
        forms.add(json.dumps(text, ensure_ascii=False)[1:-1])
    blobs = [secret, f"\0{username}\0{secret}", f"user={username}\1auth=Bearer {secret}\1\1"]
    for blob in blobs:
        encoded = base64.b64encode(blob.encode("utf-8")).decode("ascii")
        forms.update((encoded, encoded.rstrip("=")))
    forms.update([" ".join(form.split()) for form in forms])
    return {form for form in forms if form.strip()}


# What OpenSSL says when the peer's first bytes are no TLS record ("* OK ..." of plain IMAP).
_PLAINTEXT_REPLIES = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"}
)


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
        if err.reason in _PLAINTEXT_REPLIES and mailbox.security == "tls":
            return (
                f"TLS failed with {where}: the server answered in plain text, so this is no "
                'IMAPS port; try security = "starttls" (usually on port 143)',
                True,
            )
        return f"TLS failed with {where}: {err.reason or err}", True
    if isinstance(err, TimeoutError):
        hint = ""
        if action == "cannot connect" and mailbox.security != "tls":
            # A TLS port waits for our TLS hello while we wait for its greeting.
            hint = '; if this is an IMAPS port (usually 993), use security = "tls"'
        return (
            f"{action}: no answer from {where} within {mailbox.timeout_seconds:g} s{hint}",
            True,
        )
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


def _refusal(err: BaseException) -> bool:
    """True when the server answered NO or BAD (the session itself is still fine)."""
    return isinstance(err, IMAPClientError) and not isinstance(
        err, IMAPClientAbortError | LoginError
    )


class _Guard:
    """Turns whatever imapclient, socket or ssl raise into one-line MailboxErrors."""

    def __init__(self, mailbox: MailboxSettings, secrets: Sequence[str]) -> None:
        self.mailbox = mailbox
        self.secrets = tuple(s for s in secrets if s)
        forms: set[str] = set()
        for secret in self.secrets:
            forms |= secret_forms(secret, mailbox.username)
        # Longest first, so a quoted form is masked whole before the raw one inside it.
        self.forms = sorted(forms, key=len, reverse=True)
        self.violation: Callable[[], str | None] = lambda: None

    def mask(self, text: str) -> str:
        """`text` with every form of every secret replaced by ***."""
        for form in self.forms:
            text = text.replace(form, "***")
        return text

    def error(
        self,
        message: str,
        *,
        auth: bool = False,
        lost: bool = False,
        refused: bool = False,
        server_text: str = "",
    ) -> MailboxError:
        # Masked before the whitespace is folded, then again after (a secret with spaces).
        message = self.mask(_one_line(self.mask(message)))
        kind = AuthenticationError if auth else MailboxError
        server_text = self.mask(_one_line(self.mask(server_text)))
        return kind(self.mailbox.name, message, lost=lost, refused=refused, server_text=server_text)

    @contextlib.contextmanager
    def __call__(self, action: str, on_lost: Callable[[], None] | None = None) -> Iterator[None]:
        try:
            yield
        except MailboxError:
            raise
        except LoginError as err:
            violation = self.violation()
            if violation is not None:  # a BYE during login is no refusal
                if on_lost is not None:
                    on_lost()
                raise self.error(f"{action}: {violation}", lost=True) from None
            # `from None`: the library's exception may quote what the server echoed.
            raise self.error(f"{action} refused: {_server_text(err)}", auth=True) from None
        except Exception as err:
            violation = self.violation()
            if violation is not None:
                translated: tuple[str, bool] | None = (f"{action}: {violation}", True)
            else:
                translated = _translate(err, self.mailbox, action)
            if translated is None:
                raise
            message, lost = translated
            if lost and on_lost is not None:
                on_lost()
            refused = _refusal(err)
            said = _server_text(err) if refused else ""
            raise self.error(message, lost=lost, refused=refused, server_text=said) from None


class MailboxConnection:
    """A logged-in, read-only IMAP session for one configured mailbox.

    Build it with `connect()`. Methods other than `examine` act on the folder examined last.
    After a "connection lost" error the connection is closed: connect again.
    """

    def __init__(
        self,
        client: BoundedIMAPClient,
        mailbox: MailboxSettings,
        capabilities: frozenset[str],
        *,
        secrets: Sequence[str] = (),
    ) -> None:
        self._client: BoundedIMAPClient | None = client
        self.mailbox = mailbox
        self.capabilities = capabilities
        self.folder: str | None = None
        self.state: FolderState | None = None
        self._guard = _Guard(mailbox, secrets)
        self._guard.violation = self._violation
        self._search_fallback_logged = False
        # The header fetch that works on this server, found on first use.
        self._header_item: str | None = None

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

    def _live(self, action: str) -> BoundedIMAPClient:
        if self._client is None:
            raise self._guard.error(f"{action}: the connection is closed")
        return self._client

    @contextlib.contextmanager
    def _call(self, action: str) -> Iterator[BoundedIMAPClient]:
        client = self._live(action)
        with self._guard(action, on_lost=self._drop):
            yield client

    def _violation(self) -> str | None:
        client = self._client
        return client.violation() if isinstance(client, BoundedIMAPClient) else None

    def _drop(self) -> None:
        """Forget a dead connection without talking to it."""
        client, self._client = self._client, None
        self.folder = None
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()

    def _selected(self) -> str:
        if self._client is None:
            raise self._guard.error("the connection is closed", lost=True)
        if self.folder is None:
            raise RuntimeError("examine() a folder first")
        return self.folder

    # -------------------------------------------------------------------- commands

    def examine(self, folder: str) -> FolderState:
        """Open `folder` read-only (EXAMINE) and return its UIDVALIDITY, UIDNEXT and size."""
        self.folder = None
        try:
            with self._call(f"cannot open folder '{folder}'") as client:
                info = client.select_folder(folder, readonly=True)
        except MailboxError as err:
            if not err.refused:
                raise
            raise self._guard.error(err.reason + self._folder_hint(folder), refused=True) from None
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

    def _folder_hint(self, folder: str) -> str:
        """ "; folders here: ..." naming what exists (the nearest first), or "" if unknown."""
        try:
            names = self.list_folders()
        except MailboxError:
            return ""
        if not names or folder in names:
            return ""
        by_lower = {name.lower(): name for name in names}
        near = [by_lower[n] for n in difflib.get_close_matches(folder.lower(), list(by_lower), n=3)]
        rest = sorted(n for n in names if n not in near)
        shown = [*near, *rest][:FOLDERS_SHOWN]
        more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
        lead = f"did you mean '{near[0]}'? " if near else ""
        return f" ({lead}folders here: {', '.join(shown)}{more})"

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
            if not err.refused:
                raise
            if not self._search_fallback_logged:
                logger.warning(
                    "Mailbox %s: folder %s: the server refused the sender search (%s); "
                    "checking the headers of every new message instead",
                    self.name,
                    folder,
                    err.server_text or err.reason,
                )
                self._search_fallback_logged = True
            found = self.list_uids(after_uid=after_uid, since=since)
        # "UID n:*" always matches the newest message, even when its UID is below n.
        return sorted({int(uid) for uid in found if int(uid) > after_uid})

    def search_message_id(self, message_id: str) -> list[int]:
        """UIDs of the messages with this Message-ID in the selected folder (server-side search)."""
        folder = self._selected()
        with self._call(f"search in '{folder}' failed") as client:
            found: Iterable[int] = client.search(["HEADER", "Message-ID", message_id])
        return sorted(int(uid) for uid in found)

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
            if not err.refused:
                raise
            # UID FETCH n:* (UID): every server answers it; imapclient's fetch() cannot take
            # a `n:*` range, hence fetch_responses.
            with self._call(f"listing messages in '{folder}' failed") as client:
                responses = client.fetch_responses(uid_range, ["UID"])
            found = [r[b"UID"] for r in responses if isinstance(r.get(b"UID"), int)]
        return sorted({int(uid) for uid in found if int(uid) > after_uid})

    def fetch_headers(self, uids: Iterable[int], *, alone: bool = False) -> dict[int, bytes]:
        """The raw header block (its first HEADER_BYTES) of each message, by UID.

        BODY.PEEK: nothing gets marked read. A server that rejects the partial fetch is asked
        for the whole header (still PEEK), then for RFC822.HEADER. UIDs missing from the
        answer (expunged, or a server that left the item out) are missing from the result.
        `alone`: one message of known great size, whose header may come whole (up to
        HEADER_ALONE_LIMIT) from a server that ignores the partial fetch.
        """
        items = (
            [self._header_item]
            if self._header_item
            else [f"BODY.PEEK[HEADER]<0.{HEADER_BYTES}>", "BODY.PEEK[HEADER]", "RFC822.HEADER"]
        )
        for index, item in enumerate(items):
            try:
                found = self._fetch(
                    uids,
                    item,
                    HEADER_BATCH,
                    bytes,
                    literal_limit=HEADER_ALONE_LIMIT if alone else HEADER_LITERAL_LIMIT,
                    total_limit=HEADER_ALONE_LIMIT if alone else HEADER_COMMAND_LIMIT,
                )
            except MailboxError as err:
                if not err.refused or index == len(items) - 1:
                    raise
                logger.info(
                    "Mailbox %s: the server refused %s; trying %s",
                    self.name,
                    item,
                    items[index + 1],
                )
                continue
            self._header_item = item
            return {uid: value[:HEADER_BYTES] for uid, value in found.items()}
        return {}

    def fetch_sizes(self, uids: Iterable[int]) -> dict[int, int]:
        """The size in bytes (RFC822.SIZE) of each message, by UID, without fetching it."""
        return self._fetch(uids, "RFC822.SIZE", SIZE_BATCH, int)

    def fetch_internaldates(self, uids: Iterable[int]) -> dict[int, datetime]:
        """When the server received each message (INTERNALDATE), in UTC, by UID."""
        dates = self._fetch(uids, "INTERNALDATE", HEADER_BATCH, datetime)
        # imapclient gives local time without a zone (its normalise_times default).
        return {
            uid: (d if d.tzinfo else d.astimezone()).astimezone(UTC) for uid, d in dates.items()
        }

    def fetch_messages(self, uids: Iterable[int]) -> dict[int, bytes]:
        """The full raw message of each UID (BODY.PEEK[]: \\Seen is never set)."""
        return self._fetch(
            uids,
            "BODY.PEEK[]",
            MESSAGE_BATCH,
            bytes,
            literal_limit=MESSAGE_LITERAL_LIMIT,
            total_limit=MESSAGE_COMMAND_LIMIT,
        )

    def _fetch(
        self,
        uids: Iterable[int],
        item: str,
        batch: int,
        kind: type[T],
        *,
        literal_limit: int | None = None,
        total_limit: int | None = None,
    ) -> dict[int, T]:
        folder = self._selected()
        wanted = sorted(set(uids))
        result: dict[int, T] = {}
        for start in range(0, len(wanted), batch):
            chunk = wanted[start : start + batch]
            asked = set(chunk)
            with self._call(f"fetching from '{folder}' failed") as client:
                responses = client.fetch_responses(
                    _uid_set(chunk),
                    ["UID", item],
                    literal_limit=literal_limit,
                    total_limit=total_limit,
                )
            for fields in responses:
                uid = fields.get(b"UID")
                value = _item_value(fields, item)
                # An answer without its UID cannot be told apart from another message's, and
                # unsolicited FETCH responses (another client's flag change) carry no body:
                # both are left out, and the caller retries what is missing.
                if isinstance(uid, int) and uid in asked and isinstance(value, kind):
                    result[uid] = value
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


def _uid_set(uids: Sequence[int]) -> str:
    """`1:3,7` for [1, 2, 3, 7]: short commands for long runs of UIDs."""
    ranges: list[str] = []
    start = prev = uids[0]
    for uid in uids[1:]:
        if uid != prev + 1:
            ranges.append(f"{start}:{prev}" if prev != start else str(start))
            start = uid
        prev = uid
    ranges.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(ranges)


def _item_value(fields: Mapping[bytes, Any], item: str) -> Any:
    """The value answering `item` (BODY.PEEK[HEADER]<0.n> comes back as BODY[HEADER]<0>)."""
    name = item.replace(".PEEK", "").split("<", 1)[0].encode()
    for key, value in fields.items():
        if isinstance(key, bytes) and key.split(b"<", 1)[0].upper() == name:
            return value
    return None


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


def _preauthenticated(client: IMAPClient) -> bool:
    """True when the greeting was PREAUTH: imaplib then starts in the AUTH state."""
    return getattr(getattr(client, "_imap", None), "state", "NONAUTH") == "AUTH"


def _login(client: BoundedIMAPClient, username: str, password: str) -> None:
    """LOGIN, with UTF-8 credentials when they are not ASCII.

    imaplib encodes LOGIN's arguments as ASCII. Non-ASCII credentials go through
    AUTHENTICATE PLAIN (UTF-8 by RFC 4616) where offered, else as LOGIN literals, which
    servers read as UTF-8.
    """
    if username.isascii() and password.isascii():
        client.login(username, password)
        return
    if "AUTH=PLAIN" in _normalise_capabilities(client.capabilities()):
        try:
            client.plain_login(username, password)
        except IMAPClientError as err:
            raise LoginError(str(err)) from None
        return
    try:
        client._raw_command_untagged(
            b"LOGIN", [_astring(username), _astring(password)], uid=False, response_name="LOGIN"
        )
    except IMAPClientError as err:
        raise LoginError(str(err)) from None
    client._imap.state = "AUTH"  # what imaplib's own login() would have set


def _astring(text: str) -> bytes:
    """A quoted string, or raw UTF-8 that imapclient sends as a literal."""
    if not text.isascii():
        return text.encode("utf-8")
    return b'"' + text.replace("\\", "\\\\").replace('"', '\\"').encode("ascii") + b'"'


def connect(
    mailbox: MailboxSettings,
    *,
    factory: Factory = BoundedIMAPClient,
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
    hide_in_wire_log(guard.forms)

    with guard("cannot connect"):
        client = factory(
            mailbox.host,
            port=mailbox.port,
            ssl=mailbox.security == "tls",
            ssl_context=context,
            timeout=mailbox.timeout_seconds,
        )
    # A test double may not be a BoundedIMAPClient.
    guard.violation = getattr(client, "violation", lambda: None)
    try:
        _set_nodelay(client)
        preauth = _preauthenticated(client)
        if mailbox.security == "starttls":
            if preauth:
                # STARTTLS is only allowed before login: a PREAUTH greeting on a STARTTLS port
                # is how a man in the middle keeps the session in clear text.
                raise guard.error(
                    "the server greeted with PREAUTH (already logged in), so STARTTLS cannot "
                    'secure the session; use security = "tls" on its IMAPS port'
                )
            with guard("STARTTLS failed"):
                if "STARTTLS" not in _normalise_capabilities(client.capabilities()):
                    raise guard.error(
                        'the server does not offer STARTTLS; use security = "tls" on its IMAPS port'
                    )
                client.starttls(context)
        if preauth:
            logger.info(
                "Mailbox %s: the server greeted with PREAUTH (logged in without credentials)",
                mailbox.name,
            )
        elif token is not None:
            try:
                with guard("XOAUTH2 login"):
                    client.oauth2_login(mailbox.username, token)
            except AuthenticationError:
                # Tokens expire; the command may hand out a fresh one when asked again.
                logger.info("Mailbox %s: OAuth2 token refused, asking for a new one", mailbox.name)
                token = resolve_oauth2_token(mailbox, refresh=True)
                guard = _Guard(mailbox, [*guard.secrets, token])
                hide_in_wire_log(guard.forms)
                guard.violation = getattr(client, "violation", lambda: None)
                with guard("XOAUTH2 login"):
                    client.oauth2_login(mailbox.username, token)
        else:
            assert password is not None
            with guard("login"):
                _login(client, mailbox.username, password)
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
