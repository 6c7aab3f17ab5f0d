"""archive -> parse -> upsert, off the reactor thread; counters for the run's summary.

Store work runs where crawler.store puts it (a store process by default); parsing runs in a
process pool (NIANBAO_PARSE_WORKERS processes; 0: a thread), so parsing one report overlaps with
storing another and with the downloads. A new report is parsed first and then archived and
stored in one call to the store; content the store may know already is archived first, and
parsed only if the current parser has not parsed it before.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import pickle
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy.utils.asyncio import run_in_thread

from crawler.items import DocumentItem
from crawler.store import StoreClient, store_retry
from crawler.workers import exit_with_parent

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from pipelines.model import ParseResult
    from storage.api import ArchivedDocument, Store

PARSE_FAILED = ("error", "unsupported")
T = TypeVar("T")


def parse_pickled(body: bytes, source: str, listed_title: str | None) -> bytes:
    """Parse in the parser process and hand back the pickled ParseResult: the crawler process
    only passes the bytes on to the store process (unpickling ~200 facts there and pickling
    them again cost ~1 ms per report, on the process that runs the reactor)."""
    # Imported on first use: a re-crawl of unchanged reports never parses, so it does not pay
    # for importing the parser (~0.1 s of start-up) when parsing runs on a thread.
    from pipelines.parse import parse_bytes

    result = parse_bytes(body, source, listed_title=listed_title)  # a scan names no agency or year
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def needs_parse(item: DocumentItem) -> bool:
    """Report pages with the report inline and attachments are parsed; lists and report pages
    that only point at their attachments are just archived."""
    return item.role != "list" and not item.has_attachments


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
    store: Store, doc: ArchivedDocument, parsed: bytes, portal: str, region: str
) -> dict[str, Any]:
    """Upsert a parse (`parsed`: a pickled ParseResult, see parse_pickled)."""
    result: ParseResult = pickle.loads(parsed)
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


def archive_and_store(store: Store, item: DocumentItem, parsed: bytes, region: str) -> dict[str, Any]:
    """Both steps of a report parsed before it was archived, in one round trip to the store
    (each step retries on its own, as when they are separate calls). The parse is dropped when
    the archive finds that the current parser has parsed these bytes before."""
    doc, record = archive_item(store, item)
    if record["parse_status"] is None:
        record.update(store_result(store, doc, parsed, item.portal, region))
    return record


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
        if needs_parse(item) and not self.maybe_known(item):
            record = await self.parse_then_store(item)
        else:
            record = await self.archive_then_parse(item)
        self.stats.inc_value("nianbao/seconds/pipeline", time.perf_counter() - started)
        self.count(item, record)
        return record

    @staticmethod
    def maybe_known(item: DocumentItem) -> bool:
        """The same bytes as this url's previous fetch (a server without conditional requests):
        archived first, so a parse the store already has is not repeated."""
        return item.known_sha256 is not None and item.known_sha256 == hashlib.sha256(item.body).hexdigest()

    async def parse_then_store(self, item: DocumentItem) -> dict[str, Any]:
        try:
            parsed = await self.parse(item)
        except Exception:
            await self.store(archive_item, item)  # the bytes are kept even when the parser died
            raise
        return await self.store(archive_and_store, item, parsed, self.region)

    async def archive_then_parse(self, item: DocumentItem) -> dict[str, Any]:
        doc, record = await self.store(archive_item, item)
        if record["parse_status"] is None and needs_parse(item):
            parsed = await self.parse(item)
            record.update(await self.store(store_result, doc, parsed, item.portal, self.region))
        return record

    @property
    def region(self) -> str:
        return self.crawler.spider.portal.region  # type: ignore[union-attr]

    async def parse(self, item: DocumentItem) -> bytes:
        started = time.perf_counter()
        try:
            args = (item.body, item.final_url, item.title)
            if self.parser is None:
                return await run_in_thread(parse_pickled, *args)
            return await asyncio.wrap_future(self.parser.submit(parse_pickled, *args))
        finally:
            self.stats.inc_value("nianbao/seconds/parse", time.perf_counter() - started)

    async def store(self, fn: Callable[..., T], *args: Any) -> T:
        started = time.perf_counter()
        try:
            return await self.client.run(fn, *args)
        finally:
            self.stats.inc_value("nianbao/seconds/store", time.perf_counter() - started)

    def count(self, item: DocumentItem, record: dict[str, Any]) -> None:
        if item.role == "list":
            return
        self.stats.inc_value(f"nianbao/documents/{record['change']}")
        if item.role == "report":
            self.stats.inc_value(f"nianbao/reports/{record['change']}")
        elif item.page_unchanged and record["change"] == "changed":
            # The report, counted unchanged when its page answered 304, changed in its file.
            self.stats.inc_value("nianbao/reports/unchanged", -1)
            self.stats.inc_value("nianbao/reports/changed")
        if record["parse_status"]:
            self.stats.inc_value(f"nianbao/parse/{record['parse_status']}")
        if record["parse_status"] in PARSE_FAILED and not item.has_attachments:
            self.stats.inc_value("nianbao/reports/failed")
