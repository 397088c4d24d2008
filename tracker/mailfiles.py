"""Reading mail from files: single .eml files, folders of them, mbox files and Maildirs.

Everything here yields raw bytes with a `source` that says where they came from; nothing here
parses or records. An mbox is streamed, so a multi-gigabyte Takeout archive never sits in memory,
and no single message is held beyond MAX_MESSAGE_BYTES, however it is laid out (even an mbox
that is one endless line).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tracker.domain import ReceivedTime
from tracker.errors import InputError

MAIL_SUFFIXES = frozenset({".eml", ".mbox", ".mbx", ".mbs"})
# Files in a folder we never take for mail: our own sidecars and the usual clutter.
IGNORED_SUFFIXES = frozenset({".json", ".md", ".txt", ".py", ".csv", ".html"})
_MAILDIR_PARTS = ("cur", "new", "tmp")
# One message read into memory, at most. Far above any provider's size limit (a 25 MB
# attachment is ~34 MB in base64), far below what would hurt a small machine. A larger message
# is reported, not read: the parser would refuse to decode it anyway.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# An mbox is read in lines of at most this many bytes, so a file without newlines cannot
# become one giant line in memory.


@dataclass(frozen=True, slots=True)
class RawMail:
    """The bytes of one message, or the reason they could not be read."""

    source: str
    raw: bytes | None
    problem: str | None = None
    size: int = 0  # bytes of the source file this message accounts for (for progress bars)
    # When the source says the message arrived: the message's time if its Date is unusable.
    received: ReceivedTime | None = None


@dataclass(frozen=True, slots=True)
class SkippedMail:
    """Messages of an mbox that a triage found surely not Meta's: counted, never copied out."""

    count: int
    size: int  # bytes of the source file they account for


# A triage sees a message's header block (up to its first blank line, at most this many bytes)
# and answers False only for mail that is surely not Meta's.
Triage = Callable[[bytes], bool]
TRIAGE_HEADER_BYTES = 256 * 1024
# Skipped messages are reported in runs of at most this many, so progress keeps moving.
_SKIP_RUN = 4096


def check_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Return the paths as Path objects; raise InputError naming the first that is missing."""
    checked = []
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise InputError(f"{p}: no such file or directory")
        checked.append(p)
    return checked


def total_size(paths: Iterable[Path]) -> int:
    """Return the total size in bytes of every file under `paths` (for a progress bar)."""
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        else:
            for root, _dirs, files in os.walk(path):
                for name in files:
                    with contextlib.suppress(OSError):
                        total += os.stat(os.path.join(root, name)).st_size
    return total


def iter_mail(
    paths: Iterable[Path], *, triage: Triage | None = None
) -> Iterator[RawMail | SkippedMail]:
    """Yield every message under `paths`: files, folders (recursively), mbox files, Maildirs.

    With `triage`, the messages of an mbox whose header block it rejects come back only as
    counts (SkippedMail): in a Takeout of mostly other mail, copying each message out of the
    file and handing it on cost more than everything else.
    """
    for path in paths:
        if path.is_dir():
            yield from _iter_folder(path, triage)
        else:
            yield from _iter_file(path, triage, explicit=True)


def is_maildir(path: Path) -> bool:
    """Return True if `path` has a Maildir's cur/ and new/ folders."""
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _iter_folder(folder: Path, triage: Triage | None) -> Iterator[RawMail | SkippedMail]:
    if not os.access(folder, os.R_OK | os.X_OK):
        yield RawMail(str(folder), None, "cannot read directory (permission denied)")
        return
    if is_maildir(folder):
        yield from _iter_maildir(folder)
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as err:
        yield RawMail(str(folder), None, f"cannot read directory ({err.strerror})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _iter_folder(path, triage)
        elif entry.is_file():
            yield from _iter_file(path, triage, explicit=False)


def _iter_maildir(folder: Path) -> Iterator[RawMail]:
    for part in ("new", "cur"):
        for entry in sorted(os.scandir(folder / part), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_file():
                continue
            # A Maildir file's name changes with its flags (":2,S"); its unique part does not.
            unique = entry.name.split(":", 1)[0]
            raw, problem = _read_bytes(Path(entry.path))
            received = maildir_received(entry.name) or file_received(entry.path)
            yield RawMail(f"{folder}/{unique}", raw, problem, _size(entry.path), received)


def _iter_file(
    path: Path, triage: Triage | None, *, explicit: bool
) -> Iterator[RawMail | SkippedMail]:
    if not explicit and path.suffix.lower() in IGNORED_SUFFIXES:
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as err:
        yield RawMail(str(path), None, f"cannot read file ({err.strerror})")
        return
    if head.startswith(b"From "):
        yield from iter_mbox(path, triage=triage)
        return
    # Imported here: the archive readers build on this module's mbox splitter.
    from tracker.archives import archive_kind, iter_archive

    kind = archive_kind(path, head)
    if kind is not None:
        yield from iter_archive(path, kind, triage=triage)
        return
    if not explicit and path.suffix.lower() not in MAIL_SUFFIXES and not looks_like_mail(head):
        return  # a folder's non-mail files (images, notes) are not ours to complain about
    raw, problem = _read_bytes(path)
    yield RawMail(str(path), raw, problem, _size(path), file_received(path))


def iter_mbox(path: Path, *, triage: Triage | None = None) -> Iterator[RawMail | SkippedMail]:
    """Yield the messages of an mbox file one by one, undoing mboxrd ">From " quoting.

    A message starts after a "From " line that opens the file or follows a blank line. The
    file is memory-mapped and split with `find`, so a multi-gigabyte archive is neither read
    line by line in Python nor held in memory. With `triage`, a message whose header block
    it rejects is only counted (SkippedMail runs); only the others are copied out.
    """
    index = 0
    skipped = skipped_size = 0
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                released = 0
                for start, end, size in mbox_spans(data):
                    if triage is not None and triage_rejects(data, start, end, triage):
                        skipped += 1
                        skipped_size += size
                        index += 1
                        if skipped >= _SKIP_RUN:
                            yield SkippedMail(skipped, skipped_size)
                            skipped = skipped_size = 0
                            released = _release_pages(data, released, start)
                        continue
                    if skipped:
                        yield SkippedMail(skipped, skipped_size)
                        skipped = skipped_size = 0
                    yield mbox_message(str(path), index, data, start, end, size)
                    index += 1
                    released = _release_pages(data, released, start)
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        yield RawMail(f"{path}#{index}", None, f"cannot read mbox ({reason})")
    if skipped:
        yield SkippedMail(skipped, skipped_size)


def triage_rejects(data: mmap.mmap | bytes, start: int, end: int, triage: Triage) -> bool:
    """True when `triage` rejects the message's header block, read straight from the map.

    Only when the header block is exactly what the message's own bytes would give: no
    ">From " quoting to undo in it, not over the triage's size, and a message small enough
    to be read at all (a bigger one is reported as too large, as before).
    """
    if end - start > MAX_MESSAGE_BYTES:
        return False
    blank = data.find(b"\n\n", start, end)
    stop = end if blank < 0 else blank + 1
    if stop - start > TRIAGE_HEADER_BYTES:
        return False
    header = data[start:stop]
    if header[:1] == b">" or b"\n>" in header:
        return False
    return not triage(header)


def mbox_spans(data: mmap.mmap | bytes) -> Iterator[tuple[int, int, int]]:
    """Yield (start, end, size) of each message: its bytes and how much of the file it takes."""
    length = len(data)
    separator = 0  # where the current message's "From " line starts
    while separator < length:
        line_end = data.find(b"\n", separator)
        start = length if line_end < 0 else line_end + 1
        end = next_separator = length
        search = start
        while (found := data.find(b"\nFrom ", search)) >= 0:
            # "From " opens a message only after a blank line: "\n\n" or "\r\n\r\n".
            if data[found - 1 : found] == b"\n":
                end, next_separator = found, found + 1
                break
            if data[found - 2 : found] == b"\n\r" and found >= start + 1:
                end, next_separator = found - 1, found + 1
                break
            search = found + 1
        else:
            if data[length - 2 : length] == b"\n\n":  # the blank line that ends the file
                end = length - 1
            elif data[length - 4 : length] == b"\r\n\r\n":
                end = length - 2
        yield start, max(start, end), next_separator - separator
        separator = next_separator


_RELEASE_STEP = 16 * 1024 * 1024


def _release_pages(data: mmap.mmap, released: int, upto: int) -> int:
    """Drop the mapped pages before `upto` once 16 MiB are done, so RSS stays flat on big files."""
    upto -= upto % mmap.PAGESIZE
    if upto - released < _RELEASE_STEP or not hasattr(data, "madvise"):
        return released
    data.madvise(mmap.MADV_DONTNEED, released, upto - released)
    return upto


_QUOTED_FROM = re.compile(rb"(?m)^>(>*From )")


def mbox_message(
    source: str, index: int, data: mmap.mmap | bytes, start: int, end: int, size: int
) -> RawMail:
    """Return message `index` of an mbox (its bytes at start:end), ">From " quoting undone."""
    source = f"{source}#{index}"
    if end - start > MAX_MESSAGE_BYTES:
        return RawMail(source, None, too_large(end - start), size)
    message = data[start:end]
    if b">From " in message:
        message = _QUOTED_FROM.sub(rb"\1", message)
    line_start = data.rfind(b"\n", max(0, start - 1024), max(0, start - 1)) + 1
    received = mbox_received(data[line_start:start])
    return RawMail(source, message, None, size, received)


def mbox_received(line: bytes) -> ReceivedTime | None:
    """Return the time on an mbox `From ` line ("From a@b Tue Sep 17 08:30:00 [+0000] 2024")."""
    words = line.decode("ascii", "replace").split()
    if len(words) < 6 or words[0] != "From":
        return None
    words = [w for w in words[2:] if not (w[:1] in "+-" and w[1:].isdigit())]
    try:
        at = datetime.strptime(" ".join(words[-5:]), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return ReceivedTime(at.replace(tzinfo=UTC), "mbox_from_line")


def maildir_received(name: str) -> ReceivedTime | None:
    """Return the delivery time a Maildir file name starts with ("1746861124.M2P4244.host")."""
    seconds = name.split(".", 1)[0]
    if not seconds.isdigit() or len(seconds) > 11:
        return None
    return ReceivedTime(datetime.fromtimestamp(int(seconds), UTC), "maildir_name")


def file_received(path: str | Path) -> ReceivedTime | None:
    """Return a file's modification time: the last resort for a message's time."""
    try:
        return ReceivedTime(datetime.fromtimestamp(os.stat(path).st_mtime, UTC), "file_mtime")
    except (OSError, ValueError, OverflowError):
        return None


def too_large(size: int) -> str:
    """The reason given for a message too big to read."""
    return (
        f"too large to read ({size // (1024 * 1024)} MiB, "
        f"at most {MAX_MESSAGE_BYTES // (1024 * 1024)} MiB)"
    )


def _read_bytes(path: Path) -> tuple[bytes | None, str | None]:
    try:
        size = os.stat(path).st_size
        if size > MAX_MESSAGE_BYTES:
            return None, too_large(size)
        with path.open("rb") as handle:  # read no more than the cap, even if the file grows
            raw = handle.read(MAX_MESSAGE_BYTES + 1)
        if len(raw) > MAX_MESSAGE_BYTES:
            return None, too_large(len(raw))
        return raw, None
    except OSError as err:
        return None, f"cannot read file ({err.strerror})"


def looks_like_mail(head: bytes) -> bool:
    """True when the first bytes of a file look like an RFC 5322 header line."""
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]
    return b":" in first and b"\x00" not in head[:512] and first[:1].isalpha()


def _size(path: str | Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
