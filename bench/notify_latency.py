"""How long after a mail lands a notification arrives, against when it reaches the ledger.

    python bench/notify_latency.py [--mails 30]

Starts Dovecot (as root, like the tests), a loopback HTTP server taking apprise's json://
posts and `tracker watch` with that target; delivers notices one at a time with
`doveadm save` and records, per mail, ms until its ledger row exists (the baseline: what the
watcher already did before notifications) and ms until the post arrived. Run by hand.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.imap_fixtures import mailbox_settings  # noqa: E402
from tests.support.imapconfig import child_env, eventually, tracker_command, write_config  # noqa: E402
from tests.support.imapserver import running_dovecot  # noqa: E402
from tests.support.mailfactory import meta_mail  # noqa: E402
from tests.support.notifyservers import http_sink  # noqa: E402


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=30)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tracker-notify-bench-"))
    ledger_ms: list[float] = []
    notify_ms: list[float] = []
    with running_dovecot() as server, http_sink() as http:
        user = server.add_user("bench@example.org")
        db = work / "ledger.db"
        config = write_config(
            work / "config.toml", [mailbox_settings(server, user, work)], ledger=db
        )
        with config.open("a") as out:
            out.write(f'\n[[notify]]\nname = "bench"\nurl = "{http.url()}"\n')
        log = (work / "watch.log").open("w")
        watcher = subprocess.Popen(
            tracker_command("--config", str(config), "watch"),
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=child_env(),
        )
        try:
            eventually(lambda: "connected (IDLE)" in (work / "watch.log").read_text())
            connection = sqlite3.connect(db)
            for n in range(args.mails):
                account = f"user{n}@example.org"
                raw = meta_mail("notice", account=account)
                start = time.perf_counter()
                server.deliver(user.username, raw)
                eventually(
                    lambda a=account: connection.execute(
                        "SELECT 1 FROM message WHERE recipient = ?", (a,)
                    ).fetchone(),
                    step=0.005,
                )
                ledger_ms.append((time.perf_counter() - start) * 1000)
                eventually(lambda c=n + 1: len(http.accepted) >= c, step=0.005)
                notify_ms.append((time.perf_counter() - start) * 1000)
            connection.close()
        finally:
            watcher.terminate()
            watcher.wait(timeout=30)
            log.close()
    for name, values in (("ledger row", ledger_ms), ("notification", notify_ms)):
        print(
            f"{name:13s} p50 {statistics.median(values):7.0f} ms   "
            f"p95 {_percentile(values, 0.95):7.0f} ms   max {max(values):7.0f} ms"
        )
    extra = [n - r for n, r in zip(notify_ms, ledger_ms, strict=True)]
    print(
        f"notification after the ledger row: p50 {statistics.median(extra):.0f} ms, "
        f"p95 {_percentile(extra, 0.95):.0f} ms ({args.mails} mails)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
