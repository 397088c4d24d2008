"""Benchmarks at scale: a 1 GiB Takeout mbox, and fail-over between watchers on PostgreSQL.

Called from bench/run.py (`--only mbox_import_1gib,failover_seconds`); each figure comes with a
baseline measured in the same run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.mailfactory import meta_mail, write_mbox

if TYPE_CHECKING:
    from bench.data import MailPool
    from bench.run import Result

Measure = Callable[[Sequence[str]], tuple[float, float, subprocess.CompletedProcess[bytes]]]

# The floor: every message boundary found with mmap.find, nothing else.
_BARE_SCAN = """
import mmap, sys
with open(sys.argv[1], "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
    n, pos = 0, m.find(b"\\nFrom ")
    while pos >= 0:
        n += 1
        pos = m.find(b"\\nFrom ", pos + 1)
print(n + 1)
"""


def write_big_mbox(pool: MailPool, path: Path, mib: int) -> tuple[int, int]:
    """Append mixed mail (0.5% Meta) to `path` until it holds `mib` MiB; return (messages, Meta)."""
    messages = meta = 0
    chunk = path.with_suffix(".part")
    with path.open("wb") as out:
        while out.tell() < mib * 2**20:
            write_mbox(chunk, pool.mixed(20_000, 100))
            out.write(chunk.read_bytes())
            messages += 20_000
            meta += 100
    chunk.unlink()
    return messages, meta


def bench_mbox_import_1gib(
    pool: MailPool,
    mib: int,
    work: Path,
    run_measured: Measure,
    last_cpu: Callable[[], float],
) -> Result:
    """`tracker import` of a big mbox vs a bare mmap boundary scan of the same file.

    `run_measured` and `last_cpu` are bench/run.py's: commands run from its small launcher
    process. CPU seconds are reported too: on a shared machine they move less than wall time.
    """
    from bench.run import _check, _result, tracker_command

    mbox = work / "big-takeout.mbox"
    messages, meta = write_big_mbox(pool, mbox, mib)
    bare_command = [sys.executable, "-c", _BARE_SCAN, str(mbox)]
    _check(run_measured(bare_command)[2], "bare scan warm-up")  # the file in the page cache
    ledger = work / "big-import.db"
    ours_command = tracker_command("--db", str(ledger), "import", "--json", str(mbox))
    bare, _, done = run_measured(bare_command)
    bare_cpu = last_cpu()
    _check(done, "bare scan")
    ours, rss, done = run_measured(ours_command)
    ours_cpu = last_cpu()
    _check(done, "tracker import")
    counts = json.loads(done.stdout)
    bare_again, _, _ = run_measured(bare_command)
    bare, bare_cpu = min(bare, bare_again), min(bare_cpu, last_cpu())
    mbox.unlink()
    ratio = ours / bare
    return _result(
        "mbox_import_1gib",
        ours,
        "s",
        bare,
        target="ratio <= 3, peak RSS < 150 MB",
        ok=ratio <= 3 and rss < 150,
        higher_is_better=False,
        note=f"{messages} messages ({mib} MiB), {counts['new']} of {meta} Meta recorded, "
        f"{counts['ignored']} ignored; peak RSS {rss:.0f} MB; CPU {ours_cpu:.1f} s vs "
        f"{bare_cpu:.1f} s (ratio {ours_cpu / bare_cpu:.1f}); baseline mmap.find boundary scan",
        peak_rss_mb=rss,
        cpu_s=ours_cpu,
        baseline_cpu_s=bare_cpu,
    )


def bench_failover(work: Path, *, folders: int = 6) -> Result:
    """Seconds from kill -9 of one of two watchers to every folder's new mail in the ledger.

    Baseline: the same delivery to every folder with both watchers alive.
    """
    from bench.run import _result, _skipped, tracker_command
    from tests.support.imapserver import DovecotServer, dovecot_available
    from tests.support.pgserver import PostgresServer, postgres_available

    target = "value <= 30 s"
    if not (dovecot_available() and postgres_available()):
        return _skipped("failover_seconds", "s", target, "needs Dovecot and PostgreSQL, as root")
    from tracker.ledger import Ledger

    dovecot, postgres = DovecotServer(), PostgresServer()
    watchers: list[subprocess.Popen[bytes]] = []
    try:
        dovecot.start()
        postgres.start()
        users = [dovecot.add_user(f"fail{n}@example.org") for n in range(folders)]
        lines = []
        for n, user in enumerate(users):
            secret = work / f"fail{n}.pass"
            secret.write_text(user.password + "\n")
            secret.chmod(0o600)
            lines.append(
                f'[[mailbox]]\nname = "box{n}"\nhost = "{dovecot.host}"\nport = {dovecot.port}\n'
                f'security = "none"\nusername = "{user.username}"\n'
                f'password_file = "{secret}"\nfolders = ["INBOX"]\n'
            )
        config = work / "failover.toml"
        config.write_text("\n".join(lines))
        ledger = Ledger.open(postgres.url)
        for _ in range(2):
            watchers.append(
                subprocess.Popen(
                    tracker_command("--db", postgres.url, "--config", str(config), "watch"),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        serial = 0

        def deliver_everywhere() -> int:
            nonlocal serial
            for user in users:
                serial += 1
                raw = meta_mail("notice", account=f"f{serial}@example.org")
                dovecot.doveadm("save", "-u", user.username, "-m", "INBOX", input=raw)
            return serial

        def until_recorded(count: int, started: float, timeout: float = 120) -> float:
            while ledger.summary().messages < count:
                if time.monotonic() - started > timeout:
                    raise RuntimeError(f"only {ledger.summary().messages} of {count} recorded")
                time.sleep(0.05)
            return time.monotonic() - started

        # Warm-up: both watchers up and sharing every folder.
        until_recorded(deliver_everywhere(), time.monotonic())
        time.sleep(5)
        started = time.monotonic()
        baseline = until_recorded(deliver_everywhere(), started)
        watchers[0].kill()
        started = time.monotonic()
        watchers[0].wait()
        value = until_recorded(deliver_everywhere(), started)
        ledger.close()
    except Exception as err:
        return _skipped("failover_seconds", "s", target, f"failed: {err}")
    finally:
        for process in watchers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        dovecot.stop()
        dovecot.cleanup()
        postgres.stop()
    return _result(
        "failover_seconds",
        value,
        "s",
        baseline,
        target=target,
        ok=value <= 30,
        higher_is_better=False,
        note=f"2 watchers, {folders} mailboxes on PostgreSQL; kill -9 of one, then one mail in "
        "every folder; baseline: the same with both alive",
    )
