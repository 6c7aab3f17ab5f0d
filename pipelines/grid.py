"""Table grids: merged cells resolved so that every row has a cell at every column."""

from __future__ import annotations

from typing import Any

from pipelines.lines import Cell, Line

MAX_SPAN = 200  # a broken rowspan="99999" must not blow up memory


class GridBuilder:
    """Place cells row by row, skipping positions taken by earlier rowspans."""

    def __init__(self) -> None:
        self.rows: list[dict[int, Cell]] = []  # rows below the cursor may hold rowspans already
        self.cursor = 0

    def add_row(self, cells: list[tuple[str, int, int]]) -> None:
        """cells: (text, rowspan, colspan) in printed order."""
        index = self.cursor
        self.cursor += 1
        while index >= len(self.rows):
            self.rows.append({})
        taken = self.rows[index]
        col = 0
        for text, rowspan, colspan in cells:
            while col in taken:
                col += 1
            rowspan, colspan = _bound(rowspan), _bound(colspan)
            for dr in range(rowspan):
                while index + dr >= len(self.rows):
                    self.rows.append({})
                for dc in range(colspan):
                    first = dr == 0 and dc == 0
                    self.rows[index + dr][col + dc] = Cell(text, col + dc, spanned=not first)
            col += colspan

    def lines(self, table: int, origin: dict[str, Any] | None = None) -> list[Line]:
        out: list[Line] = []
        for number, row in enumerate(self.rows):
            if not row:
                continue
            cells = [row[c] for c in sorted(row)]
            out.append(Line(cells, {**(origin or {}), "table": table, "row": number}, grid=True, table=table))
        return out


def _bound(span: int) -> int:
    return max(1, min(span, MAX_SPAN))


def span_value(raw: Any) -> int:
    try:
        return int(str(raw).strip() or 1)
    except ValueError:
        return 1
