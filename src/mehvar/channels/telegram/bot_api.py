"""Calling the Telegram Bot API: ``POST <api_base_url>/bot<token>/<method>`` with a JSON body.

Every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description",
"parameters": {"retry_after"}}``. Errors become ``TransportError``: 429 (flood control) and 5xx and network
failures are transient, 429 with the wait Telegram asks for (``parameters.retry_after``, or "retry after N"
in the description); 401 and 404 mean a wrong bot token; other 4xx (chat not found, bot blocked by the
user, message too long) are permanent. Error texts never contain the URL: it carries the token.
"""

import http.client
import json
import re
import urllib.error
import urllib.request
from typing import Any

from mehvar.channels.base import TransportError
from mehvar.channels.telegram.schemas import TelegramConfig

ANSWER_MAX_BYTES = 1024 * 1024
_RETRY_AFTER = re.compile(r"retry after (\d+)", re.IGNORECASE)


def _opener(config: TelegramConfig) -> urllib.request.OpenerDirector:
    if config.proxy_url is None:
        return urllib.request.build_opener()
    proxy = str(config.proxy_url)
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy, "https": proxy}))


def _exchange(config: TelegramConfig, method: str, payload: dict[str, Any]) -> tuple[int, bytes]:
    url = f"{str(config.api_base_url).rstrip('/')}/bot{config.bot_token}/{method}"
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - http(s) from the validated settings
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Mehvar-Telegram/1"},
        method="POST",
    )
    try:
        with _opener(config).open(request, timeout=config.timeout_seconds) as response:
            return response.status, response.read(ANSWER_MAX_BYTES)
    except urllib.error.HTTPError as error:
        try:
            return error.code, error.read(ANSWER_MAX_BYTES)
        except (OSError, http.client.HTTPException):
            return error.code, b""
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or error.__class__.__name__
        raise TransportError(f"could not reach the Telegram Bot API: {reason}") from None


def _retry_after(answer: dict[str, Any]) -> float | None:
    parameters = answer.get("parameters")
    if isinstance(parameters, dict) and isinstance(parameters.get("retry_after"), int | float):
        return float(parameters["retry_after"])
    found = _RETRY_AFTER.search(str(answer.get("description") or ""))
    return float(found.group(1)) if found else None


def bot_call(config: TelegramConfig, method: str, payload: dict[str, Any]) -> Any:
    """Call one Bot API method; its ``result``, or TransportError (permanent or transient, see above)."""
    status, raw = _exchange(config, method, payload)
    try:
        answer = json.loads(raw.decode("utf-8", errors="replace") or "null")
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        answer = {}
    if 200 <= status < 300 and answer.get("ok") is True:
        return answer.get("result")
    code = answer.get("error_code") if isinstance(answer.get("error_code"), int) else status
    description = str(answer.get("description") or f"HTTP {status}")[:300]
    if code == 429:
        wait = _retry_after(answer)
        note = f" (retry after {wait:g} s)" if wait else ""
        raise TransportError(f"Telegram is rate limiting the bot{note}", retry_after=wait)
    if code >= 500 or status >= 500 or (200 <= status < 300):  # 2xx without ok: a broken proxy or server
        raise TransportError(f"the Telegram Bot API failed ({code}: {description})")
    if code in (401, 404):
        raise TransportError(f"Telegram refused the bot token ({code}: {description})", permanent=True)
    raise TransportError(f"Telegram refused the request ({code}: {description})", permanent=True)
