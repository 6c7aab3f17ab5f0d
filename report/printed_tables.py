"""A report's three tables laid out as the template prints them, each number cell marked with
its state.

The layout (merged label cells, numbered rows, header rows, labels from pipelines.schema) is
mirror.layout's, the one place that knows how the 2019 and 2021 templates print; the number
cells are filled with the stored facts instead of the printed numbers. A cell reads as
`parse --table` prints it (`37`, `~37`, `(blank)`, `?`, `!` in a failing check) and carries its
state as a class and its provenance as a title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from mirror.layout import SECTION_HEADINGS, grids
from mirror.report_spec import ReportSpec, facts_from_keys
from nianbao.table_view import TABLES, mark
from pipelines.model import CellRef, Fact
from pipelines.schema import FORMAT_2019, FORMAT_2021, REQUESTS

HEADINGS = dict(zip(TABLES, SECTION_HEADINGS[1:4], strict=True))
ABSENT = "absent"  # a template cell with no stored fact (its table was read, that cell not stored)


@dataclass(frozen=True)
class ShownCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    classes: str = "label"
    title: str | None = None
    key: str | None = None  # "table/row/column" of a number cell


@dataclass(frozen=True)
class ShownTable:
    table: str
    heading: str
    rows: list[list[ShownCell]]  # empty: the report has no facts of this table

    @property
    def present(self) -> bool:
        return bool(self.rows)


def place(cell: CellRef) -> str:
    """Where a value was printed, as the reference records it (fields that apply only)."""
    parts = []
    for f in fields(cell):
        value = getattr(cell, f.name)
        if value is None:
            continue
        if f.name == "bbox":
            value = "(" + ", ".join(f"{v:g}" for v in value) + ")"
        parts.append(f"{f.name} {value}")
    return ", ".join(parts) or "no printed place"


def cell_title(fact: Fact, failing: Sequence[str]) -> str:
    """The hover text of a cell: key, state, raw text, place, reason, failing checks."""
    lines = [
        f"{fact.table} · {fact.row} · {fact.column}",
        f"state: {fact.state}",
        f"raw: {fact.raw!r}" if fact.raw else "raw: (nothing printed)",
        f"at: {place(fact.cell)}",
    ]
    if fact.unit:
        lines.append(f"unit: {fact.unit}")
    if fact.reason:
        lines.append(f"reason: {fact.reason}")
    if failing:
        lines.append("failing: " + ", ".join(failing))
    return "\n".join(lines)


def _number_cell(
    fact: Fact | None, failing: Sequence[str], rowspan: int, colspan: int, key: str
) -> ShownCell:
    if fact is None:
        return ShownCell("", rowspan, colspan, ABSENT, "no fact stored for this cell", key)
    classes = f"state-{fact.state}" + (" failing" if failing else "")
    return ShownCell(
        mark(fact, bool(failing)).plain, rowspan, colspan, classes, cell_title(fact, failing), key
    )


def printed_tables(
    template_version: str | None,
    facts: Sequence[Fact],
    failing_cells: dict[tuple[str, str, str], list[str]],
) -> tuple[list[ShownTable], list[Fact]]:
    """The three tables in printed order, and the facts the template has no cell for."""
    fmt = template_version if template_version in (FORMAT_2019, FORMAT_2021) else FORMAT_2021
    by_key = {fact.key: fact for fact in facts}
    one_other_row = fmt != FORMAT_2019 and (REQUESTS, "other", "total") in by_key
    spec = ReportSpec(
        agency="",
        year=0,
        format=fmt,
        facts=facts_from_keys({key: fact.value for key, fact in by_key.items()}),
        one_other_row=one_other_row,
    )
    present = {fact.table for fact in facts}
    shown: list[ShownTable] = []
    placed: set[tuple[str, str, str]] = set()
    for table, grid in grids(spec).items():
        if table not in present:
            shown.append(ShownTable(table, HEADINGS[table], []))
            continue
        rows: list[list[ShownCell]] = []
        for cells in grid.by_row():
            row: list[ShownCell] = []
            for cell in cells:
                if cell.key is None:
                    row.append(ShownCell(cell.text, cell.rowspan, cell.colspan))
                    continue
                placed.add(cell.key)
                failing = failing_cells.get(cell.key, [])
                row.append(
                    _number_cell(
                        by_key.get(cell.key), failing, cell.rowspan, cell.colspan, "/".join(cell.key)
                    )
                )
            rows.append(row)
        shown.append(ShownTable(table, HEADINGS[table], rows))
    return shown, [fact for fact in facts if fact.key not in placed]
