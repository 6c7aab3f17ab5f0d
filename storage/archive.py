"""The raw archive: documents exactly as they arrived, in gzipped WARC files rotated by size.

HTTP(S) fetches become `response` records (status line and headers kept), anything else (a
user's file) a `resource` record. Each record is its own gzip member, so a (file, offset, length)
from the database index reads one document back without scanning the file.

Every writer (one per process, on any machine sharing the archive folder) writes files of its
own, named after its host and process, and never appends to another's: no two writers share a
file, and a writer killed between writing a record and committing its index row leaves bytes
that nobody writes after. Reads check the sha256 of what they return.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import responses
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DEFAULT_MAX_BYTES = 1 << 30  # rotate after 1 GiB
PREFIX = "nianbao-"
SUFFIX = ".warc.gz"
# The body is stored decoded (as the client handed it over): headers describing the transfer
# encoding would make WARC readers decode it again. The database keeps the headers as received.
_TRANSFER_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


class ArchiveError(Exception):
    """An archived document cannot be read back as it was stored."""


@dataclass(frozen=True)
class WarcLocation:
    file: str  # name inside the archive directory
    offset: int
    length: int


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


class WarcArchive:
    """Append documents to WARC files under `directory`; read them back by location."""

    def __init__(self, directory: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._out: BinaryIO | None = None
        self._name: str | None = None

    def write(
        self,
        *,
        url: str,
        body: bytes,
        fetched_at: datetime,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> WarcLocation:
        out, name = self._writable()
        writer = WARCWriter(out, gzip=True)
        record = self._record(writer, url, body, fetched_at, status, headers, content_type)
        offset = out.tell()
        writer.write_record(record)
        out.flush()
        os.fsync(out.fileno())
        return WarcLocation(name, offset, out.tell() - offset)

    def read(self, location: WarcLocation, sha256: str | None = None) -> bytes:
        path = self.directory / location.file
        try:
            with path.open("rb") as fh:
                fh.seek(location.offset)
                member = io.BytesIO(fh.read(location.length))
        except OSError as exc:
            raise ArchiveError(f"{path}: {exc}") from exc
        try:
            record = next(iter(ArchiveIterator(member)), None)
            body = record.raw_stream.read() if record is not None else None
        except (ArchiveLoadFailed, OSError, EOFError, zlib.error) as exc:
            raise ArchiveError(f"{path}@{location.offset}: {exc}") from exc
        if body is None:
            raise ArchiveError(f"{path}@{location.offset}: no WARC record")
        if sha256 and sha256_hex(body) != sha256:
            raise ArchiveError(f"{path}@{location.offset}: content does not match sha256 {sha256}")
        return body

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
        self._out = self._name = None

    # --- writing -------------------------------------------------------------------------------

    @staticmethod
    def _record(writer, url, body, fetched_at, status, headers, content_type):  # type: ignore[no-untyped-def]
        warc_headers = {"WARC-Date": fetched_at.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        if not is_http(url):
            warc_headers["Content-Type"] = content_type or "application/octet-stream"
            return writer.create_warc_record(
                url, "resource", payload=io.BytesIO(body), length=len(body), warc_headers_dict=warc_headers
            )
        kept = [(k, v) for k, v in (headers or {}).items() if k.lower() not in _TRANSFER_HEADERS]
        if content_type and not any(k.lower() == "content-type" for k, _ in kept):
            kept.append(("Content-Type", content_type))
        kept.append(("Content-Length", str(len(body))))
        status_line = f"{status} {responses.get(status, 'Unknown')}"
        http_headers = StatusAndHeaders(status_line, kept, protocol="HTTP/1.1")
        return writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )

    def _writable(self) -> tuple[BinaryIO, str]:
        if self._out is not None and self._name is not None and self._out.tell() < self.max_bytes:
            return self._out, self._name
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        writer = f"{socket.gethostname()}-{os.getpid()}"
        for attempt in range(1000):
            name = f"{PREFIX}{stamp}-{writer}{f'-{attempt}' if attempt else ''}{SUFFIX}"
            try:
                self._out = (self.directory / name).open("xb")
            except FileExistsError:
                continue
            self._name = name
            return self._out, name
        raise ArchiveError(f"{self.directory}: cannot create a new WARC file")
