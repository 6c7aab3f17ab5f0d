"""Every request stays on its portal: one downloader middleware checks each request (lists,
reports, attachments, redirect targets, also those with dont_filter=True, which Scrapy's own
off-site filter lets through) against the portal's allowed_domains, and sends only http(s)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from settings.registry import DEFAULT_PORTS, url_in_domains

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class OffsiteRequest(IgnoreRequest):
    """A request to another site (or not over http(s)): never sent, counted as off-site."""


def offsite_reason(url: str, domains: Iterable[str] | None) -> str | None:
    """Why `url` may not be requested for a portal of `domains` (None: it may; no domains:
    any host, as Scrapy does for a spider without allowed_domains)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return f"{scheme or 'relative'} url, not http(s)"
    if domains and not url_in_domains(url, domains):
        return "outside the portal's allowed_domains"
    return None


class OffsiteGuardMiddleware:
    """Runs before robots.txt is asked for, so an off-site host is not even asked for that."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        reason = offsite_reason(request.url, getattr(self.crawler.spider, "allowed_domains", None))
        if reason is None:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("nianbao/offsite/blocked")
        logger.info("not requested (%s): %s", reason, request.url)
        raise OffsiteRequest(f"{reason}: {request.url}")
