"""Downloader middlewares: retry backoff, blocked-portal detection, conditional requests, and the
charset fix for pages whose header lies."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.response import response_status_message

from crawler.completeness import truncation
from crawler.extract import true_encoding
from crawler.reachability import is_tls_failure
from crawler.store_access import in_store
from storage.api import Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

META = "nianbao"
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
RETRY_AFTER = "nianbao_retry_after_s"  # request meta: the Retry-After its last answer asked for


class BackoffRetryMiddleware(RetryMiddleware):
    """The crawl's one retry of a fetch: Scrapy's (5xx, 429, timeouts, dropped connections,
    bodies shorter than their Content-Length) with exponential backoff, at least as long as a
    429/503's Retry-After asks (a wait longer than NIANBAO_RETRY_BACKOFF_MAX is left to a later
    run), and of bodies cut short by their own structure (crawler.completeness): once retries
    are spent such a body goes on marked `truncated` (archived, never parsed, failing)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        mw = super().from_crawler(crawler)
        mw.backoff_base = crawler.settings.getfloat("NIANBAO_RETRY_BACKOFF_BASE")
        mw.backoff_max = crawler.settings.getfloat("NIANBAO_RETRY_BACKOFF_MAX")
        return mw

    async def process_request(self, request: Request) -> None:
        retries = request.meta.get("retry_times", 0)
        if retries:
            backoff = min(self.backoff_base * 2 ** (retries - 1), self.backoff_max)
            await asyncio.sleep(max(backoff, request.meta.get(RETRY_AFTER, 0.0)))

    def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        if is_tls_failure(exception):
            return None  # a certificate that does not verify will not verify on a retry
        return super().process_exception(request, exception)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False):
            return response
        if response.status in self.retry_http_codes:
            wait = retry_after_s(response)
            if wait is not None and wait > self.backoff_max:
                self.crawler.stats.inc_value("nianbao/retries/retry_after_too_long")
                return response  # not sooner than asked: a later run tries it again
            retry = self._retry(request, response_status_message(response.status))
            if retry is not None and wait is not None:
                retry.meta[RETRY_AFTER] = wait
            return retry or response
        info = request.meta.get(META)
        if info is None or response.status != 200:
            return response
        reason = truncation(response.body)
        if reason is None:
            return response
        self.crawler.stats.inc_value("nianbao/documents/truncated_fetches")
        retry = self._retry(request, reason)
        if retry is not None:
            return retry
        info["truncated"] = reason
        return response


def retry_after_s(response: Response) -> float | None:
    """The wait a Retry-After header asks for, in seconds (delta-seconds or an HTTP-date)."""
    raw = response.headers.get(b"Retry-After")
    if not raw:
        return None
    value = raw.decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# Phrases of captcha widgets, not of reports: found anywhere in a page, inside its portal's
# chrome and whatever its size. "验证码" alone is weaker (a report may tell how to apply online):
# it counts on a short page that says nothing of 信息公开.
_CAPTCHA_WIDGETS = ("滑动验证", "拖动滑块", "向右滑动", "人机验证", "安全验证", "点击验证")
_CAPTCHA_MARKUP = re.compile(rb"geetest|nc_slider|id=[\"']?captcha|class=[\"']?captcha|/captcha\.", re.I)
CAPTCHA_WINDOW = 256 * 1024
_WAF_WORDS = ("防火墙", "拦截", "waf", "访问被拒绝", "安全威胁")
_JS_CHALLENGE = (b"document.cookie", b"location.reload", "请启用JavaScript".encode(), b"enable javascript")


def _has_phrase(body: bytes, phrases: tuple[str, ...]) -> bool:
    """A phrase in the page's UTF-8 or GBK bytes (pages of both kinds carry these)."""
    return any(p.encode() in body or p.encode("gbk") in body for p in phrases)


def blocked_reason(response: Response) -> str | None:
    """Anti-bot front ends: detected and recorded, never solved."""
    head = response.body[:20000]
    if response.status == 412 and b"$_ts" in head:
        return "412 with a $_ts JavaScript challenge (Ruishu anti-bot)"
    if response.status == 412:
        return "412 Precondition Failed on a plain GET (anti-bot front end)"
    if response.status == 521:
        return "521 JavaScript cookie challenge (__jsl_clearance anti-bot)"
    lowered = head.lower()
    if response.status == 403 and _has_phrase(lowered, _WAF_WORDS):
        return "403 page of a web application firewall"
    if response.status == 503 and b"<script" in lowered and any(m in lowered for m in _JS_CHALLENGE):
        return "503 JavaScript challenge page"
    if not isinstance(response, TextResponse) or response.body.startswith((b"%PDF", b"PK\x03\x04")):
        return None
    body = response.body[:CAPTCHA_WINDOW]  # a captcha page is not megabytes long
    if _has_phrase(body, _CAPTCHA_WIDGETS) or _CAPTCHA_MARKUP.search(body):
        return f"captcha page ({response.status})"
    captcha = b"captcha" in lowered or _has_phrase(head, ("验证码",))
    if captcha and len(response.body) < 20000 and not _has_phrase(head, ("信息公开",)):
        return f"captcha page ({response.status})"
    return None


class BlockedPortalMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockedPortalMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        reason = getattr(self.crawler.spider, "blocked_reason", None)
        if reason and not request.url.endswith("/robots.txt"):
            raise IgnoreRequest(f"portal blocked: {reason}")

    def process_response(self, request: Request, response: Response) -> Response:
        reason = blocked_reason(response)
        if reason is None:
            return response
        spider: Any = self.crawler.spider
        if hasattr(spider, "mark_blocked"):
            spider.mark_blocked(f"{reason} at {request.url}")
        raise IgnoreRequest(reason)


class RobotsTxtRfcMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, but a robots.txt answering 5xx (once retries are spent)
    disallows everything (RFC 9309, 2.3.1.4), and the portal is recorded as blocked; 4xx still
    allows all (no robots.txt)."""

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status < 500:
            await super()._parse_robots(response, netloc, request)
            return
        spider: Any = self.crawler.spider
        if hasattr(spider, "mark_blocked"):
            spider.mark_blocked(
                f"robots.txt answered {response.status}: everything assumed disallowed (RFC 9309)"
            )
        await super()._parse_robots(response.replace(body=DISALLOW_ALL), netloc, request)


class ConditionalRequestMiddleware:
    """Reports and attachments fetched before go out with If-None-Match / If-Modified-Since."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.trust_unchanged_lists = crawler.settings.getbool("NIANBAO_TRUST_UNCHANGED_LISTS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> Response | None:
        info = request.meta.get(META)
        if not info or request.method != "GET":
            return None
        if not info.get("known_checked"):
            apply_known(request, await in_store(self.crawler, Store.known, request.url))
        if listed_unchanged(request, self.trust_unchanged_lists):
            self.stats.inc_value("nianbao/documents/skipped_list_unchanged")
            return Response(request.url, status=304, request=request)
        if "If-None-Match" in request.headers or "If-Modified-Since" in request.headers:
            self.stats.inc_value("nianbao/documents/conditional_requests")
        return None


def listed_unchanged(request: Request, trust_unchanged_lists: bool) -> bool:
    """A document fetched before, listed on a list page that has not changed since: not
    requested again when the lists are trusted (crawl --recheck does not trust them)."""
    info = request.meta.get(META) or {}
    if info.get("refetch"):
        return False
    return trust_unchanged_lists and bool(info.get("known_sha256")) and bool(info.get("list_unchanged"))


def apply_known(request: Request, known: Any) -> None:
    """Make `request` conditional on what the store knows of its url (a KnownDocument or None)."""
    info = request.meta[META]
    info["known_checked"] = True
    if known is None:
        return
    info["known_sha256"] = known.sha256
    if not known.complete:
        # failed before, or its attachments never came: fetched again, in full
        info["refetch"] = True
        return
    if known.etag:
        request.headers["If-None-Match"] = known.etag
    if known.last_modified:
        request.headers["If-Modified-Since"] = known.last_modified


class EncodingFixMiddleware:
    """GBK pages served with `charset=utf-8`: trust the <meta> (or the portal's hint) instead."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EncodingFixMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        portal = getattr(self.crawler.spider, "portal", None)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        encoding = true_encoding(response.body, content_type, getattr(portal, "encoding", None))
        if encoding is None:
            return response
        self.crawler.stats.inc_value("nianbao/documents/charset_header_overridden")
        return response.replace(encoding=encoding)
