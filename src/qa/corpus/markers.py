"""Wiki citation markers out of read text: "the Ossel.[2][3]" reads "the Ossel.", so no answer ends in a marker and
no "[4]" is taken for a count."""

from __future__ import annotations

import re

# A marker stands right after a word or its punctuation, never after a space (a Markdown checkbox "- [x]" or a link
# "[text](url)" is left alone): a note number ("[12]"), a note letter ("[a]"), a named note ("[note 3]", "[nb 1]"),
# a section's edit link ("History[edit]") or an inline maintenance tag ("[citation needed]", "[when?]",
# "[dubious – discuss]", "[failed verification]").
_ONE = (r"\[(?:[1-9]\d{0,2}|[a-z]|(?:note|nb|n) ?[1-9]\d{0,2}|edit|"
        r"[A-Za-z][\w ,'’–-]{1,40}?(?: needed|\?| discuss|verification|link)|vague|dubious|clarify|sic)\]")
_MARKERS = re.compile(rf"(?<=\S)(?:{_ONE})+")
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)
_CODE = re.compile(r"(`+)[^`\n]*?\1")


def strip_markers(text: str, markdown: bool = False) -> str:
    """The text without citation markers; in Markdown, code (fenced blocks and inline spans) kept as written."""
    if not markdown:
        return _MARKERS.sub("", text)
    parts = _FENCE.split(text)
    # split() with one group gives [text, fence, text, fence, ...]: a fence and the text after it alternate
    # between code and prose, starting with prose.
    out: list[str] = []
    inside = False
    for i, part in enumerate(parts):
        if i % 2 == 1:
            out.append(part)
            inside = not inside
        else:
            out.append(part if inside else _outside_code(part))
    return "".join(out)


def _outside_code(text: str) -> str:
    """Markers stripped from prose, never from inline code ("`a[1]`")."""
    out: list[str] = []
    at = 0
    for m in _CODE.finditer(text):
        out += [_MARKERS.sub("", text[at : m.start()]), m.group(0)]
        at = m.end()
    out.append(_MARKERS.sub("", text[at:]))
    return "".join(out)
