"""Bounded reading of IMAP responses, under imapclient, in imaplib's own read methods.

Python 3.11's imaplib reads a literal with one `file.read(size)` of whatever size the server
declares (CPython gh-119511) and a line with `file.readline()`, both only bounded by the
socket timeout between two packets. A server that declares a huge literal makes it allocate
that much; one that trickles a byte at a time keeps it reading for hours. Here every literal
is checked against a cap before a byte of it is read, read in chunks, and each response (one
line with its literals) must arrive within a deadline. A breach aborts the connection with a
one-line reason kept in `violation`, which the caller turns into its error message.

The only other thing here is a UID FETCH that returns each response as the server sent it
(imapclient keys responses without a UID item by their sequence number, and its `fetch`
cannot take a `n:*` range).
"""

from __future__ import annotations

import imaplib
import io
import time
from dataclasses import dataclass
from typing import Any, cast

from imapclient import IMAPClient
from imapclient.imap4 import IMAP4WithTimeout
from imapclient.response_parser import parse_fetch_response
from imapclient.tls import IMAP4_TLS

# A chunk of a literal read at a time: small enough to check the deadline often.
CHUNK = 64 * 1024
# The longest line (without its literals) a response may have; imaplib's own cap.
MAX_LINE = 1_000_000
# Literals bigger than this abort the connection unless a command raises the cap for itself.
DEFAULT_LITERAL_LIMIT = 1024 * 1024
# Slowest transfer rate accepted for a literal, on top of the per-response base deadline:
# a 5 MiB message may take 80 s more than a short answer, a trickling one gets no more.
MIN_BYTES_PER_SECOND = 64 * 1024
# The base deadline of one response, in multiples of the socket timeout.
RESPONSE_TIMEOUTS = 4.0


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one response may weigh and how long it may take."""

    literal_bytes: int = DEFAULT_LITERAL_LIMIT
    response_seconds: float | None = None  # None: RESPONSE_TIMEOUTS x the socket timeout


def _size_words(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


class _BoundedReads(imaplib.IMAP4):
    """imaplib's read, readline and _get_response, with a cap and a deadline."""

    literal_limit: int = DEFAULT_LITERAL_LIMIT
    # Literal bytes one command's answers may carry together (None: no limit beyond each one's).
    command_limit: int | None = None
    command_bytes: int = 0
    response_seconds: float | None = None
    violation: str | None = None
    _deadline: float | None = None

    def _base_seconds(self) -> float:
        if self.response_seconds is not None:
            return self.response_seconds
        timeout = self.sock.gettimeout() if getattr(self, "sock", None) else None
        return RESPONSE_TIMEOUTS * (timeout or 30.0)

    def _breach(self, reason: str) -> imaplib.IMAP4.abort:
        self.violation = reason
        return self.abort(reason)

    _budget: float = 0.0  # seconds the current response may take, for the message

    def _get_response(self) -> Any:
        # One response: its line and the literals inside it share one deadline.
        outermost = self._deadline is None
        if outermost:
            self._budget = self._base_seconds()
            self._deadline = time.monotonic() + self._budget
        try:
            return super()._get_response()  # type: ignore[misc]  # private, not in the stubs
        finally:
            if outermost:
                self._deadline = None

    def _buffered(self) -> io.BufferedReader:
        # imaplib's `file` is the socket's makefile("rb"): a BufferedReader.
        return cast(io.BufferedReader, self.file)

    def _too_slow(self) -> str:
        return f"the server took more than {self._budget:.0f} s to send one response"

    def _await(self) -> float | None:
        """Set the socket timeout to what is left of the deadline; return the old timeout."""
        if self._deadline is None:
            return None
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise self._breach(self._too_slow())
        old = self.sock.gettimeout()
        self.sock.settimeout(remaining if old is None else min(old, remaining))
        return old

    def _restore(self, old: float | None) -> None:
        if self._deadline is not None:
            self.sock.settimeout(old)

    def read(self, size: int) -> bytes:
        if size > self.literal_limit:
            raise self._breach(
                f"the server announced {_size_words(size)} in one answer "
                f"(the limit is {_size_words(self.literal_limit)})"
            )
        self.command_bytes += size
        if self.command_limit is not None and self.command_bytes > self.command_limit:
            raise self._breach(
                f"the server sent more than {_size_words(self.command_limit)} "
                "in answer to one command"
            )
        if self._deadline is not None:
            self._deadline += size / MIN_BYTES_PER_SECOND
            self._budget += size / MIN_BYTES_PER_SECOND
        parts: list[bytes] = []
        left = size
        while left > 0:
            old = self._await()
            try:
                chunk = self._buffered().read1(min(CHUNK, left))
            except TimeoutError:
                if self._deadline is not None and time.monotonic() >= self._deadline:
                    raise self._breach(self._too_slow()) from None
                raise
            finally:
                self._restore(old)
            if not chunk:
                break  # EOF: imaplib notices on the next line
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    def readline(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            old = self._await()
            try:
                buffered = self._buffered().peek(1)
            except TimeoutError:
                if self._deadline is not None and time.monotonic() >= self._deadline:
                    raise self._breach(self._too_slow()) from None
                raise
            finally:
                self._restore(old)
            if not buffered:
                break
            end = buffered.find(b"\n")
            chunk = self._buffered().read(len(buffered) if end < 0 else end + 1)
            parts.append(chunk)
            total += len(chunk)
            if total > MAX_LINE:
                raise self._breach(f"the server sent a line longer than {_size_words(MAX_LINE)}")
            if end >= 0:
                break
        return b"".join(parts)


class BoundedIMAP4(_BoundedReads, IMAP4WithTimeout):
    """Plain-text (and STARTTLS) IMAP with bounded reads."""


class BoundedIMAP4TLS(_BoundedReads, IMAP4_TLS):
    """Implicit-TLS IMAP with bounded reads."""


class BoundedIMAPClient(IMAPClient):
    """IMAPClient whose responses are bounded (see the module's docstring)."""

    def __init__(self, *args: Any, limits: Limits | None = None, **kwargs: Any) -> None:
        self._limits = limits or Limits()
        super().__init__(*args, **kwargs)

    def _create_IMAP4(self) -> imaplib.IMAP4:
        connect_timeout = getattr(self._timeout, "connect", None)
        imap: _BoundedReads
        # Class attributes first: the greeting is read inside the constructor.
        cls: type[_BoundedReads] = BoundedIMAP4TLS if self.ssl else BoundedIMAP4
        bound = type(
            cls.__name__,
            (cls,),
            {
                "literal_limit": self._limits.literal_bytes,
                "response_seconds": self._limits.response_seconds,
            },
        )
        if self.ssl:
            imap = bound(self.host, self.port, self.ssl_context, connect_timeout)
        else:
            imap = bound(self.host, self.port, connect_timeout)
        return imap

    @property
    def wire(self) -> _BoundedReads:
        imap = self._imap
        assert isinstance(imap, _BoundedReads)
        return imap

    def fetch_responses(
        self,
        uid_set: str,
        items: list[str],
        *,
        literal_limit: int | None = None,
        total_limit: int | None = None,
    ) -> list[dict[bytes, Any]]:
        """`UID FETCH uid_set (items)`: every FETCH response as sent, with its b"UID" if any.

        `literal_limit` raises (or lowers) the cap on each literal for this command only;
        `total_limit` caps the literals of all its answers together.
        """
        wire = self.wire
        previous = wire.literal_limit
        if literal_limit is not None:
            wire.literal_limit = literal_limit
        wire.command_limit, wire.command_bytes = total_limit, 0
        try:
            tag = wire._command("UID", "FETCH", uid_set, "(" + " ".join(items) + ")")
            typ, data = wire._command_complete("FETCH", tag)
            self._checkok("fetch", typ, data)
            typ, data = wire._untagged_response(typ, data, "FETCH")
        finally:
            wire.literal_limit = previous
            wire.command_limit = None
        parsed = parse_fetch_response(data, self.normalise_times, uid_is_key=False)
        return list(parsed.values())

    def violation(self) -> str | None:
        """Why the session broke, when we know better than the library's words: a bound was
        breached, or the server said BYE."""
        wire = self.wire
        if wire.violation is not None:
            return wire.violation
        bye = wire.untagged_responses.get("BYE")
        if bye:
            last = bye[-1]
            text = last.decode("utf-8", "replace") if isinstance(last, bytes) else str(last)
            return f"the server ended the session (BYE: {' '.join(text.split())[:160]})"
        return None
