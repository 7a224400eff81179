"""A small IMAP client for polling one folder: unseen messages by UID, their size, their bytes, mark seen.

Messages are read with ``BODY.PEEK[]`` (reading does not set \\Seen) and marked seen only once the caller has
stored them, so a poller killed in between leaves them unseen and the next poll takes them again (the
inbound pipeline then finds the Message-ID already stored). UIDs, not sequence numbers: they stay valid
while other clients expunge. Every failure is an ``ImapError`` carrying the server's words.
"""

import contextlib
import imaplib
import re
import ssl
from types import TracebackType

from mehvar.channels.email.schemas import EmailConfig

_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapError(Exception):
    """The mailbox could not be reached, signed in to, or read."""


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _said(data: object) -> str:
    if isinstance(data, list | tuple):
        return " ".join(_said(item) for item in data)
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return str(data)


class ImapMailbox:
    """``with ImapMailbox(config) as mailbox:`` signs in and opens ``imap_folder`` to read and flag."""

    def __init__(self, config: EmailConfig, *, timeout: float = 30.0) -> None:
        self.config = config
        self.timeout = timeout
        self.connection: imaplib.IMAP4 | None = None
        self.uidvalidity = ""

    def __enter__(self) -> "ImapMailbox":
        config = self.config
        try:
            if config.imap_security == "tls":
                self.connection = imaplib.IMAP4_SSL(
                    config.imap_host,
                    config.imap_port,
                    ssl_context=ssl.create_default_context(),
                    timeout=self.timeout,
                )
            else:
                self.connection = imaplib.IMAP4(config.imap_host, config.imap_port, timeout=self.timeout)
                if config.imap_security == "starttls":
                    self.connection.starttls(ssl_context=ssl.create_default_context())
            self._login(config.imap_user, config.imap_password)
            status, data = self.connection.select(_quoted(config.imap_folder))
            if status != "OK":
                raise ImapError(f"the folder {config.imap_folder!r} cannot be opened: {_said(data)}")
            validity = self.connection.response("UIDVALIDITY")[1]
            self.uidvalidity = _said(validity[0]) if validity and validity[0] else ""
        except (imaplib.IMAP4.error, OSError) as error:
            self._logout()
            where = f"{config.imap_host}:{config.imap_port}"
            raise ImapError(f"IMAP {where}: {_said(error.args) or error}") from error
        except BaseException:
            self._logout()
            raise
        return self

    def _login(self, user: str, password: str) -> None:
        """imaplib's LOGIN sends ASCII only; other credentials go as UTF-8 in AUTHENTICATE PLAIN."""
        assert self.connection is not None
        if user.isascii() and password.isascii():
            self.connection.login(user, password)
        else:
            credentials = f"\0{user}\0{password}".encode()
            self.connection.authenticate("PLAIN", lambda _challenge: credentials)

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._logout()

    def _logout(self) -> None:
        if self.connection is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.connection.logout()
        self.connection = None

    def _uid(self, command: str, *args: str) -> list:
        assert self.connection is not None, "use ImapMailbox as a context manager"
        try:
            status, data = self.connection.uid(command, *args)
        except (imaplib.IMAP4.error, OSError) as error:
            raise ImapError(f"IMAP {command}: {_said(error.args) or error}") from error
        if status != "OK":
            raise ImapError(f"IMAP {command} failed: {_said(data)}")
        return data

    def unseen(self, *, limit: int) -> list[str]:
        """The UIDs of unseen messages, oldest first, at most ``limit``."""
        data = self._uid("SEARCH", "UNSEEN")
        uids = sorted({int(uid) for uid in b" ".join(item for item in data if item).split()})
        return [str(uid) for uid in uids[:limit]]

    def sizes(self, uids: list[str]) -> dict[str, int]:
        """The size in bytes of each message (to leave enormous ones out before downloading them)."""
        if not uids:
            return {}
        found: dict[str, int] = {}
        for item in self._uid("FETCH", ",".join(uids), "(UID RFC822.SIZE)"):
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid, size = _UID.search(line), _SIZE.search(line)
            if uid and size:
                found[uid.group(1).decode()] = int(size.group(1))
        return found

    def fetch(self, uid: str, *, headers_only: bool = False) -> bytes | None:
        """The raw message (or only its header block); None when it vanished meanwhile."""
        section = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        for item in self._uid("FETCH", uid, f"(UID {section})"):
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None

    def mark_seen(self, uid: str) -> None:
        self._uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)")
