"""The cost of the worst single messages we know of: CPU seconds and memory above the message.

Each hostile message is parsed in a fresh child process (so one message's peak memory is not
hidden by another's), after the parser's imports are done; the child reports the CPU time of
`parse_email` and its peak RSS growth. A plain Meta notification is measured the same way, as
the baseline. Run by hand: `.venv/bin/python -m bench.worst_case` (README, "Bounded cost");
`--hostile` adds tests/test_hostile.py's shapes; `--fuzz N` parses N mails drawn from the property tests' hostile strategy and reports the worst.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

from tests.support.mailfactory import meta_mail

ANNA = "anna@example.org"


def _meta(body_extra: str = "", subject: str | None = None) -> bytes:
    raw = meta_mail("code", account=ANNA, code="418207", html=False)
    if subject is not None:
        raw = raw.replace(
            b"Subject: Confirm your objection request", b"Subject: " + subject.encode()
        )
    return raw.replace(b"This code expires", body_extra.encode() + b" This code expires")


def _head() -> bytes:
    """The Meta mail's header block without its MIME fields (the case adds its own)."""
    head = _meta().split(b"\n\n", 1)[0]
    return b"\n".join(
        line for line in head.split(b"\n") if not line.lower().startswith((b"content-", b"mime-"))
    )


def _top_param(size: int) -> bytes:
    return (
        _head()
        + b'\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8; name="'
        + b"x" * size
        + b'"\n\nYour code is 418207\n'
    )


def _many_verdicts(count: int, size: int) -> bytes:
    filler = b"; ".join(b"dkim=pass header.d=facebookmail.com" for _ in range(size // 40))
    extra = b"".join(
        b"Authentication-Results: mx.example.org; " + filler + b"\n" for _ in range(count)
    )
    return extra + _meta()


def _html_divs(count: int) -> bytes:
    html = b"<div>" * count + b"Your code is 418207" + b"</div>" * count
    return _head() + b"\nMIME-Version: 1.0\nContent-Type: text/html\n\n" + html


def _mime_with_param(size: int) -> bytes:
    head = _head()
    param = b"x" * size
    return (
        head
        + b'\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\n'
        + b'Content-Type: text/plain; charset=utf-8; name="'
        + param
        + b'"\n\n'
        + b"Your code is 418207\n--b--\n"
    )


def _base64_blank_lines(size: int) -> bytes:
    head = _head()
    return (
        head
        + b"\nMIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
        + b"\n" * size
    )


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
    "'a.a.a.' x 30,000": lambda: _meta("code " + "a." * 30_000),
    "' .' x 30,000": lambda: _meta("code" + " ." * 30_000),
    "Subject of 8,000 digits (under the cap)": lambda: _meta(subject="code " + "1" * 8_000),
    "8 KB parameter in a part (under the cap)": lambda: _mime_with_param(8_000),
    "8 KB top-level parameter (under the cap)": lambda: _top_param(8_000),
    "99,000 empty lines in base64 (under the cap)": lambda: _base64_blank_lines(99_000),
    "19 verdicts of 4 KB each": lambda: _many_verdicts(19, 4_000),
    "4 verdicts of 4 KB each (under the cap)": lambda: _many_verdicts(3, 4_000),
    "HTML: 60,000 nested divs": lambda: _html_divs(60_000),
}


def _nested(depth: int) -> bytes:
    head = _head()
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


def fuzz(count: int) -> None:
    """Parse `count` mails drawn from the property tests' hostile strategy; report the worst."""
    import time
    import warnings

    from hypothesis.errors import NonInteractiveExampleWarning

    from tests.support.hostile import hostile_mails
    from tracker.parse import parse_email

    warnings.simplefilter("ignore", NonInteractiveExampleWarning)
    strategy = hostile_mails()
    parse_email(_meta())  # imports and first-use costs are not a message's
    worst = (0.0, b"")
    for _ in range(count):
        raw = strategy.example()
        start = time.process_time()
        parse_email(raw)
        cpu = time.process_time() - start
        worst = max(worst, (cpu, raw), key=lambda w: w[0])
    again = measure(worst[1])
    print(
        f"fuzz: {count} hostile mails; the slowest ({len(worst[1]) / 1024:.0f} KiB) took "
        f"{float(again['cpu']):.3f} s CPU and {int(again['mem_kib']) / 1024:.1f} MiB "  # type: ignore[arg-type]
        f"in a fresh process ({again['kind']}, {again['error'] or 'read'})"
    )


def hostile_shapes() -> dict[str, Callable[[], bytes]]:
    """tests/test_hostile.py's shapes, each From Meta (the costly case)."""
    from tests import test_hostile

    return {
        f"hostile: {name}": (lambda n=name: test_hostile._build(n, meta=True))
        for name in test_hostile.CASES
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--fuzz":
        fuzz(int(sys.argv[2]))
        return
    if "--hostile" in sys.argv:
        CASES.update(hostile_shapes())
    worst_cpu = worst_mem = ("", 0.0)
    for name, make in CASES.items():
        raw = make()
        result = measure(raw)
        cpu, mem = float(result["cpu"]), int(result["mem_kib"]) / 1024  # type: ignore[arg-type]
        print(
            f"{name:40} {len(raw) / 1024:8.0f} KiB  {cpu:7.3f} s  {mem:7.1f} MiB  "
            f"{result['kind']} {result['error'] or ''}"
        )
        if not name.startswith("baseline"):
            worst_cpu = max(worst_cpu, (name, cpu), key=lambda x: x[1])
            worst_mem = max(worst_mem, (name, mem), key=lambda x: x[1])
    print(
        f"worst CPU: {worst_cpu[1]:.3f} s ({worst_cpu[0]}); "
        f"worst memory: {worst_mem[1]:.1f} MiB above the message ({worst_mem[0]})"
    )


if __name__ == "__main__":
    main()
