"""The text the feedback model reads: the project's normaliser, then what customer comments need on top.

``feature_text`` starts from ``mehvar.core.text.normalize_text`` (ی/ک, ASCII digits, no diacritics, kashida or
bidi marks, one space) and then, for comparing words rather than showing them:

* folds what ``search_key`` folds (آ أ إ → ا, ئ → ی, ة ۀ → ه, ؤ → و) and lower-cases Latin letters;
* joins what people write with or without a space or ZWNJ: «می خوام», «می‌خوام» and «میخوام» are one word,
  and so are «کتاب ها» and «کتاب‌ها»;
* collapses stretched letters («خیلیییی» → «خیلی», «khoooob» → «khoob»);
* writes every number as ``0`` (the amount does not tell the feeling, the words around it do);
* turns a few dozen common spoken forms into one spelling («گرون» and «گران», «نمیاد» and «نمی‌آید»,
  «عالی است» and «عالیه») and common Finglish words into Persian script («kheili khoob» → «خیلی خوب»), so
  that what the corpus teaches in one register is known in the other;
* reads a few idioms of praise that are built on a negated verb as one word («دستتون درد نکنه», «خسته
  نباشید», «حرف نداشت», «کم نذاشتن», «بد نبود»), so that their «ن» is not taken for a complaint;
* keeps «!» and «؟»/«?» as words, and adds ``_emopos`` / ``_emoneg`` for the emojis of praise and anger.

The result is a space-separated string of tokens: the word n-gram vectoriser splits it on spaces, the
character n-gram vectoriser reads it as it is. ``FEATURE_VERSION`` is part of the model's fingerprint: change
it whenever this module changes what it produces, and every cached model is rebuilt.
"""

import re

from mehvar.core.text import normalize_text

FEATURE_VERSION = "1"

_FOLDS = str.maketrans(
    {
        "\u0622": "\u0627",  # آ → ا
        "\u0623": "\u0627",  # أ → ا
        "\u0625": "\u0627",  # إ → ا
        "\u0671": "\u0627",  # ٱ → ا
        "\u0626": "\u06cc",  # ئ → ی
        "\u0624": "\u0648",  # ؤ → و
        "\u0629": "\u0647",  # ة → ه
        "\u06c0": "\u0647",  # ۀ → ه
        "\u200c": "",  # ZWNJ: «می‌خوام» = «میخوام»
        "؟": " ? ",
        "?": " ? ",
        "!": " ! ",
        "،": " ",
        "؛": " ",
        "«": " ",
        "»": " ",
    }
)

POSITIVE_EMOJI = frozenset("😍🥰😊☺🙂😀😃😄😁😋🤩👍👌👏💯🌹🌸💐❤💙💚💛💜🧡🤍♥⭐🌟✨🎉😘🤗🙌")
NEGATIVE_EMOJI = frozenset("😡😠🤬👎😞😔😢😭💩🤮🤢😤😒🙄😕☹🙁😩😫😖😣💔🤦😓😥😰")

# Persian letters written three or more times in a row are one letter; Latin ones two («aali» stays).
_STRETCHED_FA = re.compile(r"([\u0600-\u06ff])\1{2,}")
_STRETCHED_LATIN = re.compile(r"([a-z])\1{2,}")
_NUMBER = re.compile(r"\d+(?:[.,/:]\d+)*")
_REPEATED_LATIN = re.compile(r"([a-z])\1+")
# «می خوام», «نمی خوام», «بی کیفیت», «خوش مزه», «بسته بندی» → one word; «کتاب ها», «بهتر ین»... → one word.
_VERB_PREFIX = re.compile(r"(?<![\w])(ن?می|بی|خوش|بسته(?= بندی)) (?=[\u0600-\u06ff])")
_SUFFIX = re.compile(r"(?<=[\u0600-\u06ff]) (ها|های|هایی|هایش|هاش|هاتون|تر|ترین)(?![\w])")
_TOKEN = re.compile(r"[^\W_]+|[?!]|[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55]")
_LATIN = re.compile(r"[a-z]")

# A spoken or variant spelling → the one spelling the model sees (after the folds above: آ is ا).
SPOKEN_FORMS: dict[str, str] = {
    "گرون": "گران",
    "گرونه": "گرانه",
    "گرونتر": "گرانتر",
    "ارزون": "ارزان",
    "ارزونه": "ارزانه",
    "ارزونتر": "ارزانتر",
    "اون": "ان",
    "اونا": "انها",
    "اونها": "انها",
    "خونه": "خانه",
    "نون": "نان",
    "یه": "یک",
    "رو": "را",
    "رسوندن": "رساندن",
    "رسوند": "رساند",
    "موند": "ماند",
    "موندم": "ماندم",
    "اومد": "امد",
    "اومدن": "امدن",
    "نیومد": "نیامد",
    "نیومدن": "نیامدن",
    "میاد": "میاید",
    "نمیاد": "نمیاید",
    "میشه": "میشود",
    "نمیشه": "نمیشود",
    "میخوام": "میخواهم",
    "نمیخوام": "نمیخواهم",
    "میدونم": "میدانم",
    "نمیدونم": "نمیدانم",
    "داره": "دارد",
    "نداره": "ندارد",
    "میکنه": "میکند",
    "نمیکنه": "نمیکند",
    "میده": "میدهد",
    "نمیده": "نمیدهد",
    "میدن": "میدهند",
    "نمیدن": "نمیدهند",
    "بدید": "بدهید",
    "بدین": "بدهید",
    "کنین": "کنید",
    "هستش": "است",
    "بسیار": "خیلی",
    "سپاس": "ممنون",
    "سپاسگزارم": "ممنونم",
    "متشکرم": "ممنونم",
    "مرسی": "ممنون",
    "دمتون": "دمتان",
    "دستتون": "دستتان",
    "بهتون": "به شما",
    "براتون": "برای شما",
    "چیه": "چیست",
    "کیه": "کیست",
    "خیلیم": "خیلی هم",
}
# Idioms of praise built on a negated verb → one word each.
IDIOMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), f" {word} ")
    for pattern, word in (
        (r"دست(?:تون|تان|ت|تو|شما|ش|شون|اتون)? ?(?:شما )?درد ?(?:نکنه|نکند|نکنن|نکنند)", "دستمریزاد"),
        (r"خسته ?نباشی(?:د|ن)?(?![\w])", "خستهنباشید"),
        (r"حرف ?(?:نداشت|نداره|ندارد|نداشتن|ندارن)(?![\w])", "حرفنداشت"),
        (r"کم ?(?:نذاشت|نگذاشت)(?:ن|ند|ین|ید)?(?![\w])", "کمنذاشتن"),
        (r"(?<![\w])بد ?(?:نبود|نیست)(?![\w])", "بدنبود"),
    )
)
# «X است» → «Xه», as it is spoken («عالی است» → «عالیه»), when X ends in a letter that takes it.
_IS = re.compile(r"(?<=[\u0600-\u06ff]) است(?![\w])")

# Common Finglish words → Persian script (after lower-casing and collapsing stretched letters).
FINGLISH: dict[str, str] = {
    "kheili": "خیلی",
    "kheyli": "خیلی",
    "khili": "خیلی",
    "khob": "خوب",
    "khoob": "خوب",
    "khub": "خوب",
    "khube": "خوبه",
    "khoobe": "خوبه",
    "aali": "عالی",
    "aaly": "عالی",
    "ali": "عالی",
    "aalie": "عالیه",
    "bad": "بد",
    "bood": "بود",
    "bud": "بود",
    "nabood": "نبود",
    "nabud": "نبود",
    "hast": "هست",
    "nist": "نیست",
    "mamnoon": "ممنون",
    "mamnun": "ممنون",
    "merci": "ممنون",
    "mersi": "ممنون",
    "mrc": "ممنون",
    "tashakor": "تشکر",
    "dir": "دیر",
    "zood": "زود",
    "zud": "زود",
    "sari": "سریع",
    "sarie": "سریع",
    "garm": "گرم",
    "sard": "سرد",
    "ghaza": "غذا",
    "ghazash": "غذاش",
    "peyk": "پیک",
    "paik": "پیک",
    "ersal": "ارسال",
    "tahvil": "تحویل",
    "gheymat": "قیمت",
    "gheimat": "قیمت",
    "ghimat": "قیمت",
    "geroon": "گران",
    "gerun": "گران",
    "gerone": "گرانه",
    "geroone": "گرانه",
    "arzoon": "ارزان",
    "arzun": "ارزان",
    "keyfiat": "کیفیت",
    "keyfiyat": "کیفیت",
    "kifiat": "کیفیت",
    "keifiat": "کیفیت",
    "poshtibani": "پشتیبانی",
    "poshtibaani": "پشتیبانی",
    "app": "اپ",
    "site": "سایت",
    "barname": "برنامه",
    "bastebandi": "بستهبندی",
    "marjoo": "مرجوع",
    "marjooi": "مرجوعی",
    "pool": "پول",
    "pul": "پول",
    "aftezah": "افتضاح",
    "afzah": "افتضاح",
    "zaif": "ضعیف",
    "zaeef": "ضعیف",
    "khoshmaze": "خوشمزه",
    "khoshmazze": "خوشمزه",
    "bimaze": "بیمزه",
    "kharab": "خراب",
    "salem": "سالم",
    "dobare": "دوباره",
    "hatman": "حتما",
    "asan": "اصلا",
    "asln": "اصلا",
    "aslan": "اصلا",
    "vaghean": "واقعا",
    "vaghan": "واقعا",
    "ziad": "زیاد",
    "ziyad": "زیاد",
    "kam": "کم",
    "mishe": "میشود",
    "nemishe": "نمیشود",
    "javab": "جواب",
    "nadadan": "ندادن",
    "nadad": "نداد",
    "rasid": "رسید",
    "naresid": "نرسید",
    "tamiz": "تمیز",
    "kasif": "کثیف",
    "rezayat": "رضایت",
    "razi": "راضی",
    "narazi": "ناراضی",
    "behtarin": "بهترین",
    "badtarin": "بدترین",
    "dost": "دوست",
    "dashtam": "داشتم",
    "ghat": "قطع",
    "internet": "اینترنت",
    "net": "نت",
    "sorat": "سرعت",
    "kond": "کند",
    "hazine": "هزینه",
    "bargasht": "برگشت",
    "nemikone": "نمیکند",
    "mikone": "میکند",
    "na": "نه",
    "are": "اره",
    "ye": "یک",
    "va": "و",
    "o": "و",
    "ham": "هم",
    "ro": "را",
    "ba": "با",
    "az": "از",
    "be": "به",
    "too": "تو",
    "tu": "تو",
}
_FINGLISH_COLLAPSED = {_REPEATED_LATIN.sub(r"\1", word): persian for word, persian in FINGLISH.items()}


def feature_text(text: str | None, *, normalized: bool = False) -> str:
    """The space-separated tokens the model reads for ``text`` (see the module docstring).

    ``normalized=True`` says ``text`` has been through ``normalize_text`` already.
    """
    normal = (text or "") if normalized else normalize_text(text)
    normal = normal.casefold().translate(_FOLDS)
    if not normal:
        return ""
    normal = _STRETCHED_FA.sub(r"\1", normal)
    normal = _STRETCHED_LATIN.sub(r"\1\1", normal)
    normal = _NUMBER.sub(" 0 ", normal)
    normal = _VERB_PREFIX.sub(r"\1", normal)
    normal = _SUFFIX.sub(r"\1", normal)
    normal = _IS.sub("ه", normal)
    for pattern, word in IDIOMS:
        normal = pattern.sub(word, normal)
    out: list[str] = []
    for token in _TOKEN.findall(normal):
        if token in POSITIVE_EMOJI:
            out.extend((token, "_emopos"))
        elif token in NEGATIVE_EMOJI:
            out.extend((token, "_emoneg"))
        elif _LATIN.match(token):
            out.append(
                FINGLISH.get(token) or _FINGLISH_COLLAPSED.get(_REPEATED_LATIN.sub(r"\1", token), token)
            )
        else:
            out.append(SPOKEN_FORMS.get(token, token))
    return " ".join(out)


def feature_texts(texts: list[str]) -> list[str]:
    return [feature_text(text) for text in texts]
