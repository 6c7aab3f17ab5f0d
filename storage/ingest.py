"""Ingest documents obtained outside the crawler (files, directories, single URLs): archive,
parse with the current parser, upsert. Provenance is the file path (as a file:// address) or the
URL, plus the sha256 of the bytes."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError, URLError

from tenacity import RetryCallState, before_sleep_log, retry, retry_if_exception, stop_after_attempt

from pipelines.parse import parse_bytes
from settings.base import DOWNLOAD_TIMEOUT, RETRY_HTTP_CODES, RETRY_TIMES, USER_AGENT
from storage.api import Store
from storage.archive import is_http
from storage.reports import UpsertCounts

BACKOFF_S = 1.0  # first wait before retrying a URL; doubles each time (at most 30 s)

log = logging.getLogger(__name__)


@dataclass
class Fetched:
    url: str
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str | None = None
    content_type: str | None = None


def file_url(path: Path) -> str:
    """The address a local file is archived under: file:// and its absolute path, unescaped."""
    return "file://" + str(path.resolve())


def expand(targets: list[str]) -> Iterator[str]:
    """URLs as given; files as given; directories as the files under them, sorted."""
    for target in targets:
        path = Path(target)
        if not is_http(target) and path.is_dir():
            yield from (str(p) for p in sorted(path.rglob("*")) if p.is_file())
        else:
            yield target


def fetch(target: str) -> Fetched:
    if not is_http(target):
        return Fetched(file_url(Path(target)), Path(target).read_bytes())
    return _download(target)


def _transient(exc: BaseException) -> bool:
    """What the crawler retries too: 5xx, 408, 429, timeouts and dropped connections."""
    if isinstance(exc, HTTPError):
        return exc.code in RETRY_HTTP_CODES
    return isinstance(exc, URLError | TimeoutError | ConnectionError)


def _backoff(state: RetryCallState) -> float:
    return float(min(BACKOFF_S * 2 ** (state.attempt_number - 1), 30.0))


@retry(
    retry=retry_if_exception(_transient),
    stop=stop_after_attempt(RETRY_TIMES + 1),
    wait=_backoff,
    before_sleep=before_sleep_log(log, logging.WARNING),
    reraise=True,
)
def _download(target: str) -> Fetched:
    """One URL the user named, fetched as the crawler would: its User-Agent, timeout and retries."""
    request = urllib.request.Request(target, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
        return Fetched(
            target,
            response.read(),
            status=response.status,
            headers=dict(response.headers.items()),
            final_url=response.url if response.url != target else None,
            content_type=response.headers.get_content_type(),
        )


def ingest_one(store: Store, fetched: Fetched) -> UpsertCounts:
    doc = store.archive(
        url=fetched.url,
        body=fetched.body,
        status=fetched.status,
        headers=fetched.headers,
        final_url=fetched.final_url,
        content_type=fetched.content_type,
    )
    known = store.touch_known(doc)
    if known is not None:
        return known
    return store.store_parse(doc, parse_bytes(fetched.body, fetched.url))


def ingest(
    store: Store, targets: list[str], *, report: Callable[[str], None] = lambda _line: None
) -> tuple[UpsertCounts, int]:
    """Ingest every target; returns the summed counts and how many targets could not be read."""
    total, failed = UpsertCounts(), 0
    for target in expand(targets):
        try:
            fetched = fetch(target)
        except (OSError, ValueError) as exc:
            failed += 1
            report(f"{target}: cannot read: {exc}")
            continue
        counts = ingest_one(store, fetched)
        report(f"{fetched.url}: {counts.summary()}")
        total += counts
    return total, failed
