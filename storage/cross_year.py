"""Cross-year checks in the database: evaluated over the current facts of an agency's reports of
two consecutive years (pipelines/cross_year.py) and stored as checks of the later report's
current version, beside its identities. Evaluated again whenever either report changes: storing
a report evaluates the pair it ends and the pair it starts."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from pipelines.cross_year import RULE_CARRIED_OVER, RULE_IN_FORCE, Stored, cross_year_checks
from storage.models import CheckResult, Fact, Report

checks = CheckResult.__table__
facts = Fact.__table__
reports = Report.__table__
RULES = (RULE_CARRIED_OVER, RULE_IN_FORCE)


def _report(conn: Connection, agency_id: int, year: int) -> tuple[int, int | None] | None:
    row = conn.execute(
        select(reports.c.id, reports.c.current_version_id).where(
            reports.c.agency_id == agency_id, reports.c.year == year
        )
    ).first()
    return (row.id, row.current_version_id) if row else None


def _facts(conn: Connection, report_id: int) -> dict[tuple[str, str, str], Stored]:
    query = select(
        facts.c.table_key, facts.c.row_key, facts.c.column_key, facts.c.value, facts.c.inferred
    ).where(facts.c.report_id == report_id, facts.c.table_key.in_(("requests", "disclosure")))
    return {(t, r, c): Stored(value, bool(inferred)) for t, r, c, value, inferred in conn.execute(query)}


def _evaluate(conn: Connection, agency_id: int, year: int) -> None:
    later = _report(conn, agency_id, year)
    if later is None or later[1] is None:
        return
    report_id, version_id = later
    conn.execute(delete(checks).where(checks.c.version_id == version_id, checks.c.rule.in_(RULES)))
    earlier = _report(conn, agency_id, year - 1)
    if earlier is None:
        return
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
    """Evaluate the checks between `year - 1` and `year`, and between `year` and `year + 1`."""
    _evaluate(conn, agency_id, year)
    _evaluate(conn, agency_id, year + 1)
