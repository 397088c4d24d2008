"""One word per thing: `rejected` in every output, `declined` accepted on input; platform names in
any case with fb / ig; counts with the right plural."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.mailfactory import meta_mail, write_mbox
from tracker.domain import ACCOUNT_STATES
from tracker.render import plural


@pytest.fixture
def rejected_ledger(run_cli, tmp_path):
    start = datetime.now(UTC) - timedelta(days=3)
    mbox = tmp_path / "mail.mbox"
    write_mbox(
        mbox,
        [
            meta_mail("notice", account="rita@example.org", sent_at=start),
            meta_mail("code", account="rita@example.org", code="418207", sent_at=start),
            meta_mail("rejected", account="rita@example.org", sent_at=start + timedelta(days=1)),
            meta_mail("notice", account="anna@example.org", platform="instagram", sent_at=start),
        ],
    )
    assert run_cli("import", str(mbox)).exit_code == 0
    return run_cli


def test_rejected_is_the_word_in_every_output(rejected_ledger, run_cli):
    text = run_cli("report").stdout
    assert "Objection rejected" in text and "declined" not in text.lower()
    states = {r["account"]: r["state"] for r in json.loads(run_cli("report", "--json").stdout)}
    assert states["rita@example.org"] == "rejected"
    assert "rejected" in run_cli("report", "--csv").stdout
    assert "declined" not in run_cli("report", "--help").stdout.replace("declined means", "")


@pytest.mark.parametrize("word", ["declined", "DECLINED", "rejected", "Rejected"])
def test_declined_is_taken_for_rejected_on_input(rejected_ledger, run_cli, word):
    result = run_cli("report", "--json", "--state", word)
    assert result.exit_code == 0, result.stderr
    assert [r["account"] for r in json.loads(result.stdout)] == ["rita@example.org"]


def test_every_state_is_accepted_by_state(run_cli, rejected_ledger):
    for state in ACCOUNT_STATES:
        assert run_cli("report", "--state", state.upper()).exit_code == 0


@pytest.mark.parametrize(
    ("word", "platform"),
    [
        ("fb", "facebook"),
        ("FB", "facebook"),
        ("Facebook", "facebook"),
        ("ig", "instagram"),
        ("INSTAGRAM", "instagram"),
    ],
)
def test_platform_names_in_any_case_and_short(run_cli, word, platform):
    result = run_cli("account", "add", "kid@example.org", "--platform", word)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Added kid@example.org on {platform}.\n"
    rows = json.loads(run_cli("report", "--json").stdout)
    assert [(r["account"], r["platform"]) for r in rows] == [("kid@example.org", platform)]


def test_code_takes_the_short_platform_names(rejected_ledger, run_cli):
    assert run_cli("code", "--include-expired", "--platform", "FB").stdout == "418207\n"


def test_an_unknown_platform_is_still_a_usage_error(run_cli):
    result = run_cli("account", "add", "kid@example.org", "--platform", "myspace")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


def test_plurals(run_cli, tmp_path):
    assert (plural(0, "account"), plural(1, "account"), plural(2, "account")) == (
        "0 accounts",
        "1 account",
        "2 accounts",
    )
    mail = tmp_path / "one.eml"
    mail.write_bytes(meta_mail("notice", account="solo@example.org"))
    assert run_cli("import", str(mail)).stdout.startswith("Read 1 message: 1 new from Meta")
    assert "1 account: 1 notified." in run_cli("report").stdout
    status = run_cli("status").stdout
    assert "1 account, 1 Meta message, 0 skipped, 0 codes held" in status
    assert run_cli("forget-codes").stdout == "Wiped 0 codes.\n"
