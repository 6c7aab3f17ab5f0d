"""DOCX files: paragraphs and tables in body order.

Tables are read from the XML, not through python-docx's `row.cells`, which walks the whole
vertical merge above each cell and builds an object per grid position (a 5,000-deep vMerge chain
or a gridSpan of 10^8 never ends): here a merged cell is copied, marked as spanned, into every
grid position it covers, in one pass, with the grid's size checked before it is built.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

import docx
from lxml import etree

from pipelines.document import Extracted, UnsupportedCompression
from pipelines.grid import bounded_span
from pipelines.limits import (
    MAX_DECOMPRESSED_BYTES,
    MAX_GRID_CELLS,
    MAX_MARKUP_BYTES,
    MAX_PARAGRAPHS,
    check,
)
from pipelines.lines import Cell, Line, text_lines

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SUPPORTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Word writes


def check_package(data: bytes) -> None:
    """Refuse a zip bomb or a member zipfile cannot inflate from the central directory alone."""
    with zipfile.ZipFile(BytesIO(data)) as package:
        members = package.infolist()
    for info in members:
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise UnsupportedCompression(f"{info.filename}: compression method {info.compress_type}")
        if info.filename == "word/document.xml":
            check("bytes of word/document.xml", info.file_size, MAX_MARKUP_BYTES)
    check("decompressed bytes", sum(info.file_size for info in members), MAX_DECOMPRESSED_BYTES)


def _text(element: etree._Element) -> str:
    return " ".join(p.text.strip() for p in element.iterchildren(f"{_W}p") if p.text.strip())


def _span(tc: etree._Element) -> tuple[int, str | None]:
    """gridSpan, and vMerge: None (not merged), "restart" or "continue" (a copy of the cell above)."""
    span, merge = 1, None
    if (properties := tc.find(f"{_W}tcPr")) is not None:
        if (grid_span := properties.find(f"{_W}gridSpan")) is not None:
            span = bounded_span(grid_span.get(f"{_W}val"))
        if (vmerge := properties.find(f"{_W}vMerge")) is not None:
            merge = vmerge.get(f"{_W}val") or "continue"
    return span, merge


def _table_lines(tbl: etree._Element, index: int) -> list[Line]:
    lines: list[Line] = []
    above: dict[int, str] = {}  # grid column -> text of the cell a vertical merge continues
    cells_seen = 0
    for number, tr in enumerate(tbl.iterchildren(f"{_W}tr")):
        cells: list[Cell] = []
        col = 0
        for tc in tr.iterchildren(f"{_W}tc"):
            span, merge = _span(tc)
            cells_seen += span
            check("cells of a table", cells_seen, MAX_GRID_CELLS)
            text = above.get(col, "") if merge == "continue" else _text(tc)
            for offset in range(span):
                cells.append(Cell(text, col + offset, spanned=merge == "continue" or offset > 0))
                if merge is None:
                    above.pop(col + offset, None)
                elif merge == "restart":
                    above[col + offset] = text
            col += span
        lines.append(Line(cells, {"table": index, "row": number}, grid=True, table=index))
    return lines


def extract_docx(data: bytes) -> Extracted:
    check_package(data)
    document = docx.Document(BytesIO(data))
    body = document.element.body
    check("paragraphs and tables", len(body), MAX_PARAGRAPHS)
    lines: list[Line] = []
    plain: list[str] = []
    tables = paragraphs = 0
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = child.text
            lines.extend(text_lines(text, extra={"paragraph": paragraphs}))
            paragraphs += 1
            plain.append(text)
        elif tag == "tbl":
            grid = _table_lines(child, tables)
            tables += 1
            lines.extend(grid)
            plain.extend(line.text for line in grid)
    core = document.core_properties
    titles = [core.title] if core.title else []
    created = [core.created.date().isoformat()] if core.created else []
    return Extracted("docx", lines, "\n".join(plain), titles=titles, weak_dates=list(created))
