"""HTML to plain text with Markdown-style headings, list items and pipe tables, via selectolax."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

DROP = "script, style, noscript, template, svg, iframe, object, head, nav, form, [role=navigation]"
# A saved Wikipedia (MediaWiki) page's furniture: note markers, edit links, maintenance tags, the contents box,
# navigation boxes and sidebars, the reference list and bibliography entries, and the site's own links. Left in,
# "[3]" ends answers and the reference list's "Smith, J. (1999). p. 12." is cited as a passage.
WIKI_FURNITURE = ("sup.reference, sup.noprint, .mw-editsection, .mw-jump-link, #toc, .toc, .navbox, .vertical-navbox, "
                  ".sidebar, .reflist, ol.references, .mw-references-wrap, .refbegin, cite.citation, "
                  ".mw-cite-backlink, "
                  ".hatnote, .ambox, .metadata, .sistersitebox, .authority-control, #siteSub, #contentSub, "
                  "#mw-navigation, #mw-panel, #mw-head, #footer, #catlinks, .printfooter, .mw-indicators")
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote",
          "figure", "figcaption", "caption", "dd", "dt", "address", "body", "ul", "ol", "dl", "details"}
# A line break in the markup is a space in the page ("founded in\n1342." is one sentence); <pre> keeps its lines.
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0]+")


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
            if line and line != "-":  # a list item whose content was all furniture
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
        elif tag == "pre":
            out.flush("\n".join(line.rstrip() for line in (child.text(deep=True) or "").strip("\n").splitlines()))
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
    h1 = tree.css_first("h1")
    heading = _clean(h1.text(separator=" ")) if h1 is not None else ""
    # Last first: a node inside another dropped one goes before its parent, never after it is freed with it.
    for node in reversed(tree.css(f"{DROP}, {WIKI_FURNITURE}")):
        node.decompose()
    out = _Writer()
    if tree.body is not None:
        _walk(tree.body, out)
    out.flush()
    text = "\n".join(out.lines).strip()
    return text + "\n" if text else "", _page_title(title, heading)


def _page_title(title: str | None, heading: str) -> str | None:
    """The <title>, less a site's name after the page's own <h1> ("Port Velmar - Wikipedia" -> "Port Velmar")."""
    if title and heading and title != heading and title.startswith(heading) and not title[len(heading)].isalnum():
        return heading
    return title or None
