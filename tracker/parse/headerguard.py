"""Is a header block read the same way by everyone? Pure checks over the raw bytes.

A provider checks DKIM and DMARC against the header fields as *its* parser splits them; tracker
reads them with the standard library's lenient parser. Where the two could differ (obsolete
`From :`, a name with a space, a whitespace-only line, a block starting with whitespace, a NUL)
or where a field that counts appears twice (DKIM verifies the bottom-most copy; a copy prepended
above it is invisible to the signature, RFC 6376 section 8.15), the mail is not trusted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

# RFC 5322 section 3.6: each of these at most once (plus MIME's top-level fields, RFC 2045).
SINGLE_FIELDS = (
    "from",
    "sender",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
)

_FIELD = re.compile(rb"([!-9;-~]+):")  # ftext name, the colon right after it (no obs-WSP)


def header_block_problem(block: bytes, lenient_names: Sequence[str]) -> str | None:
    """Return why the header `block` cannot be trusted, or None.

    `lenient_names` are the field names the lenient parser found, in order; a strict,
    line-by-line split by RFC 5322 must find exactly the same ones.
    """
    if b"\x00" in block:
        return "NUL byte in the header block"
    strict: list[str] = []
    lines = block.split(b"\n")
    if lines and lines[0].startswith(b"From "):  # an mbox separator left in: not a field
        lines = lines[1:]
    for line in lines:
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if not strict:
                return "the header block starts with whitespace"
            if not line.strip():
                return "whitespace-only line in the header block"
            continue
        match = _FIELD.match(line)
        if not match:
            return "a header line that is not a field (space in a name, or before the colon)"
        strict.append(match.group(1).decode("ascii").lower())
    if strict != [name.lower() for name in lenient_names]:
        return "the header block reads two ways"
    counts = Counter(strict)
    repeated = [name for name in SINGLE_FIELDS if counts[name] > 1]
    if repeated:
        return f"more than one {repeated[0].title()} header"
    return None
