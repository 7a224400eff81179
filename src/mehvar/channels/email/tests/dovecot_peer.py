"""A real IMAP server for the polling tests: Debian's dovecot, started with its own configuration in a
temporary directory, on a free port, with one passwd-file user and a maildir the test fills.

Nothing of the machine's own dovecot set-up is used or touched (no /etc/dovecot, no system service). When the
dovecot binary is missing the tests skip saying how to install it, except where MEHVAR_REQUIRE_DOVECOT=1
(set by .ci/run), where that is a failure.
"""

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from mehvar.channels.email.tests.smtp_peer import free_port

USER = "support@shop.test"
PASSWORD = "imap-secret-۱۲۳"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (path for path in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(path, os.X_OK)), None
    )


class Dovecot:
    def __init__(self, binary: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mehvar-dovecot-"))
        self.root.chmod(0o755)  # the mail user (not root) must reach its maildir
        self.port = free_port()
        self.maildir = self.root / "mail" / USER
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True)
        if os.getuid() == 0:  # dovecot refuses to run mail processes as root: use nobody
            self.uid, self.gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
            internal = "dovecot"
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
            internal = pwd.getpwuid(self.uid).pw_name
        users = self.root / "users"
        users.write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{self.uid}:{self.gid}::{self.maildir}::\n")
        users.chmod(0o644)
        self.config = self.root / "dovecot.conf"
        self.config.write_text(
            CONFIG.format(root=self.root, port=self.port, internal=internal, first_uid=min(self.uid, 500))
        )
        self._own()
        self.log = (self.root / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(self.config)], stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _own(self) -> None:
        if os.getuid() != 0:
            return
        for path in [self.root / "mail", *(self.root / "mail").rglob("*")]:
            os.chown(path, self.uid, self.gid)

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited ({self.process.returncode}):\n{self.logs()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                return
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on {self.port}:\n{self.logs()}")

    def logs(self) -> str:
        self.log.flush()
        text = (self.root / "stdout.log").read_text(errors="replace")
        log = self.root / "dovecot.log"
        return text + (log.read_text(errors="replace") if log.exists() else "")

    def deliver(self, raw: bytes, *, seen: bool = False) -> None:
        """Put one message in the mailbox as a mail server would (maildir new/, or cur/ already seen)."""
        name = f"{time.time_ns()}.{os.getpid()}.mehvar-test"
        target = self.maildir / ("cur" if seen else "new") / (name + (":2,S" if seen else ""))
        scratch = self.maildir / "tmp" / name
        scratch.write_bytes(raw.replace(b"\r\n", b"\n"))
        scratch.rename(target)
        self._own()

    def client(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        credentials = f"\0{USER}\0{PASSWORD}".encode()
        connection.authenticate("PLAIN", lambda _challenge: credentials)
        connection.select("INBOX")
        return connection

    def imap_config(self, **changes) -> dict:
        """The IMAP part of an e-mail channel's settings for this server."""
        config = {
            "imap_host": "127.0.0.1",
            "imap_port": self.port,
            "imap_security": "none",
            "imap_user": USER,
            "imap_password": PASSWORD,
        }
        return config | changes

    def mark_unseen(self) -> None:
        connection = self.client()
        try:
            connection.store("1:*", "-FLAGS", "(\\Seen)")
        finally:
            connection.logout()

    def count(self) -> int:
        connection = self.client()
        try:
            _, data = connection.search(None, "ALL")
            return len(data[0].split())
        finally:
            connection.logout()

    def unseen_count(self) -> int:
        connection = self.client()
        try:
            _, data = connection.search(None, "UNSEEN")
            return len(data[0].split())
        finally:
            connection.logout()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {internal}
first_valid_uid = {first_uid}
mail_location = maildir:~
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture
def dovecot():
    binary = dovecot_binary()
    if binary is None:
        reason = "dovecot is not installed (apt-get install dovecot-imapd): the IMAP polling tests need it"
        if os.environ.get("MEHVAR_REQUIRE_DOVECOT") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    server = Dovecot(binary)
    yield server
    server.stop()
