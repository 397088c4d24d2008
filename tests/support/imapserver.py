"""A real Dovecot 2.3 IMAP server on loopback, in a temporary directory, for tests.

`DovecotServer` writes its own configuration, passdb and TLS certificates under a short
directory in /tmp, runs `dovecot -F` as a child process and drives the mail store with
`doveadm -c CONF ...`. Nothing of the system's own Dovecot set-up is used or touched.

Facts about Dovecot 2.3 that shape this module:
- it refuses uid 0 for mail, so mail files belong to a system user (`tracker-mail`);
- every parent of its private directories must be traversable by the `dovecot` user;
- its socket paths break when the base directory is longer than ~75 characters;
- stopping the master leaves the imap session processes alive: they are killed too.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

MAIL_USER = "tracker-mail"
DEFAULT_PASSWORD = "correct horse battery staple"

# What Dovecot 2.3 advertises after login, minus IDLE (for the polling fallback).
_CAPABILITIES_WITHOUT_IDLE = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN "
    "NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES "
    "WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW "
    "STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
)


class DovecotError(RuntimeError):
    """Dovecot or doveadm failed; the message carries its output and the server log tail."""


class ImapUser(NamedTuple):
    """A mail account on the test server; unpacks as (username, password)."""

    username: str
    password: str


def dovecot_available() -> bool:
    """True when the dovecot and doveadm binaries exist and we may switch users (root)."""
    return (
        shutil.which("dovecot") is not None
        and shutil.which("doveadm") is not None
        and shutil.which("openssl") is not None
        and os.geteuid() == 0
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ensure_mail_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(MAIL_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                MAIL_USER,
            ],
            check=False,  # a concurrent test run may have created it meanwhile
            capture_output=True,
        )
        return pwd.getpwnam(MAIL_USER)


def _children(pid: int) -> list[int]:
    """Every process whose parent is `pid`, recursively."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may itself contain spaces.
        fields = stat[stat.rindex(")") + 2 :].split()
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _kill(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _wait_gone(pids: Iterable[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    remaining = set(pids)
    while remaining and time.monotonic() < deadline:
        remaining = {
            pid for pid in remaining if Path(f"/proc/{pid}").exists() and process_alive(pid)
        }
        if remaining:
            time.sleep(0.01)


def process_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie awaiting its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class DovecotServer:
    """One Dovecot instance: plain IMAP and IMAPS on loopback, users in a passwd-file.

    Use it as a context manager, or call `start()` and `stop()`.
    """

    def __init__(self, *, idle: bool = True, base_dir: Path | None = None) -> None:
        self.idle = idle
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls_port = free_port()
        self._own_base = base_dir is None
        # Short and in /tmp: Dovecot's unix socket paths must stay under ~100 bytes.
        self.base = base_dir or Path(tempfile.mkdtemp(prefix="tdc-", dir="/tmp"))
        self.base.chmod(0o755)
        self.config_path = self.base / "dovecot.conf"
        self.passwd_path = self.base / "passwd"
        self.mail_root = self.base / "mail"
        self.log_path = self.base / "dovecot.log"
        self.ca_file = self.base / "ca.pem"
        self.cert_file = self.base / "server.pem"
        self.key_file = self.base / "server.key"
        self._process: subprocess.Popen[bytes] | None = None
        self._users: dict[str, str] = {}
        self._folders: set[tuple[str, str]] = set()
        self._mail_pw = _ensure_mail_user()
        self._prepare()

    # ----------------------------------------------------------------- set-up

    def _prepare(self) -> None:
        for sub in ("run", "state"):
            (self.base / sub).mkdir(mode=0o755, exist_ok=True)
        self.mail_root.mkdir(mode=0o755, exist_ok=True)
        os.chown(self.mail_root, self._mail_pw.pw_uid, self._mail_pw.pw_gid)
        self.passwd_path.touch(mode=0o644)
        self.log_path.touch(mode=0o644)
        if not self.cert_file.exists():
            self._make_certificates()
        self.config_path.write_text(self._config_text())

    def _make_certificates(self) -> None:
        """A throw-away CA and a server certificate for 127.0.0.1 and localhost signed by it.

        Two certificates rather than one self-signed leaf: Python 3.13's default context
        verifies strictly and rejects a leaf used as its own CA.
        """
        ca_key = self.base / "ca.key"
        csr = self.base / "server.csr"
        ext = self.base / "server.ext"
        ext.write_text(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid\n"
        )
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        self._openssl(
            [
                *("req", "-x509", *ec, "-keyout", str(ca_key), "-out", str(self.ca_file)),
                *("-days", "2", "-subj", "/CN=tracker test CA"),
                *("-addext", "basicConstraints=critical,CA:TRUE"),
                *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
            ]
        )
        self._openssl(
            [
                *("req", "-new", *ec, "-keyout", str(self.key_file), "-out", str(csr)),
                *("-subj", "/CN=localhost"),
            ]
        )
        self._openssl(
            [
                *("x509", "-req", "-in", str(csr), "-CA", str(self.ca_file), "-CAkey", str(ca_key)),
                *(
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-extfile",
                    str(ext),
                    "-out",
                    str(self.cert_file),
                ),
            ]
        )
        # The login processes read the key after dropping privileges only in some set-ups;
        # the master reads it as root, so 0600 root is enough.
        self.key_file.chmod(0o600)

    @staticmethod
    def _openssl(args: list[str]) -> None:
        result = subprocess.run(["openssl", *args], capture_output=True, check=False)
        if result.returncode != 0:
            raise DovecotError(
                f"openssl {args[0]} failed: {result.stderr.decode(errors='replace')}"
            )

    def _config_text(self) -> str:
        uid = self._mail_pw.pw_uid
        capability = "" if self.idle else f"imap_capability = {_CAPABILITIES_WITHOUT_IDLE}\n"
        return f"""\
# Written by tests/support/imapserver.py; nothing here comes from /etc/dovecot.
base_dir = {self.base}/run
state_dir = {self.base}/state
instance_name = {self.base.name}
log_path = {self.log_path}
info_log_path = {self.log_path}
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = {uid}
last_valid_uid = 0
mail_uid = {MAIL_USER}
mail_gid = {MAIL_USER}
mail_location = maildir:~/Maildir
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
ssl = yes
ssl_cert = <{self.cert_file}
ssl_key = <{self.key_file}
ssl_min_protocol = TLSv1.2
{capability}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd_path}
}}
userdb {{
  driver = static
  args = uid={MAIL_USER} gid={MAIL_USER} home={self.mail_root}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
# No brute-force penalty: tests log in with wrong passwords on purpose.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""

    # ------------------------------------------------------------- lifecycle

    def __enter__(self) -> DovecotServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.cleanup()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        """Start the master in the foreground as our child; return once both ports accept."""
        if self.running:
            return
        log = self.log_path.open("ab")
        try:
            # -F keeps it in the foreground: no daemonising, no inherited stdout to hang on.
            self._process = subprocess.Popen(
                ["dovecot", "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        for port in (self.port, self.tls_port):
            while not self._accepts(port):
                if self._process.poll() is not None:
                    raise DovecotError(f"dovecot exited at start-up:\n{self.log_tail()}")
                if time.monotonic() > deadline:
                    self.stop()
                    raise DovecotError(f"dovecot did not listen on {port}:\n{self.log_tail()}")
                time.sleep(0.005)

    def _accepts(self, port: int) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            return sock.connect_ex((self.host, port)) == 0

    def stop(self, *, graceful: bool = False, timeout: float = 5.0) -> None:
        """Stop the master and every process it started, sessions included.

        The master is frozen first so it cannot start anything more, then it and all its
        children are killed: a plain SIGTERM to the master takes anything from 0 to 5+
        seconds on Dovecot 2.3, and leaves the session processes serving their clients.
        With `graceful`, sessions first get SIGTERM, on which they send clients a BYE.
        """
        process = self._process
        if process is None:
            return
        self._process = None
        if graceful:
            self.kill_sessions(signal.SIGTERM, process=process)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGSTOP)
        descendants = _children(process.pid)
        _kill(descendants, signal.SIGKILL)
        process.kill()
        process.wait(timeout)
        _wait_gone(descendants, timeout)

    def restart(self, *, graceful: bool = False) -> None:
        """Stop and start again on the same ports; mail and users are kept."""
        self.stop(graceful=graceful)
        self.start()

    def cleanup(self) -> None:
        """Remove the temporary directory (after `stop()`)."""
        if self._own_base:
            shutil.rmtree(self.base, ignore_errors=True)

    def session_pids(self, process: subprocess.Popen[bytes] | None = None) -> list[int]:
        """Process ids of the `imap` processes serving logged-in sessions."""
        process = process or self._process
        if process is None:
            return []
        return [pid for pid in _children(process.pid) if _comm(pid) == "imap"]

    def kill_sessions(
        self,
        sig: signal.Signals = signal.SIGKILL,
        *,
        process: subprocess.Popen[bytes] | None = None,
    ) -> int:
        """End the session processes; return how many there were.

        SIGKILL (the default) drops every client without a BYE, as a crash or a network
        failure would; SIGTERM lets each send "* BYE" first.
        """
        pids = self.session_pids(process)
        _kill(pids, sig)
        _wait_gone(pids, 5.0)
        return len(pids)

    def pause_sessions(self) -> int:
        """Freeze the session processes (SIGSTOP): connections stay open, nothing answers.

        This is what a dead network path looks like to a client. `resume_sessions` undoes it.
        """
        pids = self.session_pids()
        _kill(pids, signal.SIGSTOP)
        return len(pids)

    def resume_sessions(self) -> int:
        pids = self.session_pids()
        _kill(pids, signal.SIGCONT)
        return len(pids)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # ----------------------------------------------------------------- users

    def add_user(self, username: str, password: str = DEFAULT_PASSWORD) -> ImapUser:
        """Create an account (Dovecot re-reads the passwd-file when it changes)."""
        if ":" in username or ":" in password or "\n" in username + password:
            raise ValueError("':' and newlines cannot appear in a passwd-file entry")
        self._users[username] = password
        entries = "".join(
            f"{user}:{{PLAIN}}{pw}::::::nodelay=y\n" for user, pw in self._users.items()
        )
        tmp = self.passwd_path.with_suffix(".tmp")
        tmp.write_text(entries)
        tmp.chmod(0o644)
        tmp.replace(self.passwd_path)
        return ImapUser(username, password)

    def users(self) -> dict[str, str]:
        return dict(self._users)

    # ------------------------------------------------------------ mail store

    def doveadm(self, *args: str, input: bytes | None = None) -> str:
        """Run `doveadm -c CONF ARGS...`; return its stdout, raise DovecotError on failure."""
        result = subprocess.run(
            ["doveadm", "-c", str(self.config_path), *args],
            input=input,
            capture_output=True,
            check=False,
            timeout=60,
        )
        if result.returncode != 0:
            raise DovecotError(
                f"doveadm {' '.join(args[:1])} exited {result.returncode}: "
                f"{result.stderr.decode(errors='replace').strip()}"
            )
        return result.stdout.decode(errors="replace")

    def create_folder(self, user: str, folder: str) -> None:
        if (user, folder) in self._folders or folder.upper() == "INBOX":
            return
        try:
            self.doveadm("mailbox", "create", "-u", user, folder)
        except DovecotError as err:
            if "exists" not in str(err).lower():
                raise
        self._folders.add((user, folder))

    def delete_folder(self, user: str, folder: str) -> None:
        self.doveadm("mailbox", "delete", "-u", user, folder)
        self._folders.discard((user, folder))

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> int:
        """Save one message into the folder as a new arrival; return its UID."""
        self.create_folder(user, folder)
        self.doveadm("save", "-u", user, "-m", folder, input=raw)
        return max(self.uids(user, folder))

    def deliver_many(self, user: str, messages: Iterable[bytes], folder: str = "INBOX") -> int:
        """Drop many messages straight into the Maildir, then let Dovecot index them.

        Much faster than `deliver` (one doveadm run for the lot): for big mailboxes.
        UIDs follow the order given. Returns how many were written.
        """
        self.create_folder(user, folder)
        self.status(user, folder)  # makes Dovecot create the user's Maildir if it is new
        maildir = self.maildir(user, folder)
        uid, gid = self._mail_pw.pw_uid, self._mail_pw.pw_gid
        stamp = int(time.time())
        count = 0
        for count, raw in enumerate(messages, start=1):
            # Maildir "cur" names sort by time then sequence, which Dovecot keeps as UID order.
            name = maildir / "cur" / f"{stamp}.M{count:09d}P{os.getpid()}.tdc:2,"
            name.write_bytes(raw)
            os.chown(name, uid, gid)
        self.doveadm("force-resync", "-u", user, folder)
        return count

    def maildir(self, user: str, folder: str = "INBOX") -> Path:
        root = self.mail_root / user / "Maildir"
        return root if folder.upper() == "INBOX" else root / f".{folder.replace('/', '.')}"

    def status(self, user: str, folder: str = "INBOX") -> dict[str, int]:
        """messages, uidnext, uidvalidity and unseen of a folder, from `doveadm mailbox status`."""
        out = self.doveadm(
            "-f",
            "tab",
            "mailbox",
            "status",
            "-u",
            user,
            "messages uidnext uidvalidity unseen",
            folder,
        )
        header, values = out.strip("\n").split("\n")[:2]
        row = dict(zip(header.split("\t"), values.split("\t"), strict=True))
        return {key: int(value) for key, value in row.items() if key != "mailbox"}

    def uids(self, user: str, folder: str = "INBOX") -> list[int]:
        return sorted(self.flags(user, folder))

    def flags(self, user: str, folder: str = "INBOX") -> dict[int, set[str]]:
        """Each message's flags, by UID. \\Recent is left out: it belongs to a session."""
        out = self.doveadm("-f", "tab", "fetch", "-u", user, "uid flags", "mailbox", folder, "all")
        result: dict[int, set[str]] = {}
        for line in out.splitlines()[1:]:
            if not line.strip():
                continue
            uid_text, _, flag_text = line.partition("\t")
            result[int(uid_text)] = {f for f in flag_text.split() if f != "\\Recent"}
        return result

    def set_flags(self, user: str, folder: str, uid: int, flags: Iterable[str]) -> None:
        """Add flags to one message (to prove a client leaves them as they were)."""
        self.doveadm(
            "flags", "add", "-u", user, " ".join(flags), "mailbox", folder, "uid", str(uid)
        )

    def reset_uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        """Give the folder a new UIDVALIDITY with its messages renumbered from 1; return it.

        This is what a server rebuild or a mailbox migration looks like to a client: the same
        mail, new UIDs that may collide with the old ones, a different UIDVALIDITY.
        """
        before = self.status(user, folder)["uidvalidity"]
        # Dropping the uidlist and the indexes makes Dovecot rebuild them from the message
        # files (which keep their flags in their names) with a fresh UIDVALIDITY.
        for path in self.maildir(user, folder).iterdir():
            if path.is_file() and (
                path.name == "dovecot-uidlist" or path.name.startswith("dovecot.")
            ):
                path.unlink()
        self.doveadm("force-resync", "-u", user, folder)
        after = self.status(user, folder)["uidvalidity"]
        if after == before:
            # Same second as the folder's creation: push it forward explicitly.
            self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(before + 1), folder)
            after = self.status(user, folder)["uidvalidity"]
        return after

    def fetch_raw(self, user: str, folder: str, uid: int) -> bytes:
        """The full message as stored (via doveadm, outside any IMAP session)."""
        result = subprocess.run(
            [
                *("doveadm", "-c", str(self.config_path), "fetch", "-u", user, "text"),
                *("mailbox", folder, "uid", str(uid)),
            ],
            capture_output=True,
            check=False,
            timeout=60,
        )
        if result.returncode != 0:
            raise DovecotError(f"doveadm fetch failed: {result.stderr.decode(errors='replace')}")
        # Output is "text:\n" followed by the message and a trailing form feed line.
        out = result.stdout
        prefix = b"text:\n"
        if out.startswith(prefix):
            out = out[len(prefix) :]
        if out.endswith(b"\n\x0c\n"):
            out = out[:-3]
        return out


def make_message(
    *,
    sender: str = "Someone <someone@example.org>",
    to: str = "user@example.org",
    subject: str = "Hello",
    body: str = "Just a note.\n",
    message_id: str | None = None,
    date: str = "Mon, 03 Jun 2024 10:00:00 +0000",
) -> bytes:
    """A small RFC 5322 message (CRLF line ends) for tests."""
    mid = message_id or f"<{time.monotonic_ns()}.{os.getpid()}@test.invalid>"
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {date}",
        f"Message-ID: {mid}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        *body.splitlines(),
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


@contextlib.contextmanager
def running_dovecot(*, idle: bool = True) -> Iterator[DovecotServer]:
    """Start a server, yield it, stop it and remove its files."""
    server = DovecotServer(idle=idle)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        server.cleanup()


def drop_into_maildir(server: DovecotServer, user: str, raw: bytes) -> None:
    """Deliver the way an MDA does (tmp/ then rename into new/), with no Dovecot running."""
    maildir = server.maildir(user)
    name = f"{time.time_ns()}.P{os.getpid()}.tracker-test"
    tmp = maildir / "tmp" / name
    tmp.write_bytes(raw)
    mail_user = pwd.getpwnam(MAIL_USER)
    os.chown(tmp, mail_user.pw_uid, mail_user.pw_gid)
    tmp.rename(maildir / "new" / name)
