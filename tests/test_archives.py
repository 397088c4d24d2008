"""Takeout archives (.zip, .tgz, .mbox.gz) are read as streams and give the records their
unpacked mbox gives; `parse` reads each message of an mbox; no mail, or a forged one, is
counted as what it is."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.support.mailfactory import meta_mail, ordinary_mail, write_mbox
from tests.support.paths import SAMPLES
from tracker import archives
from tracker.archives import iter_mbox_stream
from tracker.mailfiles import MAX_MESSAGE_BYTES, RawMail, SkippedMail, iter_mbox
from tracker.parse import header_could_be_from_meta

TAKEOUT = SAMPLES / "archives" / "takeout-2024.mbox"
MBOX_IN_TAKEOUT = "Takeout/Mail/All mail Including Spam and Trash.mbox"


def _archives(tmp_path: Path) -> dict[str, Path]:
    mbox = TAKEOUT.read_bytes()
    note = b'{"note": "not mail"}'
    made = {"zip": tmp_path / "takeout.zip", "tgz": tmp_path / "takeout.tgz"}
    with zipfile.ZipFile(made["zip"], "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MBOX_IN_TAKEOUT, mbox)
        archive.writestr("Takeout/archive_browser.json", note)
    with tarfile.open(made["tgz"], "w:gz") as archive:
        for name, data in ((MBOX_IN_TAKEOUT, mbox), ("Takeout/archive_browser.json", note)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    made["gz"] = tmp_path / "takeout.mbox.gz"
    made["gz"].write_bytes(gzip.compress(mbox))
    return made


def _records(run_cli, db: Path) -> list[tuple[str, str, bool]]:  # type: ignore[no-untyped-def]
    report = json.loads(run_cli("report", "--json", db=db).stdout)
    codes = run_cli("code", "--include-expired", "--json", db=db).stdout
    return [*(tuple(sorted(r.items())) for r in report), codes]  # type: ignore[misc]


@pytest.mark.parametrize("kind", ["zip", "tgz", "gz"])
def test_an_archive_gives_the_records_of_its_mbox(run_cli, tmp_path: Path, kind: str) -> None:
    archive = _archives(tmp_path)[kind]
    plain = run_cli("import", "--json", str(TAKEOUT), db=tmp_path / "plain.db")
    packed = run_cli("import", "--json", str(archive), db=tmp_path / "packed.db")
    assert packed.exit_code == 0, packed.stderr
    assert json.loads(packed.stdout) == json.loads(plain.stdout)
    assert json.loads(packed.stdout)["new"] > 0
    assert _records(run_cli, tmp_path / "packed.db") == _records(run_cli, tmp_path / "plain.db")
    again = json.loads(run_cli("import", "--json", str(archive), db=tmp_path / "packed.db").stdout)
    assert again["new"] == 0 and again["duplicate"] == json.loads(plain.stdout)["new"]


def test_stream_splitting_matches_the_memory_map(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mails = [meta_mail("notice", account=f"s{n}@example.org") for n in range(20)]
    mails += [ordinary_mail(n) for n in range(40)]
    mails.append(b"From: x@example.org\nSubject: body with quoted lines\n\nFrom here on\n>From x\n")
    mbox = tmp_path / "m.mbox"
    write_mbox(mbox, mails)
    # Tiny chunks: every boundary falls across reads somewhere.
    monkeypatch.setattr(archives, "CHUNK_BYTES", 97)
    for triage in (None, header_could_be_from_meta):
        with mbox.open("rb") as stream:
            streamed = list(iter_mbox_stream(stream, str(mbox), triage=triage))
        mapped = list(iter_mbox(mbox, triage=triage))
        assert [m.source for m in streamed if isinstance(m, RawMail)] == [
            m.source for m in mapped if isinstance(m, RawMail)
        ]
        assert [m.raw for m in streamed if isinstance(m, RawMail)] == [
            m.raw for m in mapped if isinstance(m, RawMail)
        ]
        assert sum(m.count for m in streamed if isinstance(m, SkippedMail)) == sum(
            m.count for m in mapped if isinstance(m, SkippedMail)
        )


def test_an_oversized_message_in_a_stream_is_reported_not_kept(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(archives, "MAX_MESSAGE_BYTES", 1000)
    monkeypatch.setattr(archives, "CHUNK_BYTES", 300)
    big = b"From: x@example.org\n\n" + b"y" * 5000 + b"\n"
    small = b"From: a@example.org\nSubject: small\n\nhi\n"
    data = b"From a\n" + big + b"\nFrom b\n" + small + b"\n"
    found = list(iter_mbox_stream(io.BytesIO(data), "s.mbox"))
    assert [(m.source, m.raw is None) for m in found if isinstance(m, RawMail)] == [
        ("s.mbox#0", True),
        ("s.mbox#1", False),
    ]
    assert "too large" in (found[0].problem or "")  # type: ignore[union-attr]
    assert MAX_MESSAGE_BYTES > 1000  # the real bound was left alone


def test_no_mail_in_a_folder_or_archive_says_so_and_exits_1(run_cli, tmp_path: Path) -> None:
    empty_zip = tmp_path / "empty.zip"
    zipfile.ZipFile(empty_zip, "w").close()
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("nothing here")
    for path in (empty_zip, folder):
        result = run_cli("import", str(path))
        assert result.exit_code == 1
        assert result.stderr == f"tracker: no mail found in {path}\n"


def test_a_damaged_archive_is_one_skipped_source(run_cli, tmp_path: Path) -> None:
    damaged = tmp_path / "takeout.zip"
    damaged.write_bytes(_archives(tmp_path)["zip"].read_bytes()[:400])
    result = run_cli("import", "--json", str(damaged))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["malformed"] == 1
    assert "cannot read archive" in run_cli("skipped").stdout


def test_parse_reads_each_message_of_an_mbox(run_cli) -> None:
    result = run_cli("parse", "--json", str(TAKEOUT))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0
    assert [r["file"] for r in rows] == [f"{TAKEOUT}#{n}" for n in range(len(rows))]
    assert len(rows) > 1 and {r["kind"] for r in rows} >= {"notice", "other"}


def test_forged_mail_is_not_new_from_meta_and_a_reimport_counts_exactly(
    run_cli, tmp_path: Path
) -> None:
    forged = meta_mail("code", account="anna@example.org", code="418207", auth="fail")
    genuine = meta_mail("notice", account="anna@example.org")
    broken = b"From: security@facebookmail.com\nDate: not a date\n\n\x00"
    mbox = tmp_path / "m.mbox"
    write_mbox(mbox, [forged, genuine, broken, ordinary_mail(1)])
    first = json.loads(run_cli("import", "--json", str(mbox)).stdout)
    text = run_cli("import", str(mbox), db=tmp_path / "other.db").stdout
    assert first["new"] - first["untrusted"] == 1 and first["untrusted"] == 1
    assert "1 new from Meta, 1 claiming to be Meta's but not verified" in text
    again = json.loads(run_cli("import", "--json", str(mbox)).stdout)
    assert again == {
        "new": 0,
        "untrusted": 0,
        "duplicate": first["new"],
        "ignored": first["ignored"],
        "malformed": first["malformed"],
    }
