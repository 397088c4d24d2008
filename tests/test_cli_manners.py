"""How the command line behaves around its commands: help for bare groups, one-line usage errors,
and a reader that stops early (`tracker report --csv | head -1`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.mailfactory import meta_mail, write_mbox
from tests.support.paths import SAMPLES
from tracker.cli import ExitStatus


@pytest.mark.parametrize("group", [[], ["account"], ["config"]], ids=lambda g: " ".join(g) or "-")
def test_a_bare_group_prints_its_help_to_stdout_and_exits_0(group: list[str]):
    result = subprocess.run(
        [sys.executable, "-m", "tracker", *group],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == ExitStatus.OK, result.stderr
    assert result.stdout.startswith(" ".join(["Usage: tracker", *group]))
    assert "Commands:" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    "args",
    [["report", "--bogus"], ["no-such-command"], ["account", "add"], ["code", "--any"]],
    ids=" ".join,
)
def test_usage_errors_are_one_line(run_cli, args: list[str]):
    result = run_cli(*args)
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tracker: ")
    assert result.stdout == ""


def _first_line_then_close(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Run tracker with its stdout on a pipe; read one line and close the pipe, like `head -1`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, first, stderr)


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger whose report is far bigger than a pipe's buffer."""
    folder = tmp_path_factory.mktemp("big")
    mbox = folder / "mail.mbox"
    write_mbox(mbox, [meta_mail("notice", account=f"user{i}@example.org") for i in range(1500)])
    db = folder / "ledger.db"
    subprocess.run(
        [sys.executable, "-m", "tracker", "--db", str(db), "import", str(mbox)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return db


@pytest.mark.parametrize("output", [["--csv"], ["--json"], []], ids=["csv", "json", "text"])
def test_a_closed_pipe_after_the_first_line_of_the_report_exits_0(
    big_ledger: Path, output: list[str]
):
    result = _first_line_then_close(["--db", str(big_ledger), "report", *output])
    assert result.stdout
    assert (result.returncode, result.stderr) == (0, b"")


def test_a_closed_pipe_during_many_small_writes_exits_0():
    files = [str(p) for p in sorted(SAMPLES.rglob("*.eml"))] * 20  # one line per file
    result = _first_line_then_close(["parse", "--json", *files])
    assert result.stdout.startswith(b"{")
    assert (result.returncode, result.stderr) == (0, b"")
