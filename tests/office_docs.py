"""Generated PDF, Word, Excel and PowerPoint files with known facts and tables, and bad files, for the reader tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import openpyxl
import pptx
from docx.shared import Pt
from PIL import Image, ImageDraw, ImageFont
from pptx.util import Inches
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
OCR_FACT = "The harbor tunnel opened in 1962 under the Kestrel River."
CARGO = [["Port", "2023", "2024"], ["Northgate", "1,200", "1,450"], ["Southbay", "980", "1,010"],
         ["Eastmere", "640", "720"]]


def ruled(rows: list[list[str]]) -> Table:
    table = Table(rows)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.75, colors.black)]))
    return table


def report_pdf(path: Path) -> None:
    """Three pages: a founding fact; a lighthouse fact and a ruled cargo table; a scanned (image-only) page."""
    styles = getSampleStyleSheet()
    story = [
        Paragraph("Annual Report of the Harbor Authority", styles["Title"]),
        Paragraph("The Harbor Authority was founded in 1887 by Captain Elias Morrow, who ran it for thirty "
                  "years from a wooden office beside the fish market.", styles["BodyText"]),
        PageBreak(),
        Paragraph("Lighthouses", styles["Heading2"]),
        Paragraph("The main lighthouse stands 42 meters tall on Gull Point and its lamp is seen from 30 "
                  "kilometres away.", styles["BodyText"]),
        Spacer(1, 12),
        Paragraph("Cargo volume by port, in tonnes", styles["BodyText"]),
        ruled(CARGO),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="Annual Report of the Harbor Authority").build(story)
    scanned = canvas.Canvas(str(path.with_suffix(".scan.pdf")), pagesize=A4)
    scanned.drawImage(ImageReader(text_image(OCR_FACT)), 40, 600, width=515, height=80)
    scanned.save()
    _join([buffer.getvalue(), path.with_suffix(".scan.pdf").read_bytes()], path)
    path.with_suffix(".scan.pdf").unlink()


def text_image(text: str) -> Image.Image:
    """A picture of a line of text, as a scanner would give it (no text layer)."""
    image = Image.new("RGB", (2060, 320), "white")
    ImageDraw.Draw(image).text((30, 110), text, fill="black", font=ImageFont.truetype(str(FONT), 64))
    return image


def _join(pdfs: list[bytes], path: Path) -> None:
    import pypdfium2

    out = pypdfium2.PdfDocument.new()
    for raw in pdfs:
        src = pypdfium2.PdfDocument(raw)
        out.import_pages(src)
    out.save(str(path))


def long_pdf(path: Path, pages: int) -> None:
    page = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        page.drawString(72, 760, f"Page {n} of the ledger records shipment number {1000 + n}.")
        page.showPage()
    page.save()


def encrypted_pdf(path: Path) -> None:
    page = canvas.Canvas(str(path), pagesize=A4, encrypt="secret")
    page.drawString(72, 760, "The vault code is never indexed.")
    page.save()


def handbook_docx(path: Path) -> None:
    """A heading, a leave fact and a table whose header merges "Headcount" over two year columns."""
    document = docx.Document()
    document.core_properties.title = "Staff Handbook of Orchard Labs"
    document.add_heading("Staff Handbook of Orchard Labs", 0)
    document.add_heading("Leave", 1)
    document.add_paragraph("Employees of Orchard Labs receive 28 days of paid leave each year, and unused days "
                           "carry over to the next spring.")
    document.add_heading("Teams", 1)
    document.add_paragraph("Headcount by team:")
    table = document.add_table(rows=4, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "Team"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Headcount"
    for j, text in enumerate(["2024", "2025"], start=1):
        table.cell(1, j).text = text
    for i, row in enumerate([["Research", "14", "18"], ["Support", "9", "11"]], start=2):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    document.styles["Normal"].font.size = Pt(11)
    document.save(str(path))


def memo_docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Cafeteria memo", 1)
    document.add_paragraph("The Orchard Labs cafeteria was opened in 2011 by the chef Marta Quell.")
    document.save(str(path))


def sales_xlsx(path: Path) -> None:
    """Two sheets: Revenue (a merged year header over two half-years, dollar formats), Staff (a percent)."""
    book = openpyxl.Workbook()
    revenue = book.active
    assert revenue is not None
    revenue.title = "Revenue"
    revenue.append(["Region", "2023", None, "2024", None])
    revenue.append([None, "H1", "H2", "H1", "H2"])
    revenue.merge_cells("A1:A2")
    revenue.merge_cells("B1:C1")
    revenue.merge_cells("D1:E1")
    for row in [["Alpine", 1200, 1350, 1500, 1650], ["Coastal", 800, 950, 700, 720]]:
        revenue.append(row)
    for cells in revenue.iter_rows(min_row=3, min_col=2):
        for cell in cells:
            cell.number_format = '"$"#,##0'
    staff = book.create_sheet("Staff")
    staff.append(["Office", "Employees", "Share of staff"])
    for office, people, share in [["Lisbon", 120, 0.4], ["Oslo", 90, 0.3], ["Quito", 90, 0.3]]:
        staff.append([office, people, share])
    for (cell,) in staff.iter_rows(min_row=2, min_col=3, max_col=3):
        cell.number_format = "0.0%"
    book.save(str(path))


def deck_pptx(path: Path, drones: str = "3,400") -> None:
    """Slide 1: a shipping fact; slide 2: a stock table."""
    deck = pptx.Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Quarterly Update for Falcon Robotics"
    first.placeholders[1].text = f"Falcon Robotics shipped {drones} delivery drones in the third quarter."
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Warehouse stock"
    rows = [["Item", "Units"], ["Rotors", "5,200"], ["Batteries", "3,900"], ["Frames", "2,750"]]
    frame = second.shapes.add_table(len(rows), 2, Inches(1), Inches(2), Inches(6), Inches(2))
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            frame.table.cell(i, j).text = text
    deck.save(str(path))


def zip_bomb_docx(path: Path, megabytes: int) -> None:
    """A .docx whose one extra part expands to `megabytes` MB of zeros (a few hundred kB on disk)."""
    buffer = io.BytesIO()
    handbook_docx(path)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        with out.open("word/media/padding.bin", "w", force_zip64=True) as pad:
            block = b"\0" * 1_000_000
            for _ in range(megabytes):
                pad.write(block)
    path.write_bytes(buffer.getvalue())


def long_table_pdf(path: Path, rows: int) -> None:
    """A ruled table too long for one page: reportlab splits it and repeats its header row on the next."""
    styles = getSampleStyleSheet()
    data = [["Item", "Stock"], *([f"Item {n}", str(10 * n)] for n in range(1, rows + 1))]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.75, colors.black)]))
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph("Stock by item", styles["BodyText"]), table])


def unruled_pdf(path: Path, rows: list[list[str]], prose: str) -> None:
    """A table drawn without lines under a justified paragraph."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle

    styles = getSampleStyleSheet()
    justified = ParagraphStyle("justified", parent=styles["BodyText"], alignment=TA_JUSTIFY)
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph(prose, justified), Spacer(1, 12), Table(rows)])


def two_column_pdf(path: Path, left: str, right: str) -> None:
    """A page set in two columns of justified prose."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], alignment=TA_JUSTIFY)
    width, height = A4
    frames = [Frame(50, 50, width / 2 - 60, height - 100), Frame(width / 2 + 10, 50, width / 2 - 60, height - 100)]
    doc = BaseDocTemplate(str(path), pagesize=A4, pageTemplates=[PageTemplate(frames=frames)])
    doc.build([Paragraph(left, body), FrameBreak(), Paragraph(right, body)])


def formula_xlsx(path: Path, cached: str | None) -> None:
    """A sheet whose total is a formula; `cached`: the value Excel would have saved with it (None: never
    computed, as when a program wrote the file)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [["Office", "Staff"], ["Lisbon", 120], ["Oslo", 90], ["Total", "=SUM(B2:B3)"]]:
        sheet.append(row)
    book.save(str(path))
    if cached is None:
        return
    with zipfile.ZipFile(path) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = parts[name].replace(b"<f>SUM(B2:B3)</f><v></v>", f"<f>SUM(B2:B3)</f><v>{cached}</v>".encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for filename, data in parts.items():
            out.writestr(filename, data)
