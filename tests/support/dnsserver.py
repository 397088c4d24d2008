"""A real DNS server on loopback for the DKIM tests: dnsmasq from Debian, started and stopped here."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _txt_strings(value: str) -> list[str]:
    # One TXT string holds at most 255 bytes; a 2048-bit key needs two.
    return [value[i : i + 250] for i in range(0, len(value), 250)]


@contextmanager
def running_dnsmasq(records: Mapping[str, str], *, local_zones: tuple[str, ...]) -> Iterator[str]:
    """Serve `records` (name -> TXT value) on 127.0.0.1; yield "127.0.0.1:PORT".

    Names under `local_zones` that are not in `records` answer NXDOMAIN (a rotated-away key).
    """
    if not Path(DNSMASQ).exists():
        import pytest

        pytest.skip("dnsmasq is not installed (apt-get install dnsmasq-base)")
    port = free_udp_port()
    args = [
        DNSMASQ,
        "--no-daemon",
        "--conf-file=/dev/null",
        f"--port={port}",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--no-resolv",
        "--no-hosts",
        "--pid-file=",
        "--user=",
        *(f"--local=/{zone}/" for zone in local_zones),
        *(
            "--txt-record=" + ",".join([name, *_txt_strings(value)])
            for name, value in records.items()
        ),
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_answering(port, process)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(port: int, process: subprocess.Popen[bytes]) -> None:
    import dns.exception
    import dns.message
    import dns.query

    query = dns.message.make_query("ready.invalid", "TXT")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"dnsmasq exited: {err.strip()}")
        try:
            dns.query.udp(query, "127.0.0.1", port=port, timeout=0.5)
            return
        except (dns.exception.Timeout, OSError):
            continue
    raise RuntimeError("dnsmasq did not answer")
