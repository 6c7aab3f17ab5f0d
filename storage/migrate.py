"""Schema migrations (Alembic): `upgrade` brings a database to the newest schema; every other
command only checks that it is there (`require_head`). alembic.ini at the project root points
the standard `alembic` command at the same scripts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from settings.errors import UsageError
from storage.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6E69616E  # pg_advisory_xact_lock key held while migrating


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ini-style interpolation
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (idempotent: a database at head is left alone)."""
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo the migrations after `revision`, keeping the data."""
    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:  # on SQLite, BEGIN IMMEDIATE: one migrator at a time
        if connection.dialect.name == "postgresql":  # two processes starting at once: one migrates
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        step(config, revision)


class SchemaNotCurrent(UsageError):
    """The database is not at the schema this code needs."""


@cache
def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def revisions() -> list[tuple[str, str]]:
    """Every migration, oldest first: (revision, the first line of its docstring)."""
    script = ScriptDirectory(str(MIGRATIONS))
    return [
        (r.revision, (r.doc or "").strip().splitlines()[0]) for r in reversed(list(script.walk_revisions()))
    ]


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _current(connection)


def database_revision(url: str) -> str | None:
    """The revision the database at `url` is at (None: no schema)."""
    engine = make_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def require_head(engine: Engine) -> None:
    """Fail unless the database is at the newest schema (an empty database is not)."""
    current = current_revision(engine)
    if current != head_revision():
        where = engine.url.render_as_string(hide_password=True)
        state = f"at revision {current}" if current else "empty (no schema)"
        raise SchemaNotCurrent(
            f"database {where} is {state}, this code needs {head_revision()}: run `nianbao db upgrade`"
        )


@contextmanager
def checked_engine(url: str) -> Iterator[Engine]:
    """An engine on `url` whose schema is at head, disposed after."""
    engine = make_engine(url)
    try:
        require_head(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def migrated_engine(url: str, revision: str = "head") -> Iterator[Engine]:
    """An engine on `url` brought to `revision`, disposed after (`nianbao db upgrade`, tests)."""
    engine = make_engine(url)
    try:
        upgrade(engine, revision)
        yield engine
    finally:
        engine.dispose()
