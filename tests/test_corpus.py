"""Loading corpus files: formats, and the files that must be reported and skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.corpus.files import LoadError, load, scan


def _load_one(corpus: Path, name: str):  # type: ignore[no-untyped-def]
    entries, _ = scan(corpus)
    entry = next(e for e in entries if e.source == name)
    return load(entry, 10_000_000)


def test_markdown_title_comes_from_first_heading(corpus_dir: Path) -> None:
    (corpus_dir / "a.md").write_text("# Deep Wells\n\nText here.\n", encoding="utf-8")
    doc = _load_one(corpus_dir, "a.md")
    assert doc.title == "Deep Wells"
    assert doc.text.startswith("# Deep Wells")


def test_html_drops_scripts_and_styles_but_keeps_headings(corpus_dir: Path) -> None:
    (corpus_dir / "p.html").write_text(
        "<html><head><title>Page</title><style>.x{}</style></head><body><h2>Section</h2>"
        "<p>Visible <b>text</b>.</p><script>var secret = 1;</script></body></html>", encoding="utf-8")
    doc = _load_one(corpus_dir, "p.html")
    assert doc.title == "Page"
    assert "## Section" in doc.text and "Visible text." in doc.text
    assert "secret" not in doc.text and ".x{}" not in doc.text


def test_csv_reads_sidecar_metadata(corpus_dir: Path) -> None:
    (corpus_dir / "t.csv").write_text("Metric,A\nX,1\n", encoding="utf-8")
    (corpus_dir / "t.meta.json").write_text('{"caption": "Cap", "source_note": "Source: Me"}', encoding="utf-8")
    doc = _load_one(corpus_dir, "t.csv")
    assert doc.title == "Cap" and doc.meta["source_note"] == "Source: Me"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("binary.txt", b"\x00\x01\x02PNG\x00data", "binary"),
        ("latin.txt", "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e".encode("latin-1"), "not UTF-8"),
        ("ragged.csv", b"a,b,c\n1,2,3\n4,5\n", "row 3 has 2 cells"),
        ("empty.md", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
    ],
)
def test_unreadable_file_is_refused_with_reason(corpus_dir: Path, name: str, content: bytes, reason: str) -> None:
    (corpus_dir / name).write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        _load_one(corpus_dir, name)


def test_symlink_leaving_corpus_is_refused(tmp_path: Path, corpus_dir: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nDo not index.\n", encoding="utf-8")
    os.symlink(outside, corpus_dir / "link.md")
    entries, skipped = scan(corpus_dir)
    assert entries == []
    assert skipped[0].source == "link.md" and "outside" in skipped[0].reason


def test_scan_ignores_hidden_files_sidecars_and_other_formats(corpus_dir: Path) -> None:
    for name in (".hidden.md", "x.meta.json", "image.png", "keep.txt"):
        (corpus_dir / name).write_text("Hello there.\n", encoding="utf-8")
    entries, _ = scan(corpus_dir)
    assert [e.source for e in entries] == ["keep.txt"]


def test_crlf_line_endings_are_normalised(corpus_dir: Path) -> None:
    (corpus_dir / "w.txt").write_bytes(b"Line one.\r\nLine two.\r\n")
    assert "\r" not in _load_one(corpus_dir, "w.txt").text


@pytest.mark.parametrize("name", ["river.txt", "river.md", "river.html"])
def test_prose_loses_wiki_note_markers(corpus_dir: Path, name: str) -> None:
    body = "The Lenna flows 312 kilometres.[1] Its largest tributary is the Ossel.[2][3]"
    (corpus_dir / name).write_text(f"<p>{body}</p>" if name.endswith(".html") else body + "\n", encoding="utf-8")
    assert _load_one(corpus_dir, name).text == "The Lenna flows 312 kilometres. Its largest tributary is the Ossel.\n"


def test_csv_cells_keep_their_brackets(corpus_dir: Path) -> None:
    (corpus_dir / "t.csv").write_text("Team,Wins\nFerrari[1],3\n", encoding="utf-8")
    assert "Ferrari[1]" in _load_one(corpus_dir, "t.csv").text
