"""The archive index: contents (sha256 -> WARC location) and documents (url + sha256 fetch records)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from storage.archive import WarcArchive, WarcLocation, sha256_hex
from storage.db import read_connection
from storage.models import Content, Document, Portal
from storage.upsert import dialect_insert, upsert_statement

contents = Content.__table__
documents = Document.__table__
portals = Portal.__table__


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


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def archive_document(
    conn: Connection,
    warc: WarcArchive,
    *,
    url: str,
    body: bytes,
    fetched_at: datetime,
    status: int,
    headers: dict[str, str],
    final_url: str | None,
    content_type: str | None,
    portal_id: int | None,
) -> ArchivedDocument:
    """Write the bytes to the WARC archive unless they are there already; record the fetch."""
    digest = sha256_hex(body)
    content_type = content_type or _header(headers, "content-type")
    is_new = conn.execute(select(contents.c.sha256).where(contents.c.sha256 == digest)).first() is None
    if is_new:
        where = warc.write(
            url=url,
            body=body,
            fetched_at=fetched_at,
            status=status,
            headers=headers,
            content_type=content_type,
        )
        row = {
            "sha256": digest,
            "size": len(body),
            "warc_file": where.file,
            "warc_offset": where.offset,
            "warc_length": where.length,
            "stored_at": fetched_at,
        }
        conn.execute(dialect_insert(conn.dialect.name, contents).on_conflict_do_nothing(), row)
    values = {
        "url": url,
        "sha256": digest,
        "final_url": final_url,
        "status": status,
        "headers": dict(headers),
        "content_type": content_type,
        "etag": _header(headers, "etag"),
        "last_modified": _header(headers, "last-modified"),
        "portal_id": portal_id,
        "fetched_at": fetched_at,
        "last_fetched_at": fetched_at,
        "fetch_count": 1,
    }
    document_id = conn.execute(_fetch_upsert(conn.dialect.name), values).scalar_one()
    return ArchivedDocument(document_id, digest, url, fetched_at, is_new)


@cache
def _fetch_upsert(dialect: str) -> Any:
    """A fetch of known (url, bytes) refreshes the record and counts; a new one inserts it."""
    stmt = dialect_insert(dialect, documents)
    excluded = stmt.excluded
    refreshed = ("final_url", "status", "headers", "content_type", "etag", "last_modified", "last_fetched_at")
    set_: dict[str, Any] = {name: excluded[name] for name in refreshed}
    set_["fetch_count"] = documents.c.fetch_count + 1
    set_["portal_id"] = func.coalesce(excluded.portal_id, documents.c.portal_id)
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


def indexed_end(engine: Engine, warc_file: str) -> int:
    """Where the last indexed record of a WARC file ends (0 if none)."""
    with read_connection(engine) as conn:
        end = conn.execute(
            select(func.max(contents.c.warc_offset + contents.c.warc_length)).where(
                contents.c.warc_file == warc_file
            )
        ).scalar()
    return int(end or 0)


def portal_id(conn: Connection, name: str, now: datetime) -> int:
    """The id of a portal by name, creating a bare row for a name not seen before."""
    stmt = upsert_statement(
        conn.dialect.name, portals, keys=("name",), compare=(), also_set=("last_seen",), returning=("id",)
    )
    return int(conn.execute(stmt, {"name": name, "first_seen": now, "last_seen": now}).scalar_one())
