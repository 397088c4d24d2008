"""The text report: local times with the zone named (--utc to switch), JSON always UTC, a
"waiting since" column for pending accounts, and never wider than 100 columns."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.mailfactory import meta_mail, write_mbox
from tracker.render import REPORT_WIDTH

SUMMER = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)  # Berlin: 10:00 CEST
WINTER = datetime(2024, 12, 2, 8, 0, tzinfo=UTC)  # Berlin: 09:00 CET


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def ledger(run_cli, tmp_path):
    mails = [
        meta_mail("notice", account="anna@example.org", sent_at=SUMMER),
        meta_mail("code", account="anna@example.org", code="418207", sent_at=WINTER),
        meta_mail("notice", account="ben@example.org", sent_at=SUMMER),
        meta_mail("code", account="ben@example.org", code="111111", sent_at=SUMMER),
        meta_mail("approved", account="ben@example.org", sent_at=SUMMER + timedelta(hours=3)),
    ]
    mbox = tmp_path / "mail.mbox"
    write_mbox(mbox, mails)
    assert run_cli("import", str(mbox)).exit_code == 0
    return run_cli


def _section(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = lines.index("", start)
    return lines[start + 1 : end]


@pytest.mark.usefixtures("berlin")
def test_text_report_shows_local_time_with_the_zone_for_each_date(ledger):
    text = ledger("report").stdout
    pending = _section(text, "Objection submitted")
    assert pending[0].split() == ["account", "platform", "notified", "waiting", "since", "waiting"]
    anna = next(line for line in pending if line.startswith("anna@"))
    assert "2024-06-01 10:00" in anna  # the notice, in summer time
    assert "2024-12-02 09:00" in anna  # waiting since the code, in winter time
    approved = next(line for line in _section(text, "Objection approved") if "ben@" in line)
    assert "2024-06-01 10:00" in approved and "2024-06-01 13:00" in approved
    assert "Times are local (CEST, CET); --utc shows UTC." in text


@pytest.mark.usefixtures("berlin")
def test_utc_switches_the_text_and_json_is_always_utc(ledger):
    text = ledger("report", "--utc").stdout
    anna = next(line for line in _section(text, "Objection submitted") if "anna@" in line)
    assert "2024-06-01 08:00" in anna and "2024-12-02 08:00" in anna
    assert "Times are UTC." in text
    rows = {r["account"]: r for r in json.loads(ledger("report", "--json").stdout)}
    assert rows["anna@example.org"]["notified_at"] == "2024-06-01T08:00:00+00:00"
    assert rows["anna@example.org"]["submitted_at"] == "2024-12-02T08:00:00+00:00"
    assert "2024-06-01T08:00:00+00:00" in ledger("report", "--csv").stdout


def test_pending_accounts_show_how_long_they_have_waited(ledger):
    anna = next(
        line for line in _section(ledger("report").stdout, "Objection submitted") if "anna@" in line
    )
    waited = (datetime.now(UTC) - WINTER).days
    assert f"{waited}d" in anna.split()


@pytest.mark.usefixtures("berlin")
def test_text_report_fits_in_100_columns(run_cli, tmp_path):
    long_address = "a.very.long.name.that.someone.actually.uses." + "x" * 40 + "@example.org"
    start = datetime(2024, 6, 1, tzinfo=UTC)
    mails = []
    for n, (kinds, platform) in enumerate(
        [
            (("notice",), "instagram"),
            (("notice", "code"), "facebook"),
            (("notice", "code", "approved"), "instagram"),
            (("notice", "code", "rejected"), "facebook"),
        ]
    ):
        for step, kind in enumerate(kinds):
            mails.append(
                meta_mail(
                    kind,
                    account=f"{n}{long_address}",
                    platform=platform,
                    code="418207" if kind == "code" else None,
                    sent_at=start + timedelta(days=step * 30, minutes=n),
                )
            )
    mbox = tmp_path / "mail.mbox"
    write_mbox(mbox, mails)
    assert run_cli("import", str(mbox)).exit_code == 0
    assert run_cli("account", "add", "9" + long_address, "--platform", "ig").exit_code == 0
    for args in (["report"], ["report", "--utc"]):
        text = run_cli(*args).stdout
        assert {"approved", "rejected", "pending", "notified", "no_notice"} <= set(
            text.split("accounts: ")[1].replace(",", " ").replace(".", " ").split()
        )
        widest = max(text.splitlines(), key=len)
        assert len(widest) <= REPORT_WIDTH, widest
        assert "…" in text  # the addresses were cut, not the times
    assert REPORT_WIDTH == 100
