"""PDF, Word, Excel and PowerPoint files through the real build and API: facts from the right page, table
answers from every kind of table, OCR, boxes, page images, bad files named and skipped."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

import office_docs as make
from conftest import OfficeCorpus, make_settings
from qa.corpus.files import LoadError, load, scan
from qa.corpus.limits import Limits
from qa.corpus.ocr import tesseract_available
from qa.embed.embedder import Embedder
from qa.index.builder import build_index
from qa.serve.render import PageUnavailable, page_png
from qa.tables.model import find_tables

pytestmark = pytest.mark.slow
TESSERACT = tesseract_available() or os.environ.get("QA_REQUIRE_OCR") == "1"  # CI fails rather than skips
needs_tesseract = pytest.mark.skipif(not TESSERACT, reason="Tesseract is not installed: `make ocr`")


def ask(client: TestClient, question: str) -> dict[str, Any]:
    response = client.post("/api/answer", json={"question": question})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(("question", "answer", "source", "page"), [
    ("When was the Harbor Authority founded?", "1887", "report.pdf", 1),
    ("How tall is the main lighthouse?", "42 meters", "report.pdf", 2),
    pytest.param("When did the harbor tunnel open?", "1962", "report.pdf", 3,  # the scanned page, by OCR
                 marks=needs_tesseract),
    ("How many days of paid leave do employees of Orchard Labs receive?", "28", "handbook.docx", None),
    ("How many drones did Falcon Robotics ship in the third quarter?", "3,400", "deck.pptx", 1),
    ("In what year was the Orchard Labs cafeteria opened?", "2011", "notes.pdf", None),  # a .docx named .pdf
])
def test_text_facts_are_answered_from_their_source_and_page(office_client: TestClient, question: str, answer: str,
                                                            source: str, page: int | None) -> None:
    body = ask(office_client, question)
    cited = body["citations"][0]
    assert body["kind"] == "passage"
    assert answer in body["answer"]
    assert (cited["source"], cited["page"]) == (source, page)
    assert bool(cited["boxes"]) == (page is not None)


@pytest.mark.parametrize(("question", "answer", "source", "page"), [
    ("What was the cargo volume of Southbay in 2024?", "1,010", "report.pdf", 2),
    ("What is the difference between Northgate and Eastmere cargo volume in 2024?", "730", "report.pdf", 2),
    ("What was the Support headcount in 2025?", "11", "handbook.docx", None),
    ("How many more Research staff than Support staff in 2025?", "7", "handbook.docx", None),
    ("What was Alpine revenue in 2024 H2?", "$1,650", "sales.xlsx", None),  # under a merged "2024" header
    ("What is the difference between Alpine and Coastal revenue in 2023 H1?", "$400", "sales.xlsx", None),
    ("How many employees does the Lisbon office have?", "120", "sales.xlsx", None),  # the second sheet
    ("How many more employees does Lisbon have than Oslo?", "30", "sales.xlsx", None),
    ("How many rotors are in warehouse stock?", "5,200", "deck.pptx", 2),
    ("How many more rotors than frames are in stock?", "2,450", "deck.pptx", 2),
])
def test_table_questions_are_answered_from_each_kind_of_table(office_client: TestClient, question: str,
                                                              answer: str, source: str, page: int | None) -> None:
    body = ask(office_client, question)
    assert body["kind"] == "table", body["answer"]
    assert body["answer"] == answer
    assert body["table_answer"]["table_id"].startswith(f"{source}#t")
    assert (body["citations"][0]["source"], body["citations"][0]["page"]) == (source, page)


def test_both_sheets_are_tables_and_the_merged_header_names_each_column(office: OfficeCorpus) -> None:
    tables = [t for t in office.service.engine.index.data.tables if t.source == "sales.xlsx"]
    assert [t.heading for t in tables] == ["Revenue", "Staff"]
    assert tables[0].columns == ["2023 H1", "2023 H2", "2024 H1", "2024 H2"]
    assert tables[1].rows[0].cells == ["120", "40.0%"]


def test_citation_boxes_lie_inside_their_pages(office_client: TestClient) -> None:
    questions = ["How tall is the main lighthouse?", "What was the cargo volume of Southbay in 2024?",
                 "When did the harbor tunnel open?", "How many rotors are in warehouse stock?"]
    for question in questions:
        for cited in ask(office_client, question)["citations"]:
            pages = office_client.get(f"/api/documents/{cited['source']}").json()["pages"]
            assert bool(pages) == (cited["page"] is not None)
            for box in cited["boxes"]:
                size = pages[box["page"] - 1]
                assert 0 <= box["x0"] < box["x1"] <= size["width"], (question, box)
                assert 0 <= box["y0"] < box["y1"] <= size["height"], (question, box)
    row = ask(office_client, "What was the cargo volume of Southbay in 2024?")["citations"][0]["boxes"]
    assert len(row) == 1 and row[0]["y1"] - row[0]["y0"] < 30  # the cited row, not the whole table


def test_page_image_is_served_bounded_and_only_for_pdf_pages(office_client: TestClient) -> None:
    response = office_client.get("/api/documents/report.pdf/pages/2.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert max(image.size) == 1600  # QA_PAGE_IMAGE_PX
    assert office_client.get("/api/documents/report.pdf/pages/2.png").content == response.content
    for path in ["report.pdf/pages/4.png", "report.pdf/pages/0.png", "deck.pptx/pages/1.png",
                 "missing.pdf/pages/1.png", "locked.pdf/pages/1.png"]:
        assert office_client.get(f"/api/documents/{path}").status_code == 404, path


def test_page_image_of_a_file_changed_since_indexing_is_refused(tmp_path: Path) -> None:
    make.long_pdf(tmp_path / "ledger.pdf", pages=2)
    doc = load(scan(tmp_path)[0][0], 10_000_000)
    assert page_png(tmp_path, doc, 1, 400, 0, 10_000_000).startswith(b"\x89PNG")
    make.long_pdf(tmp_path / "ledger.pdf", pages=3)
    with pytest.raises(PageUnavailable, match="changed since it was indexed") as caught:
        page_png(tmp_path, doc, 1, 400, 0, 10_000_000)
    assert caught.value.status == 409


def test_bad_files_are_named_with_their_reason_and_the_rest_is_indexed(office: OfficeCorpus,
                                                                       office_client: TestClient) -> None:
    skipped = {s["source"]: s["reason"] for s in office.report.skipped}
    assert "encrypted PDF" in skipped["locked.pdf"]
    assert "damaged or truncated" in skipped["truncated.pdf"]
    assert "zip bomb" in skipped["bomb.docx"] and "QA_MAX_UNZIPPED_MB" in skipped["bomb.docx"]
    assert "damaged or truncated" in skipped["broken.docx"]
    assert "not an Excel workbook" in skipped["fake.xlsx"]
    warned = {w["source"]: w["reason"] for w in office.report.warnings}
    assert warned["ledger.pdf"] == "read the first 20 of 2,000 pages (QA_MAX_PAGES)"
    assert "a Word document, though its extension says .pdf" in warned["notes.pdf"]
    if TESSERACT:
        assert "page 3 has no text layer; read by OCR" in warned["report.pdf"]
    listed = {d["source"] for d in office_client.get("/api/documents").json()}
    assert listed == {"report.pdf", "handbook.docx", "sales.xlsx", "deck.pptx", "ledger.pdf", "notes.pdf"}
    assert len(office.service.engine.index.data.documents["ledger.pdf"].pages) == 20


def test_every_chunk_of_every_format_is_its_documents_text(office: OfficeCorpus, office_client: TestClient) -> None:
    data = office.service.engine.index.data
    fmts = {d.fmt for d in data.documents.values()}
    assert fmts == {"pdf", "docx", "xlsx", "pptx"}
    texts = {s: office_client.get(f"/api/documents/{s}").json()["text"] for s in data.documents}
    for chunk in data.chunks:
        assert texts[chunk.source][chunk.start : chunk.end] == chunk.text, chunk.id
        for table in (t for t in data.tables if t.id == chunk.table_id):
            assert texts[chunk.source][table.start : table.end] == chunk.text


def test_ocr_off_or_tesseract_missing_skips_the_scanned_page_naming_it(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    make.report_pdf(tmp_path / "report.pdf")
    entry = scan(tmp_path)[0][0]
    off = load(entry, 10_000_000, Limits(ocr="off"))
    assert off.warnings == ["page 3 has no text layer and was skipped (QA_OCR=off)"]
    assert "tunnel" not in off.text and "lighthouse" in off.text
    monkeypatch.setattr("pytesseract.pytesseract.tesseract_cmd", str(tmp_path / "no-tesseract"))
    absent = load(entry, 10_000_000, Limits())
    assert absent.warnings == ["page 3 has no text layer and was skipped (Tesseract is not installed)"]


def test_zip_entry_and_cell_limits_refuse_or_cut_with_the_setting_named(tmp_path: Path) -> None:
    make.handbook_docx(tmp_path / "handbook.docx")
    make.sales_xlsx(tmp_path / "sales.xlsx")
    entries = {e.source: e for e in scan(tmp_path)[0]}
    with pytest.raises(LoadError, match="QA_MAX_ZIP_ENTRIES"):
        load(entries["handbook.docx"], 10_000_000, Limits(max_zip_entries=3))
    cut = load(entries["sales.xlsx"], 10_000_000, Limits(max_cells=12))
    assert cut.warnings[0] == "sheet 'Revenue': read the first 2 of 4 rows (QA_MAX_CELLS)"
    assert "Alpine" not in cut.text


def test_a_table_continued_on_the_next_page_is_one_table_without_its_repeated_header(tmp_path: Path) -> None:
    make.long_table_pdf(tmp_path / "long.pdf", rows=80)
    doc = load(scan(tmp_path)[0][0], 10_000_000)
    tables = find_tables(doc)
    assert len({p.page for p in doc.layout}) == 3
    assert len(tables) == 1
    assert [r.label for r in tables[0].rows] == [f"Item {n}" for n in range(1, 81)]


def test_rebuild_reads_only_the_changed_office_file_and_embeds_only_its_new_chunks(tmp_path: Path,
                                                                                   embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make.report_pdf(corpus / "report.pdf")
    make.deck_pptx(corpus / "deck.pptx")
    settings = make_settings(corpus, tmp_path / "index")
    first = build_index(settings, lambda: embedder)
    again = build_index(settings, lambda: embedder)
    assert (first.added, again.unchanged, again.written) == (2, 2, False)
    make.deck_pptx(corpus / "deck.pptx", drones="4,100")
    third = build_index(settings, lambda: embedder)
    assert (third.changed, third.unchanged, third.written) == (1, 1, True)
    assert third.embedded == 1  # the changed sentence; the slide table's rows come from the embedding cache


def test_an_unruled_pdf_table_is_read_whole_and_justified_prose_is_not_a_table(tmp_path: Path) -> None:
    rows = [["Vessel", "Crew", "Tonnage"], ["Grey Heron", "14", "2,300"], ["Sea Lark", "9", "1,150"],
            ["North Star", "22", "4,875"]]
    prose = ("The fleet was renewed over the decade, and the older hulls were sold to yards along the coast. " * 6)
    make.unruled_pdf(tmp_path / "fleet.pdf", rows, prose)
    doc = load(scan(tmp_path)[0][0], 10_000_000)
    tables = find_tables(doc)
    assert len(tables) == 1
    assert tables[0].columns == ["Crew", "Tonnage"]
    assert [[r.label, *r.cells] for r in tables[0].rows] == rows[1:]
    assert "The fleet was renewed" in doc.text and "|" not in doc.text[: doc.text.index("| Vessel")]
    assert doc.title == "Fleet"  # the writer's "(anonymous)" is no title


@pytest.mark.parametrize(("value", "number_format", "shown"), [
    (1234567, '"$"#,##0', "$1,234,567"),
    (0.125, "0.0%", "12.5%"),
    (1234567, '$#,##0.0,,"M"', "$1.2M"),  # a format scaling by millions keeps its scale
    (1234567, "#,##0,", "1,235K"),
    (-1200, "#,##0;(#,##0)", "(1,200)"),
    (1200.5, "[$€-407]#,##0.00", "€1,200.50"),
    (3.5, "General", "3.5"),
])
def test_spreadsheet_number_formats_keep_currency_percent_and_scale(value: float, number_format: str,
                                                                     shown: str) -> None:
    from qa.corpus.numformat import display
    from qa.tables.values import parse_value

    assert display(value, number_format) == shown
    parsed = parse_value(shown)
    assert parsed is not None and parsed.number == pytest.approx(
        {"$1.2M": 1.2e6, "1,235K": 1_235_000, "12.5%": 12.5}.get(shown, value))


def test_a_pdf_read_past_its_time_limit_keeps_the_pages_read_and_says_so(tmp_path: Path) -> None:
    make.long_pdf(tmp_path / "ledger.pdf", pages=30)
    doc = load(scan(tmp_path)[0][0], 10_000_000, Limits(max_seconds=1e-9))
    assert len(doc.pages) == 1 and "shipment number 1001" in doc.text
    assert doc.warnings == ["read the first 1 of 30 pages: reading took over 1e-09 s (QA_MAX_FILE_SECONDS)"]


def test_an_office_file_added_while_serving_is_answered_after_the_swap_with_its_page(
        tmp_path: Path, small_service: Any) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make.handbook_docx(corpus / "handbook.docx")
    service = small_service()
    before = service.engine
    make.deck_pptx(corpus / "deck.pptx")
    report = service.rebuild()
    assert (report.added, report.unchanged, report.written) == (1, 1, True)
    answer = service.answer("How many rotors are in warehouse stock?")
    assert (answer.answer, answer.citations[0].source, answer.citations[0].page) == ("5,200", "deck.pptx", 2)
    # A request holding the old engine finishes on it: the swap never pulls the index from under it.
    assert before.answerer.answer("What was the Support headcount in 2025?").answer == "11"


def test_a_one_column_sheet_is_read_as_lines_and_trailing_empty_columns_are_dropped(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    for line in ["The audit closed in March.", "The board approved the budget."]:
        notes.append([line])
    wide = book.create_sheet("Wide")
    wide.append(["Office", "Rooms"])
    wide.append(["Lisbon", 12])
    wide.cell(1, 40).number_format = "0.0"  # a formatted, empty cell far to the right
    wide.append(["Oslo", 9])
    book.save(str(tmp_path / "book.xlsx"))
    doc = load(scan(tmp_path)[0][0], 10_000_000)
    assert "The audit closed in March.\n\nThe board approved the budget." in doc.text
    assert "| Office | Rooms |\n|---|---|\n| Lisbon | 12 |\n| Oslo | 9 |" in doc.text


@pytest.mark.parametrize("name", ["report.pdf", "handbook.docx", "sales.xlsx", "deck.pptx"])
def test_a_damaged_file_is_read_or_refused_with_a_reason_never_an_error(tmp_path: Path, name: str) -> None:
    maker = {"report.pdf": make.report_pdf, "handbook.docx": make.handbook_docx, "sales.xlsx": make.sales_xlsx,
             "deck.pptx": make.deck_pptx}[name]
    maker(tmp_path / name)
    whole = (tmp_path / name).read_bytes()
    damaged = [whole[: len(whole) * k // 8] for k in range(1, 8)]
    damaged += [whole[:i] + bytes(b ^ 0xFF for b in whole[i : i + 64]) + whole[i + 64 :]
                for i in range(200, len(whole), max(1, len(whole) // 6))]
    outcomes = []
    for n, raw in enumerate(damaged):
        path = tmp_path / "damaged" / f"{n}-{name}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(raw)
        entry = next(e for e in scan(path.parent)[0] if e.source == path.name)
        try:  # anything but LoadError escaping here would fail the build's reading of this one file
            load(entry, 10_000_000, Limits(ocr="off"))
            outcomes.append("read")
        except LoadError as exc:
            outcomes.append(str(exc))
    assert any(o != "read" for o in outcomes)  # the truncations at least are noticed


def test_a_page_set_in_two_columns_is_read_down_each_column_not_across_as_a_table(tmp_path: Path) -> None:
    left = " ".join(f"The left column sentence number {n} tells of the western pier and its cranes."
                    for n in range(12))
    right = " ".join(f"The right column sentence number {n} tells of the eastern dock and its ships."
                     for n in range(12))
    make.two_column_pdf(tmp_path / "paper.pdf", left, right)
    doc = load(scan(tmp_path)[0][0], 10_000_000)
    assert find_tables(doc) == []
    assert left in doc.text and right in doc.text
    assert doc.text.index(left) < doc.text.index(right)


def test_qa_index_prints_each_skipped_file_and_each_warning_with_its_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from qa.cli import app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make.report_pdf(corpus / "report.pdf")
    make.encrypted_pdf(corpus / "locked.pdf")
    monkeypatch.setenv("QA_OCR", "off")
    result = CliRunner().invoke(app, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "skipped locked.pdf: encrypted PDF (it needs a password)" in result.output
    assert "warning report.pdf: page 3 has no text layer and was skipped (QA_OCR=off)" in result.output
    assert "1 added" in result.output


def test_a_formula_reads_as_the_value_excel_saved_with_it(tmp_path: Path) -> None:
    make.formula_xlsx(tmp_path / "saved.xlsx", cached="210")
    make.formula_xlsx(tmp_path / "unsaved.xlsx", cached=None)
    docs = {e.source: load(e, 10_000_000) for e in scan(tmp_path)[0]}
    assert "| Total | 210 |" in docs["saved.xlsx"].text
    assert "SUM" not in docs["unsaved.xlsx"].text  # never computed: empty, not the formula's text


def test_a_pdf_named_as_markdown_is_read_as_a_pdf_with_a_warning(tmp_path: Path) -> None:
    make.long_pdf(tmp_path / "ledger.md", pages=2)
    doc = load(scan(tmp_path)[0][0], 10_000_000)
    assert doc.fmt == "pdf" and len(doc.pages) == 2 and "shipment number 1002" in doc.text
    assert doc.warnings == ["the file is a PDF, though its extension says .md; read as .pdf"]
