"""Docs that cannot go stale: every command has help and a README mention; CI runs the README's tests."""

from __future__ import annotations

import re

import click
import pytest

from tests.support.paths import ROOT
from tracker.cli import cli

README = (ROOT / "README.md").read_text()


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


COMMANDS = _commands(cli)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_and_is_in_readme(name: str, command: click.Command):
    assert command.help and command.help.strip(), f"`tracker {name}` has no help text"
    assert f"tracker {name}" in README, f"README does not mention `tracker {name}`"


WITH_GROUP = [("", cli), *COMMANDS]


@pytest.mark.parametrize(("name", "command"), WITH_GROUP, ids=[n or "-" for n, _ in WITH_GROUP])
def test_command_help_ends_with_an_example(name: str, command: click.Command):
    lines = [line.strip() for line in (command.help or "").strip().splitlines()]
    assert "Example:" in lines, f"`tracker {name}` help has no Example:"
    example = lines[lines.index("Example:") + 1 :]
    assert example and all(line.startswith("tracker ") for line in example), example


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_command():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [
        line for line in first_block.group(1).splitlines() if line and not line.startswith("#")
    ]
    assert len(commands) == 2
    assert "pip install" in commands[0] and "sample_emails/" in commands[0]
    assert commands[1] == "bash .ci/run"
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    test_command = ci[-1]
    assert test_command == ".venv/bin/python -m pytest -q"
    assert f"`{test_command}`" in README


def test_tests_start_the_interpreter_they_run_under():
    """A child Python must be sys.executable: a bare `python3` is the system one, without our packages."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""\[\s*["'](python3?|tracker)["']\s*,""", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == [], f"bare interpreter or console script in: {offenders}"


def test_the_distribution_is_not_the_strangers_tracker():
    """`tracker` on PyPI is an unrelated project: nothing may tell anyone to install it."""
    import importlib.metadata
    import tomllib

    from tracker import DISTRIBUTION

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION != "tracker"
    assert importlib.metadata.version(DISTRIBUTION) == project["version"]
    offenders = [
        f"{path.relative_to(ROOT)}"
        for path in [ROOT / "README.md", *sorted((ROOT / "tracker").rglob("*.py"))]
        if re.search(r"pip install '?tracker\[", path.read_text())
    ]
    assert offenders == []
    assert f"pip install '{DISTRIBUTION}[keyring]'" in README


def test_version_names_the_distribution(run_cli):
    """click reads the version from the installed distribution's metadata, by its name."""
    from tracker import __version__

    result = run_cli("--version")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"tracker, version {__version__}\n"


def test_every_package_of_the_source_tree_is_installed():
    """pyproject lists packages by hand (the migrations ship from alembic/): a new subpackage
    left off that list imports in the checkout and fails in an installed tracker."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "tracker").rglob("__init__.py")
    }
    assert on_disk - listed == set()
