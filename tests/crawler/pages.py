"""Mirror pages as Scrapy responses, and a family spider to read them, without a crawl.

A page is what the mirror site serves for a path (the same bytes a crawl gets); the spider is the
portal's family spider configured from the portal's YAML, its callbacks called directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.base import PortalSpider
from crawler.spiders.families import FAMILY_SPIDERS
from mirror.portals import MirrorPortal, build_mirror
from mirror.server import MirrorRequest
from settings.registry import dump_portal

BASE = "http://127.0.0.1:8000"  # where the pages say they were served (nothing listens there)


def mirror_portal(name: str) -> MirrorPortal:
    portal = next(p for p in build_mirror() if p.name == name)
    portal.inner.bind(BASE, {portal.name: BASE})
    return portal


def serve(
    portal: MirrorPortal, path: str, *, method: str = "GET", form: bytes = b""
) -> tuple[int, bytes, str]:
    """Status, body and content type the mirror site answers for `path` (a flaky front end's
    page as it is once it answers)."""
    target, _, query = path.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    reply = portal.inner.handle(MirrorRequest(method, target, params, form, {}))
    assert reply is not None, path
    return reply.status, reply.body, reply.content_type


def response(portal: MirrorPortal, path: str, meta: dict[str, Any] | None = None, **kw: Any) -> Response:
    """The page at `path` as the spider's callback receives it (a list page unless `meta` says)."""
    status, body, content_type = serve(portal, path, **kw)
    url = BASE + path
    info = meta or {"nianbao": {"role": "list", "report_url": url}, "list_callback": "parse_list"}
    request = Request(url, meta=info)
    cls = HtmlResponse if "html" in content_type else TextResponse
    encoding = "gb18030" if portal.encoding == "gbk" else "utf-8"
    return cls(
        url,
        status=status,
        body=body,
        encoding=encoding,
        request=request,
        headers={"Content-Type": content_type},
    )


def spider_for(portal: MirrorPortal, directory: Path) -> PortalSpider:
    dump_portal(portal.config(BASE), directory)
    cls = FAMILY_SPIDERS[portal.family]
    crawler = get_crawler(cls, settings_dict={"NIANBAO_PORTALS_DIR": str(directory)})
    return cls.from_crawler(crawler, portal=portal.name)


def stats(spider: PortalSpider) -> dict[str, int]:
    return {k.removeprefix("nianbao/"): v for k, v in spider.crawler.stats.get_stats().items()}


def results(spider: PortalSpider, page: Response) -> list[Any]:
    """What the callback a list response names yields (lists are read synchronously)."""
    return list(getattr(spider, page.meta["list_callback"])(page))


def report_page(portal: MirrorPortal, path: str) -> Response:
    return response(portal, path, meta={"nianbao": {"role": "report", "report_url": BASE + path}})


def collect(items: AsyncIterator[Any]) -> list[Any]:
    async def run() -> list[Any]:
        return [item async for item in items]

    return asyncio.run(run())


def roles(items: Iterable[Any], role: str) -> list[str]:
    """Urls of the requests of one role (list, report, attachment)."""
    return [r.url for r in items if isinstance(r, Request) and r.meta.get("nianbao", {}).get("role") == role]
