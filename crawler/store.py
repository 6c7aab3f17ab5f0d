"""One `storage.api.Store` per database, used from the crawl without blocking the reactor.

Store work runs either in a dedicated store process (NIANBAO_STORE_PROCESS, the default: the
database and WARC writes then never compete with Scrapy for the GIL) or on a small thread pool.
Callers pass module-level functions `fn(store, *args)`, which work the same in both modes.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from storage.api import Store

T = TypeVar("T")
Key = tuple[str | None, str | None, bool]
_SHARED: dict[Key, StoreClient] = {}
_WORKER_STORE: Store | None = None  # the Store of a store process


def _transient(exc: BaseException) -> bool:
    from storage.db import is_transient

    return is_transient(exc)


# Store retries each transaction; this retries a whole unit of work (archive, or upsert of a
# parse) once more when the database stays unavailable for longer than one transaction's retries.
store_retry = retry(
    retry=retry_if_exception(_transient),
    stop=stop_after_attempt(3),
    wait=wait_exponential(multiplier=0.5, max=5),
    reraise=True,
)


def _open_worker_store(db_url: str | None, archive_dir: str | None) -> None:
    global _WORKER_STORE
    from crawler.workers import exit_with_parent
    from storage.api import Store

    exit_with_parent()
    _WORKER_STORE = Store(url=db_url, archive_dir=archive_dir)
    # What the imports and the opening built lives as long as the process: frozen, it is not
    # walked again by each full collection during the crawl and at the process's exit.
    gc.freeze()


def _in_worker(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    assert _WORKER_STORE is not None
    return fn(_WORKER_STORE, *args, **kwargs)


def method(store: Store, name: str, *args: Any, **kwargs: Any) -> Any:
    """`client.run(method, "known", url)`: call one Store method."""
    return getattr(store, name)(*args, **kwargs)


def known_many(store: Store, urls: list[str]) -> dict[str, Any]:
    """`known` for a page of urls in one call (one round trip to the store process)."""
    return {url: store.known(url) for url in urls}


class StoreClient:
    ATTR = "_nianbao_store_client"

    def __init__(self, db_url: str | None, archive_dir: str | None, use_process: bool = True) -> None:
        self.db_url, self.archive_dir, self.use_process = db_url, archive_dir, use_process
        self._store: Store | None = None
        self._lock = threading.Lock()
        self.users = 0
        self._executor: Executor
        if use_process:
            # spawn: forking a process that runs threads and a reactor is not safe
            self._executor = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_open_worker_store,
                initargs=(db_url, archive_dir),
            )
            # Start the process now: its imports and the Store's opening (~1 s) then overlap
            # with the crawler's own set-up instead of delaying spider_opened.
            self._executor.submit(int)
        else:
            self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nianbao-store")

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> StoreClient:
        """The client of the crawler's database, shared by every crawler of the process that
        writes to the same database and archive (one WARC writer per archive)."""
        client = getattr(crawler, cls.ATTR, None)
        if client is None:
            settings = crawler.settings
            client = cls.shared(
                settings.get("NIANBAO_DB_URL"),
                settings.get("NIANBAO_ARCHIVE_DIR"),
                settings.getbool("NIANBAO_STORE_PROCESS"),
            )
            client.users += 1
            setattr(crawler, cls.ATTR, client)
        return client

    @classmethod
    def shared(cls, db_url: str | None, archive_dir: str | None, use_process: bool) -> StoreClient:
        """The process's client of this database and archive, started on first use. A run
        starts it before importing Scrapy (crawler.run), so that the store process's start-up
        overlaps with Scrapy's; its crawlers then find it here."""
        key: Key = (db_url, archive_dir, use_process)
        client = _SHARED.get(key)
        if client is None:
            client = _SHARED[key] = cls(*key)
        return client

    @property
    def key(self) -> Key:
        return (self.db_url, self.archive_dir, self.use_process)

    @classmethod
    def release(cls, crawler: Crawler) -> None:
        client = getattr(crawler, cls.ATTR, None)
        if client is None:
            return
        delattr(crawler, cls.ATTR)
        client.users -= 1
        client.close_if_unused()

    def close_if_unused(self) -> None:
        """Close the client once no crawler uses it (also one started for a run whose crawlers
        asked for another database, or that failed before any crawler asked)."""
        if self.users <= 0 and _SHARED.get(self.key) is self:
            del _SHARED[self.key]
            self.close()

    def _thread_store(self) -> Store:
        with self._lock:
            if self._store is None:
                from storage.api import Store

                self._store = Store(url=self.db_url, archive_dir=self.archive_dir)
            return self._store

    def _submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Any:
        if self.use_process:
            return self._executor.submit(_in_worker, fn, *args, **kwargs)
        return self._executor.submit(lambda: fn(self._thread_store(), *args, **kwargs))

    def run_blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """For open/close hooks: run and wait (the reactor pauses briefly)."""
        return self._submit(fn, *args, **kwargs).result()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.wrap_future(self._submit(fn, *args, **kwargs))

    def close(self) -> None:
        if self.use_process:
            self._executor.submit(_in_worker, method, "close").result()
        self._executor.shutdown(wait=True)
        if self._store is not None:
            self._store.close()
            self._store = None
