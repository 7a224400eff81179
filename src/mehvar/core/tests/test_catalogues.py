"""The translation catalogues: the Persian one is complete, keeps every placeholder and covers every string in
the code; the committed .mo files say what the .po files say (a fresh machine needs no gettext: ADR 3)."""

import gettext as gettext_module
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

import mehvar

PACKAGE_DIR = Path(mehvar.__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale"
# The same ignore patterns as `make messages`.
MAKEMESSAGES_IGNORE = ["tests/*"]

PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|\{\w+\}|%[sdif]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
PERSIAN_LETTER = re.compile(r"[\u0600-\u06ff]")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # plain entries use index 0
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def where(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES[m.group(1)], text[1:-1])


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """A .po file's header entry and its other entries (obsolete `#~` entries are left out)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            finish()
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        keyword, _space, rest = line.partition(" ")
        if line.startswith('"'):
            assert target is not None, f"{path}:{number}: continuation without a keyword"
            value = _unquote(line)
        elif keyword == "msgctxt":
            target, value, entry.line = ("msgctxt", 0), _unquote(rest), number
        elif keyword == "msgid":
            target, value = ("msgid", 0), _unquote(rest)
            entry.line = entry.line or number
        elif keyword == "msgid_plural":
            target, value = ("msgid_plural", 0), _unquote(rest)
        elif keyword == "msgstr":
            target, value = ("msgstr", 0), _unquote(rest)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            target, value = ("msgstr", int(keyword[7:-1])), _unquote(rest)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {line!r}")
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
        elif line.startswith('"'):
            setattr(entry, name, getattr(entry, name) + value)
        else:
            setattr(entry, name, value)
    finish()
    assert entries and entries[0].msgid == "" and entries[0].msgctxt is None, f"{path} has no header"
    return entries[0], entries[1:]


def catalogue(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def header_fields(header: Entry) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


@pytest.fixture(scope="module")
def fa() -> tuple[Entry, list[Entry]]:
    return parse_po(catalogue("fa"))


def test_the_persian_catalogue_is_complete_and_not_fuzzy(fa):
    header, entries = fa
    assert len(entries) > 100
    assert "fuzzy" not in header.flags, "the header is fuzzy: msgfmt would leave it out"
    fields = header_fields(header)
    assert fields["Language"] == "fa"
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    fuzzy = [entry.where() for entry in entries if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    empty = [entry.where() for entry in entries if not all(entry.msgstr.values()) or not entry.msgstr]
    assert not empty, f"untranslated entries: {empty}"
    plural_shapes = [entry.where() for entry in entries if entry.msgid_plural and set(entry.msgstr) != {0}]
    assert not plural_shapes, f"Persian has one plural form (msgstr[0] only): {plural_shapes}"
    not_persian = [entry.where() for entry in entries if not PERSIAN_LETTER.search(entry.msgstr[0])]
    assert not not_persian, f"translations without a Persian word: {not_persian}"


def test_every_placeholder_and_tag_is_kept(fa):
    _header, entries = fa
    problems = []
    for entry in entries:
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        expected = set().union(*(PLACEHOLDER.findall(text) for text in sources))
        tags = sorted(HTML_TAG.findall(entry.msgid))
        for index, text in entry.msgstr.items():
            found = set(PLACEHOLDER.findall(text))
            if found != expected:
                problems.append(
                    f"{entry.where()} msgstr[{index}] has {sorted(found)}, wants {sorted(expected)}"
                )
            if sorted(HTML_TAG.findall(text)) != tags:
                problems.append(f"{entry.where()} msgstr[{index}] changes the HTML tags {tags}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_committed_mo_matches_the_po(language):
    po_path = catalogue(language)
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    header, entries = parse_po(po_path)
    with mo_path.open("rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    expected: dict[object, str] = {}
    for entry in entries:
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue  # msgfmt leaves these out
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            expected.update({(msgid, index): text for index, text in entry.msgstr.items()})
    actual = dict(compiled._catalog)  # the only way to list what a .mo holds
    compiled_header = {
        name.lower(): value for name, value in header_fields(Entry(msgstr={0: actual.pop("")})).items()
    }
    for name in ("Language", "Plural-Forms", "Content-Type"):  # msgfmt drops some header fields, not these
        assert compiled_header[name.lower()] == header_fields(header)[name], f"{mo_path}: {name} differs"
    stale = sorted(str(key) for key in expected.keys() ^ actual.keys())
    assert not stale, f"{mo_path} is stale (run compilemessages); differing msgids: {stale[:10]}"
    changed = [str(key) for key, text in expected.items() if actual[key] != text]
    assert not changed, f"{mo_path} is stale (run compilemessages); differing translations: {changed[:10]}"
    assert compiled.info()["language"] == language
    assert compiled.info()["plural-forms"] == header_fields(header)["Plural-Forms"]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext (gettext) is not installed")
def test_the_persian_catalogue_covers_every_string_in_the_code(fa, tmp_path, monkeypatch):
    # makemessages writes beside the sources it reads: run it on a copy, so the real catalogue is untouched.
    copy = tmp_path / "mehvar"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc"))
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=["fa"], ignore_patterns=MAKEMESSAGES_IGNORE, verbosity=0)
    _header, extracted = parse_po(copy / "locale" / "fa" / "LC_MESSAGES" / "django.po")
    assert len(extracted) > 100
    committed = {entry.key for entry in fa[1]}
    missing = [
        f"{entry.msgid!r} (plural {entry.msgid_plural!r})"
        for entry in extracted
        if entry.key not in committed
    ]
    assert not missing, (
        "strings in the code but not in the Persian catalogue (run `make messages`):\n" + "\n".join(missing)
    )


def test_persian_is_served_from_the_catalogue():
    with translation.override("fa"):
        assert translation.gettext("Sign in") == "ورود"
        assert translation.gettext("Workspace") == "فضای کار"
        # Django's own Persian catalogue has two plural forms, ours one: both must still resolve.
        for count in (1, 5):
            text = translation.ngettext("%(count)d customer", "%(count)d customers", count) % {"count": count}
            assert text == f"{count} مشتری"
        assert translation.gettext("This field is required.") == "این فیلد الزامی است."
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"
        assert (
            translation.ngettext("%(count)d customer", "%(count)d customers", 5) % {"count": 5}
            == "5 customers"
        )
