"""The ledger: the only package that talks to the database."""

from tracker.ledger.repo import Ledger, LedgerSummary, RecordCounts
from tracker.ledger.sources import forget_skipped, forget_skipped_under, list_known_sources

__all__ = [
    "Ledger",
    "LedgerSummary",
    "RecordCounts",
    "forget_skipped",
    "forget_skipped_under",
    "list_known_sources",
]
