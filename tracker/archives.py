"""Mail inside archives: a Google Takeout `.zip`, a `.tgz` / `.tar.gz` / `.tar`, a single `.gz`
(an `.mbox.gz`). Everything is read as a stream: nothing is unpacked to disk and no archive, nor
any mbox inside one, is held in memory; only one message at a time (at most MAX_MESSAGE_BYTES).

Sources name the member: `takeout.zip!Takeout/Mail/All mail.mbox#12`, `mail.mbox.gz#3`.
"""

from __future__ import annotations

import gzip
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, Protocol

from tracker.mailfiles import (
    MAIL_SUFFIXES,
    MAX_MESSAGE_BYTES,
    RawMail,
    SkippedMail,
    Triage,
    looks_like_mail,
    mbox_message,
    mbox_spans,
    too_large,
    triage_rejects,
)

ArchiveKind = Literal["zip", "tar", "gzip"]


class Readable(Protocol):
    """A binary stream: a file, an archive member, a decompressor."""

    def read(self, size: int = -1, /) -> bytes: ...


# Read this much of a stream at a time.
CHUNK_BYTES = 4 * 1024 * 1024
_STREAM_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError)


def archive_kind(path: Path, head: bytes) -> ArchiveKind | None:
    """Which archive `path` is, from its first 512 bytes (and its name for a gzipped tar)."""
    name = path.name.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "tar" if name.endswith((".tgz", ".tar.gz")) else "gzip"
    if head[257:262] == b"ustar":
        return "tar"
    return None


def iter_archive(
    path: Path, kind: ArchiveKind, *, triage: Triage | None = None
) -> Iterator[RawMail | SkippedMail]:
    """Yield the mail in an archive: each mbox member split, each mail member read.

    Members that are neither (Takeout's JSON and HTML) are passed over. The archive's own size
    is reported once at the end (a SkippedMail of no messages), for progress bars.
    """
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                for info in sorted(archive.infolist(), key=lambda i: i.filename):
                    if not info.is_dir():
                        with archive.open(info) as member:
                            yield from _iter_member(member, f"{path}!{info.filename}", triage)
        elif kind == "tar":
            # "r|*": a stream, members in the order they are stored, no seeking back.
            with tarfile.open(path, mode="r|*") as archive:
                for entry in archive:
                    stream = archive.extractfile(entry) if entry.isfile() else None
                    if stream is not None:
                        yield from _iter_member(stream, f"{path}!{entry.name}", triage)
        else:
            with gzip.open(path, "rb") as unzipped:
                yield from _iter_member(unzipped, str(path), triage)
    except _STREAM_ERRORS as err:
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        yield RawMail(str(path), None, f"cannot read archive ({reason})")
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    yield SkippedMail(0, size)


def _iter_member(
    stream: Readable, source: str, triage: Triage | None
) -> Iterator[RawMail | SkippedMail]:
    first = stream.read(CHUNK_BYTES)
    if first.startswith(b"From "):
        yield from iter_mbox_stream(stream, source, first=first, triage=triage)
        return
    name = source.rsplit("!", 1)[-1].lower()
    if not any(name.endswith(suffix) for suffix in MAIL_SUFFIXES) and not looks_like_mail(first):
        return
    raw = first + stream.read(MAX_MESSAGE_BYTES + 1 - len(first))
    if len(raw) > MAX_MESSAGE_BYTES:
        yield RawMail(source, None, too_large(len(raw)))
    else:
        yield RawMail(source, raw, None)


def iter_mbox_stream(
    stream: Readable, source: str, *, first: bytes = b"", triage: Triage | None = None
) -> Iterator[RawMail | SkippedMail]:
    """Yield the messages of an mbox read from a stream, split as `iter_mbox` splits a file.

    The stream is read in chunks; every complete message is handed on and only the unfinished
    one is kept. A message over MAX_MESSAGE_BYTES is reported and skipped without being kept.
    """
    buffer = first
    index = 0
    discarding = False
    eof = False
    while not eof:
        chunk = stream.read(CHUNK_BYTES)
        eof = not chunk
        buffer += chunk
        if discarding:
            resume = _next_separator(buffer)
            if resume < 0:
                buffer = buffer[-8:]  # a separator may straddle the next chunk
                continue
            buffer, discarding = buffer[resume:], False
        cut = len(buffer) if eof else _last_separator(buffer)
        if cut > 0:
            for item in _split(buffer[:cut], source, index, triage):
                index += item.count if isinstance(item, SkippedMail) else 1
                yield item
            buffer = buffer[cut:]
        elif len(buffer) > MAX_MESSAGE_BYTES + CHUNK_BYTES:
            yield RawMail(f"{source}#{index}", None, too_large(len(buffer)))
            index += 1
            buffer, discarding = buffer[-8:], True


def _split(
    block: bytes, source: str, index: int, triage: Triage | None
) -> Iterator[RawMail | SkippedMail]:
    skipped = 0
    for start, end, _size in mbox_spans(block):
        if triage is not None and triage_rejects(block, start, end, triage):
            skipped += 1
            continue
        if skipped:
            yield SkippedMail(skipped, 0)
            index += skipped
            skipped = 0
        yield mbox_message(source, index, block, start, end, 0)
        index += 1
    if skipped:
        yield SkippedMail(skipped, 0)


def _is_separator(buffer: bytes, found: int) -> bool:
    """True when the "\\nFrom " at `found` starts a message (it follows a blank line)."""
    return buffer[found - 1 : found] == b"\n" or buffer[found - 2 : found] == b"\n\r"


def _last_separator(buffer: bytes) -> int:
    """Where the last complete-looking message ends: the start of the last "From " line."""
    found = buffer.rfind(b"\nFrom ")
    while found > 0:
        if _is_separator(buffer, found):
            return found + 1
        found = buffer.rfind(b"\nFrom ", 0, found)
    return 0


def _next_separator(buffer: bytes) -> int:
    found = buffer.find(b"\nFrom ", 1)
    while found >= 0:
        if _is_separator(buffer, found):
            return found + 1
        found = buffer.find(b"\nFrom ", found + 1)
    return -1
