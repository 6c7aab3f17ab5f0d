"""PostgreSQL: a report's facts, their history and the counts in one statement, one round trip.

The same rules as the portable path in storage.reports, done by the server: it compares the
incoming facts (one JSON parameter) with the stored ones, copies the states a new version
supersedes to fact_history, upserts with `INSERT ... ON CONFLICT DO UPDATE ... WHERE changed`
and returns the counts. Nothing is read back to the client. All parts of a data-modifying WITH
see the same snapshot (the facts before this statement), so the history gets the states the
upsert replaces. Facts seen again unchanged are not written (their last_seen is their version's).

The text is constant and the values are parameters, so psycopg prepares it on the server after
a few executions (prepare_threshold) and later reports skip parsing and planning.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection

from storage.bulk import rows_json
from storage.models import FACT_CONTENT, FACT_KEY

_KEY = FACT_KEY[1:]  # the key within a report


def _list(names: tuple[str, ...], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{name}" for name in names)


@cache
def statement() -> str:
    key, content = _list(_KEY), _list(FACT_CONTENT)
    compared = ("version_id", *FACT_CONTENT)
    return f"""
WITH incoming AS (
    SELECT {key}, {content} FROM json_populate_recordset(NULL::facts, %(rows)s::json)
), old AS (
    SELECT {_list(_KEY, "f.")}, f.version_id, f.changed_at, {_list(FACT_CONTENT, "f.")},
           ({_list(FACT_CONTENT, "f.")}) IS DISTINCT FROM ({_list(FACT_CONTENT, "i.")}) AS changed
    FROM facts f JOIN incoming i USING ({key})
    WHERE f.report_id = %(report_id)s
), superseded AS (
    INSERT INTO fact_history (report_id, {key}, version_id, {content}, valid_from, valid_to, superseded_by)
    SELECT %(report_id)s, {key}, version_id, {content}, changed_at, %(now)s, %(version_id)s
    FROM old WHERE changed OR version_id <> %(version_id)s
), written AS (
    INSERT INTO facts ({key}, {content}, report_id, version_id, first_seen, changed_at)
    SELECT {_list(_KEY, "i.")}, {_list(FACT_CONTENT, "i.")}, %(report_id)s, %(version_id)s, %(now)s, %(now)s
    FROM incoming i LEFT JOIN old o USING ({key})
    WHERE o.table_key IS NULL OR o.changed OR o.version_id <> %(version_id)s
    ON CONFLICT ({_list(FACT_KEY)}) DO UPDATE
    SET {", ".join(f"{name} = excluded.{name}" for name in (*compared, "changed_at"))}
    WHERE ({_list(compared, "facts.")}) IS DISTINCT FROM ({_list(compared, "excluded.")})
)
SELECT (SELECT count(*) FROM incoming) - count(*), count(*) FILTER (WHERE changed),
       count(*) FILTER (WHERE NOT changed)
FROM old
"""


def merge_facts(
    conn: Connection, rows: list[dict[str, Any]], report_id: int, version_id: int, now: datetime
) -> tuple[int, int, int]:
    """Write a stored report's facts as its current belief; (inserted, updated, unchanged)."""
    params = {
        "rows": rows_json(rows),
        "report_id": report_id,
        "version_id": version_id,
        "now": now,
    }
    # Driver SQL: no compilation, but errors still go through SQLAlchemy (wrapped, a lost
    # connection invalidated) so the retry of transient errors sees them.
    inserted, updated, unchanged = conn.exec_driver_sql(statement(), params).one()
    return int(inserted), int(updated), int(unchanged)
