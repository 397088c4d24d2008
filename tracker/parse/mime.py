"""The one adapter over MIME parsing: raw bytes in, typed header and body values out.

Headers are read with the standard library's header-only parser, which is fast enough to triage
every message of a large mailbox. Bodies are decoded with mail-parser, and only for the few
messages that come from Meta. Nothing of mail-parser's loosely typed objects leaves this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime

from tracker.parse.html import html_to_text

# A Meta notification is a few hundred kilobytes at most; anything far larger is not one, and
# decoding it would only cost time and memory.
MAX_BODY_BYTES = 5 * 1024 * 1024

# One address, optionally after a plain display name: nothing the full parser would read otherwise.
_SIMPLE_ADDRESS = re.compile(
    r'\s*(?:"[^"\\]*"\s*|[^"<>,;:()@\\]*)?<([^<>@\s,;"()]+@[^<>@\s,;"()]+)>\s*|\s*([^<>@\s,;"()]+@[^<>@\s,;"()]+)\s*'
)
_HEADER_LINE = re.compile(rb"^(?:From |[!-9;-~]+[ \t]*:)")
_header_parser = BytesHeaderParser(policy=policy.compat32)


class MalformedMail(ValueError):
    """The bytes are not a readable email; str(err) says why in a few words."""


@dataclass(frozen=True, slots=True)
class Headers:
    """The header fields the classifier needs, decoded and normalised."""

    from_addresses: tuple[str, ...]
    to_addresses: tuple[str, ...]
    delivered_to: str | None
    subject: str
    sent_at: datetime | None
    date_problem: str | None
    message_id: str | None
    authentication_results: tuple[str, ...]

    @property
    def from_domain(self) -> str | None:
        """The domain of the single From address, or None when there is not exactly one."""
        if len(self.from_addresses) != 1:
            return None
        _, _, domain = self.from_addresses[0].rpartition("@")
        return domain or None


@dataclass(frozen=True, slots=True)
class Body:
    """The text parts of a message: every text/plain part, and every text/html part."""

    plain: str
    html_parts: tuple[str, ...]

    @property
    def text(self) -> str:
        """Plain text where the mail has it, else the visible text of its HTML.

        Meta sends multipart/alternative with identical wording in both parts, so the HTML is
        only rendered to text (the costly part) when there is no plain text.
        """
        if self.plain.strip():
            return self.plain
        return self.html_text()

    def html_text(self) -> str:
        """Return the visible text of every HTML part."""
        return "\n".join(html_to_text(part) for part in self.html_parts)


def check_looks_like_mail(raw: bytes) -> None:
    """Raise MalformedMail unless `raw` starts like an RFC 5322 message."""
    if not raw.strip():
        raise MalformedMail("empty message")
    head = raw[:4096]
    if b"\x00" in head:
        raise MalformedMail("binary data, not an email (NUL bytes in the header)")
    first_line = head.lstrip(b"\r\n").split(b"\n", 1)[0]
    if not _HEADER_LINE.match(first_line):
        raise MalformedMail("not an email (the first line is not a header)")


def read_headers(raw: bytes) -> Headers:
    """Return the decoded header fields of `raw`; raise MalformedMail for non-mail bytes."""
    check_looks_like_mail(raw)
    # Only the header block is parsed: the body of a big mail would cost time for nothing.
    message = _header_parser.parsebytes(_header_block(raw))
    sent_at, date_problem = _read_date(message)
    return Headers(
        from_addresses=_addresses(message, "From"),
        to_addresses=_addresses(message, "To"),
        delivered_to=next(iter(_addresses(message, "Delivered-To")), None),
        subject=_decoded(message.get("Subject")),
        sent_at=sent_at,
        date_problem=date_problem,
        message_id=_message_id(message.get("Message-ID")),
        authentication_results=tuple(
            _unfold(str(value)) for value in message.get_all("Authentication-Results") or ()
        ),
    )


def read_body(raw: bytes) -> Body:
    """Return the text of every text part of `raw`, decoding any transfer encoding and charset."""
    if len(raw) > MAX_BODY_BYTES:
        raise MalformedMail(f"too large for a Meta notification ({len(raw) // 1024} KiB)")
    import mailparser  # imported here: most runs triage on headers and never need it

    try:
        parsed = mailparser.parse_from_bytes(raw)
        plain_parts: list[str] = list(parsed.text_plain)
        html_parts: list[str] = list(parsed.text_html)
    except RecursionError as err:
        raise MalformedMail("MIME structure nested too deeply") from err
    except Exception as err:  # mail-parser raises bare exceptions for many kinds of damage
        raise MalformedMail(f"cannot decode the body ({type(err).__name__})") from err
    return Body(plain="\n".join(plain_parts), html_parts=tuple(html_parts))


def _header_block(raw: bytes) -> bytes:
    ends = [i for i in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if i >= 0]
    return raw[: min(ends) + 2] if ends else raw


def _decoded(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if "=?" not in text:  # no RFC 2047 encoded words: nothing to decode
        return _unfold(text)
    try:
        return _unfold(str(make_header(decode_header(text))))
    except (LookupError, UnicodeError, ValueError, AssertionError):
        return _unfold(text)


def _unfold(text: str) -> str:
    return " ".join(text.split())


def _addresses(message: Message, name: str) -> tuple[str, ...]:
    values = [_decoded(v) for v in message.get_all(name) or ()]
    if len(values) == 1:
        simple = _SIMPLE_ADDRESS.fullmatch(values[0])
        if simple:  # the common '"Name" <a@b>' or 'a@b': skip the full RFC 5322 address parser
            return ((simple.group(1) or simple.group(2)).lower(),)
    found = []
    for _, address in getaddresses(values):
        address = address.strip().strip("<>").lower()
        if "@" in address:
            found.append(address)
    return tuple(found)


def _message_id(value: object) -> str | None:
    if value is None:
        return None
    text = _unfold(str(value)).strip()
    match = re.search(r"<([^<>\s]+)>", text)
    if match:
        return match.group(1)
    return text.strip("<>") or None


def _read_date(message: Message) -> tuple[datetime | None, str | None]:
    value = message.get("Date")
    if value is None or not str(value).strip():
        return None, "no Date header"
    try:
        sent_at = parsedate_to_datetime(_unfold(str(value)))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, "unreadable Date header"
    if sent_at is None:
        return None, "unreadable Date header"
    if sent_at.tzinfo is None:  # RFC 5322's "-0000": time zone unknown; read it as UTC
        sent_at = sent_at.replace(tzinfo=UTC)
    return sent_at.astimezone(UTC), None
