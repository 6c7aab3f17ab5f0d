"""The accounting identities (勾稽关系) of the requests and review tables, as equations.

An equation says sum(left) == sum(right) over cells keyed (row, column). The same equations serve
to infer a cell a report failed to print and to check what it printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipelines.schema import (
    APPLICANT_COLUMNS,
    REQUEST_COLUMNS,
    REQUESTS,
    REVIEW,
    REVIEW_COLUMNS,
    Row,
    is_result_row,
)

CellKey = tuple[str, str]

# rule -> what it says (docs/parser.md lists the same)
RULES = {
    "requests.row_total": "total = sum of the six applicant columns",
    "requests.balance": "new_received + carried_over = total + carried_forward",
    "requests.results": "total = sum of the result rows",
    "review_litigation.row_total": "total = upheld + corrected + other + pending",
}


@dataclass(frozen=True)
class Equation:
    rule: str  # a key of RULES
    table: str
    subject: str  # the row or column the equation is about
    left: tuple[CellKey, ...]
    right: tuple[CellKey, ...]

    @property
    def id(self) -> str:
        return f"{self.rule}[{self.subject}]"

    @property
    def cells(self) -> tuple[CellKey, ...]:
        return self.left + self.right

    def sides(self, numbers: Mapping[CellKey, float | None]) -> tuple[float, float] | None:
        """Both sums, or None while a cell is unknown."""
        values = [numbers.get(k) for k in self.cells]
        if any(v is None for v in values):
            return None
        return sum(numbers[k] or 0.0 for k in self.left), sum(numbers[k] or 0.0 for k in self.right)


def requests_equations(rows: tuple[Row, ...]) -> list[Equation]:
    keys = [r.key for r in rows]
    applicants = [c.key for c in APPLICANT_COLUMNS]
    equations = [
        Equation("requests.row_total", REQUESTS, row, ((row, "total"),), tuple((row, c) for c in applicants))
        for row in keys
    ]
    results = [k for k in keys if is_result_row(k)]
    for column in (c.key for c in REQUEST_COLUMNS):
        equations.append(
            Equation(
                "requests.balance",
                REQUESTS,
                column,
                (("new_received", column), ("carried_over", column)),
                (("total", column), ("carried_forward", column)),
            )
        )
        equations.append(
            Equation(
                "requests.results",
                REQUESTS,
                column,
                (("total", column),),
                tuple((r, column) for r in results),
            )
        )
    return equations


def review_equations(rows: tuple[Row, ...]) -> list[Equation]:
    parts = [c.key for c in REVIEW_COLUMNS if c.key != "total"]
    return [
        Equation(
            "review_litigation.row_total",
            REVIEW,
            row.key,
            ((row.key, "total"),),
            tuple((row.key, c) for c in parts),
        )
        for row in rows
    ]
