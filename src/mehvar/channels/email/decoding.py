"""Turning the bytes and headers of real-world mail into text, whatever charset they claim.

Mail arrives in UTF-8, windows-1256 and ISO-8859-6 (Persian and Arabic), KOI8-R, GB2312 and worse; labels
are often wrong ("us-ascii" over 8-bit bytes), unknown ("x-foo") or not text codecs at all ("base64").
Nothing here raises: the declared charset is tried first, then UTF-8, then windows-1256 (the legacy Persian
code page, which maps every byte, so Persian mail mislabelled by old clients still reads right).

Headers are decoded by our own RFC 2047 reader rather than the standard library's, because it must
join adjacent encoded words *before* decoding them (long Persian subjects split a character across two
words), accept raw 8-bit bytes in headers, and survive bogus charsets and broken base64.
"""

import base64
import binascii
import email.charset
import re
from email.message import Message

FALLBACKS = ("utf-8", "windows-1256")
_EXTRA_ALIASES = {"ks_c_5601-1987": "cp949", "x-unknown": "", "unknown-8bit": "", "x-user-defined": ""}
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n[ \t]")
_SURROGATES = re.compile("[\udc80-\udcff]")
_ID = re.compile(r"<([^<>\s]+)>")
_SPACE = re.compile(r"[ \t\r\n]+")


def codec_name(charset: str | None) -> str:
    """The codec to try for a declared charset ('' when none is declared or it is a known non-answer)."""
    name = (charset or "").strip().strip("\"'").lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*fa
    if not name or len(name) > 40:
        return ""
    name = _EXTRA_ALIASES.get(name, name)
    return email.charset.ALIASES.get(name, name)


def text_decode(data: bytes, charset: str | None = None) -> str:
    """Decode ``data`` in its declared charset, else UTF-8, else windows-1256; never raises."""
    codec = codec_name(charset)
    for candidate in (codec, *FALLBACKS) if codec else FALLBACKS:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeError, ValueError, TypeError):
            continue
    return data.decode("utf-8", errors="replace")


def _undo_surrogates(value: str) -> str:
    """Raw 8-bit header bytes come out of the parser as surrogate escapes: decode them as text."""
    if not _SURROGATES.search(value):
        return value
    return text_decode(value.encode("utf-8", errors="surrogateescape"))


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    if encoding in "Qq":
        data = payload.replace("_", " ").encode("ascii", errors="replace")
        return binascii.a2b_qp(data)
    try:
        padded = payload + "=" * (-len(payload) % 4)
        return base64.b64decode(padded.encode("ascii", errors="replace"), validate=False)
    except (binascii.Error, ValueError):
        return None


def header_decode(value: object) -> str:
    """A header value as one line of text: RFC 2047 words decoded, raw 8-bit bytes read, folds undone."""
    if value is None:
        return ""
    text = _FOLD.sub(" ", _undo_surrogates(str(value)))
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent encoded words, joined per charset before decoding

    def flush() -> None:
        for charset, data in _merged(pending):
            out.append(text_decode(data, charset))
        pending.clear()

    position = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:  # not decodable: keep the word as it stands
            flush()
            out.append(between + match.group(0))
        else:
            if between.strip() or not pending:
                flush()
                out.append(between)
            pending.append((match.group(1), data))
        position = match.end()
    flush()
    out.append(text[position:])
    return _SPACE.sub(" ", "".join(out)).strip()


def _merged(words: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    merged: list[tuple[str, bytes]] = []
    for charset, data in words:
        if merged and codec_name(merged[-1][0]) == codec_name(charset):
            merged[-1] = (merged[-1][0], merged[-1][1] + data)
        else:
            merged.append((charset, data))
    return merged


def header_raw(message: Message, name: str) -> str | None:
    """The first ``name`` header exactly as stored (the parser's own access may raise on odd values)."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def headers_raw(message: Message, name: str) -> list[str]:
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def message_id_of(value: str | None) -> str:
    """The id inside a Message-ID-like header, without angle brackets ('' when there is none)."""
    if not value:
        return ""
    found = _ID.search(value)
    if found:
        return found.group(1)
    token = value.strip().split()
    return token[0].strip("<>") if token else ""


def message_ids_in(value: str) -> list[str]:
    """Every id in a References/In-Reply-To header; bare tokens when a sender left out the brackets."""
    found = _ID.findall(value)
    return found or [token for token in value.split() if "@" in token]
