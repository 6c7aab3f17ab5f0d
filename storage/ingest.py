"""Ingest documents obtained outside the crawler (files, directories, single URLs): archive them,
then the parse stage parses and stores them. Provenance is the file path (as a file:// address)
or the URL, plus the sha256 of the bytes."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.error import HTTPError, URLError

from tenacity import RetryCallState, before_sleep_log, retry, retry_if_exception, stop_after_attempt

from settings.base import DOWNLOAD_MAXSIZE, DOWNLOAD_TIMEOUT, RETRY_HTTP_CODES, RETRY_TIMES, USER_AGENT
from storage.api import Fetched, PendingDocument, Store
from storage.archive import is_http
from storage.parse_stage import Outcome, ParseReport, ParseStage

BACKOFF_S = 1.0  # first wait before retrying a URL; doubles each time (at most 30 s)

log = logging.getLogger(__name__)


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


class TooLarge(ValueError):
    """A body over the crawler's size bound (DOWNLOAD_MAXSIZE)."""


def _read_bounded(stream, what: str) -> bytes:  # type: ignore[no-untyped-def]
    body = stream.read(DOWNLOAD_MAXSIZE + 1)
    if len(body) > DOWNLOAD_MAXSIZE:
        raise TooLarge(f"{what}: larger than {DOWNLOAD_MAXSIZE} bytes, not ingested")
    return bytes(body)


def fetch(target: str) -> Fetched:
    if is_http(target):
        return _download(target)
    path = Path(target)
    with path.open("rb") as stream:  # a FIFO or a device is read only up to the bound
        return Fetched(file_url(path), _read_bounded(stream, target), parse=True)


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
            _read_bounded(response, target),
            status=response.status,
            headers=dict(response.headers.items()),
            final_url=response.url if response.url != target else None,
            content_type=response.headers.get_content_type(),
            parse=True,
        )


def ingest(
    store: Store,
    targets: list[str],
    stage: ParseStage,
    *,
    report: Callable[[str], None] = lambda _line: None,
    agency: str | None = None,
    year: int | None = None,
) -> tuple[ParseReport, int]:
    """Archive every target, then parse and store them; returns the stage's report and how many
    targets could not be read. `agency`, `year`: what the user says every target is, over what
    the parser reads (kept with the document: a reparse files it the same way; the stage must
    be forced, for a content parsed before to be filed again)."""
    failed = 0
    archived: list[PendingDocument] = []
    for target in expand(targets):
        try:
            fetched = fetch(target)
        except (OSError, ValueError) as exc:
            failed += 1
            report(f"{target}: cannot read: {exc}")
            continue
        doc = store.archive(fetched)
        if agency is not None or year is not None:
            store.assign(doc.document_id, agency=agency, year=year)
        archived.append(PendingDocument(doc.document_id, doc.sha256, doc.url, doc.fetched_at))
    return stage.run(archived), failed


def outcome_line(doc: PendingDocument, outcome: Outcome, detail: str) -> str:
    return f"{doc.url}: {outcome}" + (f" ({detail})" if detail else "")
