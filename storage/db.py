"""Engines, UTC time and the retry of transient database errors (the one retry boundary)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from tenacity import (
    before_sleep_log,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

RETRY_ATTEMPTS = 6
SQLITE_BUSY_MS = 10_000
READONLY = "readonly"  # execution option: a read-only transaction (no SQLite write lock)

log = logging.getLogger(__name__)
T = TypeVar("T")

# SQLSTATE: serialization failure, deadlock, lock not available; class 08 = connection exceptions.
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}
_TRANSIENT_SQLITE = ("database is locked", "database table is locked", "busy")


def utcnow() -> datetime:
    """Naive UTC with microseconds: what every timestamp column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def make_engine(url: str) -> Engine:
    """An engine for `url` (SQLite: WAL, writers take the lock at BEGIN; PostgreSQL: psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # The driver's own transaction handling is off: SQLAlchemy's "begin" event issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
    # Writers take the write lock at BEGIN: a read-then-write transaction cannot fail on upgrade.
    # Readers (execution option readonly=True) take none: WAL lets them run beside the writer.
    readonly = connection.get_execution_options().get(READONLY, False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def read_connection(engine: Engine) -> Connection:
    """A connection for reading only: on SQLite it does not take the write lock."""
    return engine.connect().execution_options(**{READONLY: True})


def is_database_error(exc: BaseException) -> bool:
    """An error of the database or its driver (bulk writes call the driver directly)."""
    return isinstance(exc, SQLAlchemyError | sqlite3.Error) or type(exc).__module__.startswith("psycopg")


def is_transient(exc: BaseException) -> bool:
    """Locked, deadlock, serialization failure or a lost connection: worth running again. Driver
    errors count as well as SQLAlchemy's wrapping of them (bulk writes call the driver directly)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig
    if not is_database_error(exc):
        return False
    psycopg_error = type(exc).__module__.startswith("psycopg")
    sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "diag", None), "sqlstate", None)
    if sqlstate:
        return sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith("08")
    if psycopg_error:  # no SQLSTATE: the connection itself failed
        return type(exc).__name__ == "OperationalError"
    return any(text in str(exc).lower() for text in _TRANSIENT_SQLITE)


def retrying(fn: Callable[[], T]) -> T:
    """Run `fn` (one whole transaction) again on transient errors, a bounded number of times."""

    @retry(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(RETRY_ATTEMPTS),
        wait=wait_exponential(multiplier=0.05, max=2),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    def attempt() -> T:
        return fn()

    return attempt()
