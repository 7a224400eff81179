"""How much of a translation catalogue is still to do.

    python scripts/translate_status.py            # the Persian catalogue: counts
    python scripts/translate_status.py --list     # ... and each entry still to translate or to review
    python scripts/translate_status.py en         # another language

Run `make messages` first so that the catalogue holds the code's newest strings. Exits 1 when some entry is
untranslated or fuzzy, 0 otherwise. Needs nothing but Python.
"""

import argparse
import re
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "src" / "mehvar" / "locale"
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES[m.group(1)], text.strip()[1:-1])


def read_entries(path: Path) -> list[dict]:
    """Each entry of a .po file as {"msgid", "msgstr": [...], "fuzzy", "line"}; the header is left out."""
    entries: list[dict] = []
    for block_start, block in _blocks(path.read_text(encoding="utf-8")):
        entry: dict = {"msgid": "", "msgstr": [], "fuzzy": False, "line": block_start, "obsolete": False}
        current = None
        for line in block:
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["fuzzy"] = entry["fuzzy"] or "fuzzy" in line
            elif line.startswith("#"):
                continue
            elif line.startswith("msgid "):
                current, entry["msgid"] = "msgid", unquote(line[6:])
            elif line.startswith("msgstr"):
                current = "msgstr"
                entry["msgstr"].append(unquote(line.split(" ", 1)[1]))
            elif line.startswith('"') and current == "msgid":
                entry["msgid"] += unquote(line)
            elif line.startswith('"') and current == "msgstr":
                entry["msgstr"][-1] += unquote(line)
        if entry["msgid"] and not entry["obsolete"]:
            entries.append(entry)
    return entries


def _blocks(text: str):
    block: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("language", nargs="?", default="fa")
    parser.add_argument("--list", action="store_true", help="print each entry still to do")
    args = parser.parse_args()
    path = LOCALE_DIR / args.language / "LC_MESSAGES" / "django.po"
    if not path.exists():
        print(f"{path} does not exist: run `make messages`", file=sys.stderr)
        return 2
    entries = read_entries(path)
    untranslated = [entry for entry in entries if not entry["fuzzy"] and not all(entry["msgstr"])]
    fuzzy = [entry for entry in entries if entry["fuzzy"]]
    done = len(entries) - len(untranslated) - len(fuzzy)
    print(f"{path.relative_to(LOCALE_DIR.parent.parent.parent)}: {len(entries)} entries")
    print(f"  translated:   {done}")
    print(f"  untranslated: {len(untranslated)}")
    print(f"  fuzzy:        {len(fuzzy)}")
    if args.list:
        for label, todo in (("untranslated", untranslated), ("fuzzy", fuzzy)):
            for entry in todo:
                print(f"{label}\tline {entry['line']}\t{entry['msgid']!r}")
    return 1 if untranslated or fuzzy else 0


if __name__ == "__main__":
    sys.exit(main())
