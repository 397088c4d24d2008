"""tracker: follow Meta's AI-training objection emails across your mailboxes."""

__version__ = "0.1.0"
# The name on PyPI: `tracker` there is an unrelated project, so installing that name would
# fetch a stranger's code. The command and the import package stay `tracker`.
DISTRIBUTION = "meta-objection-tracker"
