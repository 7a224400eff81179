"""A real local HTTP peer that plays an Iranian SMS gateway and the Telegram Bot API, for tests.

``ProviderPeer`` is a ``ThreadingHTTPServer`` on 127.0.0.1 in a background thread; adapters talk to it over
real HTTP, exactly as to the provider. It records every message it *accepted* and answers like the real
services do, including their failures:

SMS (any ``POST …/send`` or ``…/send.json``; Kavenegar-shaped answers):
  * the API key in the path or in an ``X-API-KEY`` / ``apikey`` header, else 403 (code 403);
  * the client message id (``localid``): a repeat returns the first message's entry and records nothing,
    as real gateways' client ids do;
  * an invalid receptor: 411; no credit left: 418; ``sms_answers``: scripted answers for the next sends;
  * ``delay`` seconds before answering (after recording: a sender killed meanwhile leaves a message the
    gateway has and the sender never heard about); ``hold_at``: the n-th new message waits for ``release``.

Telegram (``POST /bot<token>/<method>``): ``sendMessage`` (401 for another token, 403 for a chat in
``blocked_chats``, 400 for one in ``missing_chats`` or an empty or too long text, ``telegram_answers``
scripted), ``setWebhook`` and ``deleteWebhook`` (recorded in ``webhooks``).

Helpers build the callbacks the gateway would post (``sms_inbound_form``, ``sms_report_form``) and
Telegram updates (``telegram_update``).
"""

import collections
import dataclasses
import itertools
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SMS_API_KEY = "peer-sms-key-1234"
BOT_TOKEN = "123456789:AAPeerTokenForTestsOnly_abcdefghij"
_RECEPTOR = re.compile(r"^(?:09|989|\+989|00989)\d{9}$")
_BOT_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")


@dataclasses.dataclass(frozen=True)
class SmsRecord:
    id: int
    receptor: str
    sender: str
    message: str
    client_id: str


@dataclasses.dataclass(frozen=True)
class TelegramRecord:
    message_id: int
    chat_id: Any
    text: str
    payload: dict[str, Any]


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        peer = self.server.peer
        path = urllib.parse.urlsplit(self.path).path
        found = _BOT_PATH.match(path)
        if found:
            status, answer = peer._telegram(found["token"], found["method"], body)
        elif path.endswith(("/send", "/send.json")):
            status, answer = peer._sms_send(path, body, self.headers)
        else:
            status, answer = 404, {"error": "not found"}
        self._answer(status, answer)

    def _answer(self, status: int, answer: Any) -> None:
        content = json.dumps(answer, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except OSError:  # the client went away (a killed worker): the message stays accepted
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    peer: "ProviderPeer"


class ProviderPeer:
    """Use as ``with ProviderPeer() as peer:`` (or ``start()``/``stop()``); ``peer.url`` is its address."""

    def __init__(self, *, sms_api_key: str = SMS_API_KEY, bot_token: str = BOT_TOKEN, delay: float = 0.0):
        self.sms_api_key = sms_api_key
        self.bot_token = bot_token
        self.delay = delay
        self.lock = threading.Lock()
        self.sms_messages: list[SmsRecord] = []
        self.sms_requests = 0
        self.sms_credit: int | None = None
        self.sms_answers: collections.deque[tuple[int, Any]] = collections.deque()
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.held_record: SmsRecord | None = None
        self.telegram_messages: list[TelegramRecord] = []
        self.telegram_answers: collections.deque[tuple[int, Any]] = collections.deque()
        self.blocked_chats: set[int] = set()
        self.missing_chats: set[int] = set()
        self.webhooks: list[dict[str, Any]] = []
        self._by_client_id: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(7_000_001)
        self._telegram_ids = itertools.count(501)
        self._inbound_ids = itertools.count(9_100_001)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> "ProviderPeer":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.peer = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="provider-peer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> "ProviderPeer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the peer first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- SMS gateway -------------------------------------------------------------------------------------

    def sms_config(self, **overrides: Any) -> dict[str, Any]:
        """A channel config (``SmsConfig``) that points at this peer."""
        return {"base_url": self.url, "api_key": self.sms_api_key, "sender": "10004346", **overrides}

    @staticmethod
    def _fields(body: bytes, headers: Any) -> dict[str, str]:
        text = body.decode("utf-8", errors="replace")
        if "json" in (headers.get("Content-Type") or ""):
            data = json.loads(text or "{}")
            return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))

    @staticmethod
    def _refusal(code: int, message: str) -> tuple[int, Any]:
        return code, {"return": {"status": code, "message": message}, "entries": None}

    def _sms_send(self, path: str, body: bytes, headers: Any) -> tuple[int, Any]:
        key_given = headers.get("X-API-KEY") or headers.get("apikey") or ""
        if key_given != self.sms_api_key and self.sms_api_key not in path.split("/"):
            return self._refusal(403, "کلید API نامعتبر است")
        try:
            fields = self._fields(body, headers)
        except ValueError:
            return self._refusal(400, "پارامترها ناقص هستند")
        receptor, message = fields.get("receptor", ""), fields.get("message", "")
        client_id, sender = fields.get("localid", ""), fields.get("sender", "")
        with self.lock:
            self.sms_requests += 1
            if self.sms_answers:
                return self.sms_answers.popleft()
            if client_id and client_id in self._by_client_id:
                return 200, self._entries(self._by_client_id[client_id])
            if not _RECEPTOR.match(receptor):
                return self._refusal(411, "شماره گیرنده نامعتبر است")
            if not message:
                return self._refusal(413, "متن پیام خالی است")
            if self.sms_credit is not None:
                if self.sms_credit <= 0:
                    return self._refusal(418, "اعتبار کافی نیست")
                self.sms_credit -= 1
            record = SmsRecord(next(self._ids), receptor, sender, message, client_id)
            self.sms_messages.append(record)
            entry = {
                "messageid": record.id,
                "message": message,
                "status": 1,
                "statustext": "در صف ارسال",
                "sender": sender,
                "receptor": receptor,
                "date": int(time.time()),
            }
            if client_id:
                self._by_client_id[client_id] = entry
            hold = self.hold_at is not None and len(self.sms_messages) == self.hold_at
            if hold:
                self.held_record = record
        if hold:
            self.held.set()
            self.release.wait(60)
        elif self.delay:
            time.sleep(self.delay)
        return 200, self._entries(entry)

    @staticmethod
    def _entries(entry: dict[str, Any]) -> dict[str, Any]:
        return {"return": {"status": 200, "message": "تایید شد"}, "entries": [entry]}

    def sms_inbound_form(
        self, *, sender: str, text: str, line: str = "10004346", **extra: str
    ) -> dict[str, str]:
        """The receive callback the gateway posts for a message from ``sender`` (with a fresh message id)."""
        return {
            "messageid": str(next(self._inbound_ids)),
            "from": sender,
            "to": line,
            "message": text,
            "date": str(int(time.time())),
            **extra,
        }

    @staticmethod
    def sms_report_form(*, message_id: int | str, status: int | str) -> dict[str, str]:
        """The delivery callback (Kavenegar: 10 delivered, 11 not delivered, 6 failed, 4/5 in transit)."""
        return {"messageid": str(message_id), "status": str(status)}

    # --- Telegram Bot API --------------------------------------------------------------------------------

    def telegram_config(self, **overrides: Any) -> dict[str, Any]:
        """A channel config (``TelegramConfig``) that points at this peer."""
        return {"bot_token": self.bot_token, "api_base_url": self.url, **overrides}

    @staticmethod
    def _tg_error(code: int, description: str, **parameters: Any) -> tuple[int, Any]:
        answer: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            answer["parameters"] = parameters
        return code, answer

    def _telegram(self, token: str, method: str, body: bytes) -> tuple[int, Any]:
        if token != self.bot_token:
            return self._tg_error(401, "Unauthorized")
        try:
            payload = json.loads(body.decode() or "{}")
        except ValueError:
            return self._tg_error(400, "Bad Request: can't parse JSON")
        with self.lock:
            if method in ("setWebhook", "deleteWebhook"):
                self.webhooks.append({"method": method, **payload})
                return 200, {"ok": True, "result": True, "description": "Webhook was set"}
            if method != "sendMessage":
                return self._tg_error(404, "Not Found")
            if self.telegram_answers:
                return self.telegram_answers.popleft()
            chat_id, text = payload.get("chat_id"), payload.get("text") or ""
            if chat_id in self.blocked_chats:
                return self._tg_error(403, "Forbidden: bot was blocked by the user")
            if chat_id in self.missing_chats or chat_id is None:
                return self._tg_error(400, "Bad Request: chat not found")
            if not text.strip():
                return self._tg_error(400, "Bad Request: message text is empty")
            if len(text) > 4096:
                return self._tg_error(400, "Bad Request: message is too long")
            record = TelegramRecord(next(self._telegram_ids), chat_id, text, payload)
            self.telegram_messages.append(record)
        result = {
            "message_id": record.message_id,
            "chat": {"id": chat_id},
            "date": int(time.time()),
            "text": text,
        }
        return 200, {"ok": True, "result": result}

    @staticmethod
    def telegram_update(
        *,
        update_id: int,
        user_id: int,
        text: str = "",
        message_id: int = 1,
        chat_id: int | None = None,
        first_name: str = "مریم",
        last_name: str = "",
        username: str = "",
        edited_at: int | None = None,
        **message: Any,
    ) -> dict[str, Any]:
        """An ``Update`` as Telegram posts it for a private-chat message (``edited_at``: an edit)."""
        sender = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            sender["last_name"] = last_name
        if username:
            sender["username"] = username
        chat_id = user_id if chat_id is None else chat_id
        body: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": {"id": chat_id, "type": "private" if chat_id == user_id else "group"},
            "date": int(time.time()),
            **message,
        }
        if text:
            body["text"] = text
        if edited_at is not None:
            body["edit_date"] = edited_at
            return {"update_id": update_id, "edited_message": body}
        return {"update_id": update_id, "message": body}
