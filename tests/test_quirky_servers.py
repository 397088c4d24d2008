"""Servers that misbehave one way at a time: no mail lost, no hang, no secret, one-line errors.

Each test runs tests/support/quirkserver.py on loopback with one quirk and syncs against it with
the real client; the Dovecot tests stay the proof that the normal path works.
"""

from __future__ import annotations

import functools
import json
import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import tracker.sync
from tests.support.imapconfig import child_env, write_config
from tests.support.mailfactory import meta_mail, ordinary_mail
from tests.support.quirkserver import PASSWORD, USER, Quirks, QuirkyServer, quirky_settings
from tracker.config import MailboxSettings
from tracker.errors import AuthenticationError, MailboxError
from tracker.imap import connect
from tracker.imap.client import secret_forms
from tracker.imap.wire import BoundedIMAPClient, Limits
from tracker.ledger import Ledger
from tracker.sync import sync_folder, sync_mailbox

T = datetime(2024, 9, 12, 9, 40, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracker.sync, "RETRY_DELAYS", (0.0, 0.0))


def _meta(i: int) -> bytes:
    return meta_mail(
        "code",
        account=f"user{i}@example.org",
        code=f"{418200 + i}",
        sent_at=T.replace(minute=i),
        message_id=f"<code-{i}@facebookmail.com>",
    )


def _folder(meta: tuple[int, ...] = (2, 4, 6), size: int = 7) -> dict[int, bytes]:
    return {uid: _meta(uid) if uid in meta else ordinary_mail(uid) for uid in range(1, size + 1)}


def _settings(server: QuirkyServer, tmp_path: Path, **overrides: object) -> MailboxSettings:
    password = str(overrides.pop("password", PASSWORD))
    return quirky_settings(server, tmp_path, password=password, **overrides)


def _recorded(ledger: Ledger) -> set[int]:
    return {
        int(code.removeprefix("4182"))
        for code in (r.code for r in _codes(ledger))
        if code is not None
    }


def _codes(ledger: Ledger) -> list:  # type: ignore[type-arg]
    from sqlalchemy import select

    from tracker.ledger.tables import Message

    table = Message.__table__  # type: ignore[attr-defined]
    with ledger.engine.connect() as conn:
        return list(conn.execute(select(table.c.code)))


def _sync(
    server: QuirkyServer, ledger: Ledger, settings: MailboxSettings, **kwargs: object
) -> tracker.sync.FolderSync:
    with connect(settings, **kwargs) as conn:  # type: ignore[arg-type]
        return sync_folder(ledger, conn, "quirky", "INBOX")


def _one_line_and_clean(text: str) -> None:
    assert "\n" not in text.strip()
    for bad in ("b'", 'b"', "http://", "https://", "Traceback", "internal error"):
        assert bad not in text, text


# -- 1. the checkpoint never passes a message that was not recorded ------------------------


def test_a_body_left_out_holds_the_checkpoint_and_is_fetched_by_the_next_sync(tmp_path):
    quirks = Quirks(omit={4: {"BODY[]"}})
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(_folder(), quirks) as server:
        settings = _settings(server, tmp_path)
        first = _sync(server, ledger, settings)
        assert _recorded(ledger) == {2, 6}
        assert first.last_uid == 3  # held just below the message the server kept back
        [(source, reason)] = ledger.skipped()
        assert source.endswith(";UID=4") and "lacked the message" in reason
        assert "next sync asks again" in reason

        quirks.omit.clear()  # the server recovers
        second = _sync(server, ledger, settings)
    assert _recorded(ledger) == {2, 4, 6}
    assert second.last_uid == 7 and second.fetched == 1  # 6 was not downloaded again
    assert ledger.skipped() == []


def test_answers_without_uid_items_lose_nothing(tmp_path):
    quirks = Quirks(omit={uid: {"UID"} for uid in range(1, 8)})
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(_folder(), quirks) as server:
        settings = _settings(server, tmp_path)
        first = _sync(server, ledger, settings)
        assert _recorded(ledger) == set() and first.last_uid == 1
        quirks.omit.clear()
        _sync(server, ledger, settings)
    assert _recorded(ledger) == {2, 4, 6}
    assert ledger.checkpoint("quirky", "INBOX").last_uid == 7


def test_an_item_left_out_once_is_asked_again_in_the_same_sync(tmp_path):
    quirks = Quirks(omit={2: {"BODY[]"}, 4: {"BODY[HEADER]"}}, omit_times=2)
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(_folder(), quirks) as server:
        result = _sync(server, ledger, _settings(server, tmp_path))
    assert _recorded(ledger) == {2, 4, 6} and result.last_uid == 7
    assert ledger.skipped() == []


def test_a_header_left_out_holds_the_checkpoint(tmp_path):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(_folder(), Quirks(omit={4: {"BODY[HEADER]"}})) as server:
        result = _sync(server, ledger, _settings(server, tmp_path))
    assert _recorded(ledger) == {2, 6} and result.last_uid == 3
    [(source, reason)] = ledger.skipped()
    assert source.endswith(";UID=4") and "lacked the header" in reason


def test_search_answers_naming_uids_that_do_not_exist_never_pass_uidnext(tmp_path):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(_folder(), Quirks(phantom_uids=(50, 900))) as server:
        result = _sync(server, ledger, _settings(server, tmp_path))
    assert result.last_uid == 7 and _recorded(ledger) == {2, 4, 6}


def test_uidnext_going_backwards_is_reported_as_such(tmp_path, caplog):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    quirks = Quirks()
    with QuirkyServer(_folder(), quirks) as server:
        settings = _settings(server, tmp_path)
        _sync(server, ledger, settings)
        quirks.uidnext_delta = -5
        with caplog.at_level(logging.WARNING, logger="tracker"):
            assert _sync(server, ledger, settings).rescanned
    assert "UIDNEXT (3) at or below its checkpoint (7)" in caplog.text
    assert "UIDVALIDITY" not in caplog.text


# -- 2. every fallback -------------------------------------------------------------------


def test_a_server_refusing_every_search_is_listed_by_uid(tmp_path, caplog):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    quirks = Quirks(refuse_search=True)
    with QuirkyServer(_folder(), quirks) as server:
        settings = _settings(server, tmp_path)
        with caplog.at_level(logging.WARNING, logger="tracker"):
            result = _sync(server, ledger, settings)
        assert _recorded(ledger) == {2, 4, 6} and result.last_uid == 7
        [warning] = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        _one_line_and_clean(warning)
        assert "folder INBOX" in warning and len(warning) < 300

        quirks.refuse_uid_listing = True  # and when even the listing is refused: one line
        with pytest.raises(MailboxError) as caught:
            _sync(server, ledger, settings)
    _one_line_and_clean(str(caught.value))
    assert "listing messages in 'INBOX' failed: listing refused" in str(caught.value)


@pytest.mark.parametrize("partial", ["ignore", "reject"])
def test_servers_that_ignore_or_reject_partial_header_fetches(tmp_path, partial: str):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(_folder(), Quirks(partial=partial)) as server:
        result = _sync(server, ledger, _settings(server, tmp_path))
        asked = b" ".join(server.received)
    assert _recorded(ledger) == {2, 4, 6} and result.last_uid == 7
    assert b"BODY.PEEK[HEADER]<0.65536>" in asked  # headers are asked for capped first


# -- 3. bounded per message and per response ---------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("how", ["huge", "stall", "trickle", "big-lying"])
def test_a_literal_that_never_arrives_ends_in_one_line_and_others_go_on(tmp_path, how: str):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    # big-lying: 6 MiB really sent under an RFC822.SIZE of a few KiB.
    quirks = Quirks(literal={4: how}, trickle_seconds=0.2, big_bytes=6 << 20)
    factory = functools.partial(BoundedIMAPClient, limits=Limits(response_seconds=2.0))
    with QuirkyServer(_folder(), quirks) as server:
        settings = _settings(server, tmp_path)
        with pytest.raises(MailboxError) as caught:
            _sync(server, ledger, settings, factory=factory)
        message = str(caught.value)
        _one_line_and_clean(message)
        assert message.startswith("Mailbox quirky: fetching from 'INBOX' failed: ")
        assert caught.value.lost
        # The next sync records the newer mail first, then asks for UID 4 again.
        with pytest.raises(MailboxError):
            _sync(server, ledger, settings, factory=factory)
    assert _recorded(ledger) == {2, 6}
    assert ledger.checkpoint("quirky", "INBOX").last_uid == 3
    [(source, reason)] = ledger.skipped()
    assert source.endswith(";UID=4") and "\n" not in reason


def test_one_sync_records_every_other_message_when_one_breaks_the_session(tmp_path):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(_folder(), Quirks(literal={4: "huge"})) as server:
        result = sync_mailbox(ledger, _settings(server, tmp_path))
    # Reconnected once: 6 was recorded on the new session before 4 was asked for again.
    [error] = result.errors
    assert "announced 931 GiB in one answer" in str(error)
    assert _recorded(ledger) == {2, 6}
    assert ledger.checkpoint("quirky", "INBOX").last_uid == 3


def test_a_huge_header_sent_whole_costs_only_its_message(tmp_path):
    # 17 MiB of header and no blank line, from a server that ignores the partial fetch.
    folder = _folder()
    folder[3] = b"From: Facebook <security@facebookmail.com>\r\nX-Filler: " + b"x" * (17 << 20)
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(folder, Quirks(partial="ignore")) as server:
        result = sync_mailbox(ledger, _settings(server, tmp_path))
    [error] = result.errors
    _one_line_and_clean(str(error))
    assert "announced 17 MiB in one answer (the limit is 16 MiB)" in str(error)
    assert _recorded(ledger) == {2, 4, 6}  # its header was asked for last, on its own
    assert ledger.checkpoint("quirky", "INBOX").last_uid == 2
    [(source, _reason)] = ledger.skipped()
    assert source.endswith(";UID=3")


def test_a_huge_header_literal_is_refused_before_reading_it(tmp_path):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with (
        QuirkyServer(_folder(), Quirks(header_literal="huge")) as server,
        pytest.raises(MailboxError) as caught,
    ):
        _sync(server, ledger, _settings(server, tmp_path))
    _one_line_and_clean(str(caught.value))
    assert "announced 931 GiB in one answer (the limit is 1 MiB)" in str(caught.value)


def test_other_mailboxes_go_on_when_one_server_stalls(tmp_path):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with (
        QuirkyServer(_folder(meta=(2,)), Quirks(literal={2: "stall"})) as bad,
        QuirkyServer(_folder(meta=(3,))) as good,
    ):
        boxes = [
            _settings(bad, tmp_path / "a", name="bad") if _mk(tmp_path / "a") else None,
            _settings(good, tmp_path / "b", name="good") if _mk(tmp_path / "b") else None,
        ]
        results = [sync_mailbox(ledger, box) for box in boxes if box is not None]
    assert not results[0].ok and results[1].ok
    assert _recorded(ledger) == {3}
    [(source, reason)] = ledger.skipped()  # the stalled one is listed, to be asked again
    assert source.startswith("imap://bad/INBOX;") and "no answer" in reason


def _mk(path: Path) -> bool:
    path.mkdir()
    return True


# -- 4. secrets ---------------------------------------------------------------------------

NASTY = 'p\\a"ss wörd\'s  "quoted" \\\\ back'


@pytest.mark.parametrize("capabilities", ["IMAP4rev1 AUTH=PLAIN IDLE", "IMAP4rev1 IDLE"])
def test_a_non_ascii_password_logs_in(tmp_path, capabilities: str):
    quirks = Quirks(password=NASTY, capabilities=capabilities)
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(_folder(), quirks) as server:
        _sync(server, ledger, _settings(server, tmp_path, password=NASTY))
    assert _recorded(ledger) == {2, 4, 6}


@pytest.mark.parametrize("capabilities", ["IMAP4rev1 AUTH=PLAIN IDLE", "IMAP4rev1 IDLE"])
@pytest.mark.parametrize("password", [NASTY, 'plain"quote\\and\\\\slashes'])
def test_an_echoed_password_never_appears_in_any_escaping(
    tmp_path, run_cli, capabilities: str, password: str
):
    quirks = Quirks(password="the-right-one", capabilities=capabilities, echo_secrets=True)
    with QuirkyServer(_folder(), quirks) as server:
        settings = _settings(server, tmp_path, password=password)
        with pytest.raises(AuthenticationError) as caught:
            connect(settings)
        config = write_config(tmp_path / "config.toml", [settings], ledger=tmp_path / "l.db")
        text = run_cli("--config", str(config), "sync")
        as_json = run_cli("--config", str(config), "sync", "--json")
        check = run_cli("--config", str(config), "config", "check")
    forms = secret_forms(password, USER) | {password, json.dumps(password)[1:-1]}
    everything = [str(caught.value), repr(caught.value)]
    everything += [r.stdout + r.stderr for r in (text, as_json, check)]
    assert text.exit_code != 0 and "login refused" in text.stderr + text.stdout
    for output in everything:
        for form in forms:
            assert form not in output, (form, output)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


_DEBUG_CHILD = (
    "import logging, sys\n"
    "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)\n"
    "logging.getLogger('imapclient').setLevel(logging.DEBUG)\n"
    "from tracker.cli import main\n"
    "main(sys.argv[1:])\n"
)


@pytest.mark.parametrize("capabilities", ["IMAP4rev1 AUTH=PLAIN IDLE", "IMAP4rev1 IDLE"])
def test_an_echoed_password_stays_out_of_the_debug_wire_log(tmp_path, capabilities: str):
    quirks = Quirks(password="the-right-one", capabilities=capabilities, echo_secrets=True)
    for password in (NASTY, "plain-Zq8-unique-7731"):
        with QuirkyServer(_folder(), quirks) as server:
            settings = _settings(server, tmp_path, password=password)
            config = write_config(tmp_path / "config.toml", [settings], ledger=tmp_path / "l.db")
            result = subprocess.run(
                [sys.executable, "-c", _DEBUG_CHILD, "-vv", "--config", str(config), "sync"],
                capture_output=True,
                text=True,
                env=child_env(),
                timeout=120,
                check=False,
            )
        assert result.returncode == 4 and "imapclient" in result.stderr  # the wire log is on
        for form in secret_forms(password, USER):
            assert form not in result.stderr + result.stdout, form


# -- 5. messages, BYE at each stage, odd greetings -----------------------------------------


@pytest.mark.parametrize("stage", ["greeting", "login", "examine", "search", "fetch"])
def test_bye_at_each_stage_is_one_line(tmp_path, stage: str):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    with QuirkyServer(_folder(), Quirks(bye_at=stage)) as server:
        result = sync_mailbox(ledger, _settings(server, tmp_path))
    [error] = result.errors
    _one_line_and_clean(str(error))
    assert str(error).startswith("Mailbox quirky: ")
    # Said as what it is: the server ended the session, not "login refused".
    assert "the server ended the session (BYE: shutting down now)" in str(error)
    assert "refused" not in str(error)
    assert ledger.checkpoint("quirky", "INBOX") is None or stage == "fetch"


def test_preauth_greeting_is_not_a_refused_login(tmp_path):
    ledger = Ledger.open(str(tmp_path / "l.db"))
    quirks = Quirks(greeting=b"* PREAUTH [CAPABILITY IMAP4rev1 IDLE] welcome back")
    with QuirkyServer(_folder(), quirks) as server:
        _sync(server, ledger, _settings(server, tmp_path))
        with pytest.raises(MailboxError) as caught:
            connect(_settings(server, tmp_path, security="starttls"))
    assert _recorded(ledger) == {2, 4, 6}
    assert "PREAUTH" in str(caught.value) and "refused" not in str(caught.value)
    assert 'security = "tls"' in str(caught.value)


@pytest.mark.parametrize("greeting", [b"garbage", b""])
def test_odd_greetings_are_one_line(tmp_path, greeting: bytes):
    with (
        QuirkyServer(_folder(), Quirks(greeting=greeting)) as server,
        pytest.raises(MailboxError) as caught,
    ):
        connect(_settings(server, tmp_path))
    _one_line_and_clean(str(caught.value))
    assert len(str(caught.value)) < 300
