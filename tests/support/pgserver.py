"""A real, throwaway PostgreSQL server for tests: initdb in a temp dir, loopback port, trust auth."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def postgres_bin() -> Path | None:
    """Return the folder of Debian's PostgreSQL server binaries, or None if not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def postgres_available() -> bool:
    """Return True if a server can be started here (installed, and a non-root user to run it)."""
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return postgres_bin() is not None and shutil.which("runuser") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """initdb + postgres as the `postgres` user (it refuses root), stopped and removed on stop()."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="tpg-"))
        self.data = self.base / "data"
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, **kwargs
        )  # type: ignore[call-overload]

    def start(self, timeout: float = 30.0) -> None:
        bindir = postgres_bin()
        assert bindir is not None
        user = pwd.getpwnam("postgres")
        self.base.chmod(0o755)
        os.chown(self.base, user.pw_uid, user.pw_gid)
        self._as_postgres(
            str(bindir / "initdb"), "-A", "trust", "-U", "postgres", "-D", str(self.data)
        )
        self.process = subprocess.Popen(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(bindir / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.base),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    time.sleep(0.3)  # accepting TCP precedes accepting logins by a moment
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the module's tests; skipped where Debian's package is absent."""
    if not postgres_available():
        pytest.skip("needs Debian's postgresql package (.ci/run installs it)")
    pytest.importorskip("psycopg")
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
