"""Cross-year checks in the database: evaluated over the current facts of an agency's reports of
two consecutive years (pipelines/cross_year.py) and stored as checks of the later report's
current version, beside its identities. Evaluated again whenever either report changes: storing
a report evaluates the pair it ends and the pair it starts."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from pipelines.cross_year import COMPARED_ROWS, RULE_CARRIED_OVER, RULE_IN_FORCE, Stored, cross_year_checks
from pipelines.schema import DISCLOSURE, REQUESTS
from storage.models import CheckResult, Fact, Report

checks = CheckResult.__table__
facts = Fact.__table__
reports = Report.__table__
RULES = (RULE_CARRIED_OVER, RULE_IN_FORCE)


def _facts(conn: Connection, report_id: int) -> dict[tuple[str, str, str], Stored]:
    """The report's facts the cross-year checks compare (a few dozen of its ~200)."""
    query = select(
        facts.c.table_key, facts.c.row_key, facts.c.column_key, facts.c.value, facts.c.inferred
    ).where(
        facts.c.report_id == report_id,
        facts.c.table_key.in_((REQUESTS, DISCLOSURE)),
        facts.c.row_key.in_(COMPARED_ROWS),
    )
    return {(t, r, c): Stored(value, bool(inferred)) for t, r, c, value, inferred in conn.execute(query)}


def _evaluate(
    conn: Connection, earlier: tuple[int, int | None], later: tuple[int, int | None], year: int
) -> None:
    """(report id, current version id) of the reports of `year - 1` and `year`."""
    report_id, version_id = later
    if version_id is None:
        return
    conn.execute(delete(checks).where(checks.c.version_id == version_id, checks.c.rule.in_(RULES)))
    found = cross_year_checks(_facts(conn, earlier[0]), _facts(conn, report_id), year)
    if found:
        conn.execute(
            insert(checks),
            [
                {
                    "version_id": version_id,
                    "identity": check.id,
                    "rule": check.rule,
                    "table_key": check.table,
                    "subject": check.subject,
                    "ok": check.ok,
                    "cause": check.cause,
                    "detail": check.detail,
                    "cells": check.cell_dicts(),
                    "quote": None,
                }
                for check in found
            ],
        )


def evaluate_around(conn: Connection, agency_id: int, year: int) -> None:
    """Evaluate the checks between `year - 1` and `year`, and between `year` and `year + 1`
    (one query when the agency has no report of either neighbouring year)."""
    found = {
        row.year: (row.id, row.current_version_id)
        for row in conn.execute(
            select(reports.c.id, reports.c.year, reports.c.current_version_id).where(
                reports.c.agency_id == agency_id, reports.c.year.between(year - 1, year + 1)
            )
        )
    }
    for later in (year, year + 1):
        if later in found and later - 1 in found:
            _evaluate(conn, found[later - 1], found[later], later)
