"""The cost of the worst single messages we know of: CPU seconds and memory above the message.

Each hostile message is parsed in a fresh child process (so one message's peak memory is not
hidden by another's), after the parser's imports are done; the child reports the CPU time of
`parse_email` and its peak RSS growth. A plain Meta notification is measured the same way, as
the baseline. Run by hand: `.venv/bin/python -m bench.worst_case` (README, "Bounded cost").
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

from tests.mailfactory import meta_mail

ANNA = "anna@example.org"


def _meta(body_extra: str = "", subject: str | None = None) -> bytes:
    raw = meta_mail("code", account=ANNA, code="418207", html=False)
    if subject is not None:
        raw = raw.replace(b"Subject: Confirm your objection request", b"Subject: " + subject.encode())
    return raw.replace(b"This code expires", body_extra.encode() + b" This code expires")


def _mime_with_param(size: int) -> bytes:
    head = _meta().split(b"\n\n", 1)[0]
    head = b"\n".join(l for l in head.split(b"\n") if not l.lower().startswith((b"content-", b"mime-")))
    param = b"x" * size
    return (
        head
        + b'\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\n'
        + b'Content-Type: text/plain; charset=utf-8; name="' + param + b'"\n\n'
        + b"Your code is 418207\n--b--\n"
    )


def _base64_blank_lines(size: int) -> bytes:
    head = _meta().split(b"\n\n", 1)[0]
    head = b"\n".join(l for l in head.split(b"\n") if not l.lower().startswith((b"content-", b"mime-")))
    return head + b"\nMIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" + b"\n" * size


CASES: dict[str, Callable[[], bytes]] = {
    "baseline: Meta code mail": lambda: _meta(),
    "60,000 digits after 'Your code'": lambda: _meta("Your code " + "1" * 60_000),
    "60,000 spaces": lambda: _meta("code" + " " * 60_000 + "123456"),
    "60,000 letters": lambda: _meta("code " + "a" * 60_000),
    "60,000 digits in the Subject": lambda: _meta(subject="Your code " + "1" * 60_000),
    "60,000 spaces in the Subject": lambda: _meta(subject="code" + " " * 60_000 + "1"),
    "200 KB MIME parameter in a part": lambda: _mime_with_param(200_000),
    "5 MiB of empty lines in base64": lambda: _base64_blank_lines(5 * 1024 * 1024 - 2048),
    "digit groups '123 ' x 15,000": lambda: _meta("code " + "123 " * 15_000),
    "'code 1234 ' x 6,000": lambda: _meta("code 1234 " * 6_000),
    "nested multipart x 40": lambda: _nested(40),
}


def _nested(depth: int) -> bytes:
    head = _meta().split(b"\n\n", 1)[0]
    head = b"\n".join(l for l in head.split(b"\n") if not l.lower().startswith((b"content-", b"mime-")))
    body = b"Content-Type: text/plain\n\nYour code is 418207\n"
    for i in range(depth):
        body = (
            f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'.encode()
            + body
            + f"--b{i}--\n".encode()
        )
    return head + b"\nMIME-Version: 1.0\n" + body


_CHILD = r"""
import json, resource, sys, time
from tracker.parse import parse_email
import mailparser, bs4, lxml.etree  # the imports every Meta mail pays, not the message
raw = sys.stdin.buffer.read()
parse_email(b"From: a@b.example\n\nx")  # warm
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
parsed = parse_email(raw)
cpu = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"cpu": cpu, "mem_kib": peak - before, "kind": parsed.kind, "error": parsed.error}))
"""


def measure(raw: bytes) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], input=raw, capture_output=True, check=True
    ).stdout
    return json.loads(out)


def main() -> None:
    worst_cpu = worst_mem = ("", 0.0)
    for name, make in CASES.items():
        raw = make()
        result = measure(raw)
        cpu, mem = float(result["cpu"]), int(result["mem_kib"]) / 1024  # type: ignore[arg-type]
        print(f"{name:40} {len(raw) / 1024:8.0f} KiB  {cpu:7.3f} s  {mem:7.1f} MiB  "
              f"{result['kind']} {result['error'] or ''}")
        if not name.startswith("baseline"):
            worst_cpu = max(worst_cpu, (name, cpu), key=lambda x: x[1])
            worst_mem = max(worst_mem, (name, mem), key=lambda x: x[1])
    print(f"worst CPU: {worst_cpu[1]:.3f} s ({worst_cpu[0]}); "
          f"worst memory: {worst_mem[1]:.1f} MiB above the message ({worst_mem[0]})")


if __name__ == "__main__":
    main()
