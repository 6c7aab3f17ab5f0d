"""One `storage.api.Store` per crawl, called off the reactor thread.

Store calls block (SQLite / PostgreSQL, WARC files): they run on a small thread pool owned by the
crawl and are awaited from async middlewares and pipelines, never called on the reactor thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from storage.api import Store

T = TypeVar("T")
_SHARED: dict[tuple[str | None, str | None], StoreClient] = {}


def _transient(exc: BaseException) -> bool:
    from storage.db import is_transient

    return is_transient(exc)


# Store retries each transaction; this retries a whole unit of work (archive + parse + upsert)
# once more when the database stays unavailable for longer than one transaction's retries.
store_retry = retry(
    retry=retry_if_exception(_transient),
    stop=stop_after_attempt(3),
    wait=wait_exponential(multiplier=0.5, max=5),
    reraise=True,
)


class StoreClient:
    ATTR = "_nianbao_store_client"

    def __init__(self, db_url: str | None, archive_dir: str | None, workers: int = 2) -> None:
        self.db_url, self.archive_dir = db_url, archive_dir
        self._store: Store | None = None
        self.users = 0
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nianbao-store")

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> StoreClient:
        """The client of the crawler's database, shared by every crawler of the process that
        writes to the same database and archive (one WARC writer per archive)."""
        client = getattr(crawler, cls.ATTR, None)
        if client is None:
            settings = crawler.settings
            key = (settings.get("NIANBAO_DB_URL"), settings.get("NIANBAO_ARCHIVE_DIR"))
            client = _SHARED.get(key)
            if client is None:
                client = _SHARED[key] = cls(*key)
            client.users += 1
            setattr(crawler, cls.ATTR, client)
        return client

    @classmethod
    def release(cls, crawler: Crawler) -> None:
        client = getattr(crawler, cls.ATTR, None)
        if client is None:
            return
        delattr(crawler, cls.ATTR)
        client.users -= 1
        if client.users <= 0:
            _SHARED.pop((client.db_url, client.archive_dir), None)
            client.close()

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                from storage.api import Store

                self._store = Store(url=self.db_url, archive_dir=self.archive_dir)
            return self._store

    def call_blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """For open/close hooks: run on the pool and wait (the reactor pauses briefly)."""
        return self._executor.submit(fn, *args, **kwargs).result()

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.wrap_future(self._executor.submit(fn, *args, **kwargs))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        if self._store is not None:
            self._store.close()
            self._store = None
