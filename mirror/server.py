"""An in-process HTTP server for the offline mirror portals: one listener per portal on 127.0.0.1.

Each portal is a `Site` (see mirror/portals.py) answering `MirrorRequest`s. The server adds what
every real portal front end does: ETag / Last-Modified with 304 answers, HEAD, redirects, dropped
connections, slow answers, and a per-site log of every hit (the tests' ground truth).
"""

from __future__ import annotations

import hashlib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

FIXED_MTIME = 1_711_670_400  # 2024-03-29: Last-Modified of every mirror document


@dataclass
class MirrorRequest:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        """Query and form parameters together (Hanweb's dataproxy takes both)."""
        form = {k: v[-1] for k, v in parse_qs(self.body.decode("latin-1")).items()} if self.body else {}
        return {**form, **self.query}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = True  # ETag / Last-Modified and 304 answers
    drop: bool = False  # close the connection without answering
    delay: float = 0.0  # seconds to wait before answering
    # faults (tests/crawler/fault_server.py): the Content-Length to announce (more than the body:
    # a short body the client sees), and the body whose ETag to send (a cut one under the whole's)
    declared_length: int | None = None
    etag_of: bytes | None = None


def redirect(location: str, status: int = 301) -> Reply:
    return Reply(status, b"", headers={"Location": location}, conditional=False)


def not_found() -> Reply:
    return Reply(404, b"<html><body>404 Not Found</body></html>", conditional=False)


class Site(Protocol):
    def handle(self, request: MirrorRequest) -> Reply | None: ...


def bind_sites(sites: dict[str, Site], base_urls: dict[str, str]) -> None:
    """Tell each site that links others (mirror.chrome) where it and its peers listen."""
    for name, site in sites.items():
        bind = getattr(site, "bind", None)
        if bind is not None:
            bind(base_urls[name], base_urls)


@dataclass
class Hit:
    method: str
    target: str  # path?query
    status: int
    conditional: bool  # the request carried If-None-Match / If-Modified-Since
    referer: str = ""  # the page the request came from (which portal's crawl sent it)
    agent: str = ""  # the User-Agent it was sent with
    # when it arrived and when its answer was ready (time.monotonic(): the order of requests
    # from several processes, e.g. two crawls of one site must never overlap)
    arrived: float = 0.0
    answered: float = 0.0


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _sender(request: MirrorRequest) -> tuple[str, str]:
    """Who sent a request: the page it came from (Referer) and its User-Agent."""
    return request.headers.get("referer", ""), request.headers.get("user-agent", "")


def _make_handler(site: Site, log: list[Hit], lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "MirrorCMS/1.0"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def _record(self, hit: Hit) -> None:
            hit.answered = time.monotonic()
            with lock:
                log.append(hit)

        def _serve(self) -> None:
            arrived = time.monotonic()
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = MirrorRequest(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                body=body,
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            try:
                reply = site.handle(request) or not_found()
            except Exception as exc:  # a broken page builder must not look like a dropped connection
                reply = Reply(500, f"<html><body>500 {type(exc).__name__}: {exc}</body></html>".encode())
                reply.conditional = False
            conditional = "if-none-match" in request.headers or "if-modified-since" in request.headers
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                self._record(Hit(self.command, self.path, 0, conditional, *_sender(request), arrived))
                self.close_connection = True
                self.connection.shutdown(2)
                return
            headers = dict(reply.headers)
            status, payload = reply.status, reply.body
            if reply.conditional and status == 200:
                etag = _etag(reply.etag_of if reply.etag_of is not None else payload)
                headers["ETag"] = etag
                headers["Last-Modified"] = formatdate(FIXED_MTIME, usegmt=True)
                if request.headers.get("if-none-match") == etag:
                    status, payload = 304, b""
            self._record(Hit(self.command, self.path, status, conditional, *_sender(request), arrived))
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", reply.content_type)
            length = len(payload) if reply.declared_length is None else reply.declared_length
            self.send_header("Content-Length", str(0 if self.command == "HEAD" else length))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD" and payload:
                self.wfile.write(payload)
            if reply.declared_length is not None and reply.declared_length != len(payload):
                self.close_connection = True  # the rest never comes

        do_GET = do_POST = do_HEAD = _serve

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up (a killed crawl) are normal here; anything else is printed."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class MirrorServer:
    """Serve each site on its own 127.0.0.1 ephemeral port (a distinct "domain" per portal)."""

    def __init__(
        self,
        sites: dict[str, Site],
        host: str = "127.0.0.1",
        ports: dict[str, int] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`ports`: preferred ports (stable urls across demo runs); taken ones fall back to 0.
        `tls`: serve https with this context (a test's certificate)."""
        self.sites = sites
        self.tls = tls
        self.ports = ports or {}
        self.host = host
        self.hits: dict[str, list[Hit]] = {name: [] for name in sites}
        self._lock = threading.Lock()
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> MirrorServer:
        for name, site in self.sites.items():
            handler = _make_handler(site, self.hits[name], self._lock)
            try:
                server = _Server((self.host, self.ports.get(name, 0)), handler)
            except OSError:  # the preferred port is taken
                server = _Server((self.host, 0), handler)
            if self.tls is not None:
                server.socket = self.tls.wrap_socket(server.socket, server_side=True)
            self._servers[name] = server
        bind_sites(self.sites, {name: self.base_url(name) for name in self.sites})
        for name, server in self._servers.items():
            thread = threading.Thread(target=server.serve_forever, name=f"mirror-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def base_url(self, name: str) -> str:
        host, port = self._servers[name].server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hits_matching(self, name: str, predicate: Callable[[Hit], bool]) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits[name] if predicate(h)]
