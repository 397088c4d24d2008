"""The ledger: the only package that talks to the database."""

from tracker.ledger.repo import Ledger, LedgerSummary, RecordCounts

__all__ = ["Ledger", "LedgerSummary", "RecordCounts"]
