"""Sending one SMS through the gateway's HTTP API, and reading its answer into an id or a TransportError.

The request carries the outbox's idempotency key as the client message id (Kavenegar ``localid``): a
gateway that saw the id already answers with the first message's id and sends nothing, so a resend after a
crash costs nothing and reaches the customer once.

Errors: network failures, timeouts, HTTP 5xx, 408, 429 and the channel's ``transient_codes`` are transient
(the outbox retries with backoff); any other refusal (a wrong key, no credit, an invalid number, a text the
gateway rejects) is permanent and says the gateway's code and message. Error texts never contain the URL,
which may carry the API key.
"""

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from mehvar.channels.base import Outbound, TransportError
from mehvar.channels.sms.schemas import SmsConfig
from mehvar.channels.sms.segments import sms_size
from mehvar.core.phones import PhoneError, normalize_phone

ANSWER_MAX_BYTES = 256 * 1024
TRANSIENT_HTTP = frozenset({408, 425, 429})
SUCCESS_CODES = frozenset({"0", "1", "200", "ok", "true"})


def dig(data: Any, path: str) -> Any:
    """``data["entries"][0]["messageid"]`` for the path ``entries.0.messageid``; None where it is missing."""
    for part in path.split(".") if path else ():
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def receptor(to: str, style: str) -> str:
    """The customer's number the way the gateway wants it (E.164 is what Mehvar stores)."""
    try:
        e164 = normalize_phone(to)
    except PhoneError as error:
        raise TransportError(f"the receptor is not a phone number ({error.code})", permanent=True) from None
    if style == "e164":
        return e164
    if style == "international":
        return e164[1:]
    return "0" + e164[3:] if e164.startswith("+98") else "00" + e164[1:]


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    host = urllib.parse.urlsplit(url).netloc
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(ANSWER_MAX_BYTES)
    except urllib.error.HTTPError as error:
        try:
            return error.code, error.read(ANSWER_MAX_BYTES)
        except (OSError, http.client.HTTPException):
            return error.code, b""
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or error.__class__.__name__
        raise TransportError(f"could not reach the SMS gateway {host}: {reason}") from None


def _json(answer: bytes) -> Any:
    try:
        return json.loads(answer.decode("utf-8", errors="replace") or "null")
    except ValueError:
        return None


def _refusal(config: SmsConfig, status: int, data: Any) -> TransportError:
    code = dig(data, config.error_code_path)
    text = str(dig(data, config.error_message_path) or "")[:300]
    code_int = int(code) if isinstance(code, int) or (isinstance(code, str) and code.isdigit()) else None
    transient = status >= 500 or status in TRANSIENT_HTTP or code_int in config.transient_codes
    detail = f"HTTP {status}" + (f", code {code}" if code is not None else "") + (f": {text}" if text else "")
    return TransportError(f"the SMS gateway refused the message ({detail})", permanent=not transient)


def gateway_send(config: SmsConfig, outbound: Outbound) -> str:
    """POST one message; the gateway's message id ("" when a successful answer names none)."""
    text = outbound.text.strip()
    if not text:
        raise TransportError("an SMS needs a text", permanent=True)
    size = sms_size(text)
    if size.parts > config.max_parts:
        raise TransportError(
            f"the text needs {size.parts} SMS parts, more than this channel's limit of {config.max_parts}",
            permanent=True,
        )
    names = config.fields
    fields = {
        names.receptor: receptor(outbound.to, config.receptor_format),
        names.message: text,
        names.sender: config.sender,
        names.client_id: outbound.idempotency_key,
    }
    key = urllib.parse.quote(config.api_key, safe="")
    url = str(config.base_url).rstrip("/") + config.send_path.format(api_key=key)
    headers = {"User-Agent": "Mehvar-SMS/1", "Accept": "application/json"}
    if config.api_key_header:
        headers[config.api_key_header] = config.api_key
    if config.body_format == "json":
        body = json.dumps(fields, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    else:
        body = urllib.parse.urlencode(fields).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    status, answer = _post(url, body, headers, config.timeout_seconds)
    data = _json(answer)
    if not 200 <= status < 300:
        raise _refusal(config, status, data)
    message_id = dig(data, config.message_id_path)
    if message_id is None or message_id == "":
        code = dig(data, config.error_code_path)
        if code is not None and str(code).strip().lower() not in SUCCESS_CODES:
            raise _refusal(config, status, data)  # some gateways say no with HTTP 200
        return ""
    return str(message_id)
