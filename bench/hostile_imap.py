"""Peak memory and time of one `sync` against servers that misbehave, next to a normal one.

    python bench/hostile_imap.py           # every scenario (about a minute)
    python bench/hostile_imap.py --json    # one JSON object per scenario

Each scenario runs the scripted server of tests/support/quirkserver.py in a process of its own (the
200 MiB messages it holds must not count) and `sync_mailbox` in another, which reports its
peak resident memory (ru_maxrss: imports, ledger and all) and how the sync ended. The ratio is
against the same sync on a well-behaved server in the same run. Run by hand; not part of CI.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BIG = 200 * 1024 * 1024
# name -> (what it is, quirks as keyword arguments, the message UID 2 is)
SCENARIOS: dict[str, tuple[str, dict[str, object], str]] = {
    "normal": ("well-behaved server, 2,000 messages, 100 from Meta", {}, "meta"),
    "no-blank-line": (
        "a 200 MiB Meta-domain message with no blank line (partial header fetch honoured)",
        {},
        "huge-header",
    ),
    "no-blank-line-no-partial": (
        "the same, on a server that ignores the partial fetch and sends the whole header",
        {"partial": "ignore"},
        "huge-header",
    ),
    "declared-1TB": ("a body literal declared as 10^12 bytes", {"literal": {2: "huge"}}, "meta"),
    "lying-size-200MiB": (
        "a 200 MiB body really sent, under an RFC822.SIZE that says 5 KiB",
        {"literal": {2: "big-lying"}},
        "meta",
    ),
    "refused-search-20k": (
        "a server that refuses every SEARCH, 20,000 messages (every header checked here)",
        {"refuse_search": True},
        "many",
    ),
    "trickle": (
        "a body literal trickling one byte every 0.5 s (timeout_seconds = 2)",
        {"literal": {2: "trickle"}, "trickle_seconds": 0.5},
        "meta",
    ),
}


def _messages(kind: str) -> dict[int, bytes]:
    from tests.support.mailfactory import meta_mail, ordinary_mail

    messages = {}
    for uid in range(1, 20_001 if kind == "many" else 2001):
        if uid % 20 == 2:
            messages[uid] = meta_mail(
                "notice", account=f"u{uid}@example.org", message_id=f"<n{uid}@facebookmail.com>"
            )
        else:
            messages[uid] = ordinary_mail(uid)
    if kind == "huge-header":
        head = b"From: Facebook <security@facebookmail.com>\r\nX-Filler: "
        messages[2] = head + b"x" * BIG
    return messages


def serve(name: str) -> None:
    """Run the scenario's server until stdin closes; print its port first."""
    from tests.support.quirkserver import Quirks, QuirkyServer

    _, quirks, kind = SCENARIOS[name]
    with QuirkyServer(_messages(kind), Quirks(**quirks)) as server:  # type: ignore[arg-type]
        print(server.port, flush=True)
        sys.stdin.read()


def client(name: str, port: int) -> None:
    """Sync once against the server on `port`; print peak memory and the outcome as JSON."""
    from tests.support.quirkserver import PASSWORD, USER
    from tracker.config import MailboxSettings
    from tracker.ledger import Ledger
    from tracker.sync import sync_mailbox

    with tempfile.TemporaryDirectory() as tmp:
        secret = Path(tmp) / "password"
        secret.write_text(PASSWORD)
        secret.chmod(0o600)
        mailbox = MailboxSettings(
            name="bench",
            host="127.0.0.1",
            port=port,
            security="none",
            username=USER,
            password_file=secret,
            timeout_seconds=2.0 if name == "trickle" else 30.0,
        )
        ledger = Ledger.open(str(Path(tmp) / "ledger.db"))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        result = sync_mailbox(ledger, mailbox)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        summary = ledger.summary()
    print(
        json.dumps(
            {
                "scenario": name,
                "peak_mb": round(peak, 1),
                "before_sync_mb": round(before, 1),
                "seconds": round(seconds, 2),
                "recorded": summary.messages,
                "skipped": summary.skipped,
                "error": str(result.errors[0]) if result.errors else None,
            }
        )
    )


def run_one(name: str) -> dict[str, object]:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        out = subprocess.run(
            [sys.executable, __file__, "--client", name, "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if out.returncode != 0:  # what an unbounded client does: report it, go on
            last = (out.stderr.strip().splitlines() or ["?"])[-1]
            return {
                "scenario": name,
                "peak_mb": float("nan"),
                "seconds": 0,
                "recorded": 0,
                "skipped": 0,
                "error": f"crashed: {last[:120]}",
            }
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve")
    parser.add_argument("--client")
    parser.add_argument("--port", type=int)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", help="comma-separated scenarios (normal always runs first)")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.client:
        client(args.client, args.port)
        return
    wanted = set(args.only.split(",")) if args.only else set(SCENARIOS)
    rows = [run_one(name) for name in SCENARIOS if name == "normal" or name in wanted]
    baseline = float(rows[0]["peak_mb"])  # type: ignore[arg-type]
    for row in rows:
        row["ratio"] = round(float(row["peak_mb"]) / baseline, 2)  # type: ignore[arg-type]
        if args.json:
            print(json.dumps(row))
        else:
            print(
                f"{row['scenario']:26} peak {row['peak_mb']:6} MB (x{row['ratio']}) "
                f"{row['seconds']:6} s  recorded {row['recorded']:3} skipped {row['skipped']}  "
                f"{row['error'] or 'ok'}"
            )


if __name__ == "__main__":
    main()
