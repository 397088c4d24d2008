"""Where a folder scan starts and where it leaves off: pure UIDVALIDITY / last-UID bookkeeping.

A UID only names a message together with its folder's UIDVALIDITY: when the server hands
out a new UIDVALIDITY (a rebuilt index, a migrated account), old UIDs may now name other
messages, so the whole folder is scanned again and the ledger deduplicates by Message-ID.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from tracker.domain import Checkpoint

__all__ = ["Checkpoint", "FolderState", "ScanPlan", "complete_scan", "plan_scan"]


@dataclass(frozen=True, slots=True)
class FolderState:
    """What EXAMINE reports about a folder. `uidnext` is 0 when the server did not say."""

    uidvalidity: int
    uidnext: int
    exists: int


# Why a folder is scanned from its start although it had a checkpoint.
RescanReason = Literal["uidvalidity", "uidnext"]


@dataclass(frozen=True, slots=True)
class ScanPlan:
    """Scan UIDs above `after_uid`; `rescan` says earlier progress no longer counts."""

    after_uid: int
    rescan: bool
    reason: RescanReason | None = None


def plan_scan(previous: Checkpoint | None, state: FolderState) -> ScanPlan:
    """Where to start scanning a folder, given the last checkpoint and its state now.

    - no checkpoint: the whole folder (a first scan, not a rescan);
    - a different UIDVALIDITY: the whole folder again, as a rescan;
    - a UIDNEXT at or below the checkpoint: the server forgot messages it had without
      changing UIDVALIDITY (a broken server or a restored backup); rescan to be safe;
    - otherwise: only the UIDs after the checkpoint.
    """
    if previous is None:
        return ScanPlan(after_uid=0, rescan=False)
    if previous.uidvalidity != state.uidvalidity:
        return ScanPlan(after_uid=0, rescan=True, reason="uidvalidity")
    if state.uidnext and state.uidnext <= previous.last_uid:
        return ScanPlan(after_uid=0, rescan=True, reason="uidnext")
    return ScanPlan(after_uid=previous.last_uid, rescan=False)


def complete_scan(
    mailbox: str,
    folder: str,
    state: FolderState,
    plan: ScanPlan,
    done_uids: Iterable[int] = (),
    unsettled: Iterable[int] = (),
) -> Checkpoint:
    """The checkpoint to store: the highest UID below which every message is accounted for.

    `state` must come from the EXAMINE that preceded the search: every UID below its
    UIDNEXT existed when the search ran, so the search saw it. `done_uids` are the UIDs the
    scan handled; `unsettled` those it found but neither recorded nor deliberately skipped
    (the server did not hand them over): the checkpoint stays below the lowest of them, so
    the next scan asks again. It never passes UIDNEXT - 1: a UID the search named above it
    did not exist at EXAMINE (a server's phantom, or mail that came since: the next scan).
    """
    held = sorted(unsettled)
    if held:
        last = held[0] - 1
    elif state.uidnext:
        last = state.uidnext - 1
    else:
        last = max(done_uids, default=plan.after_uid)
    if state.uidnext:
        last = min(last, state.uidnext - 1)
    last = max(last, plan.after_uid)
    return Checkpoint(mailbox=mailbox, folder=folder, uidvalidity=state.uidvalidity, last_uid=last)
