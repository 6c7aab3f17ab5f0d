"""Politeness per host across the portals of one process. Scrapy keeps a download slot (delay,
concurrency) per host in each crawler, and every portal has a crawler of its own: two portals
on one host would each keep their own delay and together call it twice as often. Here every
request waits, as it is sent, for its host's next turn, shared by all the process's crawlers
(they run on one reactor thread, so a plain dict is enough)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

_next_turn: dict[str, float] = {}  # host[:port] -> monotonic time its next request may go


async def host_turn(url: str, delay: float) -> None:
    """Wait until `url`'s host may be called again, `delay` after its previous request."""
    if delay <= 0:
        return
    host = urlsplit(url).netloc.lower()
    now = time.monotonic()
    turn = max(now, _next_turn.get(host, 0.0))
    _next_turn[host] = turn + delay
    if turn > now:
        await asyncio.sleep(turn - now)


class HostPoliteDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's http(s) handler, each request sent at least DOWNLOAD_DELAY (the portal's, when
    its YAML sets one) after the previous one to its host, whichever portal sent that. Waiting
    here, after Scrapy's own slot, is what makes the gap hold on the wire."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.delay = crawler.settings.getfloat("DOWNLOAD_DELAY")

    async def download_request(self, request: Request) -> Response:
        await host_turn(request.url, self.delay)
        return await super().download_request(request)
