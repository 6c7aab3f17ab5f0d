"""A portal is unreachable when one of its start urls fails: its host does not answer (DNS,
connection refused, timeouts, dropped connections, after the retries) or the page answers an
HTTP error (404 or 410: gone; 5xx after the retries; any other refusal). Not unreachable: a
blocked portal (anti-bot answer, robots.txt) and an off-site redirect, which are recorded as
such. The reasons are kept in the crawler's stats for the portal's summary."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

STAT = "nianbao/unreachable"  # the reasons, one per start url that failed
GONE = (404, 410)


def start_failure(failure: Failure, start_urls: list[str]) -> str | None:
    """Why a failed request makes the portal unreachable; None when it is not a start url or
    its failure is of another kind."""
    request = failure.request  # type: ignore[attr-defined]
    url = (request.meta.get("redirect_urls") or [request.url])[0]
    if url not in start_urls:
        return None
    retried = request.meta.get("retry_times", 0)
    after = f" after {retried} retries" if retried else ""
    if failure.check(HttpError):
        status = failure.value.response.status
        if status in GONE:
            return f"start page {url} is gone (HTTP {status})"
        return f"start page {url} answers HTTP {status}{after}"
    if failure.check(IgnoreRequest):  # blocked, robots.txt, off-site: recorded by their owners
        return None
    error = failure.value
    if is_tls_failure(error):
        return f"start page {url}: its TLS certificate does not verify ({error})"
    return f"start page {url} did not answer{after}: {type(error).__name__}: {error}"


def is_tls_failure(error: BaseException) -> bool:
    """The server's certificate failed verification (untrusted, expired, for another host):
    not worth a retry. Twisted wraps the reason in lists of failures, hence the text."""
    text = str(error)
    return "VerificationError" in text or "certificate verify failed" in text


def note_start_failure(spider: Any, failure: Failure) -> None:
    """Record on the spider's crawler that a start url failed (see start_failure)."""
    reason = start_failure(failure, list(spider.start_urls))
    if reason is None:
        return
    stats = spider.crawler.stats
    stats.set_value(STAT, [*(stats.get_value(STAT) or []), reason])
    spider.logger.error("portal unreachable: %s", reason, extra={"url": failure.request.url})


def unreachable_reasons(stats: dict[str, Any]) -> list[str]:
    return list(stats.get(STAT) or [])
