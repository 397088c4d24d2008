"""Events: derived once from the ledger's history, listed by `tracker events`, stuck detection,
and the notification configuration's one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.mailfactory import meta_mail
from tests.support.paths import SAMPLES
from tracker.domain import ReadMessage
from tracker.events import FlowMessage, StuckRule, derive_events, stuck_after_seconds
from tracker.jobs import check_stuck, reconcile_events
from tracker.ledger import Ledger
from tracker.ledger.eventlog import EventLog
from tracker.parse import parse_email

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)


def flow(kind: str, minutes: float, key: str | None = None) -> FlowMessage:
    return FlowMessage(0, key or f"{kind}-{minutes}", kind, T0 + timedelta(minutes=minutes))


def names(messages: list[FlowMessage]) -> list[str]:
    return [e.event for e in derive_events(messages)]


def test_each_step_of_the_flow_is_one_event_with_the_decisions_turnaround() -> None:
    events = derive_events([flow("notice", 0), flow("code", 60), flow("approved", 81)])
    assert [e.event for e in events] == ["notice", "code", "approved"]
    assert events[2].turnaround_seconds == 21 * 60
    assert events[2].source == "approved-81"
    assert names([flow("notice", 0), flow("received", 5), flow("rejected", 65)]) == [
        "notice",
        "submitted",
        "rejected",
    ]


def test_repeats_that_change_nothing_are_not_events() -> None:
    # A reminder notice, a second notice after the objection: nothing new for the user.
    assert names([flow("notice", 0), flow("notice", 10)]) == ["notice"]
    assert names([flow("notice", 0), flow("code", 5), flow("notice", 9)]) == ["notice", "code"]
    # Another code while pending is news (the user is at the form again).
    assert names([flow("code", 5), flow("code", 9)]) == ["code", "code"]
    # Objecting again after a decision opens a new round, decided again.
    assert names(
        [flow("code", 0), flow("rejected", 5), flow("code", 10), flow("approved", 15)]
    ) == [
        "code",
        "rejected",
        "code",
        "approved",
    ]


def test_a_late_arriving_older_message_does_not_undo_a_decision() -> None:
    # The approval was recorded first; the (older) code read afterwards changes no state.
    assert names([flow("approved", 30), flow("code", 0)]) == ["approved"]


def test_stuck_threshold_is_the_platforms_p90_or_the_fallback() -> None:
    rule = StuckRule()
    assert stuck_after_seconds([], rule) == 48 * 3600
    assert stuck_after_seconds([60.0, 120.0], rule) == 48 * 3600  # under min_history
    history = [float(m * 60) for m in range(1, 11)]
    assert stuck_after_seconds(history, rule) == pytest.approx(9.1 * 60)
    assert stuck_after_seconds([], StuckRule(fallback_hours=2)) == 7200


def read(raw: bytes, source: str) -> ReadMessage:
    return ReadMessage(source, parse_email(raw), "")


@pytest.fixture
def ledger(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = Ledger.open(str(tmp_path / "ledger.db"))
    yield opened
    opened.close()


def test_recording_yields_events_once_however_often_the_mail_is_seen(ledger: Ledger) -> None:
    mails = [
        read(meta_mail("notice", account="anna@example.org", sent_at=T0), "a"),
        read(
            meta_mail(
                "code", account="anna@example.org", code="418207", sent_at=T0 + timedelta(hours=1)
            ),
            "b",
        ),
    ]
    first = ledger.record_batch(mails)
    assert [e.event for e in first.events] == ["notice", "code"]
    assert ledger.record_batch(mails).events == []
    approval = read(
        meta_mail(
            "approved", account="anna@example.org", sent_at=T0 + timedelta(hours=1, minutes=21)
        ),
        "c",
    )
    (approved,) = ledger.record_batch([approval]).events
    assert approved.event == "approved" and approved.turnaround_seconds == 21 * 60
    assert ledger.record_batch([approval]).events == []
    assert reconcile_events(ledger) == []  # nothing was missed
    listed = EventLog(ledger.engine).list_events()
    assert [e.event for e in listed] == ["notice", "code", "approved"]
    assert all(e.account == "anna@example.org" and e.platform == "facebook" for e in listed)


def test_untrusted_mail_makes_no_event(ledger: Ledger) -> None:
    forged = read(meta_mail("approved", account="eve@example.org", auth="fail"), "x")
    assert ledger.record_batch([forged]).events == []


def test_reconciliation_finds_events_of_messages_recorded_without_them(ledger: Ledger) -> None:
    from sqlalchemy import text

    ledger.record_batch([read(meta_mail("notice", account="bo@example.org", sent_at=T0), "a")])
    with ledger.engine.begin() as conn:  # as a ledger written before events existed
        conn.execute(text("DELETE FROM event"))
    (found,) = reconcile_events(ledger) or []
    assert found.event == "notice" and found.account == "bo@example.org"
    assert reconcile_events(ledger) == []
    # A period already done is not run again.
    assert reconcile_events(ledger, period="p1") == []
    assert reconcile_events(ledger, period="p1") is None


def test_stuck_once_per_round_past_the_fallback(ledger: Ledger) -> None:
    sent = T0
    ledger.record_batch(
        [read(meta_mail("code", account="cy@example.org", code="123456", sent_at=sent), "a")]
    )
    rule = StuckRule(fallback_hours=48)
    assert check_stuck(ledger, rule, now=sent + timedelta(hours=47)) == []
    (stuck,) = check_stuck(ledger, rule, now=sent + timedelta(hours=49)) or []
    assert stuck.event == "stuck" and stuck.account == "cy@example.org"
    assert "no history" in (stuck.detail or "")
    assert check_stuck(ledger, rule, now=sent + timedelta(hours=72)) == []  # same round
    assert check_stuck(ledger, StuckRule(fallback_hours=1), now=sent + timedelta(hours=2)) == []


def test_stuck_uses_the_platforms_own_history(ledger: Ledger) -> None:
    batch = []
    for n in range(5):  # five decided in 10 minutes each
        account = f"fast{n}@example.org"
        batch.append(read(meta_mail("code", account=account, code="111111", sent_at=T0), f"c{n}"))
        decided = T0 + timedelta(minutes=10)
        batch.append(read(meta_mail("approved", account=account, sent_at=decided), f"d{n}"))
    batch.append(read(meta_mail("code", account="slow@example.org", code="2222", sent_at=T0), "s"))
    ledger.record_batch(batch)
    (stuck,) = check_stuck(ledger, StuckRule(), now=T0 + timedelta(minutes=30)) or []
    assert stuck.account == "slow@example.org"
    assert "p90 of 5 facebook decisions" in (stuck.detail or "")


# ----------------------------------------------------------------------------- CLI


def test_events_command_lists_json_with_the_documented_fields(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(SAMPLES)).exit_code == 0
    result = run_cli("events", "--json", "--account", "anna.k@example.org")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["event"] for r in rows] == ["notice", "code", "approved"]
    assert set(rows[0]) == {
        "id",
        "event",
        "account",
        "platform",
        "at",
        "turnaround_seconds",
        "detail",
    }
    assert rows[2]["turnaround_seconds"] == 21 * 60
    assert "418207" not in result.stdout
    text = run_cli("events", "--since", "2025-05-21")
    assert "approved camille.dubois@example.fr (facebook) after 1d 14h" in text.stdout
    assert "anna.k@example.org" not in text.stdout
    assert run_cli("events", "--since", "1d").stdout == "No events.\n"
    bad = run_cli("events", "--since", "yesterday-ish")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            '[[notify]]\nname = "phone"\nurl = "json://127.0.0.1/x"\nevents = ["aproved"]\n',
            "[[notify]] 'phone': unknown event 'aproved' (did you mean 'approved'?)",
        ),
        (
            '[[notify]]\nurl = "nosuchscheme://token@host"\n',
            "[[notify]] #1: apprise cannot use the URL (scheme 'nosuchscheme')",
        ),
        (
            '[[notify]]\nname = "hook"\ncommand = ["{noexec}"]\n',
            "[[notify]] 'hook': command '{noexec}' is not an executable file",
        ),
        (
            '[[notify]]\nname = "hook"\ncommand = ["no-such-program-x"]\n',
            "[[notify]] 'hook': command 'no-such-program-x' is not an executable file",
        ),
        ('[digest]\ncron = "0 8 * * mondays"\n', "[digest]: cron '0 8 * * mondays' does not parse"),
        (
            '[[notify]]\nname = "x"\nurl = "json://h/"\ninclude_codes = true\n',
            "[[notify]] 'x': unknown key 'include_codes' (did you mean 'include_code'?)",
        ),
    ],
)
def test_bad_notification_config_is_one_line_naming_the_entry(
    run_cli, tmp_path: Path, entry: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    noexec = tmp_path / "hook.sh"
    noexec.write_text("#!/bin/sh\n")
    noexec.chmod(0o644)
    entry, expected = (t.replace("{noexec}", str(noexec)) for t in (entry, expected))
    config = tmp_path / "config.toml"
    config.write_text(entry)
    result = run_cli("--config", str(config), "notify", "test")
    assert result.exit_code == 5
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "token" not in result.stderr


def test_the_readmes_notification_example_loads(tmp_path: Path) -> None:
    from tests.support.paths import ROOT
    from tracker.config import load_settings

    readme = (ROOT / "README.md").read_text()
    start = readme.index("# ntfy: code, decisions")
    example = readme[start : readme.index("```", start)]
    config = tmp_path / "config.toml"
    config.write_text(example.replace("/usr/local/bin/on-objection-event", "/bin/true"))
    settings = load_settings(config)
    assert [t.label for t in settings.notify] == ["phone", "mail", "hook"]
    assert settings.notify[0].include_code and settings.digest is not None


def test_a_kind_that_is_an_event_by_itself_is_announced_without_changing_the_state() -> None:
    assert names([flow("notice", 0), flow("unrecognised", 5)]) == ["notice", "unrecognised"]


def test_the_fold_gets_what_the_message_says_besides_its_kind() -> None:
    from dataclasses import fields

    from tracker.domain import LifecycleEvent

    message = FlowMessage(1, "k", "notice", T0, purpose=None, detail="https://example.org/form")
    event = message.lifecycle_event()
    assert (event.kind, event.sent_at) == ("notice", T0)
    known = {f.name for f in fields(LifecycleEvent)}
    assert ("detail" in known) == (getattr(event, "detail", None) == "https://example.org/form")


def test_a_notify_error_never_points_at_another_tables_line(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text('[ledger]\nurl = "x.db"\n\n[[notify]]\nurl = "nosuchscheme://a@b"\n')
    result = run_cli("--config", str(config), "notify", "test")
    assert result.exit_code == 5
    assert result.stderr == (
        f"tracker: {config}: [[notify]] #1: apprise cannot use the URL (scheme 'nosuchscheme')\n"
    )


def test_states_reached_other_than_by_mail_are_announced_once(ledger: Ledger) -> None:
    from dataclasses import replace

    from tracker.sync import import_paths

    import_paths(ledger, [SAMPLES])
    events = EventLog(ledger.engine)
    reports = ledger.account_reports()
    assert events.reconcile_states(reports) == []  # mail-driven events already say it all
    # As if the user corrected one account by hand: the fold now says approved.
    pending = next(r for r in reports if r.state == "pending")
    decided = datetime(2025, 6, 1, tzinfo=UTC)
    corrected = replace(pending, state="approved", decided_at=decided, turnaround_seconds=60.0)
    (announced,) = events.reconcile_states([corrected])
    assert (announced.event, announced.account, announced.at) == (
        "approved",
        pending.account,
        decided,
    )
    assert announced.turnaround_seconds == 60.0
    assert events.reconcile_states([corrected]) == []


def test_a_state_set_by_hand_becomes_an_event_at_once(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(SAMPLES)).exit_code == 0
    before = run_cli("events", "--json", "--account", "tom.hughes@example.net").stdout
    assert [json.loads(line)["event"] for line in before.splitlines()] == ["notice"]
    result = run_cli(
        "account",
        "set",
        "tom.hughes@example.net",
        "--platform",
        "facebook",
        "--state",
        "approved",
        "--at",
        "2025-06-01T10:00",
    )
    assert result.exit_code == 0, result.stderr
    after = run_cli("events", "--json", "--account", "tom.hughes@example.net").stdout
    rows = [json.loads(line) for line in after.splitlines()]
    assert [r["event"] for r in rows] == ["notice", "approved"]
    assert rows[1]["at"] == "2025-06-01T10:00:00+00:00"
    again = run_cli("events", "--json", "--account", "tom.hughes@example.net").stdout
    assert again == after
