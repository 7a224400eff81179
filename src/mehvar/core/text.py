"""The one place that normalises Persian text; every search and identity key goes through it.

``normalize_text`` gives the canonical spelling that is safe to store and show:

* Arabic letter variants become their Persian forms: ي and ى → ی, ك and ڪ → ک, ھ and ہ → ه. Arabic
  presentation forms (text copied from PDFs) become plain letters.
* A letter followed by a combining hamza or madda is composed (ه + ٔ → ۀ, ی + ٔ → ئ, ا + ٓ → آ), so that the
  two ways of typing ۀ, ئ, آ are one. ۀ, ئ, ة, أ and آ are *kept*: they are correct Persian spelling, and
  changing them would change what people wrote. Folding them is the job of ``search_key``.
* Arabic-Indic (٠١٢) and Persian (۰۱۲) digits become ASCII digits; ٫ becomes "." and ٬ becomes ",".
* Diacritics go: harakat, tanwin, shadda, sukun, superscript alef, Quranic marks. Kashida (ـ) goes.
* Bidi and format marks go: LRM, RLM, ALM, LRE..PDF, LRO, RLO, LRI..PDI, ZWJ, ZWSP, word joiner, BOM,
  soft hyphen.
* ZWNJ (نیم‌فاصله) is kept only between two letters, once: repeats collapse, and a ZWNJ at either end or next
  to a space, digit or punctuation mark is dropped.
* Every kind of space (NBSP, thin, ideographic, tab, newline...) becomes one ASCII space; leading and trailing
  spaces go. With ``multiline=True`` line breaks survive (at most one blank line in a row).

``search_key`` is for comparing, never for showing: ``normalize_text`` plus NFKC, case folding, ئ → ی,
أ إ ٱ آ → ا, ؤ → و, ة and ۀ → ه, and no ZWNJ or spaces at all. So "علي رضائي", "علی رضایی" and
"علی‌رضایی" have one key.
"""

import re
import unicodedata

ZWNJ = "\u200c"

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_ASCII_DIGITS = "0123456789"

_TO_ASCII_DIGITS = str.maketrans(_PERSIAN_DIGITS + _ARABIC_DIGITS, _ASCII_DIGITS * 2)
_TO_PERSIAN_DIGITS = str.maketrans(_ASCII_DIGITS + _ARABIC_DIGITS, _PERSIAN_DIGITS * 2)

# Removed before anything else, so that they cannot stand between a letter and the mark it takes.
_FORMAT_MARKS = (
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # Arabic letter mark
    "\u0640"  # kashida (tatweel)
    "\u180e"  # Mongolian vowel separator
    "\u200b"  # zero width space
    "\u200d"  # zero width joiner
    "\u200e\u200f"  # LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2060"  # word joiner
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\ufeff"  # byte order mark / zero width no-break space
)
_DROP_FORMAT = str.maketrans(dict.fromkeys(_FORMAT_MARKS))

# Arabic combining marks: Quranic honorifics, harakat/tanwin/shadda/sukun/hamza marks, superscript alef,
# Quranic annotation marks. (Hamza and madda above are composed into their letter first; see _COMPOSE.)
_ARABIC_MARKS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u08d3-\u08ff]"
)

# A base letter and a combining hamza/madda that NFC does not compose (it does compose the Arabic ones).
_COMPOSE = {
    "\u06cc\u0654": "\u0626",  # Persian yeh + hamza above → ئ
    "\u0647\u0654": "\u06c0",  # heh + hamza above → ۀ (Unicode composes only ە + hamza)
}

_LETTERS = str.maketrans(
    {
        "\u064a": "\u06cc",  # ي Arabic yeh → ی
        "\u0649": "\u06cc",  # ى alef maksura → ی
        "\u0643": "\u06a9",  # ك Arabic kaf → ک
        "\u06aa": "\u06a9",  # ڪ swash kaf → ک
        "\u06be": "\u0647",  # ھ heh doachashmee → ه
        "\u06c1": "\u0647",  # ہ heh goal → ه
        "\u06c2": "\u06c0",  # ۂ heh goal with hamza → ۀ
        "\u066b": ".",  # ٫ Arabic decimal separator
        "\u066c": ",",  # ٬ Arabic thousands separator
        **dict(zip(_PERSIAN_DIGITS + _ARABIC_DIGITS, _ASCII_DIGITS * 2, strict=True)),
    }
)

# Folds that make a key for matching, not a spelling to show.
_SEARCH_FOLDS = str.maketrans(
    {
        "\u0626": "\u06cc",  # ئ → ی
        "\u0623": "\u0627",  # أ → ا
        "\u0625": "\u0627",  # إ → ا
        "\u0671": "\u0627",  # ٱ → ا
        "\u0622": "\u0627",  # آ → ا
        "\u0624": "\u0648",  # ؤ → و
        "\u0629": "\u0647",  # ة → ه
        "\u06c0": "\u0647",  # ۀ → ه
        ZWNJ: None,
    }
)

_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
_ZWNJ_RUN = re.compile(ZWNJ + "+")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_BLANK_LINES = re.compile(r"\n{3,}")


def to_ascii_digits(value: object) -> str:
    """Persian (۱۲۳) and Arabic-Indic (١٢٣) digits → ASCII; everything else unchanged."""
    return str(value).translate(_TO_ASCII_DIGITS)


def to_persian_digits(value: object) -> str:
    """ASCII and Arabic-Indic digits → Persian digits (۱۲۳); everything else unchanged."""
    return str(value).translate(_TO_PERSIAN_DIGITS)


def localize_digits(value: object, digits: str) -> str:
    """``digits="fa"`` gives Persian digits, anything else ASCII digits."""
    return to_persian_digits(value) if digits == "fa" else to_ascii_digits(value)


def _tidy_zwnj(text: str) -> str:
    text = _ZWNJ_RUN.sub(ZWNJ, text)
    if ZWNJ not in text:
        return text
    out = []
    last = len(text) - 1
    for i, char in enumerate(text):
        if char == ZWNJ and not (0 < i < last and text[i - 1].isalpha() and text[i + 1].isalpha()):
            continue
        out.append(char)
    return "".join(out)


def normalize_text(value: str | None, *, multiline: bool = False) -> str:
    """The canonical spelling of ``value`` (see the module docstring). ``None`` gives ""."""
    if not value:
        return ""
    text = value.translate(_DROP_FORMAT)
    if _PRESENTATION_FORMS.search(text):
        text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
        text = text.translate(_DROP_FORMAT)
    text = unicodedata.normalize("NFC", text)
    for pair, composed in _COMPOSE.items():
        text = text.replace(pair, composed)
    text = text.translate(_LETTERS)
    for pair, composed in _COMPOSE.items():  # ي + hamza became ی + hamza above
        text = text.replace(pair, composed)
    text = _ARABIC_MARKS.sub("", text)
    if multiline:
        text = _LINE_BREAKS.sub("\n", text)
        text = _HORIZONTAL_SPACE.sub(" ", text)
        text = _tidy_zwnj(text)
        text = _HORIZONTAL_SPACE.sub(" ", text)
        lines = [line.strip(" ") for line in text.split("\n")]
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
    text = " ".join(text.split())
    text = _tidy_zwnj(text)
    return " ".join(text.split())


def search_key(value: str | None) -> str:
    """A key for search and identity: equal for spellings people mean as the same. Never show it."""
    text = unicodedata.normalize("NFKC", normalize_text(value))
    text = normalize_text(text).casefold().translate(_SEARCH_FOLDS)
    return unicodedata.normalize("NFC", "".join(text.split()))
