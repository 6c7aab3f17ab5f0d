"""The per-portal summary a crawl ends with (kept on the crawler for the run to collect), the
portal's state in the database, and the crawl's counters published while it runs (progress)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.reachability import unreachable_reasons
from crawler.store_access import in_store_now
from storage.api import Store

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler

    # (portal, counters, status once the portal is done)
    ProgressSink = Callable[[str, dict[str, int], str | None], None]

PUBLISH_S = 1.0  # how often the counters are published (the display decides how often to show)

logger = logging.getLogger(__name__)


def build_summary(stats: dict[str, Any], spider: Any, finish_reason: str) -> dict[str, Any]:
    def n(key: str) -> int:
        return int(stats.get(f"nianbao/{key}", 0))

    portal = spider.portal
    found = n("reports/found")
    blocked = spider.blocked_reason
    unreachable = unreachable_reasons(stats)
    missing = sorted(spider.expected_years - spider.found_years)
    if blocked:
        status = "blocked"
    elif unreachable and not n("lists/read"):
        status = "unreachable"
    elif found == 0:
        status = "empty (declared)" if portal.empty_ok else "empty"
    elif n("reports/failed"):
        status = "failures"
    else:
        status = "ok"
    return {
        "portal": portal.name,
        "title": portal.title,
        "family": portal.family,
        "lists_read": n("lists/read"),
        "lists_stopped_early": n("lists/stopped_early"),
        "reports_found": found,
        "new": n("reports/new"),
        "changed": n("reports/changed"),
        "unchanged": n("reports/unchanged"),
        "failed": n("reports/failed") + n("attachments/failed"),
        "lookalikes_skipped": n("listings/lookalike_skipped"),
        "duplicates_skipped": n("listings/duplicate"),
        # report-looking links of the page's chrome or to the column itself, not fetched
        "navigation_skipped": n("listings/navigation_skipped"),
        "unnamed_skipped": n("listings/unnamed_skipped"),  # report titles naming no organ or year
        # links to other sites (or not http(s)), and requests stopped there (redirects)
        "offsite": n("offsite/links") + n("offsite/blocked"),
        "attachments_unresolved": n("attachments/unresolved"),  # each fails its report
        "lists_unpaged": n("lists/unpaged"),  # list API pages answering 404 (the list ends there)
        "documents_new": n("documents/new"),
        "not_modified": n("documents/not_modified"),
        "requests": int(stats.get("downloader/request_count", 0)),
        "bytes": int(stats.get("downloader/response_bytes", 0)),
        "blocked": blocked,
        "unreachable": "; ".join(unreachable) or None,  # a start url failed (crawler.reachability)
        "truncated": sorted(spider.truncated),  # the bounds reached: max_list_pages, ...
        "years_found": sorted(spider.found_years),
        "years_missing": missing,
        "status": status,
        "error": status in ("empty", "unreachable"),
        "finish_reason": finish_reason,
        "seconds": {
            k.rsplit("/", 1)[-1]: round(v, 2) for k, v in stats.items() if k.startswith("nianbao/seconds/")
        },
    }


class PortalSummary:
    ATTR = "nianbao_summary"  # where the crawler keeps its summary once closed

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalSummary:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        portal = spider.portal
        in_store_now(
            self.crawler,
            Store.upsert_portal,
            portal.name,
            level=portal.level,
            region=portal.region,
            family=portal.family,
            base_url=portal.start_urls[0],
        )

    def spider_closed(self, spider: Any, reason: str) -> None:
        summary = build_summary(self.crawler.stats.get_stats(), spider, reason)
        for key in ("lists_read", "reports_found", "new", "changed", "unchanged", "failed"):
            self.crawler.stats.set_value(f"nianbao/summary/{key}", summary[key])
        in_store_now(
            self.crawler, Store.record_portal_state, spider.portal.name, blocked=spider.blocked_reason
        )
        # the whole summary as a field (JSON logs); the line says what the table will
        logger.info(
            "crawled %s: %s, %d lists, %d reports found, %d new, %d changed, %d unchanged, %d failed",
            spider.portal.name,
            summary["status"],
            summary["lists_read"],
            summary["reports_found"],
            summary["new"],
            summary["changed"],
            summary["unchanged"],
            summary["failed"],
            extra={"portal": spider.portal.name, "summary": summary},
        )
        setattr(self.crawler, self.ATTR, summary)


def progress_counters(stats: dict[str, Any]) -> dict[str, int]:
    """What a progress display shows of a portal's crawl so far."""

    def n(key: str) -> int:
        return int(stats.get(f"nianbao/{key}", 0))

    return {
        "lists_read": n("lists/read"),
        "reports_found": n("reports/found"),
        "reports_fetched": n("reports/new") + n("reports/changed") + n("reports/unchanged"),
        "reports_failed": n("reports/failed"),
        "failed": n("reports/failed") + n("attachments/failed"),  # as the summary counts them
        "requests": int(stats.get("downloader/request_count", 0)),
        "bytes": int(stats.get("downloader/response_bytes", 0)),
    }


class CrawlProgress:
    """Publishes a portal's counters every PUBLISH_S to the sink its run set on the crawler
    (`crawler.nianbao_progress`, called in the reactor's thread), and once more when it closes,
    with its status. Not enabled without a sink (`scrapy crawl`, `python -m crawler.run`)."""

    ATTR = "nianbao_progress"

    def __init__(self, crawler: Crawler, sink: ProgressSink) -> None:
        self.crawler = crawler
        self.sink = sink
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        # after PortalSummary's handler, which sets the summary this one reads its status from
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        sink = getattr(crawler, cls.ATTR, None)
        if sink is None:
            raise NotConfigured  # without a message: Scrapy would warn of it
        return cls(crawler, sink)

    def publish(self, status: str | None = None) -> None:
        self.sink(self.crawler.spider.portal_name, progress_counters(self.crawler.stats.get_stats()), status)

    def spider_opened(self, spider: Any) -> None:
        self.loop = task.LoopingCall(self.publish)
        self.loop.start(PUBLISH_S, now=True)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        summary = getattr(self.crawler, PortalSummary.ATTR, None) or {}
        self.publish(summary.get("status") or reason)
