"""Database fixtures: `sqlite` (a file in tmp_path) and `postgres` (a database on a throwaway
PostgreSQL server started once per test process); `database_url` runs a test on both."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.api import Store
from storage.migrate import migrated_engine
from storage.pgserver import PostgresUnavailable, TemporaryPostgres
from tests.samples import write_samples

_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TemporaryPostgres]:
    try:
        server = TemporaryPostgres()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    with server:
        yield server


def migrated(url: str) -> str:
    with migrated_engine(url):
        return url


@pytest.fixture
def sqlite(tmp_path: Path) -> str:
    """A database at the newest schema (as `nianbao db upgrade` leaves it)."""
    return migrated(f"sqlite:///{tmp_path / 'nianbao.db'}")


@pytest.fixture
def postgres(pg_server: TemporaryPostgres) -> str:
    return migrated(pg_server.create_database(f"test_{os.getpid()}_{next(_databases)}"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(request.param))


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    with Store(database_url, str(tmp_path / "archive")) as opened:
        yield opened


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """The five sample reports (tests/samples.py) as files a test may change."""
    target = tmp_path / "samples"
    write_samples(target)
    return target
