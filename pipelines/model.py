"""What a parse produces: facts with where they were printed, checks over exact cells, messages.

Every structure here is plain data with a `to_dict()` that gives the mapping `parse --json` prints
and storage keeps; docs/parser.md describes each field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pipelines.messages import Message

Status = Literal["parsed", "partial", "no_tables", "scanned", "pre2019", "unsupported", "error"]
Cause = Literal["source", "inferred"]
# printed: a number as printed; blank: printed empty (or a blank marker such as "-"), counted as 0
# by the identities; inferred: not printed, decided by the identities; undecided: not printed and
# not decidable (no value)
CellState = Literal["printed", "blank", "inferred", "undecided"]
Side = Literal["left", "right"]
Box = tuple[float, float, float, float]  # PDF points: x0, top, x1, bottom (pdfplumber's, top-left origin)


# CellRef and CheckCell are built for every cell of every parse: plain slotted dataclasses, which
# construct several times faster than frozen ones. Treat them as read-only.
@dataclass(slots=True)
class CellRef:
    """Where a fact's value was printed. Fields that do not apply to the input stay None.

    Text and PDF text: `page` (PDF, from 1), `line` (from 1) and `column` (the cell's position in
    the line, from 0). Grids (HTML and DOCX tables, ruled PDF tables): `table` (the document's n-th
    table, from 0), `row` and `column` of the grid with merged cells resolved (from 0), and `page`
    for PDF. DOCX text outside tables: `paragraph` (from 0) and `line` within it. `bbox`: the PDF
    cell box (ruled tables) or word box (text layer). `placement`: set when a printed number's
    column was decided by the identities (the row printed fewer numbers than columns)."""

    page: int | None = None
    line: int | None = None
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None
    column: int | None = None
    bbox: Box | None = None
    placement: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies every field, and this runs for every stored fact
        return {
            "page": self.page,
            "line": self.line,
            "paragraph": self.paragraph,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "bbox": None if self.bbox is None else list(self.bbox),
            "placement": self.placement,
        }


@dataclass
class Fact:
    table: str
    row: str
    column: str
    value: float | int | None  # None when blank or undecided, never 0 for nothing
    raw: str  # the text as printed; "" when nothing was printed (an inferred cell's value is in value)
    unit: str | None = None
    state: CellState = "printed"
    cell: CellRef = field(default_factory=CellRef)
    reason: str | None = None  # why the value is not simply a printed number (inferred, undecided, ...)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.column)

    @property
    def blank(self) -> bool:
        """No value: printed blank or undecided (`state` tells which)."""
        return self.state in ("blank", "undecided")

    @property
    def inferred(self) -> bool:
        return self.state == "inferred"

    @property
    def origin(self) -> dict[str, Any]:
        """The cell reference as a plain mapping, under the name storage/ still reads."""
        return self.cell.to_dict()

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "raw": self.raw,
            "unit": self.unit,
            "state": self.state,
            "blank": self.blank,
            "inferred": self.inferred,
            "reason": self.reason,
            "cell": self.cell.to_dict(),
        }


@dataclass(slots=True)
class CheckCell:
    """A cell checks compare: the value they used and its state (one object per table cell, shared
    by the checks it is in)."""

    table: str
    row: str
    column: str
    value: float | int  # the value the checks used: a printed blank counts as 0
    state: CellState
    year: int | None = None  # of the report it is in, when a check compares two (cross-year)

    def to_dict(self, side: Side) -> dict[str, Any]:
        out = {
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "side": side,
            "value": self.value,
            "state": self.state,
        }
        if self.year is not None:
            out["year"] = self.year
        return out


@dataclass(frozen=True)
class Quote:
    """A figure the report's text states: the words as printed (without spaces), the number, and
    where they start (`at`: page/line or paragraph; `offset`: characters into that line)."""

    text: str
    value: float | int
    at: CellRef
    offset: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "at": self.at.to_dict(), "offset": self.offset}


@dataclass
class Check:
    """An identity or a narrative figure checked against exact cells.

    `id` is unique within a parse and stable across parses of the same document (storage keys
    checks by it): `rule[subject]`, e.g. `requests.balance[total]`. `left` and `right` are the
    cells of each side of the equation; the left side of a narrative check is its `quote`."""

    id: str
    rule: str
    table: str
    subject: str
    ok: bool | None  # None: not evaluable (a cross-year check with a blank side)
    left: list[CheckCell]
    right: list[CheckCell]
    quote: Quote | None = None

    @property
    def cells(self) -> list[CheckCell]:
        return self.left + self.right

    @property
    def identity(self) -> str:
        """The check id under the name storage/ and crawler/ still read."""
        return self.id

    @property
    def cause(self) -> Cause | None:
        """Of a failure: `inferred` when a cell the parser inferred is involved, else `source`."""
        if self.ok is not False:
            return None
        return "inferred" if any(c.state == "inferred" for c in self.cells) else "source"

    @property
    def detail(self) -> str:
        """Both sides as numbers; a side whose cells were all printed blank reads `(blank)`."""
        op = "=" if self.ok else "!="
        right = _side_text(self.right)
        if self.ok is None:
            return f"not evaluable (a side is blank): {_side_text(self.left)} vs {right}"
        if self.quote is not None:
            return f"text {format_number(self.quote.value)} {op} table {right}"
        return f"{_side_text(self.left)} {op} {right}"

    def cell_dicts(self) -> list[dict[str, Any]]:
        return [c.to_dict("left") for c in self.left] + [c.to_dict("right") for c in self.right]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "table": self.table,
            "subject": self.subject,
            "ok": self.ok,
            "cause": self.cause,
            "detail": self.detail,
            "cells": self.cell_dicts(),
            "quote": self.quote.to_dict() if self.quote else None,
        }


def format_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _side_text(cells: list[CheckCell]) -> str:
    blanks = sum(c.state == "blank" for c in cells)
    if blanks == len(cells):
        return "(blank)"
    total = format_number(sum(c.value for c in cells if c.state != "blank"))
    if not blanks:
        return total
    return f"{total} + {blanks} blank" if blanks > 1 else f"{total} + (blank)"


@dataclass
class ParseResult:
    source: str
    status: Status
    agency: str | None = None
    year: int | None = None
    format: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date
    facts: list[Fact] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    text: str | None = None  # the report's text (kept for pre-2019 reports, which have no facts)
    kind: str | None = None  # html, pdf, docx, text, markdown
    sha256: str | None = None  # of the input bytes (None when they were not read)
    parser_version: str | None = None

    @property
    def failing_checks(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "sha256": self.sha256,
            "parser_version": self.parser_version,
            "status": self.status,
            "agency": self.agency,
            "year": self.year,
            "format": self.format,
            "title": self.title,
            "published": self.published,
            "kind": self.kind,
            "facts": [f.to_dict() for f in self.facts],
            "checks": [c.to_dict() for c in self.checks],
            "messages": [m.to_dict() for m in self.messages],
        }
        if with_text or self.status == "pre2019":
            out["text"] = self.text
        return out
