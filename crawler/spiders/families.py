"""The CMS families' list pages. Each spider only knows how its family paginates; everything
else (discovery, years, reports, attachments) is PortalSpider's. A portal is a YAML entry."""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from crawler.spiders.base import Listing, PortalSpider, anchors

_CREATE_PAGE = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")


def with_query(url: str, **params: Any) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


class TrsSpider(PortalSpider):
    """TRS WCM: index.html, index_1.html ... announced by createPageHTML(total, current, ...)."""

    name = "trs"
    family = "trs"

    def parse_list(self, response: Response) -> Iterator[Any]:
        listings = anchors(response.selector, response.url)
        yield from self.read_listings(listings, response)
        match = _CREATE_PAGE.search(response.text)
        if not match:
            return
        total, current, stem, ext = int(match[1]), int(match[2]), match[3], match[4]
        for n in self.following_pages(current, 0, total - 1, listings):
            yield self.list_request(urljoin(response.url, f"{stem}_{n}.{ext}"), self.parse_list)


class HanwebSpider(PortalSpider):
    """Hanweb jpage: first group embedded as <datastore> XML, the rest from dataproxy.jsp."""

    name = "hanweb"
    family = "hanweb"
    _RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
    _NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.S)
    _TOTAL = re.compile(r"(?:totalRecord\s*=\s*|<totalrecord>)(\d+)", re.I)
    _PERPAGE = re.compile(r"perpage\s*[:=]\s*[\"']?(\d+)", re.I)

    def records(self, text: str, base_url: str) -> list[Listing]:
        return [
            item for record in self._RECORD.findall(text) for item in anchors(Selector(text=record), base_url)
        ]

    def parse_list(self, response: Response) -> Iterator[Any]:
        text = response.text
        listings = self.records(text, response.url)
        yield from self.read_listings(listings, response)
        nextgroup, total = self._NEXTGROUP.search(text), self._TOTAL.search(text)
        if not nextgroup or not total:
            return
        perpage_match = self._PERPAGE.search(text)
        perpage = int(self.portal.options.get("perpage") or (perpage_match[1] if perpage_match else 15))
        state = {
            "proxy": urljoin(response.url, nextgroup[1].replace("&amp;", "&")),
            "total": int(total[1]),
            "perpage": perpage,
            "group": 3 * perpage,
        }
        yield from self.next_groups(state, 0, listings)

    def next_groups(
        self, state: dict[str, Any], current: int, listings: list[Listing]
    ) -> Iterator[scrapy.Request]:
        last = math.ceil(state["total"] / state["group"]) - 1
        for index in self.following_pages(current, 0, last, listings):
            yield self.group_request(state, index)

    def group_request(self, state: dict[str, Any], index: int) -> scrapy.Request:
        start = index * state["group"] + 1
        end = start + state["group"] - 1
        parts = urlsplit(state["proxy"])
        form = dict(parse_qsl(parts.query, keep_blank_values=True))
        url = urlunsplit(
            parts._replace(
                query=urlencode({"startrecord": start, "endrecord": end, "perpage": state["perpage"]})
            )
        )
        request = self.list_request(url, self.parse_group, formdata=form)
        request.meta["hanweb"] = {**state, "index": index}
        return request

    def parse_group(self, response: Response) -> Iterator[Any]:
        state = response.meta["hanweb"]
        listings = self.records(response.text, response.url)
        yield from self.read_listings(
            listings, response
        )  # groups overlap by one record: dropped as duplicates
        yield from self.next_groups(state, state["index"], listings)


class ZwgkSpider(PortalSpider):
    """政务公开平台: ?a=path&d=<column>&p=<code>&page=N, the page count printed as 共N页."""

    name = "zwgk"
    family = "zwgk"
    _PAGES = re.compile(r"共\s*(\d+)\s*页")

    def parse_list(self, response: Response) -> Iterator[Any]:
        listings = anchors(response.selector, response.url)
        yield from self.read_listings(listings, response)
        pages = self._PAGES.search(response.text)
        current = int(dict(parse_qsl(urlsplit(response.url).query)).get("page") or 1)
        for n in self.following_pages(current, 1, int(pages[1]) if pages else 1, listings):
            yield self.list_request(with_query(response.url, page=n), self.parse_list)


class SitesourcesSpider(PortalSpider):
    """sitesources: list1.html ... listN.html, N from script.json {endPage}; year sub-columns."""

    name = "sitesources"
    family = "sitesources"
    _SUBCOLUMN = re.compile(r"/((?:19|20)\d{2})n/[\w-]+/list1\.html$")
    _LIST = re.compile(r"list(\d+)\.html$")

    def parse_list(self, response: Response) -> Iterator[Any]:
        links = anchors(response.selector, response.url)
        subcolumns = [(item, m) for item in links if (m := self._SUBCOLUMN.search(urlsplit(item.url).path))]
        for item, match in subcolumns:
            if self.requested_years and int(match[1]) not in self.requested_years:
                self.inc("lists/other_year_skipped")
                continue
            yield self.list_request(item.url, self.parse_list)
        listings = [item for item in links if not self._SUBCOLUMN.search(urlsplit(item.url).path)]
        yield from self.read_listings(listings, response)
        page = self._LIST.search(urlsplit(response.url).path)
        if not page or subcolumns:
            return
        number, end_page = int(page[1]), response.meta.get("end_page")
        if end_page is None and number == 1 and self.keep_paging(listings):
            request = self.list_request(urljoin(response.url, "script.json"), self.parse_script)
            request.meta["list_url"] = response.url
            yield request
        elif end_page is not None:
            yield from self.next_pages(response.url, number, end_page, listings)

    def next_pages(self, url: str, number: int, end_page: int, listings: list[Listing]) -> Iterator[Any]:
        for n in self.following_pages(number, 1, end_page, listings):
            request = self.list_request(urljoin(url, f"list{n}.html"), self.parse_list)
            request.meta["end_page"] = end_page
            yield request

    def parse_script(self, response: Response) -> Iterator[Any]:
        end_page = int(json.loads(response.text).get("endPage") or 1)
        yield from self.next_pages(response.meta["list_url"], 1, end_page, [])


class GkmlptSpider(PortalSpider):
    """A JSON list API: /gkmlpt/api/all/<cat>?page=N -> {articles: [{title, url}], total}."""

    name = "gkmlpt"
    family = "gkmlpt"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:  # page 1 too goes the way the API takes (GET or POST)
            yield self.page_request(url, 1).replace(dont_filter=True)

    def parse_list(self, response: Response) -> Iterator[Any]:
        data = json.loads(response.text)
        articles = data.get("articles") or []
        listings = [
            Listing(urljoin(response.url, a["url"]), a.get("title") or "") for a in articles if a.get("url")
        ]
        yield from self.read_listings(listings, response)
        page = int(
            response.meta.get("page") or dict(parse_qsl(urlsplit(response.url).query)).get("page") or 1
        )
        per_page = int(response.meta.get("per_page") or len(articles) or 1)
        pages = math.ceil(int(data.get("total") or 0) / per_page)
        for n in self.following_pages(page, 1, pages, listings) if articles else ():
            request = self.page_request(response.url, n)
            request.meta.update(page=n, per_page=per_page)
            yield request

    def page_request(self, url: str, page: int) -> scrapy.Request:
        if str(self.portal.options.get("method", "GET")).upper() == "POST":
            return self.list_request(url, self.parse_list, formdata={"page": str(page)})
        return self.list_request(with_query(url, page=page), self.parse_list)


class StaticSpider(PortalSpider):
    """Static columns: an index linking one page per year (2019.html / 2019年度)."""

    name = "static"
    family = "static"
    _YEAR_PAGE = re.compile(r"^\s*((?:19|20)\d{2})\s*年?度?\s*$")

    def parse_list(self, response: Response) -> Iterator[Any]:
        links = anchors(response.selector, response.url)
        year_pages = [(item, int(m[1])) for item in links if (m := self._YEAR_PAGE.match(item.title))]
        for item, year in year_pages:
            if self.requested_years and year not in self.requested_years:
                self.inc("lists/other_year_skipped")
                continue
            yield self.list_request(item.url, self.parse_list)
        yield from self.read_listings(
            [item for item in links if not self._YEAR_PAGE.match(item.title)], response
        )


FAMILY_SPIDERS: dict[str, type[PortalSpider]] = {
    cls.family: cls
    for cls in (TrsSpider, HanwebSpider, ZwgkSpider, SitesourcesSpider, GkmlptSpider, StaticSpider)
}
