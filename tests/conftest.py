"""Shared fixtures: an in-process CLI runner on a real temporary SQLite ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_emails"
PUBLIC_CORPUS = ROOT.parent / "shared" / "corpus" / "public"

pytest_plugins = (
    ["tests.conftest_imap"] if (Path(__file__).parent / "conftest_imap.py").exists() else []
)


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
) -> Callable[..., CliResult]:
    """Run `tracker --db <tmp ledger> ARGS...` in-process, through the same main() as the script."""
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("TRACKER_DB", raising=False)

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

    return run
