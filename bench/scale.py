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


def _many_folder_dovecot() -> object:
    """A test Dovecot allowed well over 1,000 sessions (its default is 100 imap processes).

    Every session runs as one Unix user, and Linux gives a user 128 inotify instances
    (fs.inotify.max_user_instances): past 128 sessions Dovecot learns of new mail by looking
    every `mailbox_idle_check_interval` (30 s by default) instead of at once. 1 s here, so the
    figure shows tracker's delay rather than that fallback.
    """
    from tests.support.imapserver import DovecotServer

    class ManySessions(DovecotServer):
        def _config_text(self) -> str:
            return super()._config_text() + (
                "default_client_limit = 4000\n"
                "mailbox_idle_check_interval = 1 secs\n"
                "service imap {\n  process_limit = 2000\n}\n"
                "service anvil {\n  client_limit = 4100\n}\n"
            )

    return ManySessions()


def _proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    import os

    return ticks / os.sysconf("SC_CLK_TCK")


def _proc_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _watch_run(
    server: object, boxes: list[tuple[str, str]], folders: list[str], work: Path, tag: str
) -> tuple[float, float, list[float], float]:
    """Run one `tracker watch` over `boxes` x `folders`; return (peak RSS MB, idle CPU % of a
    core, delivery-to-ledger ms of each test mail, seconds until every folder was connected)."""
    import random
    import sqlite3

    from bench.run import tracker_command
    from tracker.parse import parse_email

    lines = []
    for name, (user, password) in enumerate(boxes):
        secret = work / f"{tag}{name}.pass"
        secret.write_text(password + "\n")
        secret.chmod(0o600)
        lines.append(
            f'[[mailbox]]\nname = "{tag}{name}"\nhost = "{server.host}"\n'  # type: ignore[attr-defined]
            f'port = {server.port}\nsecurity = "none"\nusername = "{user}"\n'  # type: ignore[attr-defined]
            f'password_file = "{secret}"\nfolders = {json.dumps(folders)}\ntimeout_seconds = 60\n'
        )
    config = work / f"{tag}.toml"
    config.write_text("\n".join(lines))
    ledger = work / f"{tag}.db"
    started = time.monotonic()
    watcher = subprocess.Popen(
        tracker_command("--db", str(ledger), "--config", str(config), "watch"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    total = len(boxes) * len(folders)
    try:
        while len(server.session_pids()) < total:  # type: ignore[attr-defined]
            if watcher.poll() is not None or time.monotonic() - started > 600:
                raise RuntimeError(f"only {len(server.session_pids())} of {total} connected")  # type: ignore[attr-defined]
            time.sleep(0.5)
        connected = time.monotonic() - started
        time.sleep(10)  # first syncs settle
        cpu_before, window = _proc_cpu_seconds(watcher.pid), 20.0
        time.sleep(window)
        idle_cpu = (_proc_cpu_seconds(watcher.pid) - cpu_before) / window * 100
        connection = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=5)
        rng = random.Random(5)
        latencies = []
        for n in range(20):
            raw = meta_mail("notice", account=f"{tag}{n}@example.org")
            key = parse_email(raw).message_id
            user, _ = rng.choice(boxes)
            folder = rng.choice(folders)
            sent = time.perf_counter()
            server.doveadm("save", "-u", user, "-m", folder, input=raw)  # type: ignore[attr-defined]
            deadline = time.monotonic() + 30
            while not connection.execute(
                "SELECT 1 FROM message WHERE message_key = ?", (key,)
            ).fetchone():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"mail {n} not recorded within 30 s")
                time.sleep(0.005)
            latencies.append((time.perf_counter() - sent) * 1000)
            time.sleep(0.2)
        connection.close()
        rss = _proc_peak_rss_mb(watcher.pid)
    finally:
        watcher.terminate()
        try:
            watcher.wait(timeout=30)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()
    return rss, idle_cpu, latencies, connected


def bench_watch_many_folders(work: Path, *, users: int = 250) -> list[Result]:
    """One `tracker watch` over users x 4 IDLE folders vs the same watcher over one folder."""
    from bench.run import _percentile, _result, _skipped
    from tests.support.imapserver import dovecot_available

    names = ("watch_1000_folders_rss", "watch_1000_folders_latency_p95")
    if not dovecot_available():
        return [
            _skipped(n, u, "", "needs Dovecot, as root")
            for n, u in zip(names, ("MB", "ms"), strict=True)
        ]
    folders = ["INBOX", "Archive", "Lists", "Receipts"]
    server = _many_folder_dovecot()
    try:
        server.start()  # type: ignore[attr-defined]
        made = [server.add_user(f"many{n}@example.org") for n in range(users)]  # type: ignore[attr-defined]
        # Dovecot re-reads its passwd-file when the mtime changes: once more, a second later.
        time.sleep(1.1)
        server.add_user(made[-1].username, made[-1].password)  # type: ignore[attr-defined]
        boxes = []
        for user in made:
            for folder in folders[1:]:
                server.create_folder(user.username, folder)  # type: ignore[attr-defined]
            boxes.append((user.username, user.password))
        one_rss, one_cpu, one_ms, _ = _watch_run(server, boxes[:1], ["INBOX"], work, "one")
        rss, cpu, many_ms, connected = _watch_run(server, boxes, folders, work, "many")
    except Exception as err:
        return [
            _skipped(n, u, "", f"failed: {err}") for n, u in zip(names, ("MB", "ms"), strict=True)
        ]
    finally:
        server.stop()  # type: ignore[attr-defined]
        server.cleanup()  # type: ignore[attr-defined]
    total = users * len(folders)
    p95, one_p95 = _percentile(many_ms, 0.95), _percentile(one_ms, 0.95)
    return [
        _result(
            names[0],
            rss,
            "MB",
            one_rss,
            target="< 300 MB, idle CPU < 2% of a core",
            ok=rss < 300 and cpu < 2,
            higher_is_better=False,
            note=f"{total} IDLE folders ({users} users x {len(folders)}), all connected after "
            f"{connected:.0f} s; idle CPU {cpu:.1f}% of a core (one folder: {one_cpu:.1f}%); "
            "baseline: the same watcher on one folder",
            idle_cpu_percent=cpu,
        ),
        _result(
            names[1],
            p95,
            "ms",
            one_p95,
            target="value - baseline <= 150 ms",
            ok=p95 - one_p95 <= 150,
            higher_is_better=False,
            note=f"20 mails into random folders of {total}; baseline: one watched folder",
            delta=p95 - one_p95,
        ),
    ]
