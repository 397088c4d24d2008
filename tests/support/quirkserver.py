"""A scriptable IMAP server that misbehaves one way at a time, on loopback, for tests.

Standard-library asyncio in a background thread; enough of IMAP4rev1 for tracker (LOGIN,
AUTHENTICATE PLAIN/XOAUTH2, CAPABILITY, LIST, EXAMINE, UID SEARCH, UID FETCH, IDLE, NOOP,
LOGOUT) and one `Quirks` value saying what to get wrong. The real-server tier is Dovecot
(tests/support/imapserver.py); this one says what real servers do that Dovecot never does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.config import MailboxSettings

USER = "anna@example.org"
PASSWORD = "s3cret"

Stage = str  # "greeting", "login", "examine", "search", "fetch", "idle"


@dataclass
class Quirks:
    """What the server gets wrong; the defaults make a well-behaved server."""

    greeting: bytes = b"* OK quirky IMAP ready"
    capabilities: str = "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 IDLE"
    password: str = PASSWORD
    refuse_search: bool = False
    refuse_uid_listing: bool = False  # FETCH n:* (UID) refused too
    # uid -> FETCH items left out of its answers ("UID", "BODY[]", "BODY[HEADER]", ...)
    omit: dict[int, set[str]] = field(default_factory=dict)
    omit_times: int = -1  # how many FETCH answers leave them out; -1: every one
    # uid -> how its full body literal misbehaves: "huge" (declares 10^12 bytes), "stall",
    # "trickle", "big" (really sends big_bytes; "big-lying" with a small RFC822.SIZE)
    literal: dict[int, str] = field(default_factory=dict)
    trickle_seconds: float = 0.3
    big_bytes: int = 200 * 1024 * 1024  # what "big" really sends, in chunks
    echo_secrets: bool = False
    bye_at: Stage | None = None
    phantom_uids: tuple[int, ...] = ()  # UIDs a SEARCH answer names that do not exist
    uidnext_delta: int = 0
    partial: str = "honour"  # or "ignore" (answer BODY[HEADER]) or "reject"
    header_literal: str | None = None  # "huge": a declared 10^12-byte header literal
    uidvalidity: int = 7


class QuirkyServer:
    """Serve `messages` (UID -> raw bytes) in INBOX, misbehaving as `quirks` say."""

    def __init__(self, messages: dict[int, bytes], quirks: Quirks | None = None) -> None:
        self.messages = dict(sorted(messages.items()))
        self._seqs = {uid: seq for seq, uid in enumerate(self.messages, start=1)}
        self.quirks = quirks or Quirks()
        self.received: list[bytes] = []  # every command line, for assertions
        self.fetches = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> QuirkyServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        tasks = list(self._tasks)
        for task in tasks:  # sessions asleep in a stalled literal
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    # ------------------------------------------------------------------- session

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._session(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _bye(self, writer: asyncio.StreamWriter, stage: Stage) -> bool:
        if self.quirks.bye_at != stage:
            return False
        writer.write(b"* BYE shutting down now\r\n")
        await writer.drain()
        return True

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        q = self.quirks
        if await self._bye(writer, "greeting"):
            return
        writer.write(q.greeting + b"\r\n")
        await writer.drain()
        while True:
            line = await self._read_command(reader, writer)
            if not line:
                return
            self.received.append(line)
            tag, _, rest = line.partition(b" ")
            command, _, args = rest.partition(b" ")
            command = command.upper()
            if command == b"UID":
                command, _, args = args.partition(b" ")
                command = b"UID " + command.upper()
            out = writer.write
            if command == b"CAPABILITY":
                out(b"* CAPABILITY " + q.capabilities.encode() + b"\r\n")
                out(tag + b" OK done\r\n")
            elif command == b"LOGIN":
                if await self._bye(writer, "login"):
                    return
                user, password = _login_args(args)
                if user == USER.encode() and password == q.password.encode():
                    out(tag + b" OK logged in\r\n")
                elif q.echo_secrets:
                    out(tag + b" NO [AUTHENTICATIONFAILED] Invalid credentials: " + args + b"\r\n")
                else:
                    out(tag + b" NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
            elif command == b"AUTHENTICATE":
                if await self._bye(writer, "login"):
                    return
                out(b"+ \r\n")
                await writer.drain()
                answer = (await reader.readline()).strip()
                self.received.append(answer)
                decoded = base64.b64decode(answer + b"==")
                plain = b"\0" + USER.encode() + b"\0" + q.password.encode()
                if decoded.endswith(plain):
                    out(tag + b" OK logged in\r\n")
                elif q.echo_secrets:
                    out(tag + b" NO rejected " + answer + b" (" + decoded + b")\r\n")
                else:
                    out(tag + b" NO rejected\r\n")
            elif command in (b"EXAMINE", b"SELECT"):
                if await self._bye(writer, "examine"):
                    return
                if _unquote(args) != b"INBOX":
                    out(tag + b" NO [NONEXISTENT] Mailbox doesn't exist\r\n")
                else:
                    uidnext = max(self.messages, default=0) + 1 + q.uidnext_delta
                    out(b"* %d EXISTS\r\n" % len(self.messages))
                    out(b"* OK [UIDVALIDITY %d] ok\r\n" % q.uidvalidity)
                    out(b"* OK [UIDNEXT %d] ok\r\n" % uidnext)
                    out(tag + b" OK [READ-ONLY] examined\r\n")
            elif command == b"LIST":
                out(b'* LIST () "/" INBOX\r\n* LIST () "/" Archive\r\n')
                out(tag + b" OK listed\r\n")
            elif command == b"UID SEARCH":
                if await self._bye(writer, "search"):
                    return
                if q.refuse_search:
                    out(tag + b" BAD [CLIENTBUG] SEARCH not supported here\r\n")
                else:
                    found = [*self._search(args), *q.phantom_uids]
                    out(b"* SEARCH " + b" ".join(b"%d" % u for u in found) + b"\r\n")
                    out(tag + b" OK searched\r\n")
            elif command == b"UID FETCH":
                if await self._bye(writer, "fetch"):
                    return
                if not await self._fetch(tag, args, writer):
                    return
            elif command == b"IDLE":
                out(b"+ idling\r\n")
                await writer.drain()
                if await self._bye(writer, "idle"):
                    return
                done = await reader.readline()
                if not done:
                    return
                out(tag + b" OK idle done\r\n")
            elif command == b"NOOP":
                out(tag + b" OK noop\r\n")
            elif command == b"LOGOUT":
                out(b"* BYE bye\r\n" + tag + b" OK logged out\r\n")
                await writer.drain()
                return
            else:
                out(tag + b" BAD unknown command\r\n")
            await writer.drain()

    async def _read_command(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bytes:
        """One command line with its literals inlined as quoted-free raw bytes."""
        line = await reader.readline()
        parts = []
        while True:
            match = re.search(rb"\{(\d+)(\+?)\}\r\n$", line)
            if not match:
                parts.append(line.rstrip(b"\r\n"))
                break
            parts.append(line[: match.start()])
            if not match.group(2):
                writer.write(b"+ go ahead\r\n")
                await writer.drain()
            literal = await reader.readexactly(int(match.group(1)))
            parts.append(b'"' + literal.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"')
            line = await reader.readline()
        return b"".join(parts)

    def _uids(self, spec: bytes) -> list[int]:
        top = max(self.messages, default=0)
        uids: set[int] = set()
        for piece in spec.split(b","):
            low, _, high = piece.partition(b":")
            a = top if low == b"*" else int(low)
            b = a if not high else (top if high == b"*" else int(high))
            a, b = min(a, b), max(a, b)
            if b - a < len(self.messages):
                uids.update(u for u in range(a, b + 1) if u in self.messages)
            else:
                uids.update(u for u in self.messages if a <= u <= b)
        return sorted(uids)

    def _search(self, args: bytes) -> list[int]:
        words = args.split()
        uids = list(self.messages)
        if len(words) >= 2 and words[0].upper() == b"UID":
            uids = self._uids(words[1])
        terms = [_unquote(words[i + 1]).lower() for i, w in enumerate(words[:-1]) if w == b"FROM"]
        if not terms:
            return uids
        found = []
        for uid in uids:
            head = self.messages[uid].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
            sender = b"".join(re.findall(rb"(?im)^from:(.*)$", head)).lower()
            if any(term in sender for term in terms):
                found.append(uid)
        return found

    async def _fetch(self, tag: bytes, args: bytes, writer: asyncio.StreamWriter) -> bool:
        q = self.quirks
        spec, _, items = args.partition(b" ")
        items = items.upper()
        listing = items.strip(b"()") == b"UID"
        if listing and q.refuse_uid_listing:
            writer.write(tag + b" NO listing refused\r\n")
            return True
        partial = b"BODY.PEEK[HEADER]<" in items
        if partial and q.partial == "reject":
            writer.write(tag + b" BAD partial fetch not supported\r\n")
            return True
        if not listing:
            self.fetches += 1
        omitting = q.omit_times != 0
        if not listing and q.omit_times > 0:
            q.omit_times -= 1
        for uid in self._uids(spec):
            seq = self._seqs[uid]
            raw = self.messages[uid]
            omit = q.omit.get(uid, set()) if omitting and not listing else set()
            pieces: list[bytes] = []
            if b"UID" in items and "UID" not in omit:
                pieces.append(b"UID %d" % uid)
            if b"RFC822.SIZE" in items and "RFC822.SIZE" not in omit:
                size = q.big_bytes if q.literal.get(uid) == "big" else len(raw)
                pieces.append(b"RFC822.SIZE %d" % size)
            trailer: list[tuple[bytes, bytes]] = []
            if b"BODY.PEEK[HEADER]" in items and "BODY[HEADER]" not in omit:
                head = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                name = b"BODY[HEADER]"
                if partial and q.partial == "honour":
                    match = re.search(rb"<0\.(\d+)>", items)
                    assert match is not None
                    head = head[: int(match.group(1))]
                    name += b"<0>"
                trailer.append((name, head))
            if b"BODY.PEEK[]" in items and "BODY[]" not in omit:
                trailer.append((b"BODY[]", raw))
            writer.write(b"* %d FETCH (" % seq + b" ".join(pieces))
            for name, data in trailer:
                how = q.literal.get(uid) if name == b"BODY[]" else None
                if name.startswith(b"BODY[HEADER]") and q.header_literal == "huge":
                    how = "huge"
                if not await self._literal(writer, b" " if pieces else b"", name, data, how):
                    return False
                pieces.append(name)
            writer.write(b")\r\n")
        writer.write(tag + b" OK fetched\r\n")
        return True

    async def _literal(
        self, writer: asyncio.StreamWriter, sep: bytes, name: bytes, data: bytes, how: str | None
    ) -> bool:
        """Write `name {n}\\r\\n data`, or misbehave; False when the session should end."""
        q = self.quirks
        if how == "huge":
            writer.write(sep + name + b" {1000000000000}\r\n" + data[:100])
            await writer.drain()
            await asyncio.sleep(3600)
            return False
        if how == "stall":
            writer.write(sep + name + b" {%d}\r\n" % len(data) + data[:10])
            await writer.drain()
            await asyncio.sleep(3600)
            return False
        if how == "trickle":
            writer.write(sep + name + b" {%d}\r\n" % len(data))
            for byte in data:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(q.trickle_seconds)
            return True
        if how in ("big", "big-lying"):
            # A message with no blank line, really sent: bounded memory is the client's job.
            writer.write(sep + name + b" {%d}\r\n" % q.big_bytes)
            chunk = b"X" * 65536
            for _ in range(q.big_bytes // len(chunk)):
                writer.write(chunk)
                await writer.drain()
            return True
        writer.write(sep + name + b" {%d}\r\n" % len(data) + data)
        return True


def _unquote(word: bytes) -> bytes:
    if word.startswith(b'"') and word.endswith(b'"'):
        return re.sub(rb"\\(.)", rb"\1", word[1:-1])
    return word


def _login_args(args: bytes) -> tuple[bytes, bytes]:
    words = re.findall(rb'"(?:[^"\\]|\\.)*"|\S+', args)
    if len(words) < 2:
        return b"", b""
    return _unquote(words[0]), _unquote(words[1])


@contextlib.contextmanager
def quirky_server(
    messages: dict[int, bytes], quirks: Quirks | None = None
) -> Iterator[QuirkyServer]:
    """Run a QuirkyServer for the block."""
    with QuirkyServer(messages, quirks) as server:
        yield server


def quirky_settings(
    server: QuirkyServer, tmp_path: Path, *, password: str = PASSWORD, **overrides: object
) -> MailboxSettings:
    """Mailbox settings that log in to `server` (plain text, password from a 0600 file)."""
    from tracker.config import MailboxSettings

    secret = tmp_path / "password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    values: dict[str, object] = {
        "name": "quirky",
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "username": USER,
        "password_file": secret,
        "timeout_seconds": 1.0,
    }
    values.update(overrides)
    return MailboxSettings(**values)  # type: ignore[arg-type]
