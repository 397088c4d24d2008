"""Logging, configured once by the CLI; the library itself only ever logs, never configures."""

from __future__ import annotations

import json
import logging
import sys

logging.getLogger("tracker").addHandler(logging.NullHandler())


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for journald and log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(verbose: int = 0, *, json_format: bool = False) -> None:
    """Send tracker's logs to stderr; calling it again only changes level and format."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logger = logging.getLogger("tracker")
    logger.setLevel(level)
    handler = next((h for h in logger.handlers if getattr(h, "_tracker", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._tracker = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    handler.setFormatter(
        JsonFormatter() if json_format else logging.Formatter("tracker: %(levelname)s %(message)s")
    )
    logger.propagate = False
