"""DOCX files: paragraphs and tables in body order. python-docx repeats a merged cell in every
grid position it covers, so repeats of the same cell are marked as spanned copies."""

from __future__ import annotations

from io import BytesIO

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from pipelines.document import Extracted
from pipelines.lines import Cell, Line, text_lines


def _table_lines(table: Table, index: int) -> list[Line]:
    lines: list[Line] = []
    # keyed by id() with the element kept alive: lxml proxies of dead elements reuse ids
    seen: dict[int, object] = {}
    for number, row in enumerate(table.rows):
        cells: list[Cell] = []
        for col, cell in enumerate(row.cells):
            element = cell._tc
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            cells.append(Cell(text, col, spanned=id(element) in seen))
            seen[id(element)] = element
        lines.append(Line(cells, {"table": index, "row": number}, grid=True, table=index))
    return lines


def extract_docx(data: bytes) -> Extracted:
    document = docx.Document(BytesIO(data))
    lines: list[Line] = []
    plain: list[str] = []
    tables = paragraphs = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text
            lines.extend(text_lines(text, extra={"paragraph": paragraphs}))
            paragraphs += 1
            plain.append(text)
        elif tag == "tbl":
            grid = _table_lines(Table(child, document), tables)
            tables += 1
            lines.extend(grid)
            plain.extend(line.text for line in grid)
    core = document.core_properties
    titles = [core.title] if core.title else []
    created = [core.created.date().isoformat()] if core.created else []
    return Extracted("docx", lines, "\n".join(plain), titles=titles, weak_dates=list(created))
