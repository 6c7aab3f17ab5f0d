"""PDF files with pdfplumber (MIT; PyMuPDF is AGPL): two views of the same pages.

The text view reads the text layer line by line; it survives tables without rules. The grid view
reads ruled tables as grids (merged cells resolved from the cell boxes), which keeps the difference
between an empty cell and a lost one; text outside the tables stays text. The parser keeps the view
that decides more cells.
"""

from __future__ import annotations

from bisect import bisect_left
from io import BytesIO
from typing import Any

import pdfplumber
from pdfplumber.page import Page
from pdfplumber.table import Table

from pipelines.document import Extracted
from pipelines.lines import Cell, Line, is_page_footer, text_lines
from pipelines.normalize import clean_text

MAX_PAGES = 200  # an annual report runs to 5-30 pages; bound time and memory on huge files
MIN_CHARS_PER_PAGE = 20  # fewer characters than this on every page: images only
EPSILON = 1.0  # points: cell edges closer than this are the same rule


def _grid(table: Table, index: int, page: int) -> list[Line]:
    """Rows of a ruled table; a merged cell is copied (as spanned) into every position it covers."""
    texts = table.extract()
    boxes = [row.cells for row in table.rows]
    xs = sorted({round(box[0], 1) for row in boxes for box in row if box})
    tops = sorted({round(box[1], 1) for row in boxes for box in row if box})
    grid: dict[tuple[int, int], Cell] = {}
    for r, row in enumerate(boxes):
        for c, box in enumerate(row):
            if box is None or r >= len(texts) or c >= len(texts[r]):
                continue
            x0, top, x1, bottom = box
            col0, row0 = (
                bisect_left(xs, round(x0, 1) - EPSILON / 2),
                bisect_left(tops, round(top, 1) - EPSILON / 2),
            )
            cols = [i for i, x in enumerate(xs) if x0 - EPSILON <= x < x1 - EPSILON] or [col0]
            rows = [i for i, t in enumerate(tops) if top - EPSILON <= t < bottom - EPSILON] or [row0]
            text = clean_text(" ".join((texts[r][c] or "").split()))
            for rr in rows:
                for cc in cols:
                    grid.setdefault((rr, cc), Cell(text, cc, spanned=(rr, cc) != (rows[0], cols[0])))
    lines = []
    for r in range(len(tops)):
        cells = [grid[(r, c)] for c in range(len(xs)) if (r, c) in grid]
        if cells:
            origin = {"page": page, "table": index, "row": r}
            lines.append(Line(cells, origin, grid=True, table=index))
    return lines


def _page_views(page: Page, number: int, tables_seen: int) -> tuple[str, list[Line], list[Line]]:
    """The page's text, its text lines, and its ruled tables as grids with the text around them."""
    text = page.extract_text() or ""
    text_view = text_lines(text, extra={"page": number})
    # one-column "tables" are framed paragraphs, not data
    tables = [t for t in page.find_tables() if len(t.rows) > 1 and max(len(r.cells) for r in t.rows) > 1]
    if not tables:
        return text, text_view, text_view
    placed: list[tuple[float, list[Line]]] = []
    for offset, table in enumerate(tables):
        placed.append((table.bbox[1], _grid(table, tables_seen + offset, number)))
    for line in page.extract_text_lines():
        middle_x, middle_y = (line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2
        inside = any(
            t.bbox[0] <= middle_x <= t.bbox[2] and t.bbox[1] <= middle_y <= t.bbox[3] for t in tables
        )
        if not inside and not is_page_footer(line["text"]):
            placed.append(
                (line["top"], text_lines(line["text"], extra={"page": number, "top": round(line["top"])}))
            )
    placed.sort(key=lambda item: item[0])
    return text, text_view, [line for _, lines in placed for line in lines]


def extract_pdf(data: bytes) -> list[Extracted]:
    text_view: list[Line] = []
    grid_view: list[Line] = []
    texts: list[str] = []
    messages: list[str] = []
    images = tables = 0
    with pdfplumber.open(BytesIO(data)) as pdf:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            messages.append(f"{len(pages)} pages: read the first {MAX_PAGES}")
        for number, page in enumerate(pages[:MAX_PAGES], start=1):
            images += len(page.images)
            page_text, plain, grids = _page_views(page, number, tables)
            texts.append(page_text)
            tables += len({line.table for line in grids if line.grid})
            text_view.extend(plain)
            grid_view.extend(grids)
            page.close()
        metadata: dict[str, Any] = pdf.metadata or {}
    text = "\n".join(texts)
    scanned = all(len(t.strip()) < MIN_CHARS_PER_PAGE for t in texts) and images > 0
    common: dict[str, Any] = {
        "titles": [metadata["Title"]] if isinstance(metadata.get("Title"), str) else [],
        "weak_dates": [_pdf_date(metadata.get("CreationDate"))],
        "messages": messages,
        "scanned": scanned,
    }
    views = [Extracted("pdf", text_view, text, **common)]
    if tables:
        views.append(Extracted("pdf", grid_view, text, **common))
    return views


def _pdf_date(value: object) -> str | None:
    """PDF dates look like D:20250120093000+08'00'."""
    if not isinstance(value, str):
        return None
    digits = value.removeprefix("D:")[:8]
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) == 8 and digits.isdigit() else None
