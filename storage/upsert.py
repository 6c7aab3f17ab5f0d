"""One statement for every upsert: `INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE changed`.

The same construct compiles for SQLite and PostgreSQL; rows go to the driver in batches
(executemany), so a report's facts cost a handful of round trips whatever their number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

BATCH_ROWS = 2000


def dialect_insert(conn: Connection, table: Table) -> Any:
    """`insert(table)` with on_conflict_do_update / do_nothing for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"upserts need SQLite or PostgreSQL, not {conn.dialect.name}")


def upsert_statement(
    conn: Connection,
    table: Table,
    *,
    keys: Sequence[str],
    compare: Sequence[str],
    also_set: Sequence[str] = (),
) -> Insert:
    """Insert, or on a key conflict update the `compare` columns (plus `also_set`) only where
    one of the `compare` columns differs: an unchanged row is not written at all."""
    stmt = dialect_insert(conn, table)
    excluded = stmt.excluded
    changed = or_(*(table.c[name].is_distinct_from(excluded[name]) for name in compare))
    return stmt.on_conflict_do_update(
        index_elements=[table.c[name] for name in keys],
        set_={name: excluded[name] for name in (*compare, *also_set)},
        where=changed,
    )


def execute_batched(conn: Connection, stmt: Any, rows: Iterable[Mapping[str, Any]]) -> None:
    batch: list[Mapping[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            conn.execute(stmt, batch)
            batch = []
    if batch:
        conn.execute(stmt, batch)
