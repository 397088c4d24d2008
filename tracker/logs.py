"""Logging, configured once by the CLI; the library itself only ever logs, never configures."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable

logging.getLogger("tracker").addHandler(logging.NullHandler())

# imapclient's loggers. At DEBUG, "imapclient.imaplib" carries imaplib's wire log, which shows
# every fetched message in full (so codes and whole mails) and, in older imapclient versions
# or imaplib's own command log, LOGIN arguments.
WIRE_LOGGERS = (
    "imapclient",
    "imapclient.imapclient",
    "imapclient.imaplib",
    "imapclient.util",
    "imapclient.response_parser",
    "imaplib",
)
# An outgoing command line ("> b'ABCD1 LOGIN user pass'"), and SASL strings wherever they are.
_AUTH_COMMAND = re.compile(
    r"^\s*>.*?\b(?:LOGIN|AUTHENTICATE)(?![\w-])|auth=Bearer|\bBearer\b", re.IGNORECASE
)
# Where message data starts in a wire-log line: stored responses, FETCH items, literals.
_PAYLOAD = re.compile(r"untagged_responses\[|BODY\[|RFC822|\(literal\)|BINARY\[")
_KEEP_AFTER_MARKER = 40


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for journald and log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(payload, ensure_ascii=False)


class WireLogRedactor(logging.Filter):
    """Keeps passwords, tokens and message contents out of imapclient's wire log.

    Command lines with LOGIN or AUTHENTICATE lose their arguments; lines that carry message
    data (FETCH responses, stored untagged responses, literals) keep only their first words.
    Everything else (command names, UIDs, capabilities) stays, so the log still helps.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot even be formatted: drop its arguments
            message = str(record.msg)
        redacted = redact_wire_line(message)
        if redacted is not message:
            record.msg, record.args = redacted, ()
        return True


# Every form of the secrets in use (see tracker.imap.client.secret_forms), longest first: a
# server may echo them back in any response line, which the wire log shows.
_hidden: list[str] = []
_hidden_lock = threading.Lock()


def hide_in_wire_log(forms: Iterable[str]) -> None:
    """Mask these strings wherever they appear in the wire log, from now on."""
    with _hidden_lock:
        merged = set(_hidden) | {form for form in forms if len(form) >= 3}
        _hidden[:] = sorted(merged, key=len, reverse=True)


def redact_wire_line(line: str) -> str:
    """Return `line` without login arguments or message data (the same object if clean)."""
    for form in _hidden:
        if form in line:
            line = line.replace(form, "***")
    auth = _AUTH_COMMAND.search(line)
    if auth:
        return line[: auth.end()] + " **REDACTED**"
    payload = _PAYLOAD.search(line)
    if payload and len(line) > payload.end() + _KEEP_AFTER_MARKER:
        kept = line[: payload.end() + _KEEP_AFTER_MARKER]
        return f"{kept}... [{len(line) - len(kept)} characters of message data not logged]"
    return line


_REDACTOR = WireLogRedactor()


def install_wire_log_redaction() -> None:
    """Attach the redactor to imapclient's loggers (idempotent; done when this module loads)."""
    for name in WIRE_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)


install_wire_log_redaction()


def configure_logging(verbose: int = 0, *, json_format: bool = False) -> None:
    """Send tracker's logs to stderr; calling it again only changes level and format."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logger = logging.getLogger("tracker")
    logger.setLevel(level)
    handler = next((h for h in logger.handlers if getattr(h, "_tracker", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._tracker = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    handler.setFormatter(
        JsonFormatter() if json_format else logging.Formatter("tracker: %(levelname)s %(message)s")
    )
    logger.propagate = False
    install_wire_log_redaction()
