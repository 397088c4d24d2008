"""The one adapter over MIME parsing: raw bytes in, typed header and body values out.

Headers are read with the standard library's header-only parser, which is fast enough to triage
every message of a large mailbox. Bodies are decoded with mail-parser, and only for the few
messages that come from Meta. Nothing of mail-parser's loosely typed objects leaves this module.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime

from tracker.parse.headerguard import header_block_problem
from tracker.parse.html import html_to_text

# Bounds on the work one message may cost. A Meta notification is a few kilobytes of text in a
# few MIME parts under a few dozen header fields; anything far beyond these is not one, and is
# refused before the costly step (header decoding, MIME decoding, HTML parsing) rather than
# after it, so a hostile mail costs at most a few seconds and a few tens of megabytes.
MAX_HEADER_BYTES = 256 * 1024  # the header block, before any header is parsed
MAX_HEADER_FIELDS = 1000  # header fields (Received chains of real mail stay far below)
MAX_DECODED_HEADER_CHARS = 8 * 1024  # a Subject longer than this is not RFC 2047-decoded
# The Subject the rules see, at most: Meta's are one line; the rules' cost grows with it.
MAX_SUBJECT_CHARS = 1024
MAX_BODY_BYTES = 5 * 1024 * 1024  # the whole message, before mail-parser decodes it
# mail-parser decodes every header, in more than linear time: a Meta mail's header block is
# held to a tighter bound than the one every mail gets.
MAX_META_HEADER_BYTES = 64 * 1024
MAX_MULTIPARTS = 40  # multipart declarations (an upper bound on nesting depth)
MAX_PARTS = 500  # boundary lines (an upper bound on the number of MIME parts)
MAX_HTML_CHARS = 1024 * 1024  # HTML, before the HTML parser sees it
# Lines in the whole message: the MIME parser keeps one object per line, so 5 MiB of empty
# lines cost half a gigabyte. A 5 MiB base64 attachment has about 70,000.
MAX_LINES = 100_000
# One header field of a Meta mail, and one MIME part's header block: the standard library's
# parameter parser is quadratic (a 200 KB parameter took minutes). Real ones are under 2 KiB.
MAX_FIELD_BYTES = 8 * 1024
MAX_PART_HEADER_BYTES = 8 * 1024

# mail-parser logs a warning for every part type it does not handle; with no handler of its
# own, Python's last-resort handler would print them on the user's terminal.
logging.getLogger("mailparser").addHandler(logging.NullHandler())
logging.getLogger("mailparser").propagate = False

# One address, optionally after a plain display name: nothing the full parser would read otherwise.
_SIMPLE_ADDRESS = re.compile(
    r'\s*(?:"[^"\\]*"\s*|[^"<>,;:()@\\]*)?<([^<>@\s,;"()]+@[^<>@\s,;"()]+)>\s*|\s*([^<>@\s,;"()]+@[^<>@\s,;"()]+)\s*'
)
_HEADER_LINE = re.compile(rb"^(?:From |[!-9;-~]+[ \t]*:)")
_BARE_CR = re.compile(rb"\r(?!\n)")
_FIELD_START = re.compile(rb"(?m)^[^ \t\r\n]")
_BOUNDARY_PARAM = re.compile(rb"(?i)\bboundary\*?[0-9]*\*?[ \t]*=")
_DELIMITER_LINE = re.compile(rb"(?m)^--")
_BOUNDARY_VALUE = re.compile(rb'(?i)\bboundary\*?[ \t]*=[ \t]*"?([^"\s;]{1,200})')
_FIELD_SPLIT = re.compile(rb"\n(?=[^ \t\r\n])")
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
    # When the topmost Received line says the mail arrived (the receiving server's clock).
    received_at: datetime | None = None
    # Why the header block cannot be trusted (read two ways, a field repeated), or None.
    structure_problem: str | None = None

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
    block = _header_block(raw)
    if len(block) > MAX_HEADER_BYTES:
        raise MalformedMail(f"header block too large (more than {MAX_HEADER_BYTES // 1024} KiB)")
    fields = len(_FIELD_START.findall(block))
    if fields > MAX_HEADER_FIELDS:
        raise MalformedMail(f"too many header fields ({fields}, at most {MAX_HEADER_FIELDS})")
    if _BARE_CR.search(block):
        # Parsers disagree on where a line ends at a lone CR, so a From header split by one
        # can read as Meta's here and as the sender's real domain to the provider's DMARC check.
        raise MalformedMail("bare CR in the header block")
    message = _header_parser.parsebytes(block)
    sent_at, date_problem = _read_date(message)
    return Headers(
        from_addresses=_from_addresses(message),
        to_addresses=_addresses(message, "To"),
        delivered_to=next(iter(_addresses(message, "Delivered-To")), None),
        subject=_decoded(message.get("Subject"))[:MAX_SUBJECT_CHARS],
        sent_at=sent_at,
        date_problem=date_problem,
        message_id=_message_id(message.get("Message-ID")),
        authentication_results=tuple(
            _unfold(str(value)) for value in message.get_all("Authentication-Results") or ()
        ),
        received_at=_received_at(message),
        structure_problem=header_block_problem(block, message.keys()),
    )


def read_body(raw: bytes) -> Body:
    """Return the text of every text part of `raw`, decoding any transfer encoding and charset."""
    check_body_bounds(raw)
    import mailparser  # imported here: most runs triage on headers and never need it

    try:
        parsed = mailparser.parse_from_bytes(raw)
        plain_parts: list[str] = list(parsed.text_plain)
        html_parts: list[str] = list(parsed.text_html)
    except RecursionError as err:
        raise MalformedMail("MIME structure nested too deeply") from err
    except Exception as err:  # mail-parser raises bare exceptions for many kinds of damage
        if "recursion" in type(err).__name__.lower():  # its own MailParserRecursionError
            raise MalformedMail("MIME structure nested too deeply") from err
        raise MalformedMail(f"cannot decode the body ({type(err).__name__})") from err
    html_chars = sum(len(part) for part in html_parts)
    if html_chars > MAX_HTML_CHARS:
        raise MalformedMail(
            f"HTML too large ({html_chars // 1024} KiB, at most {MAX_HTML_CHARS // 1024} KiB)"
        )
    return Body(plain="\n".join(plain_parts), html_parts=tuple(html_parts))


def check_body_bounds(raw: bytes) -> None:
    """Raise MalformedMail if decoding `raw` could cost more than one message may.

    Both counts are cheap upper bounds read from the bytes, before any MIME parsing: every
    nested multipart needs its own boundary parameter, and every part starts with a line
    beginning with "--".
    """
    if len(raw) > MAX_BODY_BYTES:
        raise MalformedMail(
            f"too large for a Meta notification ({len(raw) // 1024} KiB, at most "
            f"{MAX_BODY_BYTES // 1024} KiB)"
        )
    header_bytes = len(_header_block(raw))
    if header_bytes > MAX_META_HEADER_BYTES:
        raise MalformedMail(
            f"header block too large for a Meta notification ({header_bytes // 1024} KiB, "
            f"at most {MAX_META_HEADER_BYTES // 1024} KiB)"
        )
    multiparts = len(_BOUNDARY_PARAM.findall(raw))
    if multiparts > MAX_MULTIPARTS:
        raise MalformedMail(
            f"MIME structure nested too deeply ({multiparts} multipart sections, "
            f"at most {MAX_MULTIPARTS})"
        )
    delimiters = len(_DELIMITER_LINE.findall(raw))
    if delimiters > MAX_PARTS:
        raise MalformedMail(
            f"too many MIME parts ({delimiters} boundary lines, at most {MAX_PARTS})"
        )
    lines = raw.count(b"\n")
    if lines > MAX_LINES:
        raise MalformedMail(
            f"too many lines for a Meta notification ({lines}, at most {MAX_LINES})"
        )
    block = _header_block(raw)
    for field in _FIELD_SPLIT.split(block):
        if len(field) > MAX_FIELD_BYTES:
            name = field.split(b":", 1)[0][:40].decode("ascii", "replace")
            raise MalformedMail(
                f"header field {name} too long ({len(field) // 1024} KiB, "
                f"at most {MAX_FIELD_BYTES // 1024} KiB)"
            )
    # Each declared boundary's part headers (read only up to the cap: a boundary whose part
    # header does not end within it is refused). Other lines starting "--" are body text.
    boundaries = tuple({b"--" + m.group(1) for m in _BOUNDARY_VALUE.finditer(raw)})[
        : MAX_MULTIPARTS + 1
    ]
    for delimiter in _DELIMITER_LINE.finditer(raw, len(block)) if boundaries else ():
        start = delimiter.start()
        if not raw.startswith(boundaries, start):
            continue
        line_end = raw.find(b"\n", start, start + MAX_PART_HEADER_BYTES)
        if line_end < 0:
            continue  # the boundary line runs to the end: no part header follows it
        if raw[start + 2 : line_end].rstrip(b"\r \t").endswith(b"--"):
            continue  # a closing delimiter: no part header follows
        window = raw[line_end + 1 : line_end + 2 + MAX_PART_HEADER_BYTES]
        if (
            b"\n\n" not in window
            and b"\n\r\n" not in window
            and len(window) > MAX_PART_HEADER_BYTES
        ):
            raise MalformedMail(
                f"MIME part header too large (more than {MAX_PART_HEADER_BYTES // 1024} KiB)"
            )


def _header_block(raw: bytes) -> bytes:
    # Look no further than the cap: a header block without an end in sight is too large anyway.
    limit = MAX_HEADER_BYTES + 4
    ends = [i for i in (raw.find(b"\n\n", 0, limit), raw.find(b"\r\n\r\n", 0, limit)) if i >= 0]
    if ends:
        return raw[: min(ends) + 2]
    return raw if len(raw) <= MAX_HEADER_BYTES else raw[: MAX_HEADER_BYTES + 1]


def _decoded(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if "=?" not in text:  # no RFC 2047 encoded words: nothing to decode
        return _unfold(text)
    if len(text) > MAX_DECODED_HEADER_CHARS:  # decoding costs more than linear time
        return _unfold(text[:MAX_DECODED_HEADER_CHARS])
    try:
        return _unfold(str(make_header(decode_header(text))))
    except (LookupError, UnicodeError, ValueError, AssertionError):
        return _unfold(text)


def _unfold(text: str) -> str:
    return " ".join(text.split())


def _addresses(message: Message, name: str) -> tuple[str, ...]:
    # Not RFC 2047-decoded: an encoded word may stand for a display name, never for an address
    # (RFC 2047 section 5), and decoding first would let "=?utf-8?q?x=40facebookmail.com?="
    # pass for a Meta address that no provider's DMARC check ever saw.
    values = [_unfold(str(v)) for v in message.get_all(name) or ()]
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


_DOMAIN_TOKEN = re.compile(r"@\s*([^\s<>()\[\],;:\"'@\\]+)")


def _from_addresses(message: Message) -> tuple[str, ...]:
    """The From addresses, or () when the header could be read more than one way.

    A From header is only taken at its word when every "@domain" written anywhere in it (display
    name, comments, a second address, a dangling bracket) names the domain of the one address
    parsed from it: "@facebookmail.com( <evil@attacker.example>" parses as a Meta address, but
    the attacker's domain is the one a provider would check.
    """
    found = _addresses(message, "From")
    if any(not a.partition("@")[0] for a in found):
        return ()  # an address without its local part
    if len(found) == 1:
        domain = found[0].rpartition("@")[2]
        raw = " ".join(str(v) for v in message.get_all("From") or ())
        written = {d.lower().rstrip(".") for d in _DOMAIN_TOKEN.findall(raw)}
        if written - {domain.rstrip(".")}:
            return ()
    return found


def _message_id(value: object) -> str | None:
    if value is None:
        return None
    text = _unfold(str(value)).strip()
    match = re.search(r"<([^<>\s]+)>", text)
    if match:
        return match.group(1)
    return text.strip("<>") or None


def _received_at(message: Message) -> datetime | None:
    value = message.get("Received")
    if value is None:
        return None
    text = _unfold(str(value)[:4096])
    if ";" not in text:
        return None
    try:
        received = parsedate_to_datetime(text.rpartition(";")[2].strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if received is None:
        return None
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    return received.astimezone(UTC)


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
