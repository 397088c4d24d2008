"""Shared fixtures: an in-process CLI runner on a real temporary SQLite ledger."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main

pytest_plugins = [
    "tests.support.imap_fixtures",
    "tests.support.pgserver",
    "tests.support.notifyservers",
]


@pytest.fixture(autouse=True, scope="session")
def _no_real_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep every test, and every child it starts, out of the user's own data and config folders.

    A command run without --db would otherwise create (and a later test find) a ledger in
    ~/.local/share/tracker, outliving the run.
    """
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(home / name.lower())
    os.environ.pop("TRACKER_DB", None)
    os.environ.pop("TRACKER_CONFIG", None)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def run_cli(
    ledger_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., CliResult]]:
    """Run `tracker --db <tmp ledger> ARGS...` in-process, through the same main() as the script."""
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # no default config
    monkeypatch.delenv("TRACKER_DB", raising=False)
    # main() configures the "tracker" logger (its own handler, no propagation); undo that
    # afterwards so caplog works in the tests that follow.
    logger = logging.getLogger("tracker")
    saved = (logger.level, logger.propagate, list(logger.handlers))

    def run(*args: str, db: Path | str | None = None) -> CliResult:
        runner = CliRunner()
        argv = ["--db", str(db or ledger_path), *args]
        with runner.isolation() as (out, err, _):
            try:
                main(argv)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
            else:  # pragma: no cover - main always exits
                code = 0
            return CliResult(code, out.getvalue().decode(), err.getvalue().decode())

    yield run
    logger.setLevel(saved[0])
    logger.propagate = saved[1]
    logger.handlers[:] = saved[2]
