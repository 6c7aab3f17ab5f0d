"""Checks across two years of one agency's reports (docs/fact-keys.md, cross-year checks).

- `cross_year.carried_over[column]`: what year Y carried over is what year Y-1 carried forward,
  per applicant column of `requests` (and its total).
- `cross_year.in_force[row]`: regulations and normative documents in force at the end of Y are
  those in force at the end of Y-1, plus those issued in Y, less those repealed in Y (2021
  template: `disclosure` rows `regulations` and `normative_documents`), checked as
  in_force(Y) + repealed(Y) = in_force(Y-1) + issued(Y) so that each side is a sum.

A check needs every one of its cells printed with a number. A blank (or unprinted) cell is not
0 here, unlike within one report (where the template's blank means none): the check is made
but not evaluable (`ok` None), never a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipelines.model import Check, CheckCell
from pipelines.schema import DISCLOSURE, REQUESTS, requests_rows

RULE_CARRIED_OVER = "cross_year.carried_over"
RULE_IN_FORCE = "cross_year.in_force"
IN_FORCE_ROWS = ("regulations", "normative_documents")
# the rows of their tables the checks read (of `requests`, `disclosure`)
COMPARED_ROWS = ("carried_over", "carried_forward", *IN_FORCE_ROWS)
# rule -> what it says (docs/fact-keys.md is generated from it)
RULES = {
    RULE_CARRIED_OVER: "`requests.carried_over` of year Y = `requests.carried_forward` of year Y-1",
    RULE_IN_FORCE: "in_force(Y) + repealed(Y) = in_force(Y-1) + issued(Y), 2021 template in both years",
}


@dataclass(frozen=True)
class Stored:
    """A stored fact of one report: its value (None when blank) and whether it was inferred."""

    value: float | None
    inferred: bool = False


Facts = Mapping[tuple[str, str, str], Stored]


def _cell(facts: Facts, year: int, table: str, row: str, column: str) -> CheckCell:
    fact = facts.get((table, row, column))
    if fact is None or fact.value is None:
        return CheckCell(table, row, column, 0, "blank", year)
    state = "inferred" if fact.inferred else "printed"
    return CheckCell(table, row, column, fact.value, state, year)


def _check(rule: str, table: str, subject: str, left: list[CheckCell], right: list[CheckCell]) -> Check:
    evaluable = all(c.state != "blank" for c in left + right)
    ok = sum(c.value for c in left) == sum(c.value for c in right) if evaluable else None
    return Check(f"{rule}[{subject}]", rule, table, subject, ok, left, right)


def requests_columns() -> list[str]:
    (carried_over,) = (row for row in requests_rows("2021") if row.key == "carried_over")
    return [column.key for column in carried_over.columns]


def cross_year_checks(earlier: Facts, later: Facts, year: int) -> list[Check]:
    """The checks between the report of `year - 1` (`earlier`) and of `year` (`later`). Only
    between reports that both print the table (not with a pre-2019 or scanned report), and not
    over cells neither printed."""
    out: list[Check] = []
    # a report that prints the table has its carried rows (blank or not): not a pre-2019 or scanned one
    both_print_requests = all(any(key[0] == REQUESTS for key in facts) for facts in (earlier, later))
    for column in requests_columns() if both_print_requests else ():
        over, forward = (REQUESTS, "carried_over", column), (REQUESTS, "carried_forward", column)
        if over not in later and forward not in earlier:
            continue
        left = [_cell(later, year, *over)]
        right = [_cell(earlier, year - 1, *forward)]
        out.append(_check(RULE_CARRIED_OVER, REQUESTS, column, left, right))
    for row in IN_FORCE_ROWS:
        now, before = (DISCLOSURE, row, "in_force"), (DISCLOSURE, row, "in_force")
        if now not in later or before not in earlier:  # only where both years print the 2021 rows
            continue
        left = [_cell(later, year, *now), _cell(later, year, DISCLOSURE, row, "repealed")]
        right = [_cell(earlier, year - 1, *before), _cell(later, year, DISCLOSURE, row, "issued")]
        out.append(_check(RULE_IN_FORCE, DISCLOSURE, row, left, right))
    return out
