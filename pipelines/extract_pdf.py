"""PDF files with pdfplumber (MIT; PyMuPDF is AGPL): two views of the same pages.

The text view reads the text layer line by line; it survives tables without rules. The grid view
reads ruled tables as grids (merged cells resolved from the cell boxes), which keeps the difference
between an empty cell and a lost one; text outside the tables stays text. The parser keeps the view
that decides more cells.
"""

from __future__ import annotations

import re
import zlib
from bisect import bisect_left
from io import BytesIO
from typing import Any

import pdfplumber
from pdfminer.pdftypes import resolve1
from pdfplumber.page import Page
from pdfplumber.table import Table

from pipelines.document import Extracted
from pipelines.limits import (
    MAX_DECOMPRESSED_BYTES,
    MAX_PAGE_CHARS,
    MAX_PAGE_CONTENT_BYTES,
    MAX_PAGES,
    check,
)
from pipelines.lines import Cell, Line, text_lines
from pipelines.messages import Message, message
from pipelines.normalize import clean_text

MIN_CHARS_PER_PAGE = 20  # fewer characters than this on every page: images only
EPSILON = 1.0  # points: cell edges closer than this are the same rule
Box = tuple[float, float, float, float]  # x0, top, x1, bottom
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # what str.splitlines() splits on
_STREAM = re.compile(rb"stream\r?\n")
_TEXT_SHOWING = (b"Tj", b"TJ", b"'", b'"')  # the operators that print text


def check_streams(data: bytes) -> None:
    """Refuse a flate bomb before pdfminer inflates it: every stream that inflates is inflated
    here, a piece at a time, counting its bytes up to the bound and keeping none of them."""
    left = MAX_DECOMPRESSED_BYTES
    for found in _STREAM.finditer(data):
        inflater = zlib.decompressobj()
        pending = memoryview(data)[found.end() : found.end() + MAX_DECOMPRESSED_BYTES]
        try:
            while pending and left >= 0:
                left -= len(inflater.decompress(pending, 1 << 20))
                pending = inflater.unconsumed_tail
                if inflater.eof:
                    break
        except zlib.error:  # not flate-encoded (or damaged): pdfminer decides
            pass
        if left < 0:
            check("decompressed bytes of the streams", MAX_DECOMPRESSED_BYTES + 1, MAX_DECOMPRESSED_BYTES)


def _check_page(page: Page, number: int) -> None:
    """Bound a page's content before pdfminer interprets it (12M operators take an hour)."""
    content = b"".join(resolve1(stream).get_data() for stream in page.page_obj.contents)
    check(f"content bytes of page {number}", len(content), MAX_PAGE_CONTENT_BYTES)
    shown = sum(content.count(operator) for operator in _TEXT_SHOWING)
    check(f"text operations on page {number}", shown, MAX_PAGE_CHARS)
    check(f"characters on page {number}", len(page.chars), MAX_PAGE_CHARS)


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
                    first = (rr, cc) == (rows[0], cols[0])
                    grid.setdefault((rr, cc), Cell(text, cc, spanned=not first, bbox=tuple(box)))
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
    words = _words_by_line(page)
    _attach_boxes(text_view, words)
    # one-column "tables" are framed paragraphs, not data
    tables = [t for t in page.find_tables() if len(t.rows) > 1 and max(len(r.cells) for r in t.rows) > 1]
    if not tables:
        return text, text_view, text_view
    placed: list[tuple[float, list[Line]]] = []
    for offset, table in enumerate(tables):
        placed.append((table.bbox[1], _grid(table, tables_seen + offset, number)))
    top = 0.0
    for line in text_view:  # the text outside the tables, in place
        if box := _union([box for _, box in words.get(line.origin["line"], [])]):
            top = box[1]
            middle_x, middle_y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            if any(t.bbox[0] <= middle_x <= t.bbox[2] and t.bbox[1] <= middle_y <= t.bbox[3] for t in tables):
                continue
        placed.append((top, [line]))
    placed.sort(key=lambda item: item[0])
    return text, text_view, [line for _, lines in placed for line in lines]


def _words_by_line(page: Page) -> dict[int, list[tuple[str, Box]]]:
    """The words of each line of the page's text with their boxes, lines numbered as text_lines
    numbers them and words split as it splits them (at white space, after clean_text)."""
    out: dict[int, list[tuple[str, Box]]] = {}
    number, previous = 1, ""
    word: list[str] = []
    boxes: list[Box] = []

    def close() -> None:
        if word and (box := _union(boxes)):
            out.setdefault(number, []).append(("".join(word), box))
        word.clear()
        boxes.clear()

    for chars, obj in page.get_textmap().tuples:
        for char in chars:
            if char in _LINE_BREAKS:
                close()
                if not (previous == "\r" and char == "\n"):  # \r\n is one break
                    number += 1
            elif (cleaned := clean_text(char)).isspace():
                close()
            elif cleaned:
                word.append(cleaned)
                if obj is not None:
                    boxes.append((obj["x0"], obj["top"], obj["x1"], obj["bottom"]))
            previous = char
    close()
    return out


def _attach_boxes(lines: list[Line], words: dict[int, list[tuple[str, Box]]]) -> None:
    """Give each cell of a text line its word box, where the line's cells are its words."""
    for line in lines:
        found = words.get(line.origin["line"], [])
        if [c.text for c in line.cells] == [text for text, _ in found]:
            for cell, (_, box) in zip(line.cells, found, strict=True):
                cell.bbox = box


def _union(boxes: list[Box]) -> Box | None:
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def extract_pdf(data: bytes) -> list[Extracted]:
    text_view: list[Line] = []
    grid_view: list[Line] = []
    texts: list[str] = []
    messages: list[Message] = []
    images = tables = 0
    check_streams(data)
    with pdfplumber.open(BytesIO(data)) as pdf:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            messages.append(message("pages_truncated", pages=len(pages), limit=MAX_PAGES))
        for number, page in enumerate(pages[:MAX_PAGES], start=1):
            _check_page(page, number)
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
