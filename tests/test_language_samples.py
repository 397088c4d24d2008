"""Every built-in language has its wording as data and samples of every kind that matters."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict

import pytest

from tests.support.paths import PUBLIC_CORPUS, ROOT, SAMPLES
from tracker.parse.rules import LANGUAGE_CODES, RULE_FIELDS, load_languages

LANGUAGE_SAMPLES = SAMPLES / "languages"
REQUIRED_KINDS = {"notice", "code", "received", "approved", "rejected", "info_requested"}
# Regional usage Meta writes in, each with samples of its own.
REQUIRED_VARIANTS = {"en-GB", "en-US", "pt-PT", "pt-BR", "de-CH", "fr-CH", "it-CH"}
# The 24 official EU languages, Norwegian and Icelandic.
EEA_LANGUAGES = set(
    [
        "bg",
        "cs",
        "da",
        "de",
        "el",
        "en",
        "es",
        "et",
        "fi",
        "fr",
        "ga",
        "hr",
        "hu",
        "it",
        "lt",
        "lv",
        "mt",
        "nl",
        "pl",
        "pt",
        "ro",
        "sk",
        "sl",
        "sv",
        "nb",
        "is",
    ]
)


def _samples() -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    for path in sorted(LANGUAGE_SAMPLES.rglob("*.expected.json")):
        found[path.parent.name].append(json.loads(path.read_text()))
    return found


def test_every_eea_language_is_built_in():
    assert set(LANGUAGE_CODES) == EEA_LANGUAGES


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_each_language_has_notice_code_acknowledgement_decision_and_info_samples(language):
    kinds = {s["kind"] for s in _samples()[language]}
    assert kinds >= REQUIRED_KINDS, f"{language} lacks {sorted(REQUIRED_KINDS - kinds)}"


def test_regional_variants_have_samples():
    variants = {s["variant"] for samples in _samples().values() for s in samples}
    assert variants >= REQUIRED_VARIANTS


def test_samples_exist_only_for_built_in_languages():
    assert set(_samples()) == set(LANGUAGE_CODES)


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_each_language_has_every_rule_with_more_than_one_phrasing(language):
    rules = load_languages()[language]
    for field in RULE_FIELDS:
        pattern = getattr(rules, field)
        re.compile(pattern)
        if field in ("ai_at_meta", "approve", "decline", "acknowledge", "info_requested", "login"):
            assert "|" in pattern, f"{language}.{field} has a single phrasing"


def test_the_generator_reproduces_every_language_sample():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_language_samples.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_of_the_detected_languages_classify_as_all_languages_would():
    """The fast path (only the languages a mail is written in) against the plain one (all)."""
    from tracker.parse.classify import LANGUAGES, classify_message, extract_links
    from tracker.parse.codes import extract_code
    from tracker.parse.mime import read_body, read_headers

    paths = [*SAMPLES.rglob("*.eml"), *(p for p in PUBLIC_CORPUS.rglob("*") if p.is_file())]
    compared = 0
    for path in paths:
        raw = path.read_bytes()
        try:
            headers, body = read_headers(raw), read_body(raw)
        except Exception:  # malformed mail never reaches the classifier
            continue
        links = extract_links(body.plain, *body.html_parts)
        has_code = extract_code(headers.subject, body.text) is not None
        args = (headers.subject, body.text)
        fast = classify_message(*args, has_code=has_code, trusted=True, links=links)
        plain = classify_message(
            *args, has_code=has_code, trusted=True, links=links, languages=frozenset(LANGUAGES)
        )
        assert fast == plain, path
        compared += 1
    assert compared > 250
