"""Chunking: sentence boundaries, exact offsets, headings carried along, table rows as chunks."""

from __future__ import annotations

from qa.corpus.chunking import chunk_document
from qa.index.sparse import SparseIndex
from qa.records import Document
from qa.serve.service import Service
from qa.tables.model import find_tables
from qa.text.sentences import sentence_spans


def _doc(text: str, fmt: str = "md", title: str = "D") -> Document:
    return Document(source="d.md", title=title, text=text, sha256="x", fmt=fmt)


def test_abbreviations_and_thousands_do_not_split_sentences() -> None:
    text = "Access to U.S. semiconductors was cut. They drilled 10,910 meters. Done."
    pieces = [text[s.start : s.end] for s in sentence_spans(text)]
    assert pieces == ["Access to U.S. semiconductors was cut.", "They drilled 10,910 meters.", "Done."]


def test_every_bundled_chunk_text_is_its_document_slice(bundled: Service) -> None:
    data = bundled.engine.index.data
    assert data.chunks
    for chunk in data.chunks:
        assert data.documents[chunk.source].text[chunk.start : chunk.end] == chunk.text, chunk.id


def test_passages_have_at_most_three_sentences_and_120_words(bundled: Service) -> None:
    for chunk in bundled.engine.index.data.chunks:
        if chunk.kind == "passage":
            assert len(chunk.text.split()) <= 120
            assert len(sentence_spans(chunk.text)) <= 3


def test_passage_carries_the_document_title_and_its_section_heading_for_retrieval() -> None:
    doc = _doc("# Title\n\nIntro line here.\n\n## Wells\n\nThey drilled deep.\n", title="Title")
    chunks = chunk_document(doc, [])
    assert [c.search_text for c in chunks] == ["Title\nIntro line here.", "Title\nWells\nThey drilled deep."]
    assert chunks[1].heading == "Wells" and chunks[1].text == "They drilled deep."


def test_one_line_paragraph_under_the_title_does_not_outrank_the_answer() -> None:
    title = "Helios Renewable Energy — Third Quarter 2024 Results"
    doc = _doc(f"# {title}\n\nAll figures in this report are fictional.\n\n## Highlights\n\n"
               "Helios Renewable Energy reported third-quarter revenue of $612 million, up 18% year on year, as "
               "1.4 GW of new wind and solar capacity reached commercial operation. Net income was $121 million.\n\n"
               "## Financing\n\nIn August Helios issued $750 million of green bonds due 2034.\n", title=title)
    chunks = chunk_document(doc, [])
    ids, _ = SparseIndex.build([c.search_text for c in chunks]).search(
        "What was Helios Renewable Energy's third-quarter revenue?", 3)
    assert "$612 million" in chunks[ids[0]].text


def test_a_paragraph_joins_the_chunk_before_it_only_whole() -> None:
    # Split 3 + 1, the last sentence made a chunk of its own, cut off from the sentence it continues.
    first = ("The non-performing loan ratio was 1.7% at year end, against 1.9% a year earlier. Loan loss "
             "provisions were 212 million, a cost of risk of 18 basis points.")
    second = "Commercial real estate is watched most closely. Exposure to offices totalled 3.1 billion."
    chunks = chunk_document(_doc(f"## Credit risk\n\n{first}\n\n{second}\n"), [])
    assert [c.text for c in chunks] == [first, second]


def test_table_rows_become_rendered_chunks_citing_the_table() -> None:
    text = ("# T\n\nIntro:\n\nMetric | China | United States |\n---|---|---|\n"
            "R&D Spending (2024 est.) | $470B | $710B |\n")
    doc = _doc(text)
    rows = [c for c in chunk_document(doc, find_tables(doc)) if c.kind == "table_row"]
    assert len(rows) == 1
    row = rows[0]
    assert "R&D Spending (2024 est.): China $470B; United States $710B" in row.search_text
    assert text[row.start : row.end].startswith("Metric | China")
    assert row.highlight is not None
    assert row.text[row.highlight.start : row.highlight.end].startswith("R&D Spending")


def test_chunks_never_span_a_table() -> None:
    text = "Lead in:\n\nA | B |\n---|---|\nx | 1 |\n\nAfter the table.\n"
    doc = _doc(text)
    passages = [c for c in chunk_document(doc, find_tables(doc)) if c.kind == "passage"]
    assert [p.text for p in passages] == ["Lead in:", "After the table."]


def test_chunk_ids_are_stable_across_runs() -> None:
    doc = _doc("# A\n\nOne sentence here. Another one there.\n")
    assert [c.id for c in chunk_document(doc, [])] == [c.id for c in chunk_document(doc, [])]


def test_plain_text_short_lines_become_headings() -> None:
    doc = _doc("Intro line that is a long sentence about wells.\nDeep Wells\nThey drilled deep into the ground.\n",
               fmt="txt")
    chunk = next(c for c in chunk_document(doc, []) if "drilled" in c.text)
    assert chunk.heading == "Deep Wells"


def test_plain_text_heading_followed_by_a_blank_line_is_a_heading() -> None:
    doc = _doc("Atlas Results\n\nAll figures are fictional.\n\nSummary\n\nAtlas reported revenue of 9.87 billion.\n",
               fmt="txt", title="Atlas Results")
    chunks = chunk_document(doc, [])
    assert [(c.heading, c.text) for c in chunks] == [
        ("Atlas Results", "All figures are fictional."), ("Summary", "Atlas reported revenue of 9.87 billion.")]


def test_bundled_markdown_has_no_stray_dash_lines(bundled: Service) -> None:
    text = bundled.engine.index.data.documents["china-sci-tech-push.md"].text
    assert all(line.strip() != "-" for line in text.splitlines())
