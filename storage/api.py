"""`Store`: the one object the crawler, the commands and the tests write and read through.

Thread-safe (one lock: there is one writer), every write is one transaction retried on transient
database errors. Nothing here deletes a document, a report or a fact.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, update

from pipelines.model import ParseResult
from pipelines.parse import PARSER_VERSION
from storage import documents as docs
from storage import reports
from storage.archive import DEFAULT_MAX_BYTES, ArchiveError, WarcArchive
from storage.db import DEFAULT_ARCHIVE, make_engine, read_connection, retrying, utcnow
from storage.documents import ArchivedDocument, KnownDocument
from storage.migrate import upgrade
from storage.reports import Source, UpsertCounts
from storage.upsert import upsert_statement

__all__ = ["ArchiveError", "ArchivedDocument", "KnownDocument", "Store", "UpsertCounts"]

ENV_ARCHIVE = "NIANBAO_ARCHIVE_DIR"
T = TypeVar("T")


def _naive_utc(when: datetime | None) -> datetime:
    if when is None:
        return utcnow()
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


class Store:
    def __init__(
        self,
        url: str | None = None,
        archive_dir: str | None = None,
        *,
        parser_version: str = PARSER_VERSION,
        max_warc_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        """Open (and migrate to the newest schema) the database at `url` (default
        $NIANBAO_DATABASE_URL or sqlite:///data/nianbao.db) with the WARC archive in `archive_dir`
        (default $NIANBAO_ARCHIVE_DIR or data/archive)."""
        self.engine = make_engine(url)
        upgrade(self.engine)
        self.parser_version = parser_version
        self.archive_dir = Path(archive_dir or os.environ.get(ENV_ARCHIVE) or DEFAULT_ARCHIVE)
        self.warc = WarcArchive(
            self.archive_dir, max_bytes=max_warc_bytes, indexed_end=partial(docs.indexed_end, self.engine)
        )
        self._lock = threading.RLock()
        self._writer: Connection | None = None

    # --- writing ---------------------------------------------------------------------------

    def _write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction, again from the start on a transient error."""

        def attempt() -> T:
            conn = self._writer_connection()
            with conn.begin():
                return work(conn)

        with self._lock:
            return retrying(attempt)

    def _writer_connection(self) -> Connection:
        """The one connection every write goes through (there is one writer): no pool checkout
        and no liveness ping per transaction. A connection lost mid-write is invalidated, the
        transaction fails as transient and its retry reconnects."""
        if self._writer is None or self._writer.closed:
            self._writer = self.engine.connect()
        return self._writer

    def archive(
        self,
        *,
        url: str,
        body: bytes,
        status: int = 200,
        headers: dict[str, str] | None = None,
        final_url: str | None = None,
        content_type: str | None = None,
        fetched_at: datetime | None = None,
        portal: str | None = None,
    ) -> ArchivedDocument:
        """Keep the document as it arrived (once per distinct content) and record the fetch."""
        when = _naive_utc(fetched_at)

        def work(conn: Connection) -> ArchivedDocument:
            return docs.archive_document(
                conn,
                self.warc,
                url=url,
                body=body,
                fetched_at=when,
                status=status,
                headers=dict(headers or {}),
                final_url=final_url,
                content_type=content_type,
                portal_id=docs.portal_id(conn, portal, when) if portal else None,
            )

        return self._write(work)

    def store_parse(
        self,
        doc: ArchivedDocument,
        result: ParseResult,
        *,
        portal: str | None = None,
        region: str | None = None,
    ) -> UpsertCounts:
        """Upsert the report, version, facts and checks of one parse, in one transaction."""
        source = Source(doc.document_id, doc.sha256, doc.url)

        def work(conn: Connection) -> UpsertCounts:
            now = utcnow()
            return reports.store_parse(
                conn,
                source,
                result,
                parser_version=self.parser_version,
                now=now,
                portal_id=docs.portal_id(conn, portal, now) if portal else None,
                region=region,
            )

        return self._write(work)

    def touch_known(self, doc: ArchivedDocument) -> UpsertCounts | None:
        """If this content was parsed by the current parser already, only move last_seen and
        return the (unchanged) counts; None means it must be parsed."""
        return self._write(
            lambda conn: reports.touch_version(conn, doc.sha256, self.parser_version, utcnow())
        )

    def upsert_portal(
        self,
        name: str,
        *,
        level: str | None,
        region: str | None,
        family: str | None,
        base_url: str | None,
    ) -> None:
        now = utcnow()
        values = {
            "name": name,
            "level": level,
            "region": region,
            "family": family,
            "base_url": base_url,
            "first_seen": now,
            "last_seen": now,
        }

        def work(conn: Connection) -> None:
            stmt = upsert_statement(
                conn.dialect.name,
                docs.portals,
                keys=("name",),
                compare=("level", "region", "family", "base_url"),
                also_set=("last_seen",),
            )
            conn.execute(stmt, values)

        self._write(work)

    def record_portal_state(self, name: str, *, blocked: str | None) -> None:
        """Record that a portal is blocked (the reason) or reachable again (None)."""

        def work(conn: Connection) -> None:
            now = utcnow()
            pid = docs.portal_id(conn, name, now)
            conn.execute(
                update(docs.portals).where(docs.portals.c.id == pid).values(blocked=blocked, state_at=now)
            )

        self._write(work)

    # --- reading -------------------------------------------------------------------------

    def known(self, url: str) -> KnownDocument | None:
        with read_connection(self.engine) as conn:
            return docs.latest_fetch(conn, url)

    def read(self, sha256: str) -> bytes:
        """The archived bytes with this sha256, exactly as they arrived."""
        with read_connection(self.engine) as conn:
            where = docs.content_location(conn, sha256)
        if where is None:
            raise KeyError(f"no archived content with sha256 {sha256}")
        return self.warc.read(where, sha256)

    def read_url(self, url: str) -> bytes:
        """The bytes of the latest fetch of `url`."""
        latest = self.known(url)
        if latest is None:
            raise KeyError(f"{url} was never archived")
        return self.read(latest.sha256)

    def close(self) -> None:
        with self._lock:
            self.warc.close()
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
