"""Readable text from an HTML e-mail, for messages that come without a text/plain part.

The agent reads, searches and quotes the text; the HTML itself is kept beside it. Paragraphs, headings,
lists and tables are set apart by a blank line, other blocks and <br> start a line, list items get a
bullet; scripts, styles and the head are dropped, entities are decoded, and runs of white space collapse
(except inside <pre>). The standard library's parser is forgiving: broken markup gives text, never an
exception.
"""

import re
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg"})
_PARAGRAPH = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "pre", "dl"}
)
_LINE = frozenset(
    {"div", "br", "tr", "hr", "section", "article", "header", "footer", "address", "dt", "dd", "form"}
)
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\r\f\v]+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        else:
            self._block(tag)
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(self.skipping - 1, 0)
        else:
            self._block(tag)
        if tag == "pre":
            self.pre = max(self.pre - 1, 0)

    def _block(self, tag: str) -> None:
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in _LINE:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.parts.append(data if self.pre else _SPACES.sub(" ", data.replace("\n", " ")))


def html_to_text(html: str) -> str:
    """The text of an HTML document or fragment, one line per block."""
    collector = _TextCollector()
    try:
        collector.feed(html)
        collector.close()
    except (AssertionError, ValueError):  # the parser gives up on some broken markup: keep what it read
        pass
    lines = [line.strip() for line in "".join(collector.parts).replace("\xa0", " ").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
