"""How many SMS parts a text costs: GSM 03.38 (7-bit) or UCS-2, single or concatenated.

Operators bill per part, so the inbox shows the count and the adapter refuses a reply longer than the
channel's ``max_parts``. A text that only uses the GSM default alphabet is sent in 7-bit septets: 160 in one
part, 153 per part when concatenated (the user data header takes 7). Characters of the GSM extension table
(``^ { } \\ [ ~ ] | €`` and form feed) take two septets. Any other character, and so any Persian text, makes
the whole message UCS-2: 70 UTF-16 units in one part, 67 per part when concatenated; characters outside
the Basic Multilingual Plane (most emoji) take two units. Neither an escape pair nor a surrogate pair is
split across parts, as phones do, so the count is exact rather than a division.
"""

import dataclasses

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclasses.dataclass(frozen=True)
class SmsSize:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (gsm7) or UTF-16 code units (ucs2)
    parts: int

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def _is_gsm(text: str) -> bool:
    return all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)


def _costs(text: str, gsm: bool) -> list[int]:
    if gsm:
        return [2 if char in GSM_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _pack(costs: list[int], per_part: int) -> int:
    parts, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            parts, used = parts + 1, 0
        used += cost
    return parts


def sms_size(text: str) -> SmsSize:
    """The encoding, length in units and number of parts of ``text`` (0 parts for an empty text)."""
    gsm = _is_gsm(text)
    costs = _costs(text, gsm)
    units = sum(costs)
    single, per_part = (GSM_SINGLE, GSM_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    if units == 0:
        parts = 0
    elif units <= single:
        parts = 1
    else:
        parts = _pack(costs, per_part)
    return SmsSize(encoding="gsm7" if gsm else "ucs2", units=units, parts=parts)
