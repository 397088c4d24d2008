"""The public robustness corpus (real-world and broken mail): no crash, every one `other`."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.mailfactory import meta_mail
from tests.support.paths import PUBLIC_CORPUS
from tracker.parse import parse_email

CORPUS_FILES = sorted(
    p for p in PUBLIC_CORPUS.rglob("*") if p.is_file() and p.name not in {"LICENSE", "README.md"}
)


def test_corpus_is_there():
    assert len(CORPUS_FILES) >= 127


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(PUBLIC_CORPUS)))
def test_public_mail_is_other_and_untrusted(path: Path):
    parsed = parse_email(path.read_bytes())
    assert parsed.kind == "other"
    assert parsed.trusted is False
    assert parsed.code is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise(raw: bytes):
    parsed = parse_email(raw)
    # Whatever the bytes, no code comes out of mail that is not trusted to be Meta's.
    assert parsed.code is None or parsed.trusted


_GENUINE = meta_mail("code", account="a@example.org", code="418207")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(_GENUINE)), st.binary(max_size=64))
def test_damaged_meta_mail_never_raises(cut: int, junk: bytes):
    parsed = parse_email(_GENUINE[:cut] + junk)
    if parsed.code is not None:
        assert parsed.trusted and parsed.code.isdigit()
