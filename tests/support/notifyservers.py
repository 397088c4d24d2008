"""Real notification endpoints on loopback: an HTTP server taking apprise's json:// posts and
an SMTP server (aiosmtpd) taking mailto:// mail. Both can be told to refuse, like a target
that is down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support.imapserver import free_port


class HttpSink:
    """Collects JSON posts; `down = True` answers 503 (and keeps them out of `accepted`)."""

    def __init__(self) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.refused = 0
        self.down = False
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink._lock:
                    if sink.down:
                        sink.refused += 1
                        self.send_response(503)
                        self.end_headers()
                        return
                    sink.accepted.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "hook", credentials: str = "") -> str:
        """Return the apprise json:// URL that posts here."""
        at = f"{credentials}@" if credentials else ""
        return f"json://{at}127.0.0.1:{self.port}/{path}"

    def messages(self) -> list[str]:
        with self._lock:
            return [post["message"] for post in self.accepted]

    def __enter__(self) -> HttpSink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """An aiosmtpd server on loopback keeping every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[Message] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
                sink.received.append(message_from_bytes(envelope.content))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def url(self, to: str = "me@example.org") -> str:
        """Return the apprise mailto:// URL that sends here in plain SMTP (loopback test only)."""
        return (
            f"mailto://127.0.0.1:{self.port}?smtp=127.0.0.1&mode=insecure"
            f"&from=tracker@example.org&to={to}"
        )

    def bodies(self) -> list[str]:
        out = []
        for message in self.received:
            part = message.get_payload(decode=True) if not message.is_multipart() else None
            if part is None:
                part = next(
                    p.get_payload(decode=True)
                    for p in message.walk()
                    if p.get_content_type() == "text/plain"
                )
            out.append(part.decode())
        return out

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def http() -> Iterator[HttpSink]:
    """A loopback HTTP server taking apprise's json:// posts, for the test's length."""
    with HttpSink() as sink:
        yield sink


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A loopback SMTP server (aiosmtpd) taking apprise's mailto://, for the test's length."""
    with SmtpSink() as sink:
        yield sink
