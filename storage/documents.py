"""The archive index: contents (sha256 -> WARC location), documents (url + sha256 fetch records)
and the documents the parse stage has still to parse."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, exists, func, select, update

from storage import fetch_failures
from storage.archive import WarcLocation
from storage.fetch_failures import FailedFetch, RetryPolicy
from storage.models import Content, Document, Portal, Report, ReportVersion
from storage.upsert import dialect_insert, upsert_statement

contents = Content.__table__
documents = Document.__table__
portals = Portal.__table__
reports = Report.__table__
versions = ReportVersion.__table__

log = logging.getLogger(__name__)
MAX_CONTENT_TYPE_CHARS = Document.content_type.type.length  # a longer one broke PostgreSQL inserts


@dataclass(frozen=True)
class Fetched:
    """One document as it arrived, with what its crawl knew of it (nothing, for a user's file)."""

    url: str  # as requested or given: the document's identity
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str | None = None
    content_type: str | None = None
    fetched_at: datetime | None = None  # None: now
    portal: str | None = None
    role: str | None = None  # list, report, attachment (None: a user's file or URL)
    parse: bool = False  # a report for the parse stage
    listed_title: str | None = None
    listed_year: int | None = None
    list_url: str | None = None
    report_url: str | None = None
    # why the body is cut short by its own structure (crawler.completeness): archived as it
    # came, never parsed, and kept failing (storage.fetch_failures) until fetched whole
    truncated: str | None = None
    tls_unverified: str | None = None  # fetched over TLS without verifying: why


@dataclass(frozen=True)
class ArchivedDocument:
    document_id: int
    sha256: str
    url: str
    fetched_at: datetime
    is_new_content: bool  # these bytes were not in the archive before


@dataclass(frozen=True)
class KnownDocument:
    """The latest fetch of a url: what a conditional request or a skip needs."""

    document_id: int
    sha256: str
    status: int
    etag: str | None
    last_modified: str | None
    fetched_at: datetime
    # False: fetch it again in full even when its list is unchanged (storage.fetch_failures)
    complete: bool = True


@dataclass(frozen=True)
class PendingDocument:
    """An archived report document and what the parse stage needs to parse and file it."""

    document_id: int
    sha256: str
    url: str
    fetched_at: datetime
    listed_title: str | None = None
    portal: str | None = None
    region: str | None = None


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _bounded_content_type(url: str, value: str | None) -> str | None:
    """The Content-Type cut to its column (it is kept whole in `headers`)."""
    if value is None or len(value) <= MAX_CONTENT_TYPE_CHARS:
        return value
    log.warning(
        "%s: Content-Type of %d characters cut to %d (kept whole in the headers)",
        url,
        len(value),
        MAX_CONTENT_TYPE_CHARS,
    )
    return value[:MAX_CONTENT_TYPE_CHARS]


def _storable(text: str | None) -> str | None:
    """Text PostgreSQL can hold: it refuses NUL characters, which become U+FFFD."""
    return text.replace("\x00", "\ufffd") if text else text


def content_known(conn: Connection, sha256: str) -> bool:
    return conn.execute(select(contents.c.sha256).where(contents.c.sha256 == sha256)).first() is not None


def index_document(
    conn: Connection,
    fetched: Fetched,
    *,
    sha256: str,
    written: WarcLocation | None,
    fetched_at: datetime,
    portal_id: int | None,
    policy: RetryPolicy,
) -> ArchivedDocument:
    """Index a fetch whose bytes are in the archive (`written`: where this writer just put them;
    None when the content was archived before). Content seen again moves the last_seen of the
    versions parsed from it and of the reports they are current for. A whole body clears the
    url's failure; a truncated one counts as a failed try and is not for the parse stage."""
    is_new = False
    if written is not None:
        row = {
            "sha256": sha256,
            "size": len(fetched.body),
            "warc_file": written.file,
            "warc_offset": written.offset,
            "warc_length": written.length,
            "stored_at": fetched_at,
        }
        insert = dialect_insert(conn.dialect.name, contents).on_conflict_do_nothing()
        is_new = conn.execute(insert.returning(contents.c.sha256), row).first() is not None
    headers = dict(fetched.headers)
    values = {
        "url": fetched.url,
        "sha256": sha256,
        "final_url": fetched.final_url,
        "status": fetched.status,
        "headers": headers,
        "content_type": _bounded_content_type(
            fetched.url, fetched.content_type or _header(headers, "content-type")
        ),
        "etag": _header(headers, "etag"),
        "last_modified": _header(headers, "last-modified"),
        "portal_id": portal_id,
        "fetched_at": fetched_at,
        "last_fetched_at": fetched_at,
        "fetch_count": 1,
        "role": fetched.role,
        "parse": fetched.parse and fetched.truncated is None,
        "listed_title": _storable(fetched.listed_title),
        "listed_year": fetched.listed_year,
        "list_url": fetched.list_url,
        "report_url": fetched.report_url,
        "tls_unverified": fetched.tls_unverified,
    }
    document_id = conn.execute(_fetch_upsert(conn.dialect.name), values).scalar_one()
    if fetched.truncated is not None:
        failed = FailedFetch(
            fetched.url, fetched.truncated, fetched.status, fetched.portal, fetched.role, fetched.report_url
        )
        fetch_failures.record(conn, failed, portal_id=portal_id, now=fetched_at, policy=policy)
        return ArchivedDocument(document_id, sha256, fetched.url, fetched_at, is_new)
    fetch_failures.clear(conn, fetched.url)
    if not is_new and fetched.parse:
        parsed = select(versions.c.id).where(versions.c.sha256 == sha256)
        conn.execute(update(versions).where(versions.c.sha256 == sha256).values(last_seen=fetched_at))
        conn.execute(
            update(reports).where(reports.c.current_version_id.in_(parsed)).values(last_seen=fetched_at)
        )
    return ArchivedDocument(document_id, sha256, fetched.url, fetched_at, is_new)


@cache
def _fetch_upsert(dialect: str) -> Any:
    """A fetch of known (url, bytes) refreshes the record and counts; a new one inserts it."""
    stmt = dialect_insert(dialect, documents)
    excluded = stmt.excluded
    refreshed = (
        "final_url",
        "status",
        "headers",
        "content_type",
        "etag",
        "last_modified",
        "last_fetched_at",
        "parse",
        "tls_unverified",
    )
    set_: dict[str, Any] = {name: excluded[name] for name in refreshed}
    set_["fetch_count"] = documents.c.fetch_count + 1
    # what a later fetch does not know (a user's copy of a crawled file) is kept
    for name in ("portal_id", "role", "listed_title", "listed_year", "list_url", "report_url"):
        set_[name] = func.coalesce(excluded[name], documents.c[name])
    stmt = stmt.on_conflict_do_update(index_elements=[documents.c.url, documents.c.sha256], set_=set_)
    return stmt.returning(documents.c.id)


def latest_fetch(conn: Connection, url: str) -> KnownDocument | None:
    row = conn.execute(
        select(
            documents.c.id,
            documents.c.sha256,
            documents.c.status,
            documents.c.etag,
            documents.c.last_modified,
            documents.c.last_fetched_at,
        )
        .where(documents.c.url == url)
        .order_by(documents.c.last_fetched_at.desc(), documents.c.id.desc())
        .limit(1)
    ).first()
    return KnownDocument(*row) if row else None


def content_location(conn: Connection, sha256: str) -> WarcLocation | None:
    row = conn.execute(
        select(contents.c.warc_file, contents.c.warc_offset, contents.c.warc_length).where(
            contents.c.sha256 == sha256
        )
    ).first()
    return WarcLocation(*row) if row else None


def portal_id(conn: Connection, name: str, now: datetime) -> int:
    """The id of a portal by name, creating a bare row for a name not seen before."""
    stmt = upsert_statement(
        conn.dialect.name, portals, keys=("name",), compare=(), also_set=("last_seen",), returning=("id",)
    )
    return int(conn.execute(stmt, {"name": name, "first_seen": now, "last_seen": now}).scalar_one())


def pending_documents(
    conn: Connection,
    parser_version: str,
    *,
    after: int = 0,
    limit: int = 100,
    ids: Collection[int] | None = None,
) -> list[PendingDocument]:
    """Report documents (after document id `after`, among `ids` when given) whose content this
    parser has not parsed; one per content (the first document that brought it)."""
    parsed = exists().where(
        versions.c.sha256 == documents.c.sha256, versions.c.parser_version == parser_version
    )
    query = (
        select(
            documents.c.id,
            documents.c.sha256,
            documents.c.url,
            documents.c.fetched_at,
            documents.c.listed_title,
            portals.c.name,
            portals.c.region,
        )
        .outerjoin(portals, portals.c.id == documents.c.portal_id)
        .where(documents.c.parse.is_(True), documents.c.id > after, ~parsed)
        .order_by(documents.c.id)
        .limit(limit)
    )
    if ids is not None:  # a job's batch (nianbao.jobs)
        query = query.where(documents.c.id.in_(ids))
    seen: set[str] = set()
    out: list[PendingDocument] = []
    for row in conn.execute(query):
        if row.sha256 not in seen:
            seen.add(row.sha256)
            out.append(PendingDocument(*row))
    return out
