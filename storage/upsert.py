"""One statement for every upsert: `INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE changed`.

The same construct compiles for SQLite and PostgreSQL. Statements are built once per dialect
and table (they are immutable) and reused with new parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, or_
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(dialect: str, table: Table) -> Any:
    """`insert(table)` with on_conflict_do_update / do_nothing for the dialect."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"upserts need SQLite or PostgreSQL, not {dialect}")


@cache
def upsert_statement(
    dialect: str,
    table: Table,
    *,
    keys: Sequence[str],
    compare: Sequence[str],
    also_set: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> Any:
    """Insert, or on a key conflict update the `compare` columns (plus `also_set`) only where
    one of the `compare` columns differs: an unchanged row is not written at all. Without
    `compare`, a conflict updates `also_set` unconditionally."""
    stmt = dialect_insert(dialect, table)
    excluded = stmt.excluded
    changed = or_(*(table.c[name].is_distinct_from(excluded[name]) for name in compare)) if compare else None
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[name] for name in keys],
        set_={name: excluded[name] for name in (*compare, *also_set)},
        where=changed,
    )
    return stmt.returning(*(table.c[name] for name in returning)) if returning else stmt
