"""Every mail in sample_emails/ parses to the expected result written beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.paths import SAMPLES
from tracker.domain import PARSE_FIELDS
from tracker.mailfiles import iter_mail
from tracker.parse import parse_email
from tracker.render import parsed_to_dict

SAMPLE_FILES = sorted(SAMPLES.rglob("*.eml"))


def _actual(raw: bytes) -> dict:
    parsed = parse_email(raw)
    actual = parsed_to_dict(parsed, "")
    actual["code_purpose"] = parsed.code_purpose
    actual["code_valid_minutes"] = parsed.code_valid_minutes
    actual["form_link"] = parsed.form_link
    actual["reference"] = parsed.reference
    return actual


def _compare(actual: dict, expected: dict) -> None:
    keys = [*PARSE_FIELDS, "code_purpose", "code_valid_minutes", "form_link", "reference", "error"]
    got = {k: actual.get(k) for k in keys if k in expected or k == "error"}
    want = {k: expected.get(k) for k in keys if k in expected or k == "error"}
    assert got == want


def test_there_are_enough_samples():
    assert len(SAMPLE_FILES) >= 40


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: str(p.relative_to(SAMPLES)))
def test_sample(path: Path):
    expected = json.loads(path.with_suffix("").with_suffix(".expected.json").read_text())
    _compare(_actual(path.read_bytes()), expected)


ARCHIVE_EXPECTED = json.loads((SAMPLES / "archives" / "expected.json").read_text())


@pytest.mark.parametrize("expected", ARCHIVE_EXPECTED, ids=lambda e: e["source"])
def test_archive_message(expected: dict):
    archives = SAMPLES / "archives"
    found = {m.source: m.raw for m in iter_mail([archives])}
    by_name = {str(Path(k).relative_to(archives)): v for k, v in found.items()}
    # Maildir messages are known by their unique name, without cur/ or new/ and flags.
    source = expected["source"]
    parts = source.split("/")
    key = source if source in by_name else f"{parts[0]}/{parts[-1].split(':', 1)[0]}"
    assert key in by_name, sorted(by_name)
    _compare(_actual(by_name[key]), expected)


def test_no_lookalike_is_ever_trusted():
    for path in sorted((SAMPLES / "lookalikes").glob("*.eml")):
        parsed = parse_email(path.read_bytes())
        assert not parsed.trusted and parsed.code is None, path.name


def test_generator_reproduces_every_sample_byte_for_byte():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(SAMPLES / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 problems" in result.stdout
