"""`nianbao ingest URL`: fetched like the crawler fetches (User-Agent, retries), from a local server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

import storage.ingest
from settings.base import USER_AGENT
from storage.api import Store
from storage.parse_stage import Outcome
from tests.samples import ZHONGMU
from tests.storage.helpers import ingest_paths

REPORT = ZHONGMU.read_bytes()


class _Portal(BaseHTTPRequestHandler):
    url: ClassVar[str]
    failures_left: ClassVar[int]  # /flaky answers 503 this many times first
    agents: ClassVar[list[str]]

    def do_GET(self) -> None:
        type(self).agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/flaky" and type(self).failures_left:
            type(self).failures_left -= 1
            self.send_error(503)
        elif self.path == "/flaky":
            body = REPORT
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def portal(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Portal]]:
    monkeypatch.setattr(storage.ingest, "BACKOFF_S", 0.01)
    handler = type("Portal", (_Portal,), {"failures_left": 2, "agents": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    server.shutdown()
    server.server_close()


def test_ingest_url_retries_5xx_and_reports_what_it_cannot_read(store: Store, portal: type[_Portal]) -> None:
    lines: list[str] = []
    report, failed = ingest_paths(store, [f"{portal.url}/flaky", f"{portal.url}/gone"], report=lines.append)

    assert (report.total(Outcome.NEW), report.counts.inserted, failed) == (1, 200, 1)
    assert portal.agents == [USER_AGENT] * 4  # 503, 503, 200; the 404 is not retried
    assert len(lines) == 1 and lines[0].startswith(f"{portal.url}/gone: cannot read: HTTP Error 404")
    assert store.read_url(f"{portal.url}/flaky") == REPORT


class _Endless(BaseHTTPRequestHandler):
    """/endless: a body without Content-Length that never ends; /declared: a Content-Length of 1 TB."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        if self.path == "/declared":
            self.send_header("Content-Length", str(10**12))
        self.end_headers()
        chunk = b"<p>" + b"x" * 65_536 + b"</p>"
        try:
            while True:
                self.wfile.write(chunk)
        except OSError:  # the client hung up: what it should do
            pass

    def log_message(self, *_args: object) -> None:
        pass


def test_ingest_url_stops_reading_an_endless_body(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.ingest, "DOWNLOAD_MAXSIZE", 4 * 1024 * 1024)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        lines: list[str] = []
        report, failed = ingest_paths(store, [f"{base}/endless", f"{base}/declared"], report=lines.append)
    finally:
        server.shutdown()
        server.server_close()
    assert (failed, report.total(Outcome.NEW)) == (2, 0)
    assert lines == [
        f"{base}/endless: cannot read: {base}/endless: larger than 4194304 bytes, not ingested",
        f"{base}/declared: cannot read: {base}/declared: larger than 4194304 bytes, not ingested",
    ]
