"""Recognition that survives rewording: the flow's own order, evidence beyond wording, review,
corrections by hand, rules in the config and rescans; each on a real SQLite ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.mailfactory import meta_mail, write_mbox
from tracker.domain import LifecycleEvent
from tracker.lifecycle import fold_lifecycle
from tracker.parse import parse_email

ANNA = "anna@example.org"
FORM = "https://www.facebook.com/help/contact/712876720715583"
# Welsh: a language the tool was never taught. Meta's mail can follow the account's language.
WELSH_APPROVAL = (
    "Eich cais",
    "Helo Anna,\n\nByddwn yn parchu eich gwrthwynebiad i ddefnyddio eich gwybodaeth gyhoeddus. "
    f"Gallwch weld eich cais yma: {FORM}",
)


def T(hour: int, minute: int = 0, *, d: int = 12) -> datetime:
    return datetime(2025, 5, d, hour, minute, tzinfo=UTC)


def _import(run_cli, tmp_path, mails, name="inbox.mbox"):
    path = tmp_path / name
    write_mbox(path, mails)
    result = run_cli("import", str(path))
    assert result.exit_code in (0, 1), result.stderr
    return path


def _report(run_cli) -> list[dict]:
    result = run_cli("report", "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- 1. the flow's own order ---------------------------------------------------------------


def test_a_code_naming_no_purpose_parses_as_unknown_and_a_login_code_as_login():
    unnamed = parse_email(meta_mail("code-unnamed", account=ANNA, code="418207"))
    assert (unnamed.kind, unnamed.code, unnamed.code_purpose) == ("code", "418207", "unknown")
    login = parse_email(
        meta_mail(
            "code",
            account=ANNA,
            wording=("Your security code", "Your security code is {code}. Use it to log in."),
            code="123456",
        )
    )
    assert login.code_purpose == "login"


def test_unnamed_code_between_notice_and_approval_is_pending_then_turnaround(run_cli, tmp_path):
    notice = meta_mail("notice", account=ANNA, sent_at=T(9, 0))
    code = meta_mail("code-unnamed", account=ANNA, code="418207", sent_at=T(9, 40))
    _import(run_cli, tmp_path, [notice, code], "a.mbox")
    [before] = _report(run_cli)
    assert (before["state"], before["submitted_at"]) == ("pending", T(9, 40).isoformat())

    _import(run_cli, tmp_path, [meta_mail("approved", account=ANNA, sent_at=T(10, 1))], "b.mbox")
    [after] = _report(run_cli)
    assert after["state"] == "approved"
    assert after["turnaround_seconds"] == 21 * 60


def test_unnamed_code_with_no_flow_open_is_left_out(run_cli, tmp_path):
    _import(run_cli, tmp_path, [meta_mail("code-unnamed", account=ANNA, code="418207")])
    assert _report(run_cli) == []


def test_unnamed_code_followed_by_a_decision_within_48_hours_counts_without_a_notice():
    events = [
        LifecycleEvent("code", T(9, 0), "unknown"),
        LifecycleEvent("approved", T(9, 0) + timedelta(hours=47)),
    ]
    life = fold_lifecycle(events)
    assert life.submitted_at == T(9, 0)
    late = [events[0], LifecycleEvent("approved", T(9, 0) + timedelta(hours=49))]
    assert fold_lifecycle(late).submitted_at is None


def test_login_codes_never_count_even_inside_an_open_flow():
    life = fold_lifecycle([LifecycleEvent("notice", T(8)), LifecycleEvent("code", T(9), "login")])
    assert life.state == "notified"


def test_code_prints_unknown_codes_and_login_codes_only_with_login(run_cli, tmp_path):
    now = datetime.now(UTC)
    login = meta_mail(
        "code",
        account=ANNA,
        code="654321",
        sent_at=now,
        wording=(
            "Your security code",
            "Your security code is {code}. Use it to log in to Facebook.",
        ),
    )
    unnamed = meta_mail(
        "code-unnamed", account=ANNA, code="418207", sent_at=now - timedelta(minutes=1)
    )
    _import(run_cli, tmp_path, [login, unnamed])
    assert run_cli("code").stdout.strip() == "418207"
    assert run_cli("code", "--login").stdout.strip() == "654321"


_KINDS = st.sampled_from(
    ["notice", "code", "received", "info_requested", "approved", "rejected", "other"]
)
_EVENTS = st.lists(
    st.builds(
        LifecycleEvent,
        _KINDS,
        st.integers(0, 200).map(lambda h: T(0) + timedelta(hours=h)),
        st.sampled_from([None, "objection", "unknown", "login"]),
        st.sampled_from([None, "A1", "B2"]),
        st.sampled_from(["mail", "manual"]),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(_EVENTS, st.randoms(use_true_random=False))
def test_the_fold_is_pure_and_order_independent(events, rng):
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert fold_lifecycle(shuffled) == fold_lifecycle(events)


# -- 2. more information needed ------------------------------------------------------------


def test_info_requested_keeps_the_case_number_and_a_later_code_moves_on(run_cli, tmp_path):
    mails = [
        meta_mail("notice", account=ANNA, sent_at=T(8)),
        meta_mail("code", account=ANNA, code="418207", sent_at=T(9)),
        meta_mail("info_requested", account=ANNA, sent_at=T(10)),
    ]
    _import(run_cli, tmp_path, mails, "a.mbox")
    [line] = _report(run_cli)
    assert (line["state"], line["reference"]) == ("info_requested", "10293847")
    assert "Meta asked for more: reply to their mail" in run_cli("report").stdout

    _import(
        run_cli, tmp_path, [meta_mail("code", account=ANNA, code="1234", sent_at=T(11))], "b.mbox"
    )
    [line] = _report(run_cli)
    assert line["state"] == "pending"


# -- 3. evidence that does not depend on wording -------------------------------------------


def test_short_notice_with_form_link_and_ai_term_is_a_notice_with_its_link(run_cli, tmp_path):
    short = meta_mail(
        "notice",
        account=ANNA,
        sent_at=T(8),
        wording=("AI at Meta", f"Learn how we use your information for AI at Meta.\n\n{FORM}"),
    )
    parsed = parse_email(short)
    assert (parsed.kind, parsed.form_link) == ("notice", FORM)
    _import(run_cli, tmp_path, [short])
    [line] = _report(run_cli)
    assert (line["state"], line["form_link"]) == ("notified", FORM)
    assert f"open this to object: {FORM}" in run_cli("report").stdout


def test_untrusted_mail_with_the_same_evidence_changes_nothing(run_cli, tmp_path):
    forged = meta_mail("approved", account=ANNA, wording=WELSH_APPROVAL, auth="fail")
    assert parse_email(forged).kind == "other"
    _import(run_cli, tmp_path, [forged])
    assert json.loads(run_cli("review", "--json").stdout) == []


# -- 5, 6, 7. review, marks, rules and rescan ----------------------------------------------


def _story_with_untaught_approval(run_cli, tmp_path):
    mails = [
        meta_mail("notice", account=ANNA, sent_at=T(8)),
        meta_mail("code", account=ANNA, code="418207", sent_at=T(9, 40)),
        meta_mail("approved", account=ANNA, sent_at=T(10, 1), wording=WELSH_APPROVAL),
    ]
    return _import(run_cli, tmp_path, mails)


def test_an_untaught_approval_goes_to_review_and_a_mark_settles_it(run_cli, tmp_path):
    _story_with_untaught_approval(run_cli, tmp_path)
    [item] = json.loads(run_cli("review", "--json").stdout)
    assert set(item) == {"id", "account", "platform", "sent_at", "subject", "reason"}
    assert (item["account"], item["subject"]) == (ANNA, "Eich cais")
    assert "objection form" in item["reason"]
    assert "1 awaiting review" in run_cli("status").stdout
    assert "1 message from Meta awaiting review" in run_cli("report").stdout
    assert _report(run_cli)[0]["state"] == "pending"

    marked = run_cli("mark", str(item["id"]), "--as", "approved")
    assert marked.exit_code == 0, marked.stderr
    [line] = _report(run_cli)
    assert (line["state"], line["turnaround_seconds"], line["source"]) == (
        "approved",
        1260.0,
        "manual",
    )
    assert json.loads(run_cli("review", "--json").stdout) == []


def test_a_mark_survives_a_reimport_and_a_rescan(run_cli, tmp_path):
    mbox = _story_with_untaught_approval(run_cli, tmp_path)
    [item] = json.loads(run_cli("review", "--json").stdout)
    run_cli("mark", str(item["id"]), "--as", "declined")
    assert run_cli("import", str(mbox)).exit_code == 0
    assert run_cli("rescan").exit_code == 0
    [line] = _report(run_cli)
    assert (line["state"], line["source"]) == ("rejected", "manual")


def test_a_config_rule_and_rescan_turn_a_reviewed_mail_into_its_kind(run_cli, tmp_path):
    _story_with_untaught_approval(run_cli, tmp_path)
    assert len(json.loads(run_cli("review", "--json").stdout)) == 1
    config = tmp_path / "config.toml"
    config.write_text(
        '[[rule]]\nkind = "approved"\npattern = "byddwn yn parchu eich gwrthwynebiad"\n'
    )
    result = run_cli("--config", str(config), "rescan")
    assert result.exit_code == 0, result.stderr
    assert "1 changed kind" in result.stdout
    assert json.loads(run_cli("review", "--json").stdout) == []
    [line] = _report(run_cli)
    assert (line["state"], line["turnaround_seconds"], line["source"]) == (
        "approved",
        1260.0,
        "mail",
    )
    # A second rescan changes nothing and duplicates nothing.
    again = run_cli("--config", str(config), "rescan")
    assert "0 changed kind" in again.stdout
    assert "3 Meta messages" in run_cli("status").stdout


def test_a_slow_or_broken_rule_is_a_one_line_config_error_naming_it(run_cli, tmp_path):
    config = tmp_path / "config.toml"
    for pattern, words in (
        ("(a+)+b", "nests quantifiers"),
        ("[", "does not compile"),
        (r"(\\w)\\1", "back-reference"),
    ):
        config.write_text(
            f'[[rule]]\nkind = "approved"\npattern = "x"\n\n[[rule]]\nkind = "notice"\npattern = "{pattern}"\n'
        )
        result = run_cli("--config", str(config), "rescan")
        assert result.exit_code == 5
        assert result.stderr.count("\n") == 1
        assert "rule #2" in result.stderr and words in result.stderr


def test_account_set_records_what_only_the_user_knows(run_cli, tmp_path):
    result = run_cli(
        "account",
        "set",
        "Bob@Example.org",
        "--platform",
        "instagram",
        "--state",
        "pending",
        "--at",
        "2025-05-20T14:00",
    )
    assert result.exit_code == 0, result.stderr
    run_cli(
        "account",
        "set",
        "bob@example.org",
        "--platform",
        "instagram",
        "--state",
        "approved",
        "--at",
        "2025-05-21T14:00",
    )
    [line] = _report(run_cli)
    assert (line["state"], line["turnaround_seconds"], line["source"]) == (
        "approved",
        86400.0,
        "manual",
    )


def test_bad_ids_kinds_states_and_times_are_one_line_errors_with_exit_2(run_cli, tmp_path):
    _story_with_untaught_approval(run_cli, tmp_path)
    [item] = json.loads(run_cli("review", "--json").stdout)
    cases = [
        ("mark", "999", "--as", "approved"),
        ("mark", "abc", "--as", "approved"),
        ("mark", str(item["id"]), "--as", "maybe"),
        ("account", "set", ANNA, "--platform", "facebook", "--state", "happy"),
        (
            "account",
            "set",
            ANNA,
            "--platform",
            "facebook",
            "--state",
            "approved",
            "--at",
            "yesterday",
        ),
        ("account", "set", "not-an-address", "--platform", "facebook", "--state", "approved"),
    ]
    for args in cases:
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("tracker: ") and result.stderr.count("\n") == 1, (
            result.stderr
        )


# -- 8. drift ------------------------------------------------------------------------------


def test_stats_shows_the_share_of_flow_mail_that_went_to_review_per_month(run_cli, tmp_path):
    _story_with_untaught_approval(run_cli, tmp_path)
    stats = json.loads(run_cli("stats", "--json").stdout)
    assert stats["review_drift"] == [
        {"month": "2025-05", "flow_messages": 3, "unrecognised": 1, "review_share": 0.3333}
    ]
    assert "went to `tracker review`" in run_cli("stats").stdout


@pytest.mark.imap
def test_rescan_finds_imap_mail_again_through_the_servers_search(
    dovecot, imap_user, tmp_path, run_cli
):
    from tests.support.imap_fixtures import mailbox_settings
    from tests.support.imapconfig import write_config

    for raw in (
        meta_mail("notice", account=ANNA, sent_at=T(8)),
        meta_mail("code", account=ANNA, code="418207", sent_at=T(9, 40)),
        meta_mail("approved", account=ANNA, sent_at=T(10, 1), wording=WELSH_APPROVAL),
    ):
        dovecot.deliver(imap_user.username, raw)
    config = write_config(
        tmp_path / "config.toml", [mailbox_settings(dovecot, imap_user, tmp_path, name="personal")]
    )
    assert run_cli("--config", str(config), "sync").exit_code == 0
    assert len(json.loads(run_cli("review", "--json").stdout)) == 1
    flags_before = dovecot.flags(imap_user.username)

    with config.open("a") as out:
        out.write('\n[[rule]]\nkind = "approved"\npattern = "byddwn yn parchu"\n')
    result = run_cli("--config", str(config), "rescan")
    assert result.exit_code == 0, result.stderr
    assert "Rescanned 3 message(s): 1 changed kind" in result.stdout
    [line] = _report(run_cli)
    assert (line["state"], line["turnaround_seconds"]) == ("approved", 1260.0)
    assert dovecot.flags(imap_user.username) == flags_before  # read-only, nothing marked


@pytest.mark.imap
def test_sync_applies_the_config_rules_as_it_records(dovecot, imap_user, tmp_path, run_cli):
    """A [[rule]] applies to mail read from a mailbox at once, not only at the next rescan."""
    from tests.support.imap_fixtures import mailbox_settings
    from tests.support.imapconfig import write_config

    for raw in (
        meta_mail("notice", account=ANNA, sent_at=T(8)),
        meta_mail("code", account=ANNA, code="418207", sent_at=T(9, 40)),
        meta_mail("approved", account=ANNA, sent_at=T(10, 1), wording=WELSH_APPROVAL),
    ):
        dovecot.deliver(imap_user.username, raw)
    config = write_config(
        tmp_path / "config.toml", [mailbox_settings(dovecot, imap_user, tmp_path, name="personal")]
    )
    with config.open("a") as out:
        out.write('\n[[rule]]\nkind = "approved"\npattern = "byddwn yn parchu"\n')
    result = run_cli("--config", str(config), "sync")
    assert result.exit_code == 0, result.stderr
    assert json.loads(run_cli("review", "--json").stdout) == []
    [line] = _report(run_cli)
    assert (line["state"], line["turnaround_seconds"]) == ("approved", 1260.0)
