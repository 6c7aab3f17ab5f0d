"""One page fetched the way the crawler fetches: robots.txt obeyed, the crawler's User-Agent,
TLS certificates verified, a timeout, and the crawler's retries (5xx, 408, 429, timeouts,
dropped connections) with backoff. For `nianbao probe`, which stores nothing."""

from __future__ import annotations

import ssl
import urllib.request
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit

from protego import Protego
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from settings.base import DOWNLOAD_TIMEOUT, RETRY_HTTP_CODES, RETRY_TIMES, USER_AGENT


class FetchRefused(Exception):
    """robots.txt disallows the page, or the page cannot be fetched (the message says which)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    body: bytes
    content_type: str
    method: str = "GET"  # POST when the page answers 405 to GET (a list API that takes POST only)


class _Transient(Exception):
    """An answer the crawler would retry (RETRY_HTTP_CODES)."""


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, _Transient | URLError | TimeoutError | ConnectionError)


@retry(
    retry=retry_if_exception(_transient),
    stop=stop_after_attempt(RETRY_TIMES + 1),
    wait=wait_exponential(multiplier=0.5, max=30),
    reraise=True,
)
def _open_retried(request: urllib.request.Request, timeout: float) -> Fetched:
    fetched = _open(request, timeout)
    if fetched.status in RETRY_HTTP_CODES:
        raise _Transient(f"{request.full_url} answered {fetched.status}")
    return fetched


def _open(request: urllib.request.Request, timeout: float) -> Fetched:
    context = ssl.create_default_context()  # certificates and host names verified
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
            content_type = answer.headers.get("Content-Type", "")
            return Fetched(answer.url, answer.status, answer.read(), content_type, request.get_method())
    except HTTPError as error:
        return Fetched(request.full_url, error.code, error.read(), error.headers.get("Content-Type", ""))


def robots_allow(url: str, *, user_agent: str = USER_AGENT, timeout: float = DOWNLOAD_TIMEOUT) -> bool:
    """What the site's robots.txt says of `url` for us (none, or one that cannot be read: allowed,
    as the crawler's robots.txt middleware does)."""
    parts = urlsplit(url)
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    try:
        request = urllib.request.Request(robots_url, headers={"User-Agent": user_agent})
        fetched = _open_retried(request, timeout)
    except (_Transient, URLError, TimeoutError, ConnectionError):
        return True
    if fetched.status != 200:
        return True
    return Protego.parse(fetched.body.decode("utf-8", "replace")).can_fetch(url, user_agent)


def fetch_page(url: str, *, user_agent: str = USER_AGENT, timeout: float = DOWNLOAD_TIMEOUT) -> Fetched:
    """The page at `url` (GET; POST with page=1 when GET answers 405)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchRefused(f"{url}: only http(s) urls are fetched")
    if not robots_allow(url, user_agent=user_agent, timeout=timeout):
        raise FetchRefused(f"robots.txt disallows {url}")
    headers = {"User-Agent": user_agent, "Accept": "text/html,application/json;q=0.9,*/*;q=0.8"}
    try:
        fetched = _open_retried(urllib.request.Request(url, headers=headers), timeout)
        if fetched.status == 405:
            form = urlencode({"page": 1}).encode()
            post = urllib.request.Request(url, data=form, headers=headers, method="POST")
            fetched = _open_retried(post, timeout)
    except (_Transient, URLError, TimeoutError, ConnectionError) as error:
        raise FetchRefused(f"cannot fetch {url}: {error}") from error
    if fetched.status in (412, 521):
        raise FetchRefused(f"{url} answered {fetched.status}: an anti-bot front end (never evaded)")
    if fetched.status >= 400:
        raise FetchRefused(f"{url} answered {fetched.status}")
    return fetched
