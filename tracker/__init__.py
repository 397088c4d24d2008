"""tracker: follow Meta's AI-training objection emails across your mailboxes."""

__version__ = "0.1.0"
