"""Unit tests of the pure parser pieces: codes, validity, trust, platform, kind."""

from __future__ import annotations

import pytest

from tests.support.mailfactory import meta_mail
from tracker.parse import parse_email
from tracker.parse.classify import classify_kind, platform_of_domain
from tracker.parse.codes import extract_code, extract_validity_minutes
from tracker.parse.trust import judge_verdict


@pytest.mark.parametrize(
    ("subject", "text", "expected"),
    [
        ("FB-56099 is your Facebook confirmation code", "", "56099"),
        ("244 340 is your Instagram code", "", "244340"),
        ("123456 is your Threads code", "", "123456"),
        ("Your Facebook Security Code", "Your security code is: 83920174", "83920174"),
        ("Bestätige deinen Widerspruch", "Dein Bestätigungscode lautet: 418207", "418207"),
        ("", "Twój kod weryfikacyjny to 552310. Kod wygasa za 10 minut.", "552310"),
        ("", "Il tuo codice è 731 904", "731904"),
        ("", "Din verifieringskod: 660123", "660123"),
        (
            "",
            "On 12.09.2024 at 09:40 you asked us (Reference 1234567890) to review your request at "
            "https://www.facebook.com/help/contact/6359191084165019. Call +44 20 7946 0958 or "
            "pay €1234. Your code is 418207.",
            "418207",
        ),
        ("", "Your request 2024 was received on 12 September 2024.", None),
        ("", "Order 123456 has shipped.", None),
        ("", "Meet me at 10:30, room 4521.", None),
    ],
)
def test_extract_code(subject, text, expected):
    assert extract_code(subject, text) == expected


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("This code expires in 10 minutes.", 10),
        ("Der Code ist 15 Minuten lang gültig.", 15),
        ("Ce code expire dans 30 minutes.", 30),
        ("El código caduca en 20 minutos.", 20),
        ("Il codice scade tra 10 minuti.", 10),
        ("De code verloopt over 15 minuten.", 15),
        ("Kod wygasa za 10 minut.", 10),
        ("O código expira em 1 hora.", 60),
        ("Koden är giltig i 2 timmar.", 120),
        ("This code is valid for one hour.", 60),
        ("See you in 5 minutes.", None),
        ("No validity here.", None),
    ],
)
def test_extract_validity(text, minutes):
    assert extract_validity_minutes(text) == minutes


@pytest.mark.parametrize(
    ("domain", "platform"),
    [
        ("facebookmail.com", "facebook"),
        ("priority.facebookmail.com", "facebook"),
        ("support.facebook.com", "facebook"),
        ("fb.com", "facebook"),
        ("account.meta.com", "meta"),
        ("global.metamail.com", "meta"),
        ("mail.instagram.com", "instagram"),
        ("support.instagram.com", "instagram"),
        ("instagram.com", None),
        ("facebookmail.com.security-check.net", None),
        ("xfacebookmail.com", None),
        ("meta-support.com", None),
        ("alerting-services.com", None),
        (None, None),
    ],
)
def test_platform_of_domain(domain, platform):
    assert platform_of_domain(domain) == platform


def _trust(headers: list[str], **kwargs: object) -> str | None:
    return judge_verdict(headers, "facebookmail.com", **kwargs).trust  # type: ignore[arg-type]


def test_topmost_authentication_results_names_the_provider():
    provider_fail = "mx.example.org; dkim=fail header.d=facebookmail.com; dmarc=fail"
    forged_pass = "mx.example.org; dkim=pass header.d=facebookmail.com; dmarc=pass"
    assert _trust([forged_pass]) == "trusted"
    # Every header with the provider's id counts: a pass below its fail changes nothing.
    assert _trust([provider_fail, forged_pass]) == "untrusted"
    assert _trust([]) is None  # no verdict: the DKIM check decides
    assert _trust(["mx.example.org; spf=pass; dkim=pass; dmarc=fail (p=reject)"]) == "untrusted"


def test_authserv_id_selects_the_providers_header():
    forged_top = "evil.example; dkim=pass header.d=facebookmail.com; dmarc=pass"
    provider = "mx.google.com; dkim=fail header.d=facebookmail.com; dmarc=fail"
    assert _trust([forged_top, provider]) == "trusted"
    assert _trust([forged_top, provider], authserv_ids=["mx.google.com"]) == "untrusted"
    assert _trust([forged_top], authserv_ids=["mx.google.com"]) == "untrusted"


def test_notice_conditional_honour_is_not_an_approval():
    text = (
        "We're getting ready to expand AI at Meta. You have the right to object. "
        "If your objection is honoured, we won't use your information."
    )
    assert classify_kind("Privacy update", text, has_code=False) == "notice"


def test_privacy_update_without_right_to_object_is_other():
    text = "We're updating our Privacy Policy. From 16 December we'll use your interactions with Meta AI to personalise ads."
    assert classify_kind("Privacy Policy update", text, has_code=False) == "other"


def test_spoofed_meta_sender_keeps_kind_but_is_untrusted_and_has_no_code():
    raw = meta_mail("code", account="a@example.org", code="418207", auth="fail")
    parsed = parse_email(raw)
    assert (parsed.kind, parsed.trusted, parsed.code, parsed.code_purpose) == (
        "code",
        False,
        None,
        None,
    )


def test_lookalike_sender_is_other():
    raw = meta_mail("approved", account="a@example.org").replace(
        b"notification@facebookmail.com", b"notification@facebookmail.com.security-check.net"
    )
    parsed = parse_email(raw)
    assert (parsed.kind, parsed.platform, parsed.trusted) == ("other", None, False)


def test_display_name_spoof_is_other():
    raw = meta_mail("approved", account="a@example.org").replace(
        b"Facebook <notification@facebookmail.com>",
        b'"security@facebookmail.com" <meta.support@gmail.com>',
    )
    assert parse_email(raw).kind == "other"


def test_naive_date_is_read_as_utc_and_missing_date_is_an_error():
    raw = meta_mail("notice", account="a@example.org")
    head, body = raw.split(b"\n\n", 1)
    lines = [line for line in head.split(b"\n") if not line.startswith(b"Date:")]
    no_date = parse_email(b"\n".join(lines) + b"\n\n" + body)
    assert no_date.error == "no Date header" and no_date.kind == "notice"
    naive = parse_email(
        b"\n".join([*lines, b"Date: Thu, 12 Sep 2024 09:40:00 -0000"]) + b"\n\n" + body
    )
    assert naive.sent_at is not None and naive.sent_at.isoformat() == "2024-09-12T09:40:00+00:00"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", "empty message"),
        (b"\x00\x01\x02binary", "binary data, not an email (NUL bytes in the header)"),
        (b"just some text\nwithout headers\n", "not an email (the first line is not a header)"),
    ],
)
def test_unreadable_bytes(raw, error):
    parsed = parse_email(raw)
    assert (parsed.kind, parsed.trusted, parsed.error) == ("other", False, error)


def test_nearest_word_distance_matches_brute_force():
    from hypothesis import given
    from hypothesis import strategies as st

    from tracker.parse.codes import _distance_to_nearest

    @given(
        st.lists(st.integers(0, 500), min_size=1, unique=True),
        st.integers(0, 500),
        st.integers(0, 20),
    )
    def check(words, start, width):
        words.sort()
        end = start + width
        brute = min(min(abs(start - w), abs(end - w)) for w in words)
        assert _distance_to_nearest(words, start, end) == brute

    check()
