"""Forged Meta mail never changes an account's state and never yields a code.

The trust rule (SECURITY.md): a mail counts only if its single From address is on one of Meta's
sending domains (the address, not the display name) and the receiving provider's verdict, the
topmost Authentication-Results header (or the topmost from a configured authserv-id), does not
say DKIM or DMARC failed. Every test here goes through `tracker import` into a real ledger and
reads the outcome back with `tracker report --json` and `tracker code --include-expired`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.support.mailfactory import meta_mail

ANNA = "anna@example.org"
T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
GENUINE_FROM = b"From: Facebook <notification@facebookmail.com>"
PROVIDER_AR = b"Authentication-Results: mx.example.org; dkim=pass"


def _approval(**kwargs: object) -> bytes:
    return meta_mail("approved", account=ANNA, sent_at=T0 + timedelta(days=3), **kwargs)  # type: ignore[arg-type]


def _code_mail(**kwargs: object) -> bytes:
    return meta_mail("code", account=ANNA, code="418207", sent_at=T0 + timedelta(days=1), **kwargs)  # type: ignore[arg-type]


def _with_from(raw: bytes, new_from: bytes) -> bytes:
    assert GENUINE_FROM in raw
    return raw.replace(GENUINE_FROM, new_from, 1)


def _forwarded(original: bytes) -> bytes:
    """A person forwards a genuine Meta mail, as an attachment and quoted inline."""
    msg = EmailMessage()
    msg["Authentication-Results"] = "mx.example.org; dkim=pass header.d=example.net; dmarc=pass"
    msg["From"] = "Ben <ben@example.net>"
    msg["To"] = ANNA
    msg["Subject"] = "Fwd: Your objection request"
    msg["Date"] = "Wed, 05 Jun 2024 10:00:00 +0000"
    msg["Message-ID"] = "<fwd-1@example.net>"
    inline = original.decode("utf-8", "replace")
    msg.set_content("---------- Forwarded message ---------\n" + inline)
    msg.add_attachment(original, maintype="message", subtype="rfc822")
    return msg.as_bytes()


def _ar_forged_below(raw: bytes) -> bytes:
    """The provider's own (topmost) verdict fails; the sender added a passing one below."""
    top = b"Authentication-Results: mx.example.org; dkim=fail header.d=facebookmail.com; dmarc=fail\r\n"
    return top + raw.replace(b"dkim=fail", b"dkim=pass").replace(b"dmarc=fail", b"dmarc=pass")


def _ar_forged_in_body(raw: bytes) -> bytes:
    """The headers' verdict fails; a passing Authentication-Results sits in the body text."""
    fake = (
        b"Authentication-Results: mx.example.org; dkim=pass header.d=facebookmail.com; dmarc=pass\n"
    )
    return raw.replace(b"Hi Anna,", fake + b"Hi Anna,", 1)


FORGERIES: dict[str, Callable[[Callable[..., bytes]], bytes]] = {
    "lookalike-subdomain": lambda make: _with_from(
        make(), b"From: Facebook <security@facebookmail.com.security-check.net>"
    ),
    "lookalike-digits": lambda make: _with_from(
        make(), b"From: Facebook <security@faceb00kmail.com>"
    ),
    "lookalike-homoglyph": lambda make: _with_from(
        make(), "From: Facebook <security@facebооkmail.com>".encode()
    ),
    "lookalike-alerting-services": lambda make: _with_from(
        make(), b"From: Facebook <facebook@alerting-services.com>"
    ),
    "instagram-com-not-a-sending-domain": lambda make: _with_from(
        make(), b"From: Instagram <security@instagram.com.co>"
    ),
    "display-name-is-meta-address": lambda make: _with_from(
        make(), b'From: "notification@facebookmail.com" <evil@attacker.example>'
    ),
    "display-name-meta-support-on-free-mail": lambda make: _with_from(
        make(), b"From: Meta Support <meta.support.team@gmail.com>"
    ),
    "encoded-word-spelling-a-meta-address": lambda make: _with_from(
        make(), b"From: =?utf-8?q?notification=40facebookmail.com?="
    ),
    "two-from-addresses": lambda make: _with_from(
        make(), b"From: notification@facebookmail.com, evil@attacker.example"
    ),
    "second-from-header": lambda make: _with_from(
        make(), b"From: evil@attacker.example\r\nFrom: Facebook <notification@facebookmail.com>"
    ),
    "dangling-comment-hides-real-address": lambda make: _with_from(
        make(), b"From: @facebookmail.com( <evil@attacker.example>"
    ),
    "from-split-by-bare-cr": lambda make: _with_from(
        make(), b"From: notification@facebookmail.com\ra <evil@attacker.example>"
    ),
    "sender-header-only": lambda make: _with_from(
        make(), b"Sender: notification@facebookmail.com\r\nFrom: evil@attacker.example"
    ),
    "dkim-fail": lambda make: make(auth="fail"),
    "dmarc-fail-only": lambda make: make().replace(b"dmarc=pass", b"dmarc=fail"),
    "dkim-permerror": lambda make: make(auth="permerror"),
    "ar-forged-below-providers": lambda make: _ar_forged_below(make(auth="fail")),
    "ar-forged-in-body": lambda make: _ar_forged_in_body(make(auth="fail")),
    "forwarded-by-a-person": lambda make: _forwarded(make()),
}


@pytest.fixture
def import_mails(run_cli, tmp_path: Path) -> Callable[..., object]:
    def run(*mails: bytes) -> None:
        folder = tmp_path / f"mails-{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        for i, raw in enumerate(mails):
            (folder / f"{i:03d}.eml").write_bytes(raw)
        result = run_cli("import", "--json", str(folder))
        assert result.exit_code == 0, result.stderr

    return run


def _states(run_cli) -> dict[str, str]:
    result = run_cli("report", "--json")
    assert result.exit_code == 0, result.stderr
    return {f"{r['account']}/{r['platform']}": r["state"] for r in json.loads(result.stdout)}


def _newest_code(run_cli) -> str | None:
    result = run_cli("code", "--include-expired", "--login")
    return result.stdout.strip() if result.exit_code == 0 else None


def _genuine_notice() -> bytes:
    return meta_mail("notice", account=ANNA, sent_at=T0, message_id="<notice-1@facebookmail.com>")


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forged_approval_does_not_change_the_state(name, import_mails, run_cli):
    import_mails(_genuine_notice())
    before = _states(run_cli)
    assert before == {f"{ANNA}/facebook": "notified"}
    import_mails(FORGERIES[name](_approval))
    assert _states(run_cli) == before


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forged_code_yields_no_code(name, import_mails, run_cli):
    import_mails(FORGERIES[name](_code_mail))
    assert _newest_code(run_cli) is None
    assert _states(run_cli) == {}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forgery_alone_reveals_no_account(name, import_mails, run_cli):
    import_mails(FORGERIES[name](_approval))
    assert _states(run_cli) == {}


def test_the_genuine_mails_do_count(import_mails, run_cli):
    # The control: without the forgery, the same mails move the state and yield the code.
    import_mails(_genuine_notice(), _code_mail(), _approval())
    assert _states(run_cli) == {f"{ANNA}/facebook": "approved"}
    assert _newest_code(run_cli) == "418207"


# -- authserv_ids: only the user's own provider's header counts ----------------------------


@pytest.fixture
def trust_provider(tmp_path: Path) -> Callable[[str], None]:
    def write(authserv_id: str) -> None:
        # run_cli points XDG_CONFIG_HOME here, so this is the default config file.
        config = tmp_path / "xdg-config" / "tracker" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f'[trust]\nauthserv_ids = ["{authserv_id}"]\n')

    return write


def test_authserv_id_ignores_a_passing_header_from_another_server(
    trust_provider, import_mails, run_cli
):
    trust_provider("mx.example.org")
    # The sender writes a passing verdict in the name of a server that is not the provider.
    forged = _approval(auth="pass").replace(
        b"Authentication-Results: mx.example.org;", b"Authentication-Results: mx.attacker.example;"
    )
    import_mails(_genuine_notice(), forged)
    assert _states(run_cli) == {f"{ANNA}/facebook": "notified"}


def test_authserv_id_finds_the_providers_failing_verdict_below_a_forged_one(
    trust_provider, import_mails, run_cli
):
    trust_provider("mx.example.org")
    # A forged passing header on top, in another server's name; the provider's own says fail.
    forged = (
        b"Authentication-Results: relay.attacker.example; dkim=pass; dmarc=pass\r\n"
        + _approval(auth="fail")
    )
    import_mails(_genuine_notice(), forged)
    assert _states(run_cli) == {f"{ANNA}/facebook": "notified"}


def test_authserv_id_still_trusts_the_providers_pass(trust_provider, import_mails, run_cli):
    trust_provider("MX.Example.org")
    import_mails(_genuine_notice(), _code_mail(), _approval())
    assert _states(run_cli) == {f"{ANNA}/facebook": "approved"}
    assert _newest_code(run_cli) == "418207"


def test_without_authserv_id_a_mail_lacking_any_verdict_is_trusted_but_with_it_is_not(
    trust_provider, import_mails, run_cli
):
    # Documented limit: with no verdict at all, only the From domain decides, unless the user
    # names their provider.
    bare = _approval().replace(PROVIDER_AR, b"X-Removed: 1", 1)
    trust_provider("mx.example.org")
    import_mails(_genuine_notice(), bare)
    assert _states(run_cli) == {f"{ANNA}/facebook": "notified"}
