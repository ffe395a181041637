"""HTML from a PSA (HaloPSA ticket details and actions) as plain text, with the stdlib's HTML parser.

The input is untrusted: the contents of script, style and similar elements are dropped, tags never
survive as markup, entities are decoded once, and the result is plain text the caller still escapes.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .shapes import clip

_DROPPED = {"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg", "math", "textarea"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "tr", "ul",
}  # fmt: skip


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropped_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _DROPPED:
            self._dropped_depth += 1
            return
        if self._dropped_depth:
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag not in _DROPPED:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self._dropped_depth = max(self._dropped_depth - 1, 0)
        elif not self._dropped_depth and tag in _BLOCKS and tag not in _VOID and tag != "li":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropped_depth:
            self.parts.append(data)


_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(html: str, *, limit: int) -> str:
    """The readable text of `html`: paragraphs and line breaks kept as newlines, list items as "- "."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return clip(_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip(), limit)
