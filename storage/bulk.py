"""Many rows, one statement: the fast path for facts, their history and checks.

The statement is the same `INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE changed` as
storage.upsert builds, compiled once per dialect and table:

- SQLite: the driver's executemany, with values already in the form SQLAlchemy would store
  (ISO timestamps, JSON text), skipping its per-row processing;
- PostgreSQL: one execution whose one parameter is the batch as JSON,
  `INSERT ... SELECT ... FROM json_populate_recordset(NULL::table, :rows)`, so a batch is one
  round trip and one statement however many rows it has, and the server does the conversions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, DateTime, Table, Text, bindparam, cast, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine

from storage.upsert import dialect_insert, upsert_statement

Row = Mapping[str, Any]


def _is_json(type_: TypeEngine) -> bool:
    return isinstance(type_, JSON) or isinstance(getattr(type_, "impl", None), JSON)


def _sqlite_converter(type_: TypeEngine) -> Callable[[Any], Any] | None:
    """How SQLAlchemy would store a value of this type in SQLite; None: as it is."""
    if isinstance(type_, DateTime):
        return lambda v: None if v is None else v.isoformat(sep=" ", timespec="microseconds")
    if _is_json(type_):
        return lambda v: None if v is None else json.dumps(v)
    return None


@cache
def _sqlite_statement(
    table: Table,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    compare: tuple[str, ...],
    also_set: tuple[str, ...],
) -> tuple[str, tuple[str, ...], tuple[tuple[int, Callable[[Any], Any]], ...]]:
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    stmt = _statement("sqlite", table, keys, compare, also_set)
    compiled = stmt.values({name: bindparam(name) for name in columns}).compile(dialect=dialect)
    order = tuple(compiled.positiontup or ())
    converters = tuple(
        (position, convert)
        for position, name in enumerate(order)
        if (convert := _sqlite_converter(table.c[name].type)) is not None
    )
    return str(compiled), order, converters


def _statement(dialect: str, table: Table, keys, compare, also_set):  # type: ignore[no-untyped-def]
    if not keys:
        return dialect_insert(dialect, table)
    return upsert_statement(dialect, table, keys=keys, compare=compare, also_set=also_set)


@cache
def _postgres_statement(
    table: Table,
    columns: tuple[str, ...],
    shared: tuple[str, ...],
    keys: tuple[str, ...],
    compare: tuple[str, ...],
    also_set: tuple[str, ...],
) -> str:
    """INSERT ... SELECT ... FROM json_populate_recordset(NULL::table, :rows) ON CONFLICT ...;
    the `shared` columns (one value for every row) are plain parameters. Compiled once to the
    driver's SQL: every parameter is already in a form psycopg sends as it is."""
    rows = func.json_populate_recordset(
        literal_column(f"NULL::{table.name}"), cast(bindparam("rows", type_=Text), postgresql.JSON)
    ).table_valued(*columns)
    values = [rows.c[name] for name in columns]
    values += [cast(bindparam(f"shared_{name}"), table.c[name].type) for name in shared]
    stmt = _statement("postgresql", table, keys, compare, also_set)
    stmt = stmt.from_select([*columns, *shared], select(*values))
    return str(stmt.compile(dialect=postgresql.psycopg.dialect()))


def rows_json(rows: Sequence[Row]) -> str:
    """The rows as one JSON array for PostgreSQL (timestamps in ISO 8601). orjson: ten times
    faster than json here, where every report's facts are serialised."""
    return orjson.dumps(rows if isinstance(rows, list) else list(rows)).decode()


def bulk_write(
    conn: Connection,
    table: Table,
    rows: Sequence[Row],
    *,
    shared: Mapping[str, Any] | None = None,
    keys: Sequence[str] = (),
    compare: Sequence[str] = (),
    also_set: Sequence[str] = (),
) -> None:
    """Insert `rows` (dicts with the same keys) plus the `shared` columns (one value for all);
    with `keys`, upsert and update only where one of the `compare` columns differs."""
    if not rows:
        return
    shared = dict(shared or {})
    columns = tuple(rows[0])
    if conn.dialect.name == "postgresql":
        spec = (table, columns, tuple(shared), tuple(keys), tuple(compare), tuple(also_set))
        params = {"rows": rows_json(rows), **{f"shared_{name}": value for name, value in shared.items()}}
        conn.exec_driver_sql(_postgres_statement(*spec), params)
        return
    sql, order, converters = _sqlite_statement(
        table, (*columns, *shared), tuple(keys), tuple(compare), tuple(also_set)
    )
    pick = itemgetter(*order)
    values = [list(pick({**row, **shared} if shared else row)) for row in rows]
    for position, convert in converters:
        memo: dict[Any, Any] = {}  # timestamps repeat: one transaction writes one `now`
        for value in values:
            item = value[position]
            if isinstance(item, datetime):
                value[position] = memo.get(item) or memo.setdefault(item, convert(item))
            else:
                value[position] = convert(item)
    conn.connection.driver_connection.cursor().executemany(sql, values)  # type: ignore[union-attr]
