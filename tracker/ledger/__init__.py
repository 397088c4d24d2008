"""The ledger: the only package that talks to the database."""

from tracker.ledger.repo import FolderCheckpoint, Ledger, LedgerSummary, RecordCounts

__all__ = ["FolderCheckpoint", "Ledger", "LedgerSummary", "RecordCounts"]
