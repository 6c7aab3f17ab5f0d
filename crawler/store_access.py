"""The crawl process's one Store (one WARC writer, one connection for writes), used from Scrapy
code on a worker thread so that the reactor never waits on the disk or the database.

Every crawler of the process that names the same database and archive shares it; it closes when
the process exits.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from settings.config import config_from_scrapy

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from storage.api import Store

T = TypeVar("T")
logger = logging.getLogger(__name__)
_stores: dict[tuple[str, str], Store] = {}
_opening = threading.Lock()
# One thread: the store has one writer, and reads between writes are short.
_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nianbao-store")


def crawl_store(crawler: Crawler) -> Store:
    from storage.api import Store

    config = config_from_scrapy(crawler.settings)
    key = (config.database_url, config.archive)
    with _opening:
        if key not in _stores:
            _stores[key] = Store.open(config)
        return _stores[key]


async def in_store(crawler: Crawler, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`await in_store(crawler, Store.archive, fetched)`: run `work(store, ...)` off the reactor."""
    return await asyncio.wrap_future(_thread.submit(lambda: work(crawl_store(crawler), *args, **kwargs)))


def in_store_later(crawler: Crawler, work: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """The same, not waited for (an errback's record): it runs in order with the other writes,
    and before the store closes at exit; a failure of its own is logged."""
    future = _thread.submit(lambda: work(crawl_store(crawler), *args, **kwargs))
    future.add_done_callback(_log_failure)


def _log_failure(future: Future[Any]) -> None:
    if future.exception() is not None:
        logger.error("store write failed: %s", future.exception())


def in_store_now(crawler: Crawler, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """The same, waited for (signal handlers that run once per crawl)."""
    return _thread.submit(lambda: work(crawl_store(crawler), *args, **kwargs)).result()


@atexit.register
def _close() -> None:
    for store in _stores.values():
        store.close()
    _stores.clear()
