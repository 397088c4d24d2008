"""IMAP access, read-only: the only package that imports imapclient."""

from tracker.imap.client import META_SENDER_DOMAINS, MailboxConnection, connect
from tracker.imap.cursor import Checkpoint, FolderState, ScanPlan, complete_scan, plan_scan
from tracker.imap.session import MailboxSession

__all__ = [
    "META_SENDER_DOMAINS",
    "Checkpoint",
    "FolderState",
    "MailboxConnection",
    "MailboxSession",
    "ScanPlan",
    "complete_scan",
    "connect",
    "plan_scan",
]
