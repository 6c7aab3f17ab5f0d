"""archive -> parse -> upsert, off the reactor thread; counters for the run's summary.

Store work runs where crawler.store puts it (a store process by default); parsing runs in a
process pool (NIANBAO_PARSE_WORKERS processes; 0: a thread), so parsing one report overlaps with
storing another and with the downloads.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from scrapy.utils.asyncio import run_in_thread

from crawler.items import DocumentItem
from crawler.store import StoreClient, store_retry
from crawler.workers import exit_with_parent

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from pipelines.model import ParseResult
    from storage.api import ArchivedDocument, Store

PARSE_FAILED = ("error", "unsupported")


@store_retry
def archive_item(store: Store, item: DocumentItem) -> tuple[ArchivedDocument, dict[str, Any]]:
    """Keep the bytes; parse_status is set when no parse is needed (content parsed before)."""
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
    if not doc.is_new_content and item.role != "list" and store.touch_known(doc) is not None:
        record["parse_status"] = "already_parsed"
    return doc, record


@store_retry
def store_result(
    store: Store, doc: ArchivedDocument, result: ParseResult, portal: str, region: str
) -> dict[str, Any]:
    counts = store.store_parse(doc, result, portal=portal, region=region)
    return {
        "parse_status": result.status,
        "agency": result.agency,
        "year": result.year,
        "format": result.format,
        "facts": len(result.facts),
        "failing_checks": [c.identity for c in result.failing_checks],
        "facts_inserted": counts.inserted,
        "facts_updated": counts.updated,
    }


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.client = StoreClient.for_crawler(crawler)
        self.stats = crawler.stats
        workers = crawler.settings.getint("NIANBAO_PARSE_WORKERS")
        self.parser: Executor | None = None
        if workers > 0:
            context = multiprocessing.get_context("spawn")  # no fork of a threaded reactor process
            self.parser = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=exit_with_parent
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def close_spider(self) -> None:
        if self.parser is not None:
            self.parser.shutdown(wait=True)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item
        started = time.perf_counter()
        doc, record = await self.client.run(archive_item, item)
        archived = time.perf_counter()
        self.stats.inc_value("nianbao/seconds/archive", archived - started)
        if record["parse_status"] is None and item.role != "list" and not item.has_attachments:
            result = await self.parse(item.body, item.final_url)
            parsed = time.perf_counter()
            region = self.crawler.spider.portal.region  # type: ignore[union-attr]
            record.update(await self.client.run(store_result, doc, result, item.portal, region))
            self.stats.inc_value("nianbao/seconds/parse", parsed - archived)
            self.stats.inc_value("nianbao/seconds/store_parse", time.perf_counter() - parsed)
        self.stats.inc_value("nianbao/seconds/pipeline", time.perf_counter() - started)
        self.count(item, record)
        return record

    async def parse(self, body: bytes, source: str) -> ParseResult:
        # Imported on first use: a re-crawl of unchanged reports never parses, so it does not
        # pay for importing the parser (~0.1 s of start-up).
        from pipelines.parse import parse_bytes

        if self.parser is None:
            return await run_in_thread(parse_bytes, body, source)
        return await asyncio.wrap_future(self.parser.submit(parse_bytes, body, source))

    def count(self, item: DocumentItem, record: dict[str, Any]) -> None:
        if item.role == "list":
            return
        self.stats.inc_value(f"nianbao/documents/{record['change']}")
        if item.role == "report":
            self.stats.inc_value(f"nianbao/reports/{record['change']}")
        if record["parse_status"]:
            self.stats.inc_value(f"nianbao/parse/{record['parse_status']}")
        if record["parse_status"] in PARSE_FAILED and not item.has_attachments:
            self.stats.inc_value("nianbao/reports/failed")
