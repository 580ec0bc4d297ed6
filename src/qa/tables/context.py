"""The text around a table: the heading above it, its lead-in, its caption and the note under it."""

from __future__ import annotations

import re

from qa.text.sentences import HEADING, heading_text

_NOTE = re.compile(r"^\s*(sources?|notes?|\*|\(\w\)|\[\w\])\s*[:.]?", re.IGNORECASE)
_TABLE_LABEL = re.compile(r"^(?:\*\*|__|_|\*)?\s*(?:table|exhibit|figure|schedule)\s+[\w.-]+\b", re.IGNORECASE)


def heading_before(lines: list[str], idx: int) -> str:
    """The nearest Markdown heading above line idx, or ""."""
    for ln in reversed(lines[:idx]):
        heading = heading_text(ln)
        if heading is not None:
            return heading
    return ""


def lead_in(lines: list[str], idx: int) -> list[str]:
    """The non-blank lines of the paragraph just above the table (at most six lines up, none past a heading)."""
    found: list[str] = []
    for ln in reversed(lines[max(0, idx - 6) : idx]):
        text = ln.strip()
        if HEADING.match(text) or "|" in text or (not text and found):
            break
        if text:
            found.insert(0, text)
    return found[-3:]


def caption_before(lines: list[str], idx: int, heading: str) -> str | None:
    """The table's name: a caption-like line above it, else the section heading, else nothing.

    A lead-in sentence ("A closer look at the data tells the story:") introduces a table but does not
    name it, so the heading wins over it. A caption is a "Table 3: ..." line, a bold line, or a short
    title line without closing punctuation; a bare "(in thousands)" note joins the title line above it.
    """
    titles: list[str] = []
    for ln in reversed(lines[max(0, idx - 8) : idx]):
        text = ln.strip()
        if HEADING.match(text) or "|" in text:
            break
        plain = text.strip("*_ ")
        if text and (_TABLE_LABEL.match(text) or text.startswith(("**", "__")) or is_title(plain)):
            titles.insert(0, plain)
            if not plain.startswith("("):
                break
        elif text and not (titles and titles[0].startswith("(")):
            break  # prose: only a bare "(in thousands)" note looks past it for the title line
    if titles:
        return " ".join(titles[-2:])[:200]
    return heading or None


def is_title(text: str) -> bool:
    return 0 < len(text.split()) <= 14 and not re.search(r"[.:;!?,]$", text)


def note_after(lines: list[str], idx: int) -> str | None:
    """A "Source: ..." or footnote line just under the table, or None."""
    for ln in lines[idx : idx + 3]:
        if ln.strip():
            return ln.strip() if _NOTE.match(ln) else None
    return None
