"""Reading .eml files, folders, mbox files and Maildirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.mailfactory import ordinary_mail, write_mbox
from tracker.errors import InputError
from tracker.mailfiles import check_paths, iter_mail, iter_mbox


def test_mbox_is_split_and_from_lines_unquoted(tmp_path: Path):
    body = b"From: a@example.org\nDate: Thu, 1 Feb 2024 10:00:00 +0000\n\nhello\nFrom here on\n>From quoted\n"
    write_mbox(tmp_path / "m.mbox", [body, ordinary_mail(1)])
    messages = list(iter_mbox(tmp_path / "m.mbox"))
    assert [m.source.rsplit("#", 1)[1] for m in messages] == ["0", "1"]
    assert messages[0].raw == body
    assert messages[1].raw == ordinary_mail(1).replace(b"\r\n", b"\n")


def test_folder_walk_finds_eml_mbox_and_maildir_and_skips_sidecars(tmp_path: Path):
    (tmp_path / "a.eml").write_bytes(ordinary_mail(1))
    (tmp_path / "a.expected.json").write_text("{}")
    (tmp_path / "notes.md").write_text("# notes")
    (tmp_path / ".hidden.eml").write_bytes(ordinary_mail(9))
    write_mbox(tmp_path / "archive.mbox", [ordinary_mail(2), ordinary_mail(3)])
    maildir = tmp_path / "Maildir"
    for part in ("cur", "new", "tmp"):
        (maildir / part).mkdir(parents=True)
    (maildir / "cur" / "1718000000.M1P1.host:2,S").write_bytes(ordinary_mail(4))
    (maildir / "new" / "1718000001.M2P1.host").write_bytes(ordinary_mail(5))
    (tmp_path / "noext").write_bytes(ordinary_mail(6))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    sources = sorted(m.source.replace(str(tmp_path) + "/", "") for m in iter_mail([tmp_path]))
    assert sources == [
        "Maildir/1718000000.M1P1.host",
        "Maildir/1718000001.M2P1.host",
        "a.eml",
        "archive.mbox#0",
        "archive.mbox#1",
        "noext",
    ]


def test_explicit_file_is_always_read(tmp_path: Path):
    odd = tmp_path / "odd.json"
    odd.write_bytes(ordinary_mail(1))
    assert [m.source for m in iter_mail([odd])] == [str(odd)]


def test_missing_path_is_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="no such file or directory"):
        check_paths([tmp_path / "missing.eml"])


def test_empty_file_is_read_as_one_empty_message(tmp_path: Path):
    (tmp_path / "empty.mbox").write_bytes(b"")
    [mail] = iter_mail([tmp_path / "empty.mbox"])
    assert (mail.source, mail.raw, mail.problem, mail.size) == (
        str(tmp_path / "empty.mbox"),
        b"",
        None,
        0,
    )


def test_crlf_mbox_and_from_lines_inside_paragraphs(tmp_path: Path):
    first = (
        b"From: a@example.org\r\nSubject: one\r\n\r\nbody\r\nFrom the start, not a separator\r\n"
    )
    second = b"From: b@example.org\r\nSubject: two\r\n\r\nsecond body\r\n"
    raw = (
        b"From x Mon Jan  1 00:00:00 2024\r\n"
        + first
        + b"\r\nFrom y Mon Jan  1 00:00:00 2024\r\n"
        + second
        + b"\r\n"
    )
    (tmp_path / "crlf.mbox").write_bytes(raw)
    assert [m.raw for m in iter_mbox(tmp_path / "crlf.mbox")] == [first, second]
    assert sum(m.size for m in iter_mbox(tmp_path / "crlf.mbox")) == len(raw)
