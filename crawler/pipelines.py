"""The crawl stage's one item pipeline: archive every fetched document with what the crawl knew
of it (its role, listing title and year, list page, portal). Parsing is the parse stage's work:
the crawler never imports the parser."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from crawler.items import DocumentItem
from crawler.store_access import in_store
from storage.api import Fetched, Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def fetched(item: DocumentItem) -> Fetched:
    return Fetched(
        url=item.url,
        body=item.body,
        status=item.status,
        headers=item.headers,
        final_url=item.final_url,
        content_type=item.content_type,
        portal=item.portal,
        role=item.role,
        # report pages that carry the report, and attachments; lists and pages that only point
        # at their attachments are kept but not parsed
        parse=item.role == "attachment" or (item.role == "report" and not item.has_attachments),
        listed_title=item.title,
        listed_year=item.year,
        list_url=item.list_url,
        report_url=item.report_url if item.role == "attachment" else None,
        truncated=item.truncated,
        tls_unverified=item.tls_unverified,
    )


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item
        started = time.perf_counter()
        doc = await in_store(self.crawler, Store.archive, fetched(item))
        self.stats.inc_value("nianbao/seconds/archive", time.perf_counter() - started)
        if item.known_sha256 is None:
            change = "new"
        else:
            change = "unchanged" if item.known_sha256 == doc.sha256 else "changed"
        self.count(item, change)
        return {"url": item.url, "role": item.role, "sha256": doc.sha256, "change": change}

    def count(self, item: DocumentItem, change: str) -> None:
        if item.truncated:
            # archived as it came; not the report: failed, and fetched again by a later run
            self.stats.inc_value("nianbao/documents/truncated")
            if item.role != "list":
                self.stats.inc_value(
                    "nianbao/reports/failed" if item.role == "report" else "nianbao/attachments/failed"
                )
            return
        if item.role == "list":
            return
        self.stats.inc_value(f"nianbao/documents/{change}")
        if item.role == "report":
            self.stats.inc_value(f"nianbao/reports/{change}")
        elif item.page_unchanged and change == "changed":
            # The report, counted unchanged when its page answered 304, changed in its file.
            self.stats.inc_value("nianbao/reports/unchanged", -1)
            self.stats.inc_value("nianbao/reports/changed")
