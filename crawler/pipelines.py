"""archive -> parse -> upsert, off the reactor thread; counters for the run's summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.items import DocumentItem
from crawler.store import StoreClient, store_retry
from pipelines.parse import parse_bytes

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

PARSE_FAILED = ("error", "unsupported")


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.client = StoreClient.for_crawler(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item
        record = await self.client.call(self.handle, item)
        role = item.role
        self.stats.inc_value(f"nianbao/documents/{record['change']}")
        if role == "report":
            self.stats.inc_value(f"nianbao/reports/{record['change']}")
        if record["parse_status"]:
            self.stats.inc_value(f"nianbao/parse/{record['parse_status']}")
        if record["parse_status"] in PARSE_FAILED and not item.has_attachments:
            self.stats.inc_value("nianbao/reports/failed")
        return record

    @store_retry
    def handle(self, item: DocumentItem) -> dict[str, Any]:
        """Runs on the store's thread pool."""
        store = self.client.store
        doc = store.archive(
            url=item.url,
            body=item.body,
            status=item.status,
            headers=item.headers,
            final_url=item.final_url,
            content_type=item.content_type,
            portal=item.portal,
        )
        if item.known_sha256 is None:
            change = "new"
        else:
            change = "unchanged" if item.known_sha256 == doc.sha256 else "changed"
        record: dict[str, Any] = {
            "portal": item.portal,
            "role": item.role,
            "url": item.url,
            "final_url": item.final_url,
            "report_url": item.report_url,
            "title": item.title,
            "listed_year": item.year,
            "sha256": doc.sha256,
            "change": change,
            "parse_status": None,
        }
        if item.role == "report" and item.has_attachments:
            return record  # the page only points at its attachments: they carry the report
        if not doc.is_new_content and store.touch_known(doc) is not None:
            record["parse_status"] = "already_parsed"
            return record
        result = parse_bytes(item.body, item.final_url)
        spider: Any = self.crawler.spider
        counts = store.store_parse(doc, result, portal=item.portal, region=spider.portal.region)
        record.update(
            parse_status=result.status,
            agency=result.agency,
            year=result.year,
            format=result.format,
            facts=len(result.facts),
            failing_checks=[c.identity for c in result.failing_checks],
            facts_inserted=counts.inserted,
            facts_updated=counts.updated,
        )
        return record
