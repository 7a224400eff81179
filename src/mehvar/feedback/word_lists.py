"""Mehvar's word-list files (``data/abuse_context.txt``, ``data/sentiment_lexicon.txt``): ``[section]``
headers, one entry per line, ``#`` starts a comment."""

from pathlib import Path


def read_sections(path: Path) -> dict[str, list[str]]:
    """Entries by section, in file order; entries before the first header are under ``""``."""
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).append(line)
    return sections
