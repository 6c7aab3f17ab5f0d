"""Engines, the default database URL, UTC time and the retry of transient database errors."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from tenacity import (
    before_sleep_log,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

DEFAULT_URL = "sqlite:///data/nianbao.db"
DEFAULT_ARCHIVE = "data/archive"
ENV_URL = "NIANBAO_DATABASE_URL"
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


def database_url(url: str | None = None) -> str:
    return url or os.environ.get(ENV_URL) or DEFAULT_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: $NIANBAO_DATABASE_URL or the SQLite file under data/)."""
    parsed = make_url(database_url(url))
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


def is_transient(exc: BaseException) -> bool:
    """Locked, deadlock, serialization failure or a lost connection: worth running again."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    if sqlstate and (sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith("08")):
        return True
    message = str(orig).lower()
    return any(text in message for text in _TRANSIENT_SQLITE)


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
