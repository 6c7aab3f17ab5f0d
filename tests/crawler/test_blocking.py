"""Anti-bot pages and server pushback, served by the fault server: a captcha page inside the
portal's chrome and over 20 kB, a 403 WAF page, a 503 JavaScript challenge and a robots.txt
answering 503 make the portal `blocked` (never a failure, never stored as a report); a 429's
Retry-After is waited for (seconds or an HTTP-date)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import pairwise
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.middlewares import blocked_reason, retry_after_s
from mirror.sites import TrsSite
from nianbao.exit_codes import ExitCode
from settings.registry import dump_portal
from tests.crawler.conftest import Workspace
from tests.crawler.fault_server import JS_CHALLENGE_PAGE, WAF_PAGE, captcha_body, fault_server, portal_of

DELAY = 0.5


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> HtmlResponse:
    return HtmlResponse("http://h/", status=status, body=body, headers=headers, request=Request("http://h/"))


def _spec(name: str, **more: object) -> dict[str, object]:
    return {"name": name, "years": [2022, 2024], **more}


def test_anti_bot_pages_are_recognised() -> None:
    site = portal_of(_spec("unit")).inner
    assert isinstance(site, TrsSite)
    page = captcha_body(site)
    assert len(page) > 20000 and "信息公开".encode() in page  # the portal's chrome around it
    assert blocked_reason(_response(200, page)) == "captcha page (200)"
    gbk = page.decode().encode("gbk")
    assert blocked_reason(_response(200, gbk)) == "captcha page (200)"
    assert blocked_reason(_response(403, WAF_PAGE.encode())) == "403 page of a web application firewall"
    assert blocked_reason(_response(503, JS_CHALLENGE_PAGE.encode())) == "503 JavaScript challenge page"


def test_pages_that_are_not_anti_bot_pages() -> None:
    report = site_report_page()
    assert blocked_reason(_response(200, report)) is None
    mention = report.replace(b"</body>", "<p>网上申请须填写短信验证码。</p></body>".encode())
    assert blocked_reason(_response(200, mention)) is None
    assert blocked_reason(_response(403, b"<html><body>403 Forbidden</body></html>")) is None  # a failure
    assert blocked_reason(_response(503, b"<html><body>busy</body></html>")) is None  # retried


def site_report_page() -> bytes:
    portal = portal_of(_spec("unit"))
    return portal.inner.article_page(portal.reports[0])


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after_s(_response(429, b"", {"Retry-After": "7"})) == 7.0
    later = datetime.now(UTC) + timedelta(seconds=30)
    wait = retry_after_s(_response(429, b"", {"Retry-After": format_datetime(later, usegmt=True)}))
    assert wait is not None and 28 <= wait <= 30
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert retry_after_s(_response(503, b"", {"Retry-After": past})) == 0.0
    assert retry_after_s(_response(503, b"", {"Retry-After": "soon"})) is None
    assert retry_after_s(_response(503, b"")) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"kind": "captcha"}, "captcha page (200) at "),
        ({"kind": "waf"}, "403 page of a web application firewall at "),
        ({"kind": "js_challenge"}, "503 JavaScript challenge page at "),
        ("robots", "robots.txt answered 503: everything assumed disallowed (RFC 9309)"),
    ],
)
def test_a_portal_behind_an_anti_bot_page_is_blocked(
    tmp_path: Path, workspace: Workspace, fault: object, reason: str
) -> None:
    portal = portal_of(_spec("fault-blocked"))
    page = portal.reports[0].article_path
    spec = (
        _spec("fault-blocked", robots_status=503)
        if fault == "robots"
        else _spec("fault-blocked", faults={page: fault})
    )
    with fault_server(spec, tmp_path) as server:
        summary = workspace.crawl(server, [portal.name])[portal.name]  # type: ignore[arg-type]
    assert summary["status"] == "blocked", workspace.last_stderr[-3000:]
    assert summary["blocked"].startswith(reason)
    assert workspace.last_exit == ExitCode.BLOCKED
    assert summary["failed"] == 0
    assert workspace.query("select count(*) from fetch_failures") == [(0,)]
    stored = workspace.query("select count(*) from documents where url = ?", server.base_url + page)
    assert stored == [(0,)]


@pytest.mark.slow
def test_a_429_is_asked_again_no_sooner_than_its_retry_after(tmp_path: Path, workspace: Workspace) -> None:
    portal = portal_of(_spec("fault-429"))
    page = portal.reports[0].article_path
    fault = {"kind": "status", "status": 429, "retry_after": "1", "times": 1}
    with fault_server(_spec("fault-429", faults={page: fault}), tmp_path) as server:
        summary = workspace.crawl(server, [portal.name])[portal.name]  # type: ignore[arg-type]
        hits = [(status, at) for path, status, at in server.hits() if path == page]
    assert summary["failed"] == 0, workspace.last_stderr[-3000:]
    assert [status for status, _ in hits] == [429, 200]
    assert hits[1][1] - hits[0][1] >= 1.0  # settings.mirror's backoff alone waits 0.1 s


@pytest.mark.slow
def test_two_portals_on_one_host_share_its_delay(tmp_path: Path, workspace: Workspace) -> None:
    spec = _spec("host-a")
    with fault_server(spec, tmp_path) as server:
        twin = server.portal.config(server.base_url).model_copy(update={"name": "host-b"})
        dump_portal(twin, server.portals_dir)
        summaries = workspace.crawl(server, ["host-a", "host-b"], DOWNLOAD_DELAY=DELAY)  # type: ignore[arg-type]
        times = sorted(at for path, _, at in server.hits() if path != "/__hits__")
    assert [s["status"] for s in summaries.values()] == ["ok", "ok"], workspace.last_stderr[-3000:]
    assert len(times) >= 10
    gaps = [b - a for a, b in pairwise(times)]
    # as the server sees them (a new connection delays one hit a little); Scrapy alone: gaps near 0
    assert min(gaps) >= DELAY * 0.6
