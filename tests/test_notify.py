"""Notifications from the outbox to real targets on loopback: apprise json:// to an HTTP
server, mailto:// to an SMTP server (aiosmtpd), and a command reading JSON on stdin."""

from __future__ import annotations

import json
import logging
import stat
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.mailfactory import meta_mail
from tests.support.notifyservers import HttpSink, SmtpSink
from tracker.domain import ReadMessage
from tracker.errors import ConfigError
from tracker.ledger import Ledger
from tracker.ledger.eventlog import EventLog
from tracker.notify import deliver_pending
from tracker.notify_config import NotifyTarget, parse_notify_targets
from tracker.parse import parse_email

ACCOUNT = "anna@example.org"


def targets(*entries: dict[str, object]) -> tuple[NotifyTarget, ...]:
    def fail(table: str, message: str, key: str | None) -> ConfigError:
        return ConfigError(f"{table}: {message}")

    return parse_notify_targets(list(entries), fail)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(str(tmp_path / "ledger.db"))
    yield opened
    opened.close()


def record(ledger: Ledger, kind: str, minutes_ago: float, **kwargs: object) -> list[str]:
    sent = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    raw = meta_mail(kind, account=ACCOUNT, sent_at=sent, **kwargs)  # type: ignore[arg-type]
    counts = ledger.record_batch([ReadMessage(f"{kind}-{minutes_ago}", parse_email(raw), "")])
    return [e.event for e in counts.events]


def record_flow(ledger: Ledger) -> None:
    assert record(ledger, "notice", 120) == ["notice"]
    assert record(ledger, "code", 30, code="418207") == ["code"]
    assert record(ledger, "approved", 9) == ["approved"]  # 21 minutes after the code


def hook_script(tmp_path: Path) -> Path:
    """A command target that appends what it reads on stdin to a file."""
    script = tmp_path / "hook.py"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"open({str(tmp_path / 'hook.jsonl')!r}, 'a').write(sys.stdin.read())\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_each_event_reaches_each_matching_target_once_in_order(
    ledger: Ledger, http: HttpSink, smtp: SmtpSink, tmp_path: Path
) -> None:
    hook = hook_script(tmp_path)
    phone, mail, command = targets(
        {"name": "phone", "url": http.url()},
        {"name": "mail", "url": smtp.url(), "events": ["approved", "rejected"]},
        {"name": "hook", "command": [str(hook)], "events": ["code"], "include_code": True},
    )
    record_flow(ledger)
    events = EventLog(ledger.engine)
    assert deliver_pending(events, phone) == 3
    assert deliver_pending(events, mail) == 1
    assert deliver_pending(events, command) == 1
    assert http.messages() == [
        f"notice for {ACCOUNT} (facebook): action needed",
        f"code for {ACCOUNT} (facebook) (enter it in Meta's form)",
        f"approved {ACCOUNT} (facebook) after 21m",
    ]
    assert [post["title"] for post in http.accepted] == [
        "tracker: notice",
        "tracker: code",
        "tracker: approved",
    ]
    assert smtp.bodies() == [f"approved {ACCOUNT} (facebook) after 21m"]
    assert smtp.received[0]["Subject"] == "tracker: approved"
    (line,) = (tmp_path / "hook.jsonl").read_text().splitlines()
    payload = json.loads(line)
    assert {"id", "event", "account", "platform", "at", "turnaround_seconds", "detail"} <= set(
        payload
    )
    assert payload["event"] == "code" and payload["code"] == "418207"  # opted in
    assert "418207" not in json.dumps(http.accepted)  # the others did not
    # Nothing is ever sent twice once it went through.
    for target in (phone, mail, command):
        assert deliver_pending(events, target) == 0
    assert len(http.accepted) == 3 and len(smtp.received) == 1


def test_a_down_target_is_retried_later_and_blocks_neither_recording_nor_others(
    ledger: Ledger, http: HttpSink, smtp: SmtpSink
) -> None:
    phone, mail = targets(
        {"name": "phone", "url": http.url(), "retry_initial_seconds": 30},
        {"name": "mail", "url": smtp.url()},
    )
    events = EventLog(ledger.engine)
    http.down = True
    assert record(ledger, "notice", 120) == ["notice"]
    assert deliver_pending(events, phone) == 0
    assert http.refused == 1
    assert deliver_pending(events, mail) == 1  # the other target is not held up
    # Mail keeps being recorded while the target is down.
    assert record(ledger, "code", 30, code="418207") == ["code"]
    assert record(ledger, "approved", 9) == ["approved"]
    # Not due yet: the backoff holds the retry back, however often the job runs.
    assert deliver_pending(events, phone) == 0
    assert http.refused == 1
    (pending,) = events.undelivered()
    assert pending[:2] == ("phone", 3)
    assert "503" in (pending[2] or ""), pending
    http.down = False
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert deliver_pending(events, phone, now=lambda: later) == 3
    assert http.messages()[0].startswith("notice for") and http.messages()[2].endswith("21m")
    assert events.undelivered() == []


def test_backoff_grows_while_the_target_stays_down(ledger: Ledger, http: HttpSink) -> None:
    (phone,) = targets(
        {"name": "phone", "url": http.url(), "retry_initial_seconds": 10, "retry_max_seconds": 80}
    )
    events = EventLog(ledger.engine)
    http.down = True
    record(ledger, "notice", 5)
    now = datetime.now(UTC)
    waits = []
    for _ in range(6):
        deliver_pending(events, phone, now=lambda at=now: at)
        item = events.next_delivery(phone.id)
        assert item is not None
        waits.append((item[3] - now).total_seconds())
        now = item[3]
    assert http.refused == 6
    assert 5 <= waits[0] <= 10 and all(w <= 80 for w in waits) and waits[-1] >= 40


def test_url_secrets_never_reach_logs_or_the_ledger(
    ledger: Ledger, http: HttpSink, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "S3cretPassw0rd"
    http.down = True
    (phone,) = targets({"url": http.url(credentials=f"me:{secret}")})
    assert secret not in phone.label and secret not in repr(phone)
    record(ledger, "notice", 5)
    assert deliver_pending(EventLog(ledger.engine), phone) == 0
    assert "cannot deliver notice" in caplog.text
    assert secret not in caplog.text
    ledger.close()
    for path in tmp_path.iterdir():
        if path.name.startswith("ledger.db"):
            assert secret.encode() not in path.read_bytes()


def test_history_is_not_announced(ledger: Ledger, http: HttpSink) -> None:
    (phone,) = targets({"name": "phone", "url": http.url()})
    assert record(ledger, "notice", 30 * 24 * 60) == ["notice"]  # a month-old mail read today
    assert deliver_pending(EventLog(ledger.engine), phone) == 0
    assert record(ledger, "code", 5, code="1234") == ["code"]
    assert deliver_pending(EventLog(ledger.engine), phone) == 1


def test_a_target_added_later_starts_from_now(ledger: Ledger, http: HttpSink) -> None:
    (phone,) = targets({"name": "phone", "url": http.url()})
    record(ledger, "notice", 30)
    EventLog(ledger.engine).start_targets([phone.id])
    assert deliver_pending(EventLog(ledger.engine), phone) == 0
    record(ledger, "code", 5, code="1234")
    assert deliver_pending(EventLog(ledger.engine), phone) == 1


def test_notify_test_reports_each_target(run_cli, tmp_path: Path, http: HttpSink, smtp) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[notify]]\nname = "phone"\nurl = "{http.url()}"\n\n'
        f'[[notify]]\nname = "mail"\nurl = "{smtp.url()}"\n\n'
        '[[notify]]\nurl = "json://me:Hidden-Token-9@127.0.0.1:9/x"\n'
    )
    result = run_cli("--config", str(config), "notify", "test")
    assert result.exit_code == 5
    lines = result.stdout.splitlines()
    assert lines[:2] == ["ok    phone", "ok    mail"]
    assert lines[2].startswith("FAIL  json://me:****@127.0.0.1:9/x: ")
    assert "Hidden-Token-9" not in result.stdout + result.stderr
    assert http.messages() == ["tracker: test notification"]
    assert smtp.bodies() == ["tracker: test notification"]
    assert result.stderr == "tracker: 1 notification target(s) failed\n"


def test_config_check_tests_the_notification_targets(
    run_cli, tmp_path: Path, http: HttpSink
) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[notify]]\nname = "phone"\nurl = "{http.url()}"\n\n'
        '[[notify]]\nname = "dead"\nurl = "json://127.0.0.1:9/x"\n'
    )
    result = run_cli("--config", str(config), "config", "check")
    assert result.exit_code == 5
    assert "Notify phone:\n  ok   test message sent\nNotify dead:\n  FAIL " in result.stdout
    assert result.stderr == "tracker: notification target dead failed its test\n"
    assert http.messages() == ["tracker: test notification"]


def test_every_part_of_a_url_that_apprise_hides_is_scrubbed() -> None:
    from tracker.notify import scrub, secrets_of

    (ntfy, mail) = targets(
        {"url": "ntfys://tk_Secret0Token@ntfy.example.org/my-topic"},
        {"url": "mailtos://me:App-Pass-42@smtp.example.org?to=me@example.org"},
    )
    hidden = secrets_of(ntfy) + secrets_of(mail)
    line = "POST to tk_Secret0Token@ntfy.example.org failed; auth App-Pass-42 refused"
    cleaned = scrub(line, hidden)
    assert "tk_Secret0Token" not in cleaned and "App-Pass-42" not in cleaned
    assert "ntfy.example.org" in cleaned and "my-topic" not in hidden
    assert "Secret0Token" not in ntfy.label and "App-Pass-42" not in mail.label
