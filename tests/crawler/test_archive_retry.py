"""The crawl's one retry boundary around the database: a transient error in the transaction
that indexes a fetched document (a raw driver error too: sqlite3's, psycopg's) runs that
transaction again, and only it: the WARC record is written once."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from warcio.archiveiterator import ArchiveIterator

from storage import documents
from storage.api import Fetched, Store
from storage.archive import PREFIX, SUFFIX
from storage.db import is_transient, make_engine
from storage.migrate import upgrade

PAGE = "<html><body><p>某县2023年政府信息公开工作年度报告</p></body></html>".encode()


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("database table is locked"), True),
        (psycopg.errors.SerializationFailure("could not serialize access"), True),
        (psycopg.errors.DeadlockDetected("deadlock detected"), True),
        (psycopg.OperationalError("connection to server lost"), True),
        (sqlite3.IntegrityError("UNIQUE constraint failed"), False),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
        (ValueError("not the database's"), False),
    ],
)
def test_driver_errors_are_classified(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_a_transient_error_while_indexing_writes_the_record_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(make_engine(url))
    index = documents.index_document
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= 2:  # the driver's own error, as the bulk path raises it
            raise sqlite3.OperationalError("database is locked")
        return index(*args, **kwargs)

    monkeypatch.setattr(documents, "index_document", flaky)
    with Store(url, str(tmp_path / "archive")) as store:
        doc = store.archive(Fetched("http://h/a.html", PAGE, portal="p", role="report", parse=True))
        assert store.read(doc.sha256) == PAGE
    assert len(calls) == 3
    warcs = list((tmp_path / "archive").glob(f"{PREFIX}*{SUFFIX}"))
    assert len(warcs) == 1
    with warcs[0].open("rb") as fh:
        records = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)]
    assert records == ["http://h/a.html"]
