"""The WARC archive: byte-identical read-back, no duplicate storage, rotation, fetch records."""

from __future__ import annotations

import gzip
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage.api import Store
from storage.archive import ArchiveError, sha256_hex
from storage.documents import contents, documents
from tests.storage.helpers import archive, count

URL = "https://www.example.gov.cn/zfxxgk/ndbg/2024.html"


def test_read_back_byte_identical_by_sha256_and_url(store: Store, sample_dir: Path) -> None:
    for path in sorted(sample_dir.iterdir()):
        body = path.read_bytes()
        doc = archive(store, f"file://{path}", body, content_type="text/plain")
        assert doc.sha256 == sha256_hex(body) and doc.is_new_content
        assert store.read(doc.sha256) == body
        assert store.read_url(f"file://{path}") == body


def test_http_response_keeps_status_headers_and_exact_body(store: Store) -> None:
    body = gzip.compress(b"\x00binary\r\n\r\nnot text") + "年度报告".encode("gb18030")
    headers = {"Content-Type": "application/pdf", "Content-Encoding": "gzip", "ETag": '"abc"'}
    when = datetime(2025, 3, 31, 8, 0, tzinfo=UTC)
    doc = archive(store, URL, body, status=200, headers=headers, final_url=URL + "?x", fetched_at=when)
    assert store.read(doc.sha256) == body
    known = store.known(URL)
    assert known is not None
    assert (known.sha256, known.etag, known.status, known.fetched_at) == (
        doc.sha256,
        '"abc"',
        200,
        when.replace(tzinfo=None),
    )
    warc = next(store.archive_dir.glob("*.warc.gz"))
    with warc.open("rb") as fh:
        record = next(iter(ArchiveIterator(fh)))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == URL
        assert record.http_headers.get_statuscode() == "200"
        assert record.http_headers.get_header("ETag") == '"abc"'


def test_same_bytes_are_stored_once(store: Store) -> None:
    body = b"<html>same</html>"
    first = archive(store, URL, body)
    again = archive(store, URL, body)
    elsewhere = archive(store, URL + "?mirror", body)
    assert first.is_new_content and not again.is_new_content and not elsewhere.is_new_content
    assert first.document_id == again.document_id != elsewhere.document_id
    assert count(store, contents) == 1 and count(store, documents) == 2
    files = list(store.archive_dir.glob("*.warc.gz"))
    assert len(files) == 1
    with files[0].open("rb") as fh:
        assert sum(1 for _ in ArchiveIterator(fh)) == 1


def test_files_rotate_by_size_and_stay_readable(database_url: str, tmp_path: Path) -> None:
    bodies = [os.urandom(3000) for _ in range(6)]
    with Store(database_url, str(tmp_path / "archive"), max_warc_bytes=5000) as store:
        shas = [archive(store, f"{URL}?n={i}", b).sha256 for i, b in enumerate(bodies)]
        assert len(list(store.archive_dir.glob("*.warc.gz"))) >= 3
        assert [store.read(sha) for sha in shas] == bodies
    with Store(database_url, str(tmp_path / "archive"), max_warc_bytes=5000) as reopened:
        assert reopened.read(shas[-1]) == bodies[-1]
        new = archive(reopened, URL, b"after restart")
        assert reopened.read(new.sha256) == b"after restart"


def test_a_writer_never_appends_to_another_writers_file(database_url: str, tmp_path: Path) -> None:
    """Each writer (a process, on any machine sharing the archive) writes files of its own: bytes
    a killed writer left unindexed at the end of its file are never written after or over."""
    folder = tmp_path / "archive"
    with Store(database_url, str(folder)) as store:
        kept = archive(store, URL, b"kept")
    (first,) = folder.glob("*.warc.gz")
    with first.open("ab") as fh:
        fh.write(b"\x1f\x8b half a record")
    torn = first.read_bytes()
    with Store(database_url, str(folder)) as store:
        fresh = archive(store, URL, b"fresh")
        assert len(list(folder.glob("*.warc.gz"))) == 2
        assert store.read(kept.sha256) == b"kept" and store.read(fresh.sha256) == b"fresh"
    assert first.read_bytes() == torn
    host = socket.gethostname()
    assert all(f"-{host}-{os.getpid()}" in path.name for path in folder.glob("*.warc.gz"))


def test_a_changed_archive_is_detected(store: Store) -> None:
    doc = archive(store, URL, b"original bytes")
    (warc,) = store.archive_dir.glob("*.warc.gz")
    store.close()
    warc.write_bytes(b"garbage")
    with pytest.raises(ArchiveError):
        store.read(doc.sha256)
