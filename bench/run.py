"""Benchmarks: how fast tracker is where users feel it, as ratios against a floor measured alongside.

    python bench/run.py            # default sizes (several minutes)
    python bench/run.py --quick    # every size shrunk: under a minute
    python bench/run.py --json     # one JSON object per metric
    python bench/run.py --only parse_meta,cli_code

Each metric is measured against its baseline in the same run, so a busy machine slows both.
Throughputs (mails/s) are better when higher, times and memory when lower; `ratio` is always
value / baseline. Run by hand, as root where the IMAP metrics should run (they start their own
Dovecot, as the tests do); not part of CI.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/ and tests/ are not installed; import them from the checkout
    sys.path.insert(0, str(ROOT))

from bench.data import MailPool, build_ledger  # noqa: E402
from bench.scale import (  # noqa: E402
    bench_failover,
    bench_mbox_import_1gib,
    bench_watch_many_folders,
)
from tests.support.mailfactory import write_mbox  # noqa: E402


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much data each metric works on."""

    parse_meta: int
    triage_other: int
    repeats: int
    mbox_messages: int
    imap_messages: int
    imap_meta: int
    idle_mails: int
    code_accounts: int
    code_runs: int
    report_accounts: int
    report_runs: int
    big_mbox_mib: int = 1024
    imap_big_messages: int = 100_000
    imap_big_meta: int = 500
    watch_users: int = 250


FULL = Sizes(
    parse_meta=2_000,
    triage_other=20_000,
    repeats=5,
    mbox_messages=50_000,
    imap_messages=20_000,
    imap_meta=100,
    idle_mails=50,
    code_accounts=10_000,
    code_runs=7,
    report_accounts=100_000,
    report_runs=3,
)
QUICK = Sizes(
    parse_meta=300,
    triage_other=3_000,
    repeats=3,
    mbox_messages=3_000,
    imap_messages=1_000,
    imap_meta=10,
    idle_mails=8,
    code_accounts=1_000,
    code_runs=3,
    report_accounts=2_000,
    report_runs=1,
    big_mbox_mib=32,
    imap_big_messages=5_000,
    imap_big_meta=25,
    watch_users=10,
)


@dataclass(slots=True)
class Result:
    """One metric: tracker's figure, the baseline's, and how they compare."""

    name: str
    value: float | None
    unit: str
    baseline: float | None
    ratio: float | None
    target: str
    ok: bool | None
    higher_is_better: bool
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)


def _result(
    name: str,
    value: float,
    unit: str,
    baseline: float,
    *,
    target: str,
    ok: bool,
    higher_is_better: bool,
    note: str = "",
    **extra: float,
) -> Result:
    ratio = value / baseline if baseline else None
    return Result(
        name,
        round(value, 4),
        unit,
        round(baseline, 4),
        round(ratio, 3) if ratio is not None else None,
        target,
        ok,
        higher_is_better,
        note,
        {k: round(v, 3) for k, v in extra.items()},
    )


def _skipped(name: str, unit: str, target: str, reason: str, *, higher: bool = False) -> Result:
    return Result(name, None, unit, None, None, target, None, higher, f"skipped: {reason}")


# -- helpers ---------------------------------------------------------------------------------


def tracker_command(*args: str) -> list[str]:
    """Return the command line that runs this checkout's tracker CLI."""
    return [sys.executable, "-m", "tracker", *args]


# Linux counts the parent's memory in a child's peak RSS when the child is forked from a big
# process (the benchmark holds tens of MB of generated mail), so every measured command is
# started by this small launcher, itself started before any data exists.
_LAUNCHER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    with open(job["out"], "wb") as out, open(job["err"], "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(job["command"], stdout=out, stderr=err, cwd=job["cwd"])
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    print(json.dumps({"elapsed": elapsed, "rss_kb": usage.ru_maxrss,
                      "cpu": usage.ru_utime + usage.ru_stime,
                      "returncode": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class Launcher:
    """A small child process that runs commands and reports their time and peak RSS."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._jobs = 0
        self._lock = threading.Lock()
        self.last_cpu = 0.0  # CPU seconds (user + system) of the last command run

    def run(
        self, command: Sequence[str]
    ) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
        """Run `command`; return (wall seconds, its peak RSS in MB, the completed process)."""
        with self._lock:
            self._jobs += 1
            out, err = self.work / f"job{self._jobs}.out", self.work / f"job{self._jobs}.err"
            job = {"command": list(command), "cwd": str(ROOT), "out": str(out), "err": str(err)}
            assert self.process.stdin is not None and self.process.stdout is not None
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
            report = json.loads(self.process.stdout.readline())
            self.last_cpu = report["cpu"]
        completed = subprocess.CompletedProcess(
            list(command), report["returncode"], out.read_bytes(), err.read_bytes()
        )
        out.unlink()
        err.unlink()
        return report["elapsed"], report["rss_kb"] / 1024, completed

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


_launcher: Launcher | None = None


def run_measured(command: Sequence[str]) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    """Run `command` through the launcher; return (wall seconds, peak RSS in MB, result)."""
    assert _launcher is not None, "main() starts the launcher"
    return _launcher.run(command)


def last_cpu_seconds() -> float:
    """CPU seconds (user + system) of the command `run_measured` ran last."""
    assert _launcher is not None, "main() starts the launcher"
    return _launcher.last_cpu


def _check(
    completed: subprocess.CompletedProcess[bytes], what: str, *, allowed: Sequence[int] = (0,)
) -> None:
    if completed.returncode not in allowed:
        tail = completed.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"{what} exited {completed.returncode}: {' / '.join(tail)}")


def has_command(name: str) -> bool:
    """Return True if this checkout's CLI has the command `name`."""
    completed = subprocess.run(
        tracker_command(name, "--help"), capture_output=True, cwd=ROOT, check=False
    )
    return completed.returncode == 0


def best_of(
    repeats: int, mails: Sequence[bytes], *functions: Callable[[bytes], object]
) -> list[float]:
    """Return each function's time over `mails`: the sum, chunk by chunk, of its best run.

    The functions take turns on each chunk of 100 mails, `repeats` times, and only each
    chunk's fastest run counts: on a shared machine a neighbour's burst then costs a retry,
    not a skewed ratio.
    """
    totals = [0.0] * len(functions)
    for start in range(0, len(mails), 100):
        chunk = mails[start : start + 100]
        best = [float("inf")] * len(functions)
        for _ in range(repeats):
            for i, function in enumerate(functions):
                started = time.perf_counter()
                for raw in chunk:
                    function(raw)
                best[i] = min(best[i], time.perf_counter() - started)
        totals = [total + b for total, b in zip(totals, best, strict=True)]
    return totals


# -- parser ----------------------------------------------------------------------------------


def bench_parse_meta(pool: MailPool, sizes: Sizes) -> Result:
    """Full parse of Meta mail vs mail-parser alone on the same bytes."""
    import mailparser

    from tracker.parse import parse_email

    mails = pool.meta(sizes.parse_meta)
    ours, bare = best_of(sizes.repeats, mails, parse_email, mailparser.parse_from_bytes)
    value, baseline = len(mails) / ours, len(mails) / bare
    return _result(
        "parse_meta",
        value,
        "mails/s",
        baseline,
        target="ratio >= 0.5",
        ok=value / baseline >= 0.5,
        higher_is_better=True,
        note=f"{len(mails)} Meta mails; baseline mailparser.parse_from_bytes",
    )


def bench_triage_other(pool: MailPool, sizes: Sizes) -> Result:
    """parse_email on ordinary mail vs the standard library's header parser."""
    from email import policy
    from email.parser import BytesHeaderParser

    from tracker.parse import parse_email

    mails = pool.other(sizes.triage_other)
    header_parser = BytesHeaderParser(policy=policy.compat32)
    ours, bare = best_of(sizes.repeats, mails, parse_email, header_parser.parsebytes)
    value, baseline = len(mails) / ours, len(mails) / bare
    return _result(
        "triage_other",
        value,
        "mails/s",
        baseline,
        target="ratio >= 0.5",
        ok=value / baseline >= 0.5,
        higher_is_better=True,
        note=f"{len(mails)} ordinary mails; baseline BytesHeaderParser (compat32)",
    )


# -- mbox import -----------------------------------------------------------------------------

_BARE_MBOX = """
import sys
from email import policy
from email.parser import BytesHeaderParser
parser = BytesHeaderParser(policy=policy.compat32)
count = 0
lines = []
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        if line.startswith(b"From "):
            if lines:
                parser.parsebytes(b"".join(lines)); count += 1
            lines = []
        else:
            lines.append(line)
if lines:
    parser.parsebytes(b"".join(lines)); count += 1
print(count)
"""


def bench_mbox_import(pool: MailPool, sizes: Sizes, work: Path) -> Result:
    """`tracker import` of an mbox vs a bare split-and-header-parse loop over the same file."""
    meta = max(1, sizes.mbox_messages // 200)
    mbox = work / "takeout.mbox"
    write_mbox(mbox, pool.mixed(sizes.mbox_messages, meta))
    bare, _, done = run_measured([sys.executable, "-c", _BARE_MBOX, str(mbox)])
    _check(done, "bare mbox loop")
    ledger = work / "import.db"
    ours, _, done = run_measured(
        tracker_command("--db", str(ledger), "import", "--json", str(mbox))
    )
    _check(done, "tracker import")
    counts = json.loads(done.stdout)
    ratio = ours / bare
    return _result(
        "mbox_import",
        ours,
        "s",
        bare,
        target="ratio <= 1.5",
        ok=ratio <= 1.5,
        higher_is_better=False,
        note=f"{sizes.mbox_messages} messages ({mbox.stat().st_size // 2**20} MiB), "
        f"{counts['new']} Meta recorded",
    )


# -- IMAP ------------------------------------------------------------------------------------

_BARE_SYNC = """
import json, sys
from imapclient import IMAPClient
host, port, user, password, terms = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
client = IMAPClient(host, port=port, ssl=False)
client.login(user, password)
client.select_folder("INBOX", readonly=True)
criteria = []
for term in terms[:-1]:
    criteria += ["OR", "FROM", term]
criteria += ["FROM", terms[-1]]
uids = sorted(client.search(criteria))
fetched = 0
for start in range(0, len(uids), 100):
    fetched += len(client.fetch(uids[start:start + 100], ["BODY.PEEK[]"]))
client.logout()
print(fetched)
"""

_SYNC_FALLBACK = """
import sys
from pathlib import Path
from tracker.config import load_settings
from tracker.imap import connect
from tracker.ledger import Ledger
from tracker.sync import sync_folder
settings = load_settings(Path(sys.argv[1]))
ledger = Ledger.open(sys.argv[2])
for mailbox in settings.mailboxes:
    with connect(mailbox) as connection:
        for folder in mailbox.folders:
            sync_folder(ledger, connection, mailbox.name, folder)
"""


@dataclass
class ImapSetup:
    """A running Dovecot with one user, and a tracker config file pointing at it."""

    server: object
    username: str
    password: str
    config: Path


def start_imap(work: Path, name: str) -> ImapSetup:
    """Start Dovecot with a user and write a tracker config for it (raises when unavailable)."""
    from tests.support.imapserver import DovecotServer, dovecot_available

    if not dovecot_available():
        raise RuntimeError("needs dovecot, doveadm and openssl, run as root")
    server = DovecotServer()
    server.start()
    user = server.add_user(f"{name}@example.org")
    secret = work / f"{name}.pass"
    secret.write_text(user.password + "\n")
    secret.chmod(0o600)
    config = work / f"{name}.toml"
    config.write_text(
        f'[[mailbox]]\nname = "{name}"\nhost = "{server.host}"\nport = {server.port}\n'
        f'security = "none"\nusername = "{user.username}"\npassword_file = "{secret}"\n'
        'folders = ["INBOX"]\ntimeout_seconds = 60\n'
    )
    return ImapSetup(server, user.username, user.password, config)


def stop_imap(setup: ImapSetup | None) -> None:
    if setup is None:
        return
    setup.server.stop()  # type: ignore[attr-defined]
    setup.server.cleanup()  # type: ignore[attr-defined]


def bench_imap_first_sync(
    pool: MailPool,
    sizes: Sizes,
    work: Path,
    *,
    name: str = "imap_first_sync",
    rss_name: str = "sync_peak_rss",
    messages: int | None = None,
    meta: int | None = None,
) -> list[Result]:
    """`tracker sync` of a big mailbox vs bare imapclient SEARCH + BODY.PEEK[]; and its peak RSS."""
    from tracker.imap.client import search_terms

    messages = messages or sizes.imap_messages
    meta = meta or sizes.imap_meta
    sync_target, rss_target = "ratio <= 2", "<= 150 MB"
    try:
        setup = start_imap(work, name.replace("_", ""))
    except Exception as err:  # no Dovecot here: report why rather than fail the run
        return [
            _skipped(name, "s", sync_target, str(err)),
            _skipped(rss_name, "MB", rss_target, str(err)),
        ]
    try:
        server = setup.server
        # In slices: 100,000 generated mails at once would hold ~250 MB here.
        for start in range(0, messages, 20_000):
            count = min(20_000, messages - start)
            server.deliver_many(setup.username, pool.mixed(count, max(1, meta * count // messages)))  # type: ignore[attr-defined]
        bare_command = [
            sys.executable,
            "-c",
            _BARE_SYNC,
            server.host,  # type: ignore[attr-defined]
            str(server.port),  # type: ignore[attr-defined]
            setup.username,
            setup.password,
            json.dumps(search_terms()),
        ]
        # The first search makes Dovecot build its header cache; neither side should pay for it.
        _check(run_measured(bare_command)[2], "bare imapclient warm-up")
        ledger = work / "firstsync.db"
        if has_command("sync"):
            command = tracker_command("--db", str(ledger), "--config", str(setup.config), "sync")
            how = "tracker sync"
        else:
            command = [sys.executable, "-c", _SYNC_FALLBACK, str(setup.config), str(ledger)]
            how = "sync_folder in a child process (no `tracker sync` command yet)"
        ours, rss, done = run_measured(command)
        _check(done, how)
        # The same command again finds nothing new: what is left is its fixed cost (start-up,
        # imports, opening the ledger, one SEARCH), which the bare client mostly does not pay.
        fixed, _, done = run_measured(command)
        _check(done, how)
        bare, _, done = run_measured(bare_command)
        _check(done, "bare imapclient")
        fetched = int(done.stdout.strip() or 0)
        _, help_rss, done = run_measured(tracker_command("--help"))
        _check(done, "tracker --help")
    finally:
        stop_imap(setup)
    return [
        _result(
            name,
            ours,
            "s",
            bare,
            target=sync_target,
            ok=ours / bare <= 2,
            higher_is_better=False,
            note=f"{how}; {messages} messages, {meta} Meta "
            f"({fetched} fetched by the baseline); a second sync with nothing new: {fixed:.2f} s",
            second_sync_s=fixed,
        ),
        _result(
            rss_name,
            rss,
            "MB",
            help_rss,
            target=rss_target,
            ok=rss <= 150,
            higher_is_better=False,
            note=f"{how}; baseline `tracker --help`",
        ),
    ]


class _IdleWatcher(threading.Thread):
    """A bare imapclient IDLE client: records when each EXISTS count was first announced."""

    def __init__(self, host: str, port: int, user: str, password: str) -> None:
        super().__init__(daemon=True)
        from imapclient import IMAPClient

        self.client = IMAPClient(host, port=port, ssl=False)
        self.client.login(user, password)
        info = self.client.select_folder("INBOX", readonly=True)
        self.exists = int(info[b"EXISTS"])
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.client.idle()

    def run(self) -> None:
        while not self.stop.is_set():
            for response in self.client.idle_check(timeout=0.5):
                if len(response) >= 2 and response[1] == b"EXISTS":
                    self.seen.setdefault(int(response[0]), time.perf_counter())

    def close(self) -> None:
        self.stop.set()
        self.join(timeout=5)
        try:
            self.client.idle_done()
            self.client.logout()
        except Exception:
            pass


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def bench_idle_latency(pool: MailPool, sizes: Sizes, work: Path) -> list[Result]:
    """ms from delivery to ledger row with `tracker watch` running, vs a bare IDLE client."""
    import sqlite3

    targets = ("value - baseline <= 150 ms", "value - baseline <= 500 ms")
    names = ("idle_latency_p50", "idle_latency_p95")
    if not has_command("watch"):
        reason = "this checkout has no `tracker watch` command yet"
        return [_skipped(n, "ms", t, reason) for n, t in zip(names, targets, strict=True)]
    try:
        setup = start_imap(work, "watch")
    except Exception as err:
        return [_skipped(n, "ms", t, str(err)) for n, t in zip(names, targets, strict=True)]
    server = setup.server
    ledger = work / "watch.db"
    watcher = subprocess.Popen(
        tracker_command("--db", str(ledger), "--config", str(setup.config), "watch"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    bare: _IdleWatcher | None = None
    ours_ms: list[float] = []
    bare_ms: list[float] = []
    try:
        from tracker.parse import parse_email

        # Only objection-flow mail leaves a ledger row (a login alert leaves none).
        mails, keys = [], []
        while len(mails) < sizes.idle_mails + 1:
            raw = pool.meta(1)[0]
            parsed = parse_email(raw)
            if parsed.is_meta_flow and parsed.message_id:
                mails.append(raw)
                keys.append(parsed.message_id)

        def recorded(key: str, connection: sqlite3.Connection | None) -> bool:
            if connection is None:
                return False
            try:
                row = connection.execute("SELECT 1 FROM message WHERE message_key = ?", (key,))
                return row.fetchone() is not None
            except sqlite3.Error:
                return False

        def deliver(raw: bytes) -> None:
            server.doveadm("save", "-u", setup.username, "-m", "INBOX", input=raw)  # type: ignore[attr-defined]

        # Warm-up: the watcher is ready once its first mail is in the ledger.
        deliver(mails[0])
        deadline = time.monotonic() + 60
        connection = None
        while time.monotonic() < deadline:
            if watcher.poll() is not None:
                raise RuntimeError(
                    "tracker watch exited: "
                    + watcher.stderr.read().decode(errors="replace").strip()[-300:]  # type: ignore[union-attr]
                )
            if connection is None and ledger.exists():
                connection = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=5)
            if recorded(keys[0], connection):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("tracker watch recorded nothing within 60 s")
        bare = _IdleWatcher(server.host, server.port, setup.username, setup.password)  # type: ignore[attr-defined]
        bare.start()
        time.sleep(0.5)
        for i, raw in enumerate(mails[1:], start=1):
            expected_exists = bare.exists + i
            started = time.perf_counter()
            deliver(raw)
            ours_at = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if ours_at is None and recorded(keys[i], connection):
                    ours_at = time.perf_counter()
                if ours_at is not None and expected_exists in bare.seen:
                    break
                time.sleep(0.005)
            if ours_at is None or expected_exists not in bare.seen:
                raise RuntimeError(
                    f"mail {i} not seen within 30 s by the watcher or the IDLE client"
                )
            ours_ms.append((ours_at - started) * 1000)
            bare_ms.append((bare.seen[expected_exists] - started) * 1000)
            time.sleep(0.2)
    except Exception as err:
        return [_skipped(n, "ms", t, f"failed: {err}") for n, t in zip(names, targets, strict=True)]
    finally:
        if bare is not None:
            bare.close()
        watcher.terminate()
        try:
            watcher.wait(timeout=10)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()
        stop_imap(setup)
    results = []
    for name, target, fraction, limit in zip(names, targets, (0.5, 0.95), (150, 500), strict=True):
        value, baseline = _percentile(ours_ms, fraction), _percentile(bare_ms, fraction)
        results.append(
            _result(
                name,
                value,
                "ms",
                baseline,
                target=target,
                ok=value - baseline <= limit,
                higher_is_better=False,
                note=f"{len(ours_ms)} mails; delivery via doveadm save, ledger polled every 5 ms",
                delta=value - baseline,
            )
        )
    return results


# -- CLI on big ledgers ----------------------------------------------------------------------


def _median_run(command: Sequence[str], runs: int, *, allowed: Sequence[int] = (0,)) -> float:
    times = []
    for _ in range(runs):
        elapsed, _, done = run_measured(command)
        _check(done, " ".join(command[-2:]), allowed=allowed)
        times.append(elapsed)
    return statistics.median(times)


def bench_cli_code(sizes: Sizes, work: Path) -> Result:
    """Cold `tracker code` on a ledger of many accounts vs `python -c "import sqlmodel"`."""
    ledger = work / "code.db"
    build_ledger(ledger, sizes.code_accounts)
    ours_command = tracker_command("--db", str(ledger), "code")
    bare_command = [sys.executable, "-c", "import sqlmodel"]
    ours_times, bare_times = [], []
    for _ in range(sizes.code_runs):  # interleaved, so a noisy neighbour hits both
        ours_times.append(_median_run(ours_command, 1))
        bare_times.append(_median_run(bare_command, 1))
    ours, bare = statistics.median(ours_times), statistics.median(bare_times)
    return _result(
        "cli_code",
        ours,
        "s",
        bare,
        target="ratio <= 1.5",
        ok=ours / bare <= 1.5,
        higher_is_better=False,
        note=f"{sizes.code_accounts} accounts; median of {sizes.code_runs} cold runs",
    )


_BARE_GROUP_BY = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
rows = connection.execute(
    "SELECT a.address, a.platform, m.kind, count(m.id), min(m.sent_at), max(m.sent_at)"
    " FROM account a LEFT JOIN message m ON m.account_id = a.id AND m.trusted"
    " GROUP BY a.id, m.kind ORDER BY a.address, a.platform"
).fetchall()
print(len(rows))
"""


def bench_report(sizes: Sizes, work: Path) -> Result:
    """`tracker report --json` over a big ledger vs one GROUP BY over the same file."""
    ledger = work / "report.db"
    messages = build_ledger(ledger, sizes.report_accounts)
    ours_command = tracker_command("--db", str(ledger), "report", "--json")
    bare_command = [sys.executable, "-c", _BARE_GROUP_BY, str(ledger)]
    ours_times, bare_times = [], []
    for _ in range(sizes.report_runs):
        ours_times.append(_median_run(ours_command, 1))
        bare_times.append(_median_run(bare_command, 1))
    ours, bare = statistics.median(ours_times), statistics.median(bare_times)
    return _result(
        "report_100k",
        ours,
        "s",
        bare,
        target="ratio <= 3",
        ok=ours / bare <= 3,
        higher_is_better=False,
        note=f"{sizes.report_accounts} accounts, {messages} messages; baseline one GROUP BY "
        "(python sqlite3, in a fresh interpreter)",
    )


# -- output ----------------------------------------------------------------------------------


def _format(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def table(results: Sequence[Result]) -> str:
    """Return the results as a Markdown table."""
    lines = [
        "| metric | tracker | baseline | ratio | target | met | notes |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in results:
        met = "-" if r.ok is None else ("yes" if r.ok else "**no**")
        delta = f" ({r.extra['delta']:+.0f} ms)" if "delta" in r.extra else ""
        lines.append(
            f"| `{r.name}` | {_format(r.value)} {r.unit}{delta} | {_format(r.baseline)} {r.unit} "
            f"| {_format(r.ratio)} | {r.target} | {met} | {r.note} |"
        )
    return "\n".join(lines)


METRICS = (
    "parse_meta",
    "triage_other",
    "mbox_import",
    "imap_first_sync",
    "idle_latency",
    "cli_code",
    "report_100k",
    "mbox_import_1gib",
    "imap_first_sync_100k",
    "failover_seconds",
    "watch_1000_folders",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shrink every size (under a minute)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per metric")
    parser.add_argument(
        "--only", metavar="NAMES", help=f"comma-separated subset of: {', '.join(METRICS)}"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    wanted = set(args.only.split(",")) if args.only else set(METRICS)
    unknown = wanted - set(METRICS)
    if unknown:
        parser.error(f"unknown metric(s): {', '.join(sorted(unknown))}")
    global _launcher
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    _launcher = Launcher(work)  # before any data exists: see _LAUNCHER
    pool = MailPool()
    results: list[Result] = []

    def emit(new: Result | list[Result]) -> None:
        for result in new if isinstance(new, list) else [new]:
            results.append(result)
            if args.json:
                record = asdict(result)
                extra = record.pop("extra")
                print(json.dumps({**record, **extra}), flush=True)
            else:
                print(
                    f"  {result.name}: {_format(result.value)} {result.unit} "
                    f"(baseline {_format(result.baseline)}, ratio {_format(result.ratio)})",
                    file=sys.stderr,
                    flush=True,
                )

    try:
        steps: list[tuple[str, Callable[[], Result | list[Result]]]] = [
            ("parse_meta", lambda: bench_parse_meta(pool, sizes)),
            ("triage_other", lambda: bench_triage_other(pool, sizes)),
            ("mbox_import", lambda: bench_mbox_import(pool, sizes, work)),
            ("imap_first_sync", lambda: bench_imap_first_sync(pool, sizes, work)),
            ("idle_latency", lambda: bench_idle_latency(pool, sizes, work)),
            ("cli_code", lambda: bench_cli_code(sizes, work)),
            ("report_100k", lambda: bench_report(sizes, work)),
            (
                "mbox_import_1gib",
                lambda: bench_mbox_import_1gib(
                    pool, sizes.big_mbox_mib, work, run_measured, last_cpu_seconds
                ),
            ),
            (
                "imap_first_sync_100k",
                lambda: bench_imap_first_sync(
                    pool,
                    sizes,
                    work,
                    name="imap_first_sync_100k",
                    rss_name="sync_100k_peak_rss",
                    messages=sizes.imap_big_messages,
                    meta=sizes.imap_big_meta,
                ),
            ),
            ("failover_seconds", lambda: bench_failover(work)),
            (
                "watch_1000_folders",
                lambda: bench_watch_many_folders(work, users=sizes.watch_users),
            ),
        ]
        for name, step in steps:
            if name in wanted:
                emit(step())
    finally:
        _launcher.close()
        shutil.rmtree(work, ignore_errors=True)
    if not args.json:
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
