"""`Store`: the one object the crawl stage, the parse stage, the commands and the tests write and
read through.

Thread-safe (one lock: there is one writer per process). The bytes of a document go to the WARC
archive once, before the database transaction that indexes them; that transaction, and every
other write, is retried as a whole on transient database errors, and nothing else is retried
(one retry boundary). Nothing here deletes a document, a report or a fact. Opening checks that the
database schema is the code's: only `nianbao db upgrade` migrates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, update

from settings.config import Config, archive_path
from storage import documents as docs
from storage import fetch_failures, reports
from storage.archive import DEFAULT_MAX_BYTES, ArchiveError, WarcArchive, sha256_hex
from storage.db import is_database_error, is_transient, make_engine, read_connection, retrying, utcnow
from storage.documents import ArchivedDocument, Fetched, KnownDocument, PendingDocument
from storage.fetch_failures import FailedFetch, FailureRecord, RetryPolicy
from storage.migrate import require_head
from storage.reports import Source, UpsertCounts
from storage.upsert import upsert_statement

if TYPE_CHECKING:
    from pipelines.model import ParseResult

__all__ = [
    "ArchiveError",
    "ArchivedDocument",
    "FailedFetch",
    "Fetched",
    "KnownDocument",
    "PendingDocument",
    "Store",
    "StoreFailure",
    "UpsertCounts",
]

T = TypeVar("T")


def _naive_utc(when: datetime | None) -> datetime:
    if when is None:
        return utcnow()
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


class StoreFailure(Exception):
    """One parse of a batch that the database refused (a value it cannot hold, a constraint)."""


class Store:
    def __init__(
        self,
        url: str,
        archive: str,
        *,
        max_warc_bytes: int = DEFAULT_MAX_BYTES,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        """Open the database at `url` (its schema must be at the code's head) with the WARC
        archive at `archive` (a folder or a file:// URL). `retry_policy`: when later runs try
        a failed fetch again (storage.fetch_failures)."""
        self.retry_policy = retry_policy or RetryPolicy()
        self.engine = make_engine(url)
        try:
            require_head(self.engine)
        except BaseException:
            self.engine.dispose()
            raise
        self.archive_location = archive
        self.archive_dir = archive_path(archive)
        self.warc = WarcArchive(self.archive_dir, max_bytes=max_warc_bytes)
        self._lock = threading.RLock()
        self._writer: Connection | None = None

    @classmethod
    def open(cls, config: Config) -> Store:
        policy = RetryPolicy(config.failed_fetch_retry_s, config.failed_fetch_tries)
        return cls(config.database_url, config.archive, retry_policy=policy)

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

    def archive(self, fetched: Fetched) -> ArchivedDocument:
        """Keep the document as it arrived (once per distinct content) and record the fetch."""
        when = _naive_utc(fetched.fetched_at)
        digest = sha256_hex(fetched.body)
        with self._lock:
            with read_connection(self.engine) as conn:
                known = docs.content_known(conn, digest)
            written = None
            if not known:  # written once, outside the retried transaction
                written = self.warc.write(
                    url=fetched.url,
                    body=fetched.body,
                    fetched_at=when,
                    status=fetched.status,
                    headers=fetched.headers,
                    content_type=fetched.content_type,
                )

            def work(conn: Connection) -> ArchivedDocument:
                portal = docs.portal_id(conn, fetched.portal, when) if fetched.portal else None
                return docs.index_document(
                    conn,
                    fetched,
                    sha256=digest,
                    written=written,
                    fetched_at=when,
                    portal_id=portal,
                    policy=self.retry_policy,
                )

            return self._write(work)

    def store_parses(
        self, parses: Sequence[tuple[PendingDocument, ParseResult]], parser_version: str
    ) -> list[UpsertCounts | StoreFailure]:
        """Store several parses in one transaction (group commit), each in its own savepoint:
        a parse the database refuses is rolled back alone, recorded as a failed parse (so it is
        not pending any more) and returned as a StoreFailure."""
        from pipelines.messages import message
        from pipelines.model import ParseResult

        def work(conn: Connection) -> list[UpsertCounts | StoreFailure]:
            portal_ids: dict[str, int] = {}
            out: list[UpsertCounts | StoreFailure] = []
            now = utcnow()
            for doc, result in parses:
                # each parse its own instant: two versions of one report in a batch supersede
                # its facts one after the other
                now = max(utcnow(), now + timedelta(microseconds=1))
                source = Source(doc.document_id, doc.sha256, doc.url)
                portal = None
                if doc.portal:
                    portal = portal_ids.get(doc.portal) or docs.portal_id(conn, doc.portal, now)
                    portal_ids[doc.portal] = portal
                try:
                    with conn.begin_nested():
                        out.append(
                            reports.store_parse(
                                conn,
                                source,
                                result,
                                parser_version=parser_version,
                                now=now,
                                portal_id=portal,
                                region=doc.region,
                            )
                        )
                except Exception as exc:
                    if not is_database_error(exc) or is_transient(exc):
                        raise
                    cause = getattr(exc, "orig", None) or exc
                    refused_because = message("not_stored", error=f"{type(cause).__name__}: {cause}")
                    failure = StoreFailure(refused_because.text)
                    refused = ParseResult(
                        result.source, "error", kind=result.kind, messages=[refused_because]
                    )
                    with conn.begin_nested():
                        reports.store_parse(conn, source, refused, parser_version=parser_version, now=now)
                    out.append(failure)
            return out

        return self._write(work)

    def assign(self, document_id: int, *, agency: str | None, year: int | None) -> None:
        """Record the agency and year a document's user says it is (`ingest --agency --year`):
        every later parse of it is filed under them (storage/reports.py)."""

        def work(conn: Connection) -> None:
            conn.execute(
                update(docs.documents)
                .where(docs.documents.c.id == document_id)
                .values(assigned_agency=agency, assigned_year=year)
            )

        self._write(work)

    def record_fetch_failure(self, failed: FailedFetch) -> FailureRecord:
        """One more failed try of a url (kept across runs: storage.fetch_failures)."""

        def work(conn: Connection) -> FailureRecord:
            now = utcnow()
            portal = docs.portal_id(conn, failed.portal, now) if failed.portal else None
            return fetch_failures.record(conn, failed, portal_id=portal, now=now, policy=self.retry_policy)

        return self._write(work)

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
        return self.known_many([url])[url]

    def known_many(self, urls: Sequence[str]) -> dict[str, KnownDocument | None]:
        """The latest fetch of each url, `complete` False for those a run must fetch again
        (storage.fetch_failures.incomplete)."""
        with read_connection(self.engine) as conn:
            known = {url: docs.latest_fetch(conn, url) for url in urls}
            pending = fetch_failures.incomplete(conn, [u for u, k in known.items() if k], utcnow())
        return {u: replace(k, complete=False) if k and u in pending else k for u, k in known.items()}

    def pending(
        self, parser_version: str, *, after: int = 0, limit: int = 100, ids: Collection[int] | None = None
    ) -> list[PendingDocument]:
        """Report documents this parser has still to parse (see documents.pending_documents)."""
        with read_connection(self.engine) as conn:
            return docs.pending_documents(conn, parser_version, after=after, limit=limit, ids=ids)

    def is_parsed(self, sha256: str, parser_version: str) -> bool:
        with read_connection(self.engine) as conn:
            return reports.version_exists(conn, sha256, parser_version)

    def read(self, sha256: str) -> bytes:
        """The archived bytes with this sha256, exactly as they arrived. ArchiveError when the
        WARC file is not readable here (an archive folder this machine does not share)."""
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
