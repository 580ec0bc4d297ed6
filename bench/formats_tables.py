"""pdfplumber's table finder, line strategy against text strategy (and qa's PDF reader, which runs the text
strategy only over column-aligned lines), on generated ruled and unruled tables.

    python -m bench.formats_tables            # 60 tables of each kind and 20 pages of prose
    python -m bench.formats_tables --smoke    # 4 of each
    python -m bench.formats_tables --long-pdf 2000   # also: time and peak memory of reading a 2,000-page PDF

For each strategy and kind: tables found (of those drawn), rows right (a drawn row found whole, every cell
equal, in some table found on its page, empty cells aside), cells right (of every drawn cell, found in the
row of the same label at the same place), rows found that were not drawn (prose or split rows taken into
a table), and tables "found" on pages of prose only (false tables). docs/FORMATS.md.
"""

from __future__ import annotations

import io
import random
import resource
import time
from typing import Any

import pdfplumber
from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bench.common import parser, save
from qa.corpus.limits import Limits
from qa.corpus.pdf import page_tables, read_pdf

READER: dict[str, str] = {}  # not a pdfplumber setting: what qa's PDF reader does (qa.corpus.pdf.page_tables)
STRATEGIES = {"lines": {"vertical_strategy": "lines", "horizontal_strategy": "lines"},
              "text": {"vertical_strategy": "text", "horizontal_strategy": "text"}, "qa": READER}
WORDS = ["North", "South", "East", "West", "Harbor", "Valley", "Ridge", "Delta", "Summit", "Bay", "Forest", "Plain"]
PROSE = ("The committee met in the spring to review the harbor accounts, and it found the ledgers in good order. "
         "Shipments rose in the second half, as the new cranes came into service and the night shift was added. ")


def _table(rng: random.Random, n: int) -> list[list[str]]:
    cols = rng.randint(2, 6)
    header = ["Item", *(str(2015 + j) for j in range(cols - 1))]
    rows = [[f"{rng.choice(WORDS)} {n}-{i}", *(f"{rng.randint(1, 99_999):,}" for _ in range(cols - 1))]
            for i in range(rng.randint(3, 12))]
    return [header, *rows]


def _pdf(tables: list[list[list[str]]], ruled: bool, prose_pages: int) -> bytes:
    """One table per page under a paragraph, then pages of prose alone."""
    styles = getSampleStyleSheet()
    story: list[Any] = []
    for rows in tables:
        table = Table(rows)
        if ruled:
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.75, colors.black)]))
        story += [Paragraph(PROSE, styles["BodyText"]), Spacer(1, 12), table, PageBreak()]
    # Justified prose, its word gaps stretched, is where a column finder is most tempted to see a table.
    justified = ParagraphStyle("justified", parent=styles["BodyText"], alignment=TA_JUSTIFY)
    narrow = ParagraphStyle("narrow", parent=justified, rightIndent=300)
    for _ in range(prose_pages):
        story += [Paragraph(PROSE * 4, styles["BodyText"]), Paragraph(PROSE * 3, justified),
                  Paragraph(PROSE * 2, narrow), PageBreak()]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


def _clean(cell: str | None) -> str:
    return " ".join((cell or "").split())


def _score(drawn: list[list[str]], found: list[list[list[str | None]]]) -> tuple[int, int, int, int]:
    """(table found, rows right, cells right, rows not drawn) for one drawn table against the tables found on
    its page.

    Empty cells are dropped first: the text strategy pads rows with empty columns and adds empty rows, which
    a reader can clean away; a cell cut in two or run into its neighbour cannot be."""
    cleaned = [[_clean(c) for c in row if _clean(c)] for table in found for row in table]
    rows = {tuple(row) for row in cleaned}
    by_label = {row[0]: row for row in cleaned if row}
    rows_right = sum(tuple(row) in rows for row in drawn)
    cells_right = sum(by_label.get(row[0], [])[j:j + 1] == [cell] for row in drawn for j, cell in enumerate(row))
    extra = sum(bool(row) and row not in drawn for row in cleaned)
    return int(bool(found)), rows_right, cells_right, extra


def _measure(tables: list[list[list[str]]], ruled: bool, prose_pages: int, settings: dict[str, str]
             ) -> dict[str, Any]:
    totals = [0, 0, 0, 0]
    false_tables = 0
    with pdfplumber.open(io.BytesIO(_pdf(tables, ruled, prose_pages))) as pdf:
        for n, page in enumerate(pdf.pages):
            found: list[list[list[str | None]]] = (
                [list(map(list, t.rows)) for t in page_tables(page)[0]] if settings is READER
                else [t.extract() for t in page.find_tables(settings)])
            if n < len(tables):
                totals = [a + b for a, b in zip(totals, _score(tables[n], found), strict=True)]
            else:
                false_tables += len(found)
            page.close()
    rows = sum(len(t) for t in tables)
    cells = sum(len(r) for t in tables for r in t)
    return {"tables_found": f"{totals[0]}/{len(tables)}", "rows_right": round(totals[1] / rows, 3),
            "cells_right": round(totals[2] / cells, 3), "rows_not_drawn": totals[3],
            "false_tables_on_prose_pages": false_tables}


def _long_pdf(pages: int) -> dict[str, Any]:
    """Read a generated PDF of `pages` short pages with every page allowed: seconds and peak memory."""
    styles = getSampleStyleSheet()
    story: list[Any] = []
    for n in range(pages):
        story += [Paragraph(f"Page {n + 1}. " + PROSE, styles["BodyText"]), PageBreak()]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    started = time.perf_counter()
    out = read_pdf(buffer.getvalue(), Limits(max_pages=pages))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"pages": len(out.pages), "seconds": round(seconds, 1), "ms_per_page": round(1000 * seconds / pages, 1),
            "peak_rss_mb_of_the_process": round(peak_mb)}


def main() -> None:
    cli = parser(__doc__ or "")
    cli.add_argument("--long-pdf", type=int, default=0, help="also time reading a generated PDF of this many pages")
    args = cli.parse_args()
    count, prose = (4, 2) if args.smoke else (60, 20)
    rng = random.Random(14)
    tables = [_table(rng, n) for n in range(count)]
    results = {f"{kind}/{name}": _measure(tables, kind == "ruled", prose, settings)
               for kind in ("ruled", "unruled") for name, settings in STRATEGIES.items()}
    for key, figures in results.items():
        print(f"{key:16} {figures}")
    record: dict[str, Any] = {"tables": count, "prose_pages": prose, "by_kind_and_strategy": results}
    if args.long_pdf:
        record["long_pdf"] = _long_pdf(args.long_pdf)
        print("long PDF", record["long_pdf"])
    save("formats_tables", record, args.out)


if __name__ == "__main__":
    main()
