"""HTML to plain text with Markdown-style headings, list items and pipe tables, via selectolax."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

DROP = "script, style, noscript, template, svg, iframe, object, head, nav, form"
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "pre",
          "figure", "figcaption", "caption", "dd", "dt", "address", "body", "ul", "ol", "dl", "details"}
_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _table_lines(table: LexborNode) -> list[str]:
    """A <table> as pipe-table lines, so tables in HTML load like tables in Markdown."""
    lines: list[str] = []
    for tr in table.css("tr"):
        cells = [_clean(c.text(deep=True, separator=" ")).replace("|", "/") for c in tr.css("th, td")]
        if cells:
            lines.append("| " + " | ".join(cells) + " |")
            if len(lines) == 1:
                lines.append("|" + "---|" * len(cells))
    return lines


class _Writer:
    """Collects lines; inline text accumulates until a block boundary flushes it as one line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.inline: list[str] = []

    def flush(self, *block: str) -> None:
        text = _clean("".join(self.inline))
        self.inline = []
        for line in (text, *block):
            if line:
                self.lines += [line, ""]


def _walk(node: LexborNode, out: _Writer) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            out.inline.append(child.text_content or "")
        elif tag in HEADINGS:
            out.flush("#" * HEADINGS[tag] + " " + _clean(child.text(separator=" ")))
        elif tag == "li":
            out.flush()
            out.inline.append("- ")
            _walk(child, out)
            out.flush()
        elif tag == "table":
            out.flush("\n".join(_table_lines(child)))
        elif tag == "br" or tag in BLOCKS:
            out.flush()
            _walk(child, out)
            out.flush()
        else:
            _walk(child, out)


def html_to_text(html: str) -> tuple[str, str | None]:
    """Return the page's readable text and its <title> (None when it has none)."""
    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = _clean(title_node.text()) if title_node else None
    for node in tree.css(DROP):
        node.decompose()
    out = _Writer()
    if tree.body is not None:
        _walk(tree.body, out)
    out.flush()
    text = "\n".join(out.lines).strip()
    return text + "\n" if text else "", title or None
