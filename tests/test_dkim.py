"""Mail with no provider verdict is checked with its own DKIM signature, against real DNS.

dnsmasq serves the test key on loopback; the mail is signed with the matching private key by
dkimpy. Unreachable DNS or a key that is no longer published gives `unverified`: counted,
marked, and its code only printed with `tracker code --unverified`.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dkim
import pytest

from tests.support.dnsserver import free_udp_port, running_dnsmasq
from tests.support.mailfactory import meta_mail
from tracker.dkimdns import make_txt_lookup
from tracker.parse import parse_email

ANNA = "anna@example.org"
T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
SELECTOR = b"s2024"


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """A real 2048-bit RSA key: (private key PEM, DKIM p= value)."""
    folder = tmp_path_factory.mktemp("dkim")
    private = folder / "private.pem"
    subprocess.run(
        ["openssl", "genrsa", "-out", str(private), "2048"], check=True, capture_output=True
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return private.read_bytes(), base64.b64encode(public).decode()


@pytest.fixture(scope="module")
def dns_server(key_pair: tuple[bytes, str]) -> Iterator[str]:
    _, public = key_pair
    records = {
        f"{SELECTOR.decode()}._domainkey.facebookmail.com": f"v=DKIM1; k=rsa; p={public}",
        f"{SELECTOR.decode()}._domainkey.example.net": f"v=DKIM1; k=rsa; p={public}",
        "revoked._domainkey.facebookmail.com": "v=DKIM1; k=rsa; p=",
    }
    with running_dnsmasq(records, local_zones=("facebookmail.com", "example.net")) as server:
        yield server


_VERDICT_FIELDS = re.compile(rb"(?im)^(?:authentication-results|dkim-signature):.*\n(?:[ \t].*\n)*")


def _without_verdict(raw: bytes) -> bytes:
    """The mail as a file export has it: no provider verdict, no signature yet."""
    head, sep, body = raw.partition(b"\n\n")
    return _VERDICT_FIELDS.sub(b"", head + b"\n").rstrip(b"\n") + sep + body


def _unsigned(kind: str = "approved", **kwargs: object) -> bytes:
    return _without_verdict(meta_mail(kind, account=ANNA, sent_at=T0, **kwargs))  # type: ignore[arg-type]


def _signed(
    private: bytes,
    raw: bytes,
    *,
    domain: bytes = b"facebookmail.com",
    selector: bytes = SELECTOR,
) -> bytes:
    headers = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version"]
    signature = dkim.sign(raw, selector, domain, private, include_headers=headers, linesep=b"\n")
    return signature + raw


def _lookup(server: str):  # type: ignore[no-untyped-def]
    return make_txt_lookup({"TRACKER_DNS": server})


def test_a_valid_signature_of_the_from_domain_is_trusted(key_pair, dns_server):
    parsed = parse_email(_signed(key_pair[0], _unsigned()), dkim_lookup=_lookup(dns_server))
    assert (parsed.kind, parsed.trusted, parsed.verified) == ("approved", True, True)


def test_a_changed_body_is_untrusted(key_pair, dns_server):
    raw = _signed(key_pair[0], _unsigned()).replace(b"honour your", b"honor your")
    parsed = parse_email(raw, dkim_lookup=_lookup(dns_server))
    assert (parsed.trusted, parsed.verified) == (False, False)


def test_a_signature_of_another_domain_is_untrusted(key_pair, dns_server):
    raw = _signed(key_pair[0], _unsigned(), domain=b"example.net")
    parsed = parse_email(raw, dkim_lookup=_lookup(dns_server))
    assert parsed.trusted is False


def test_no_signature_at_all_is_untrusted(dns_server):
    parsed = parse_email(_unsigned(), dkim_lookup=_lookup(dns_server))
    assert parsed.trusted is False


def test_a_rotated_away_key_is_unverified(key_pair, dns_server):
    raw = _signed(key_pair[0], _unsigned(), selector=b"s2019")
    parsed = parse_email(raw, dkim_lookup=_lookup(dns_server))
    assert (parsed.kind, parsed.trusted, parsed.verified) == ("approved", True, False)


def test_a_revoked_key_is_unverified(key_pair, dns_server):
    raw = _signed(key_pair[0], _unsigned(), selector=b"revoked")
    parsed = parse_email(raw, dkim_lookup=_lookup(dns_server))
    assert (parsed.trusted, parsed.verified) == (True, False)


def test_unreachable_dns_is_unverified(key_pair):
    dead = f"127.0.0.1:{free_udp_port()}"  # nothing listens there
    parsed = parse_email(_signed(key_pair[0], _unsigned()), dkim_lookup=_lookup(dead))
    assert (parsed.trusted, parsed.verified) == (True, False)


def test_with_authserv_ids_a_mail_without_the_providers_verdict_stays_untrusted(
    key_pair, dns_server
):
    parsed = parse_email(
        _signed(key_pair[0], _unsigned()),
        authserv_ids=["mx.example.org"],
        dkim_lookup=_lookup(dns_server),
    )
    assert parsed.trusted is False


def test_a_prepended_header_copy_is_not_covered_by_the_signature(key_pair, dns_server):
    signed = _signed(key_pair[0], _unsigned())
    replayed = b"To: victim@example.org\n" + signed  # DKIM still verifies the bottom copy
    parsed = parse_email(replayed, dkim_lookup=_lookup(dns_server))
    assert parsed.trusted is False


def _import(run_cli, monkeypatch, tmp_path: Path, raw: bytes, dns: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACKER_DNS", dns)
    mail = tmp_path / "mail.eml"
    mail.write_bytes(raw)
    assert run_cli("import", str(mail)).exit_code == 0


def test_report_and_code_mark_unverified_mail(key_pair, run_cli, monkeypatch, tmp_path):
    now = datetime.now(UTC)
    raw = _without_verdict(
        meta_mail("code", account=ANNA, code="418207", sent_at=now - timedelta(minutes=1))
    )
    _import(
        run_cli,
        monkeypatch,
        tmp_path,
        _signed(key_pair[0], raw),
        f"127.0.0.1:{free_udp_port()}",
    )
    (row,) = json.loads(run_cli("report", "--json").stdout)
    assert (row["account"], row["state"], row["verified"]) == (ANNA, "pending", False)
    assert "unverified" in run_cli("report").stdout
    assert run_cli("code").exit_code != 0  # not printed without --unverified
    shown = run_cli("code", "--unverified", "--json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["code"] == "418207"
    assert json.loads(shown.stdout)["verified"] is False


def test_report_of_verified_mail_says_verified(
    key_pair, dns_server, run_cli, monkeypatch, tmp_path
):
    _import(run_cli, monkeypatch, tmp_path, _signed(key_pair[0], _unsigned()), dns_server)
    (row,) = json.loads(run_cli("report", "--json").stdout)
    assert (row["state"], row["verified"]) == ("approved", True)
