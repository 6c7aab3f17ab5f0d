"""The coverage matrix: one row per agency, one column per year, one state per cell.

A cell's state comes from the report of that (agency, year): its status, and whether a check of
its current version fails (which outranks parsed and partial: its numbers need a look). A year
without a report is `missing` from the agency's first report on (reports are annual), and not
covered (`none`) before it: what an agency should have published before its first report found
is not known here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from report.queries import ReportEntry


@dataclass(frozen=True)
class CoverageState:
    key: str  # the CSS class
    letter: str  # printed in the cell: the matrix reads without colour
    label: str
    meaning: str


STATES = (
    CoverageState("parsed", "P", "parsed", "all three tables read, every cell decided, every check passes"),
    CoverageState("partial", "H", "partial", "a table or some cells not read"),
    CoverageState("failing", "F", "failing checks", "a check of its tables fails (see the report's page)"),
    CoverageState("scanned", "S", "scanned", "a PDF of page images: no text to read"),
    CoverageState("pre2019", "E", "pre-2019", "an early free-form report: text kept, no tables"),
    CoverageState("no_tables", "N", "no tables", "a report whose text has no statistical tables"),
    CoverageState("unreadable", "X", "unreadable", "an unsupported or broken file"),
    CoverageState("missing", "M", "missing", "no report for that year, after the agency's first report"),
)
STATE = {state.key: state for state in STATES}
NOT_COVERED = CoverageState("none", "", "not covered", "before the agency's first report")
_BY_STATUS = {
    "parsed": "parsed",
    "partial": "partial",
    "scanned": "scanned",
    "pre2019": "pre2019",
    "no_tables": "no_tables",
    "unsupported": "unreadable",
    "error": "unreadable",
}


def report_state(entry: ReportEntry) -> CoverageState:
    if entry.failing_checks:
        return STATE["failing"]
    return STATE[_BY_STATUS.get(entry.status, "unreadable")]


@dataclass(frozen=True)
class MatrixCell:
    year: int
    state: CoverageState
    entry: ReportEntry | None  # None: no report for that year

    @property
    def title(self) -> str:
        """What hovering the cell tells."""
        if self.entry is None:
            return f"{self.year}: {self.state.label}"
        parts = [f"{self.year}: {self.state.label}", f"status {self.entry.status}"]
        if self.entry.failing_checks:
            parts.append(f"{self.entry.failing_checks} failing checks")
        if self.entry.template_version:
            parts.append(f"template {self.entry.template_version}")
        return "; ".join(parts)


@dataclass(frozen=True)
class MatrixRow:
    agency: str
    portal: str | None  # the portal of its latest report
    cells: list[MatrixCell]


@dataclass(frozen=True)
class Matrix:
    years: list[int]
    rows: list[MatrixRow]

    def counts(self) -> dict[str, int]:
        """Cells by state, in legend order (states without cells left out)."""
        seen = [cell.state.key for row in self.rows for cell in row.cells]
        return {state.key: seen.count(state.key) for state in STATES if state.key in seen}


def build_matrix(entries: Iterable[ReportEntry], years: list[int] | None = None) -> Matrix:
    """The matrix of `entries`, its columns `years` (default: every year from the first to the
    last report), rows sorted by portal, then agency."""
    by_agency: dict[str, dict[int, ReportEntry]] = {}
    for entry in entries:
        by_agency.setdefault(entry.agency, {})[entry.year] = entry
    if years is None:
        known = [year for reports in by_agency.values() for year in reports]
        years = list(range(min(known), max(known) + 1)) if known else []
    rows = []
    for agency, reports in by_agency.items():
        first = min(reports)
        cells = []
        for year in years:
            entry = reports.get(year)
            if entry is not None:
                state = report_state(entry)
            else:
                state = STATE["missing"] if year > first else NOT_COVERED
            cells.append(MatrixCell(year, state, entry))
        portal = reports[max(reports)].portal
        rows.append(MatrixRow(agency, portal, cells))
    rows.sort(key=lambda row: (row.portal or "", row.agency))
    return Matrix(years, rows)
