"""Hostile mail from a Meta domain is read within bounds: nothing raises, and the text the
wording rules and the code extractor see is bounded in length and in run length.

Speed and memory themselves are measured by bench/worst_case.py (same strategies, run by hand;
README "Bounded cost"), not asserted here: the test machines are shared.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings

import tracker.parse as parse_module
from tests.support.hostile import hostile_mails
from tracker.parse import MAX_RUN, MAX_TEXT_CHARS, parse_email


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw=hostile_mails())
def test_hostile_mail_is_read_within_bounds(raw: bytes) -> None:
    seen: list[tuple[str, str]] = []
    real = parse_module.extract_code

    def spy(subject: str, text: str) -> str | None:
        seen.append((subject, text))
        return real(subject, text)

    parse_module.extract_code = spy  # type: ignore[assignment]
    try:
        parsed = parse_email(raw)
    finally:
        parse_module.extract_code = real  # type: ignore[assignment]
    assert parsed.platform == "facebook"
    for subject, text in seen:
        assert len(text) <= MAX_TEXT_CHARS and len(subject) <= 1024
        for value in (subject, text):
            longest = max((len(r) for r in re.findall(r"[\w.,+-]+", value)), default=0)
            assert longest <= MAX_RUN + 1
