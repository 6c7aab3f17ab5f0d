"""A portal that goes wrong in given ways, served by a child process (Scrapy's mock-server
style): `FaultServer(spec)` starts `python -m tests.crawler.fault_server SPEC`, which prints
where it listens on its first line of output and serves until its stdin closes.

The spec (JSON) names a small TRS portal (tests.crawler.broken_sites.small_portal: its name,
years, kinds, agencies) and the faults of its paths: a short body (fewer bytes than the
Content-Length announced), a dropped connection, a body cut with a consistent Content-Length
(under the whole body's ETag), an HTTP status (5xx, 429 with Retry-After, 403 WAF page, 503
JavaScript challenge, a captcha page in the portal's chrome), a delay; each for its first
`times` hits or for ever. A share of all paths can be cut at random (seeded). robots.txt can
answer a status; the portal can be served over TLS with a given certificate. `/__hits__`
answers the hits so far (path, status, monotonic time) as JSON; `/__heal__` ends the faults.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from mirror.portals import MirrorPortal
from mirror.server import MirrorRequest, MirrorServer, Reply
from mirror.sites import PortalSite
from settings.registry import dump_portal
from tests.crawler.broken_sites import small_portal

ROOT = Path(__file__).resolve().parents[2]
HITS = "/__hits__"
HEAL = "/__heal__"
WAF_PAGE = (
    "<html><head><title>403 Forbidden</title></head><body><h1>访问被拒绝</h1>"
    "<p>您的访问请求可能对网站造成安全威胁，已被网站应用防火墙（WAF）拦截。事件ID: 8f3a</p></body></html>"
)
JS_CHALLENGE_PAGE = (
    "<html><head><title>请稍候…</title></head><body><noscript>请启用JavaScript后访问</noscript>"
    "<script>var _0x1=['cookie','challenge'];document.cookie='acw_sc__v2='+_0x1[1];"
    "location.reload();</script></body></html>"
)


def captcha_body(site: PortalSite) -> bytes:
    """A slider-captcha page inside the portal's own chrome, padded past 20 kB as real ones are."""
    body = (
        '<div class="verify"><h2>安全验证</h2><p>请完成下方滑动验证后继续访问</p>'
        '<div id="nc_slider">向右滑动验证</div>' + "<!-- " + "x" * 24000 + " --></div>"
    ).encode()
    return site.chrome.around(body, site.peers, site.encoding)


@dataclass(frozen=True)
class Fault:
    """What a path answers instead of its page, for its first `times` hits (None: every hit)."""

    kind: str  # short, drop, cut, status, delay, waf, js_challenge, captcha, flood
    times: int | None = None
    status: int = 503
    retry_after: str | None = None
    keep: float = 0.6  # cut, short: the share of the body sent
    delay: float = 0.0
    heals: bool = True  # removed by FaultServer.heal() (False: a fault for good, a 404)
    links: int = 1_000_000  # flood: links added to the page

    def reply(self, whole: Reply, site: PortalSite) -> Reply:
        if self.kind == "drop":
            return Reply(drop=True)
        if self.kind == "flood":
            flood = "".join(f'<li><a href="/f/{n}.html">文件{n}</a></li>' for n in range(self.links))
            whole.body = whole.body.replace(b"</body>", f"<ul>{flood}</ul></body>".encode())
            return whole
        if self.kind == "delay":
            whole.delay = self.delay
            return whole
        if self.kind in ("cut", "short"):
            kept = whole.body[: int(len(whole.body) * self.keep)]
            if self.kind == "short":  # the announced length is the whole body's
                return Reply(whole.status, kept, whole.content_type, declared_length=len(whole.body))
            return Reply(whole.status, kept, whole.content_type, etag_of=whole.body)
        headers = {"Retry-After": self.retry_after} if self.retry_after else {}
        if self.kind == "waf":
            return Reply(403, WAF_PAGE.encode(), conditional=False)
        if self.kind == "js_challenge":
            return Reply(503, JS_CHALLENGE_PAGE.encode(), conditional=False)
        if self.kind == "captcha":
            return Reply(200, captcha_body(site), site.html(b"").content_type, conditional=False)
        page = f"<html><body>{self.status}</body></html>".encode()
        return Reply(self.status, page, headers=headers, conditional=False)


@dataclass
class Faulty:
    """`inner` with the faults of `faults` (by path) and its hits logged."""

    inner: PortalSite
    faults: dict[str, Fault] = field(default_factory=dict)
    robots_status: int | None = None
    counts: Counter[str] = field(default_factory=Counter)
    log: list[tuple[str, int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bind(self, base_url: str, peers: dict[str, str]) -> None:
        self.inner.bind(base_url, peers)

    def handle(self, request: MirrorRequest) -> Reply | None:
        if request.path == HITS:
            with self.lock:
                return Reply(body=json.dumps(self.log).encode(), content_type="application/json")
        if request.path == HEAL:
            with self.lock:
                self.faults = {path: fault for path, fault in self.faults.items() if not fault.heals}
            return Reply(body=b"healed", content_type="text/plain")
        reply = self.answer(request)
        with self.lock:
            self.log.append((request.path, 0 if reply.drop else reply.status, time.monotonic()))
        return reply

    def answer(self, request: MirrorRequest) -> Reply:
        if request.path == "/robots.txt" and self.robots_status:
            return Reply(self.robots_status, b"<html><body>busy</body></html>", conditional=False)
        with self.lock:
            self.counts[request.path] += 1
            hit = self.counts[request.path]
        whole = self.inner.handle(request) or Reply(404, b"<html><body>404</body></html>")
        fault = self.faults.get(request.path)
        if fault is None or (fault.times is not None and hit > fault.times):
            return whole
        return fault.reply(whole, self.inner)


def portal_of(spec: dict[str, Any]) -> MirrorPortal:
    """The spec's portal, the same in the test and the server (the mirror is deterministic)."""
    first, last = spec.get("years", [2020, 2024])
    return small_portal(
        spec["name"],
        years=range(first, last + 1),
        kinds=tuple(spec.get("kinds", ["html"])),
        more_agencies=spec.get("more_agencies", []),
    )


def faulty_site(spec: dict[str, Any], portal: MirrorPortal) -> Faulty:
    faults = {path: Fault(**fault) for path, fault in spec.get("faults", {}).items()}
    cut = spec.get("cut")  # {"share": 0.05, "seed": 1, "times": 1, "paths": "documents"}
    if cut:
        site = portal.inner
        paths = sorted(p for p in site.routes if not p.endswith("/robots.txt"))
        chosen = random.Random(cut.get("seed", 0)).sample(paths, max(1, round(len(paths) * cut["share"])))
        for path in chosen:
            faults.setdefault(path, Fault("cut", times=cut.get("times"), keep=cut.get("keep", 0.6)))
    return Faulty(portal.inner, faults, robots_status=spec.get("robots_status"))


def serve(spec: dict[str, Any]) -> None:
    import ssl

    portal = portal_of(spec)
    tls = None
    if spec.get("tls"):
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(spec["tls"]["cert"], spec["tls"]["key"])
    server = MirrorServer({portal.name: faulty_site(spec, portal)}, tls=tls).start()
    print(json.dumps({"base_url": server.base_url(portal.name)}), flush=True)
    sys.stdin.read()  # until the test closes our stdin (or dies)
    server.stop()


@dataclass
class FaultServer:
    """The running child: its portal's YAML in `portals_dir` (for Workspace.crawl)."""

    spec: dict[str, Any]
    process: subprocess.Popen[str]
    base_url: str
    portal: MirrorPortal
    portals_dir: Path

    def hits(self) -> list[tuple[str, int, float]]:
        """(path, status, monotonic time) of every hit so far (status 0: dropped)."""
        return [tuple(hit) for hit in json.loads(self._get(HITS))]

    def heal(self) -> None:
        """From now on the paths answer as they should (but faults with heals=False)."""
        self._get(HEAL)

    def _get(self, path: str) -> bytes:
        context = None
        if self.base_url.startswith("https"):
            import ssl

            context = ssl._create_unverified_context()  # the test's own self-signed server
        with urlopen(self.base_url + path, timeout=10, context=context) as answer:
            return bytes(answer.read())


@contextmanager
def fault_server(spec: dict[str, Any], directory: Path, **config: Any) -> Iterator[FaultServer]:
    """Serve `spec` in a child process; its portal's YAML (with `config` set) under `directory`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.crawler.fault_server", json.dumps(spec)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fault server exited ({process.wait()}) before listening")
        base_url = json.loads(line)["base_url"]
        portal = portal_of(spec)
        portal_config = portal.config(base_url)
        if config:
            portal_config = portal_config.model_copy(update=config)
        dump_portal(portal_config, directory / "portals")
        running = FaultServer(spec, process, base_url, portal, directory / "portals")
        yield running
    finally:
        if process.poll() is None:
            if process.stdin:
                process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))
