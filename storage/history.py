"""History queries: the facts of any version, and what we believed about a report at a given time.

A fact's current state lives in `facts` (valid since its changed_at); each earlier state lives in
`fact_history` (valid from valid_from until valid_to, when a newer version superseded it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, and_, cast, null, select, union_all

from storage.reports import FACT_CONTENT, facts, history

FactKey = tuple[str, str, str]
_COLUMNS = ("table_key", "row_key", "column_key", "version_id", *FACT_CONTENT)


def _states(**where: Any):  # type: ignore[no-untyped-def]
    """Current and earlier fact states, each with the interval in which it was believed."""
    current = select(
        *(facts.c[name] for name in _COLUMNS),
        facts.c.changed_at.label("valid_from"),
        cast(null(), DateTime()).label("valid_to"),
    ).where(*(facts.c[k] == v for k, v in where.items()))
    earlier = select(*(history.c[name] for name in _COLUMNS), history.c.valid_from, history.c.valid_to).where(
        *(history.c[k] == v for k, v in where.items())
    )
    return union_all(current, earlier).subquery()


def _by_key(conn: Connection, query) -> dict[FactKey, dict[str, Any]]:  # type: ignore[no-untyped-def]
    return {
        (row["table_key"], row["row_key"], row["column_key"]): dict(row)
        for row in conn.execute(query).mappings()
    }


def version_facts(conn: Connection, version_id: int) -> dict[FactKey, dict[str, Any]]:
    """Every fact a version asserted, whether still current or superseded since."""
    states = _states(version_id=version_id)
    return _by_key(conn, select(states).order_by(states.c.valid_to.is_(None)))  # current last


def facts_as_of(conn: Connection, report_id: int, when: datetime) -> dict[FactKey, dict[str, Any]]:
    """The facts of a report as we believed them at `when` (naive UTC)."""
    states = _states(report_id=report_id)
    believed = and_(states.c.valid_from <= when, (states.c.valid_to.is_(None)) | (states.c.valid_to > when))
    return _by_key(conn, select(states).where(believed))
