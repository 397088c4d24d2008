"""UIDVALIDITY / last-UID bookkeeping: no candidate is ever skipped, whatever the server does."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.imap.cursor import Checkpoint, FolderState, ScanPlan, complete_scan, plan_scan


def checkpoint(uidvalidity: int = 7, last_uid: int = 10) -> Checkpoint:
    return Checkpoint(mailbox="m", folder="INBOX", uidvalidity=uidvalidity, last_uid=last_uid)


def test_first_scan_covers_everything() -> None:
    assert plan_scan(None, FolderState(7, 50, 49)) == ScanPlan(after_uid=0, rescan=False)


def test_same_uidvalidity_continues_after_the_checkpoint() -> None:
    assert plan_scan(checkpoint(), FolderState(7, 11, 10)) == ScanPlan(after_uid=10, rescan=False)
    assert plan_scan(checkpoint(), FolderState(7, 40, 30)) == ScanPlan(after_uid=10, rescan=False)


def test_new_uidvalidity_rescans() -> None:
    assert plan_scan(checkpoint(), FolderState(8, 40, 30)) == ScanPlan(
        after_uid=0, rescan=True, reason="uidvalidity"
    )


def test_uidnext_below_the_checkpoint_rescans() -> None:
    assert plan_scan(checkpoint(), FolderState(7, 5, 4)) == ScanPlan(
        after_uid=0, rescan=True, reason="uidnext"
    )


def test_unknown_uidnext_trusts_the_checkpoint() -> None:
    assert plan_scan(checkpoint(), FolderState(7, 0, 4)) == ScanPlan(after_uid=10, rescan=False)


def test_complete_scan_moves_to_uidnext_or_beyond() -> None:
    state = FolderState(7, 21, 20)
    plan = ScanPlan(after_uid=10, rescan=False)
    assert complete_scan("m", "INBOX", state, plan) == checkpoint(last_uid=20)
    # A UID the search named at or above UIDNEXT never moves the checkpoint past UIDNEXT - 1.
    assert complete_scan("m", "INBOX", state, plan, [12, 23]) == checkpoint(last_uid=20)
    # A UID not handed over holds the checkpoint just below it.
    assert complete_scan("m", "INBOX", state, plan, [12, 15], unsettled=[15, 18]) == checkpoint(
        last_uid=14
    )
    assert complete_scan("m", "INBOX", FolderState(7, 0, 0), plan) == checkpoint(last_uid=10)


@dataclass
class Folder:
    """A model IMAP folder: UIDs only grow, until the server renumbers everything."""

    uidvalidity: int = 1
    uidnext: int = 1
    messages: dict[int, tuple[str, bool]] = field(default_factory=dict)  # uid -> (id, meta?)
    counter: int = 0

    def deliver(self, meta: bool) -> None:
        self.counter += 1
        self.messages[self.uidnext] = (f"<{self.counter}@x>", meta)
        self.uidnext += 1

    def renumber(self) -> None:
        kept = list(self.messages.values())
        self.uidvalidity += 1
        self.messages = {uid: message for uid, message in enumerate(kept, start=1)}
        self.uidnext = len(kept) + 1

    def expunge(self, index: int) -> None:
        if self.messages:
            del self.messages[sorted(self.messages)[index % len(self.messages)]]

    def state(self) -> FolderState:
        return FolderState(self.uidvalidity, self.uidnext, len(self.messages))

    def search(self, after_uid: int) -> list[int]:
        return [uid for uid, (_, meta) in sorted(self.messages.items()) if uid > after_uid and meta]


events = st.lists(
    st.one_of(
        st.tuples(st.just("deliver"), st.booleans()),
        st.tuples(st.just("renumber"), st.none()),
        st.tuples(st.just("expunge"), st.integers(0, 50)),
        # A scan; the flag says whether mail lands between its EXAMINE and its SEARCH.
        st.tuples(st.just("scan"), st.booleans()),
    ),
    max_size=60,
)


@settings(max_examples=300)
@given(events)
def test_scans_never_miss_a_meta_message(script: list[tuple[str, object]]) -> None:
    folder = Folder()
    stored: Checkpoint | None = None
    recorded: set[str] = set()  # the ledger, deduplicated by Message-ID
    ever_delivered: set[str] = set()

    def scan(race: bool) -> None:
        nonlocal stored
        state = folder.state()
        plan = plan_scan(stored, state)
        if race:
            folder.deliver(meta=True)
            ever_delivered.add(folder.messages[folder.uidnext - 1][0])
        found = folder.search(plan.after_uid)
        recorded.update(folder.messages[uid][0] for uid in found)
        stored = complete_scan("m", "INBOX", state, plan, found)

    for action, arg in script:
        if action == "deliver":
            folder.deliver(bool(arg))
            if arg:
                ever_delivered.add(folder.messages[folder.uidnext - 1][0])
        elif action == "renumber":
            folder.renumber()
        elif action == "expunge":
            assert isinstance(arg, int)
            folder.expunge(arg)
        else:
            scan(bool(arg))
    scan(False)

    present = {mid for mid, meta in folder.messages.values() if meta}
    assert present <= recorded <= ever_delivered
