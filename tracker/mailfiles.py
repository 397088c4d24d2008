"""Reading mail from files: single .eml files, folders of them, mbox files and Maildirs.

Everything here yields raw bytes with a `source` that says where they came from; nothing here
parses or records. An mbox is streamed, so a multi-gigabyte Takeout archive never sits in memory,
and no single message is held beyond MAX_MESSAGE_BYTES, however it is laid out (even an mbox
that is one endless line).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import InputError

MAIL_SUFFIXES = frozenset({".eml", ".mbox", ".mbx", ".mbs"})
# Files in a folder we never take for mail: our own sidecars and the usual clutter.
IGNORED_SUFFIXES = frozenset({".json", ".md", ".txt", ".py", ".csv", ".gz", ".zip", ".html"})
_MAILDIR_PARTS = ("cur", "new", "tmp")
# One message read into memory, at most. Far above any provider's size limit (a 25 MB
# attachment is ~34 MB in base64), far below what would hurt a small machine. A larger message
# is reported, not read: the parser would refuse to decode it anyway.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# An mbox is read in lines of at most this many bytes, so a file without newlines cannot
# become one giant line in memory.
_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RawMail:
    """The bytes of one message, or the reason they could not be read."""

    source: str
    raw: bytes | None
    problem: str | None = None
    size: int = 0  # bytes of the source file this message accounts for (for progress bars)


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


def iter_mail(paths: Iterable[Path]) -> Iterator[RawMail]:
    """Yield every message under `paths`: files, folders (recursively), mbox files, Maildirs."""
    for path in paths:
        if path.is_dir():
            yield from _iter_folder(path)
        else:
            yield from _iter_file(path, explicit=True)


def is_maildir(path: Path) -> bool:
    """Return True if `path` has a Maildir's cur/ and new/ folders."""
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _iter_folder(folder: Path) -> Iterator[RawMail]:
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
            yield from _iter_folder(path)
        elif entry.is_file():
            yield from _iter_file(path, explicit=False)


def _iter_maildir(folder: Path) -> Iterator[RawMail]:
    for part in ("new", "cur"):
        for entry in sorted(os.scandir(folder / part), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_file():
                continue
            # A Maildir file's name changes with its flags (":2,S"); its unique part does not.
            unique = entry.name.split(":", 1)[0]
            raw, problem = _read_bytes(Path(entry.path))
            yield RawMail(f"{folder}/{unique}", raw, problem, _size(entry.path))


def _iter_file(path: Path, *, explicit: bool) -> Iterator[RawMail]:
    if not explicit and path.suffix.lower() in IGNORED_SUFFIXES:
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
    except OSError as err:
        yield RawMail(str(path), None, f"cannot read file ({err.strerror})")
        return
    if head == b"From ":
        yield from iter_mbox(path)
        return
    if not explicit and path.suffix.lower() not in MAIL_SUFFIXES and not _sniff_mail(path):
        return  # a folder's non-mail files (images, notes) are not ours to complain about
    raw, problem = _read_bytes(path)
    yield RawMail(str(path), raw, problem, _size(path))


def iter_mbox(path: Path) -> Iterator[RawMail]:
    """Yield the messages of an mbox file one by one, undoing mboxrd ">From " quoting."""
    index = 0
    message = bytearray()
    has_lines = False
    size = 0
    previous_blank = 1  # length of the last line when it was blank, else 0
    at_line_start = True
    try:
        with path.open("rb") as handle:
            while line := handle.readline(_READ_CHUNK):
                starts_line, at_line_start = at_line_start, line.endswith(b"\n")
                if starts_line and line.startswith(b"From ") and previous_blank:
                    if index or has_lines:
                        yield _mbox_message(path, index, message, size, previous_blank)
                        index += 1
                    message, size, has_lines = bytearray(), len(line), False
                    previous_blank = 0
                    continue
                has_lines = True
                size += len(line)
                if starts_line and line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                    line = line[1:]
                if size <= MAX_MESSAGE_BYTES:
                    message += line
                previous_blank = len(line) if starts_line and line in (b"\n", b"\r\n") else 0
    except OSError as err:
        yield RawMail(f"{path}#{index}", None, f"cannot read mbox ({err.strerror})")
        return
    if has_lines:
        yield _mbox_message(path, index, message, size, previous_blank)


def _mbox_message(
    path: Path, index: int, message: bytearray, size: int, trailing_blank: int
) -> RawMail:
    source = f"{path}#{index}"
    if size > MAX_MESSAGE_BYTES:
        return RawMail(source, None, _too_large(size), size)
    # The blank line before the next "From " belongs to the mbox, not to the message.
    if trailing_blank:
        del message[-trailing_blank:]
    return RawMail(source, bytes(message), None, size)


def _too_large(size: int) -> str:
    return (
        f"too large to read ({size // (1024 * 1024)} MiB, "
        f"at most {MAX_MESSAGE_BYTES // (1024 * 1024)} MiB)"
    )


def _read_bytes(path: Path) -> tuple[bytes | None, str | None]:
    try:
        size = os.stat(path).st_size
        if size > MAX_MESSAGE_BYTES:
            return None, _too_large(size)
        with path.open("rb") as handle:  # read no more than the cap, even if the file grows
            raw = handle.read(MAX_MESSAGE_BYTES + 1)
        if len(raw) > MAX_MESSAGE_BYTES:
            return None, _too_large(len(raw))
        return raw, None
    except OSError as err:
        return None, f"cannot read file ({err.strerror})"


def _sniff_mail(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError:
        return True  # let the reader report why it cannot be read
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]
    return b":" in first and b"\x00" not in head and first[:1].isalpha()


def _size(path: str | Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
