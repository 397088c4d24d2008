"""`tracker report --html` in a real browser: headless Chromium (Debian's), driven by Selenium
through chromium-driver, checking what a person sees, on a phone and on a desktop screen.

The screenshots are kept as test artifacts in test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.paths import ROOT, SAMPLES
from tracker.html_report import render_html
from tracker.ledger import Ledger
from tracker.ledger.eventlog import EventLog

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "test-artifacts"


def test_page_is_self_contained_and_escapes_what_the_ledger_holds(tmp_path: Path) -> None:
    from tracker.domain import AccountReport
    from tracker.lifecycle import Lifecycle

    report = AccountReport(
        "<script>x</script>@example.org", "facebook", "notified", None, None, None, None
    )
    life = Lifecycle("notified", None, None, None, None)
    page = render_html([(report, life)], [], now=datetime(2026, 12, 1, tzinfo=UTC))
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    for needle in ("http://", "https://", "<script", "src=", "@import", "url("):
        assert needle not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.fixture
def report_file(run_cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(SAMPLES)).exit_code == 0
    out = tmp_path / "report.html"
    result = run_cli("report", "--html", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {out} (")
    return out


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("needs chromium and chromium-driver (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.slow
def test_report_reads_well_in_chromium_on_a_phone_and_a_desktop(
    browser, report_file: Path, ledger_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    from tracker.render import STATE_TITLES

    ledger = Ledger.open(str(ledger_path))
    reports = ledger.account_reports()
    ledger.close()
    ARTIFACTS.mkdir(exist_ok=True)
    for name, (width, height) in {"phone": (390, 844), "desktop": (1280, 900)}.items():
        browser.set_window_size(width, height)
        browser.get(report_file.as_uri())
        text = browser.find_element(By.TAG_NAME, "body").text
        headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "h1, h2")]
        assert headings == [
            "Objections to AI at Meta",
            "How long Meta takes",
            "Accounts by state",
        ]
        notified = sum(1 for r in reports if r.state == "notified")
        assert f"{STATE_TITLES['notified']} ({notified})" in text
        assert "Next: Object now with Meta's form" in text
        # The timeline of one account, as a person reads it.
        anna = browser.find_element(By.XPATH, "//article[strong[text()='anna.k@example.org']]").text
        assert "approved" in anna and "decided after 21m" in anna
        assert "notice: action needed" in anna and "confirmation code arrived" in anna
        assert "approved after 21m" in anna
        assert "418207" not in browser.page_source  # codes are never shown
        # The charts are there and drawn at a readable size.
        histogram = browser.find_element(By.CSS_SELECTOR, "svg.histogram")
        assert histogram.is_displayed()
        inner = browser.execute_script("return document.documentElement.clientWidth")
        assert histogram.size["width"] >= min(inner - 60, 400), histogram.size
        assert histogram.size["height"] > 150
        bars = browser.find_elements(By.CSS_SELECTOR, "svg.histogram rect")
        assert len(bars) == 8 and any(float(b.get_attribute("height")) > 0 for b in bars)
        assert browser.find_element(By.CSS_SELECTOR, "svg.platforms").size["height"] > 50
        # Nothing wider than the screen: no sideways scrolling on a phone.
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: page is {overflow}px wider than the window"
        browser.save_screenshot(str(ARTIFACTS / f"report-{name}-screen.png"))
        page_height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(page_height, 4000))
        browser.save_screenshot(str(ARTIFACTS / f"report-{name}.png"))
        assert (ARTIFACTS / f"report-{name}.png").stat().st_size > 10_000


def test_the_page_counts_events_of_every_account(tmp_path: Path) -> None:
    from tracker.sync import import_paths

    ledger = Ledger.open(str(tmp_path / "l.db"))
    import_paths(ledger, [SAMPLES])
    lifecycles = ledger.account_lifecycles()
    events = EventLog(ledger.engine).list_events()
    page = render_html(lifecycles, events, now=datetime(2026, 12, 1, tzinfo=UTC))
    ledger.close()
    assert len(lifecycles) >= 19
    assert page.count('<article class="account">') == len(lifecycles)
    assert page.count("<li><time") == sum(1 for e in events if e.account is not None)


def test_a_notified_account_links_to_the_form_its_notice_named() -> None:
    from tracker.domain import AccountReport, Event
    from tracker.lifecycle import Lifecycle

    at = datetime(2026, 11, 30, tzinfo=UTC)
    report = AccountReport("ann@example.org", "facebook", "notified", at, None, None, None)
    form = "https://www.facebook.com/help/contact/712876720715583?a=1&b=<2>"
    notice = Event(1, "notice", "ann@example.org", "facebook", at, None, form, at)
    page = render_html(
        [(report, Lifecycle("notified", at, None, None, None))],
        [notice],
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert (
        '<a href="https://www.facebook.com/help/contact/712876720715583?a=1&amp;b=&lt;2&gt;"'
        in page
    )
