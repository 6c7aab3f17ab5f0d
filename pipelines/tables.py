"""Turn the sections of a report into canonical facts and identity checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.identities import Equation, requests_equations, review_equations
from pipelines.infer import TOLERANCE, Cell, Solution, as_number, solve
from pipelines.lines import Line
from pipelines.messages import Message, message
from pipelines.model import CellRef, CellState, Check, CheckCell, Fact
from pipelines.normalize import compact
from pipelines.schema import (
    DISCLOSURE,
    FORMAT_2019,
    FORMAT_2021,
    REQUESTS,
    REQUESTS_2019,
    REQUESTS_2021,
    REVIEW,
    REVIEW_ROWS,
    Row,
    disclosure_rows,
)
from pipelines.table_reader import RowRead, Scan, Value, read_rows, scan

_MARKERS = {
    FORMAT_2019: (
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "本年增/减",
        "其他对外管理服务事项",
        "政府集中采购",
        "采购总金额",
    ),
    FORMAT_2021: (
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "本年处理决定数量",
        "本年收费金额",
        "逾期不补正",
        "逾期未按收费通知",
    ),
}
_UNIT_IN_HEADER = re.compile(r"(万元|亿元|元)")
REVIEW_CELLS = [(row.key, col.key) for row in REVIEW_ROWS for col in row.columns]


@dataclass
class TablesRead:
    format: str | None
    facts: list[Fact] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    tables_found: list[str] = field(default_factory=list)
    complete: bool = True


def detect_format(sections: dict[str, list[Line]], year: int | None) -> str | None:
    """The template version from the printed headers; the report year only breaks a tie."""
    text = compact(" ".join(line.text for lines in sections.values() for line in lines))
    hits = {fmt: sum(marker in text for marker in markers) for fmt, markers in _MARKERS.items()}
    if hits[FORMAT_2019] != hits[FORMAT_2021]:
        return max(hits, key=lambda fmt: hits[fmt])
    if year is None:
        return None
    return FORMAT_2019 if year < 2021 else FORMAT_2021


def read_tables(sections: dict[str, list[Line]], year: int | None) -> TablesRead:
    fmt = detect_format(sections, year)
    out = TablesRead(fmt)
    if fmt is None:
        out.complete = False
        return out
    if lines := sections.get(DISCLOSURE):
        _read_disclosure(lines, fmt, out)
    if lines := sections.get(REQUESTS):
        _read_requests(lines, out)
    if lines := sections.get(REVIEW):
        _read_review(lines, out)
    out.complete = out.complete and len(out.tables_found) == 3
    return out


def _read_disclosure(lines: list[Line], fmt: str, out: TablesRead) -> None:
    rows = disclosure_rows(fmt)
    reads, found = read_rows(lines, rows)
    units = _header_units(lines)
    _misaligned(DISCLOSURE, found, out)
    _finish(DISCLOSURE, rows, reads, [], out, units)


def _read_requests(lines: list[Line], out: TablesRead) -> None:
    # Try the three sub-rows of （六）其他处理 and the single row together; a printed sub-row wins.
    candidates = (*REQUESTS_2021[:20], REQUESTS_2019[20], *REQUESTS_2021[20:])
    reads, found = read_rows(lines, candidates)
    _misaligned(REQUESTS, found, out)
    rows = REQUESTS_2021 if any(k.startswith("other.") for k in reads) else REQUESTS_2019
    reads = {k: v for k, v in reads.items() if k in {r.key for r in rows}}
    _finish(REQUESTS, rows, reads, requests_equations(rows), out)


def _read_review(lines: list[Line], out: TablesRead) -> None:
    found = scan(lines, REVIEW_ROWS[0].columns)
    _misaligned(REVIEW, found, out)
    values = [v for group in found.groups for v in group.values]
    if not values:
        return
    if len(values) > len(REVIEW_CELLS):
        out.messages.append(
            message("review_too_many_numbers", table=REVIEW, printed=len(values), kept=len(REVIEW_CELLS))
        )
        values = values[: len(REVIEW_CELLS)]
    reads: dict[str, RowRead] = {}
    for index, row in enumerate(REVIEW_ROWS):
        chunk = values[index * 5 : index * 5 + 5]
        if len(chunk) == 5:
            reads[row.key] = RowRead(row, {c.key: v for c, v in zip(row.columns, chunk, strict=True)})
        elif chunk:
            reads[row.key] = RowRead(row, {}, unplaced=chunk)
    _finish(REVIEW, REVIEW_ROWS, reads, review_equations(REVIEW_ROWS), out)


def _misaligned(table: str, found: Scan, out: TablesRead) -> None:
    """Numbers whose grid row is not as wide as its header may sit in other columns than read:
    the table is not complete, whatever its checks say (they cannot tell a 0 from a blank)."""
    if found.misaligned:
        out.messages.append(message("misaligned_rows", table=table, rows=found.misaligned))
        out.complete = False


def _header_units(lines: list[Line]) -> dict[str, str]:
    """Units a disclosure header prints for its amount column (本年收费金额（单位：万元）)."""
    units: dict[str, str] = {}
    for line in lines:
        text = line.text
        if "金额" in text and (match := _UNIT_IN_HEADER.search(text.split("金额", 1)[1])):
            key = "amount"
            units.setdefault(key, match.group(1))
    return units


def _finish(
    table: str,
    rows: tuple[Row, ...],
    reads: dict[str, RowRead],
    equations: list[Equation],
    out: TablesRead,
    units: dict[str, str] | None = None,
) -> None:
    if not reads:
        out.messages.append(message("table_not_found", table=table))
        out.complete = False
        return
    out.tables_found.append(table)
    for read in reads.values():
        if read.empty:
            out.messages.append(message("label_without_numbers", table=table, row=read.row.key))
        if read.dropped:
            columns = len(read.row.columns)
            printed = columns + read.dropped
            out.messages.append(
                message("too_many_numbers", table=table, row=read.row.key, printed=printed, columns=columns)
            )
    missing_rows = [r.key for r in rows if r.key not in reads]
    if missing_rows:
        out.messages.append(message("rows_not_found", table=table, rows=missing_rows))
    solution = solve(table, reads, {r.key: [c.key for c in r.columns] for r in rows}, equations)
    out.messages.extend(solution.messages)
    states: dict[tuple[str, str], CellState] = {}
    for row in rows:
        for column in row.columns:
            cell = solution.cells[(row.key, column.key)]
            fact = _fact(table, row.key, column.key, cell, column.unit, (units or {}).get(column.key))
            out.complete = out.complete and cell.value is not None
            out.facts.append(fact)
            states[(row.key, column.key)] = fact.state
    if equations:
        out.checks.extend(_checks(table, equations, solution, states))


def state_of(cell: Cell) -> CellState:
    if cell.value is None:
        return "undecided"
    if cell.inferred:
        return "inferred"
    return "blank" if cell.value.blank else "printed"


def cell_ref(origin: Mapping[str, Any], placement: str | None = None) -> CellRef:
    """The typed reference of what the readers record per printed value (lines.Line.origin + col)."""
    bbox = origin.get("bbox")
    if bbox is not None:
        bbox = (round(bbox[0], 1), round(bbox[1], 1), round(bbox[2], 1), round(bbox[3], 1))
    return CellRef(*map(origin.get, _ORIGIN_KEYS), bbox, placement)  # type: ignore[arg-type]


_ORIGIN_KEYS = ("page", "line", "paragraph", "table", "row", "col")  # CellRef's fields, in order


PLACEMENT = "column decided by the identities"


def _fact(
    table: str, row: str, column: str, cell: Cell, template_unit: str | None, header_unit: str | None
) -> Fact:
    state = state_of(cell)
    value: Value | None = cell.value
    if value is None:
        return Fact(table, row, column, None, "", state=state, reason=cell.reason)
    unit = value.unit or header_unit or template_unit
    ref = cell_ref(value.origin, PLACEMENT if cell.placed else None)
    return Fact(table, row, column, value.value, value.raw, unit, state, ref, cell.reason)


def _checks(
    table: str, equations: list[Equation], solution: Solution, states: dict[tuple[str, str], CellState]
) -> list[Check]:
    numbers = {key: as_number(cell.value) for key, cell in solution.cells.items()}
    cells = {
        key: CheckCell(table, key[0], key[1], _used(number), states[key])
        for key, number in numbers.items()
        if number is not None
    }
    checks: list[Check] = []
    for eq in equations:
        sides = eq.sides(numbers)
        if sides is None:
            continue  # an undecided cell: nothing to check
        left, right = sides
        ok = abs(left - right) < TOLERANCE
        checks.append(
            Check(
                eq.id,
                eq.rule,
                table,
                eq.subject,
                ok,
                [cells[k] for k in eq.left],
                [cells[k] for k in eq.right],
            )
        )
    return checks


def _used(number: float) -> float | int:
    return int(number) if number.is_integer() else number
