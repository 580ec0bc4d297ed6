"""Hard-wrapped prose joined into its lines: a paragraph written at a fixed width ("... rocky islands of the" /
"southern Arvel Sea.") is one run of text, as a Markdown reader shows it, so no sentence, clause or answer is cut
at the wrap."""

from __future__ import annotations

import re

# A line break is a wrap only between two prose lines of one paragraph. These lines are never prose: a heading, a
# list item, a quotation, a table row, a code fence or indented code, a rule or a setext underline.
_BLOCK = re.compile(r"^(?:\s{4}|\t|\s*(?:#|>|\||```|~~~|[-*+•]\s|\d{1,3}[.)]\s|[=_*-]{3,}\s*$))")
# Columns aligned with runs of spaces (a text table) or a cell rule are never joined either.
_COLUMNS = re.compile(r"\S(?: {2,}|\t)\S|\|")
# A line that ends a sentence, a clause that introduces what follows, or a hard break ("  ", "\") keeps its break:
# a paragraph written one line each stays one line each.
_ENDS = re.compile(r"(?:[.!?:;…][\"”’)\]]*| {2}|\\)$")
MIN_WRAPPED = 40  # shorter lines are titles, labels or a list without bullets ("NORTHWIND TRADERS, INC.")
_FENCE = re.compile(r"^\s*(```|~~~)")


def unwrap(text: str) -> str:
    """The text with each wrap inside a paragraph of prose turned into a space; code fences kept as written."""
    lines = text.split("\n")
    out: list[str] = []
    fenced = joined = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        line = line.lstrip(" ") if joined else line
        joined = not fenced and not _FENCE.match(line) and _wraps(line, nxt)
        out.append(line.rstrip(" ") + " " if joined else line + "\n")
    return "".join(out)[:-1]  # the last line's break is none of the text's


def _wraps(line: str, nxt: str) -> bool:
    """The break after `line` is a wrap: both lines prose, and `line` a long one that breaks off mid-sentence."""
    if not line.strip() or not nxt.strip() or _BLOCK.match(line) or _BLOCK.match(nxt):
        return False
    if _COLUMNS.search(line.strip()) or _COLUMNS.search(nxt.strip()) or _ENDS.search(line):
        return False
    return len(line.strip()) >= MIN_WRAPPED and not line.isupper()
