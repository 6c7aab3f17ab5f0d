"""The CMS families' list pages. Each spider only knows its family's list container and how its
lists paginate (read through crawler.paging); everything else (listing regions, discovery,
years, reports, attachments, the rendered-pager fallback) is PortalSpider's. A portal is a YAML
entry; docs/portals.md describes each family's pages and options."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from parsel import Selector
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.listing import Listing, ListPage, anchors
from crawler.paging import (
    announced,
    api_count,
    hanweb_perpage,
    hanweb_total,
    json_path,
    pager_urls,
    trs_pages,
    zwgk_pages,
)
from crawler.spiders.base import PortalSpider

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def with_query(url: str, **params: Any) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


def json_answer(spider: PortalSpider, response: Response) -> Any:
    """A list API's JSON answer (None, counted as a failed list, when it is not JSON)."""
    try:
        return json.loads(response.text)
    except ValueError:
        spider.inc("lists/failed")
        spider.logger.warning("list answer is not JSON: %s", response.url)
        return None


class TrsSpider(PortalSpider):
    """TRS WCM: index.html, index_1.html ... announced by createPageHTML (either form) or by
    countPage / currentPage; a column whose older entries are only in a search API reads them
    from there (options.search_api); else the rendered pager's links."""

    name = "trs"
    family = "trs"

    def parse_list(self, response: Response) -> Iterator[Any]:
        page = self.list_page(response)
        yield from self.read_listings(page, response)
        if self.options.search_api is not None:
            yield from self.search_start(response, page)
            return
        pages = trs_pages(response.text, response.url, response.meta.get("trs_first"))
        if pages is None:
            yield from self.pager_requests(response, page.listings)
            return
        for n in self.following_pages(pages.current, pages.first, pages.last, page.listings):
            request = self.list_request(pages.url(response.url, n), self.parse_list)
            request.meta["trs_first"] = pages.first  # only the column's first page tells
            yield request

    # --- a static first page, the rest from a search API (Fujian's template) ------------------

    def search_start(self, response: Response, page: ListPage) -> Iterator[scrapy.Request]:
        """API page 2 (the static page is page 1); its answer tells how many follow."""
        api = self.options.search_api
        names = {n for value in api.body.values() for n in _PLACEHOLDER.findall(value)} - {"page", "perpage"}
        values = announced(response.text, names | {"prepage", "perpage"})
        missing = sorted(names - set(values))
        if missing:
            self.inc("lists/failed")
            self.logger.error("search API body names %s, which %s does not announce", missing, response.url)
            return
        announced_per_page = values.get("prepage") or values.get("perpage")
        per_page = api.per_page or int(announced_per_page or len(page.listings) or 10)
        state = {"url": urljoin(response.url, api.url), "values": values, "per_page": per_page}
        if self.keep_paging(page.listings):
            yield self.search_request(state, 2)

    def search_request(self, state: dict[str, Any], n: int) -> scrapy.Request:
        api = self.options.search_api
        values = {**state["values"], "page": str(n), "perpage": str(state["per_page"])}
        body = {k: _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), v) for k, v in api.body.items()}
        if api.method == "GET":
            request = self.list_request(with_query(state["url"], **body), self.parse_search)
        elif api.encoding == "json":
            request = self.list_request(state["url"], self.parse_search, json=body)
        else:
            request = self.list_request(state["url"], self.parse_search, formdata=body)
        request.meta["search"] = {**state, "page": n}
        return request

    def parse_search(self, response: Response) -> Iterator[Any]:
        api = self.options.search_api
        state = response.meta["search"]
        data = json_answer(self, response)
        records = json_path(data, api.records) if data is not None else None
        if not isinstance(records, list):
            return
        listings = [
            Listing(urljoin(response.url, str(r[api.link])), str(r.get(api.title) or ""))
            for r in records
            if isinstance(r, dict) and r.get(api.link)
        ]
        yield from self.read_listings(ListPage(listings), response)
        total = api_count(data, [api.total])
        if total is None or not records:
            return
        last = self.page_count(total, state["per_page"])
        for n in self.following_pages(state["page"], 2, last, listings):
            yield self.search_request(state, n)


class HanwebSpider(PortalSpider):
    """Hanweb jpage: first group embedded as <datastore> XML, the rest from dataproxy.jsp; the
    record count as totalRecord:N (jpage setup), totalRecord=N or <totalrecord>."""

    name = "hanweb"
    family = "hanweb"
    _RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
    _NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.S)

    def records(self, text: str, base_url: str) -> list[Listing]:
        """The list container of a jpage column: its <record>s (chrome is outside)."""
        roots = [Selector(text=record).root for record in self._RECORD.findall(text)]
        return [item for root in roots for item in anchors(root, base_url)]

    def parse_list(self, response: Response) -> Iterator[Any]:
        text = response.text
        if "<datastore>" not in text:  # a static column of the same CMS
            page = self.list_page(response)
            yield from self.read_listings(page, response)
            yield from self.pager_requests(response, page.listings)
            return
        # the records sit in a script element, so the page's own links are its chrome
        listings = self.records(text, response.url)
        chrome = anchors(response.selector.root, response.url)
        yield from self.read_listings(ListPage(listings, chrome), response)
        nextgroup, total = self._NEXTGROUP.search(text), hanweb_total(text)
        if not nextgroup or total is None:
            return
        perpage = self.options.perpage or hanweb_perpage(text) or 15
        state = {
            "proxy": urljoin(response.url, nextgroup[1].replace("&amp;", "&")),
            "total": total,
            "perpage": perpage,
            "group": 3 * perpage,
        }
        yield from self.next_groups(state, 0, listings)

    def next_groups(
        self, state: dict[str, Any], current: int, listings: list[Listing]
    ) -> Iterator[scrapy.Request]:
        last = self.page_count(state["total"], state["group"]) - 1
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
        # groups overlap by one record: dropped as duplicates
        yield from self.read_listings(ListPage(listings), response)
        yield from self.next_groups(state, state["index"], listings)


class ZwgkSpider(PortalSpider):
    """政务公开平台: ?a=path&d=<column>&p=<code>&page=N, the page count printed as 共N页."""

    name = "zwgk"
    family = "zwgk"

    def parse_list(self, response: Response) -> Iterator[Any]:
        page = self.list_page(response)
        yield from self.read_listings(page, response)
        pages = zwgk_pages(response.text)
        if pages is None:
            yield from self.pager_requests(response, page.listings)
            return
        current = int(dict(parse_qsl(urlsplit(response.url).query)).get("page") or 1)
        for n in self.following_pages(current, 1, pages, page.listings):
            yield self.list_request(with_query(response.url, page=n), self.parse_list)


class SitesourcesSpider(PortalSpider):
    """sitesources: list1.html ... listN.html, N from script.json {endPage}; with
    options.year_subcolumns, the column page links one sub-column per year (2020n/szf/list1.html)."""

    name = "sitesources"
    family = "sitesources"
    _SUBCOLUMN = re.compile(r"/((?:19|20)\d{2})n/[\w-]+/list1\.html$")
    _LIST = re.compile(r"list(\d+)\.html$")

    def parse_list(self, response: Response) -> Iterator[Any]:
        page = self.list_page(response)
        subcolumns = []
        if self.options.year_subcolumns:
            links = page.listings + page.navigation
            subcolumns = [(i, m) for i in links if (m := self._SUBCOLUMN.search(urlsplit(i.url).path))]
        for item, match in dict((item.url, (item, match)) for item, match in subcolumns).values():
            if self.requested_years and int(match[1]) not in self.requested_years:
                self.inc("lists/other_year_skipped")
                continue
            yield self.list_request(item.url, self.parse_list)
        if subcolumns:
            page = ListPage(
                [i for i in page.listings if not self._SUBCOLUMN.search(urlsplit(i.url).path)],
                [i for i in page.navigation if not self._SUBCOLUMN.search(urlsplit(i.url).path)],
                page.region,
            )
        yield from self.read_listings(page, response)
        number_match = self._LIST.search(urlsplit(response.url).path)
        if not number_match or subcolumns:
            return
        number, end_page = int(number_match[1]), response.meta.get("end_page")
        if end_page is None and pager_urls(response.selector.root, response.url):
            yield from self.pager_requests(response, page.listings)  # a rendered pager: no script.json
        elif end_page is None and number == 1 and self.keep_paging(page.listings):
            request = self.list_request(urljoin(response.url, "script.json"), self.parse_script)
            request.meta["list_url"] = response.url
            yield request
        elif end_page is not None:
            yield from self.next_pages(response.url, number, end_page, page.listings)

    def next_pages(self, url: str, number: int, end_page: int, listings: list[Listing]) -> Iterator[Any]:
        for n in self.following_pages(number, 1, end_page, listings):
            request = self.list_request(urljoin(url, f"list{n}.html"), self.parse_list)
            request.meta["end_page"] = end_page
            yield request

    def parse_script(self, response: Response) -> Iterator[Any]:
        data = json_answer(self, response)
        if isinstance(data, dict):
            yield from self.next_pages(response.meta["list_url"], 1, int(data.get("endPage") or 1), [])


class GkmlptSpider(PortalSpider):
    """A JSON list API: /gkmlpt/api/all/<cat>?page=N -> {articles: [{title, url}], total} (or the
    count as classify.post_count). Page 2 is asked for before the rest: some sites answer 404
    beyond page 1, and the list then ends there (counted, not a failure)."""

    name = "gkmlpt"
    family = "gkmlpt"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:  # page 1 too goes the way the API takes (GET or POST)
            yield self.page_request(url, 1).replace(dont_filter=True)

    def parse_list(self, response: Response) -> Iterator[Any]:
        data = json_answer(self, response)
        if not isinstance(data, dict):
            return
        articles = [a for a in data.get("articles") or [] if isinstance(a, dict)]
        listings = [
            Listing(urljoin(response.url, a["url"]), a.get("title") or "") for a in articles if a.get("url")
        ]
        yield from self.read_listings(ListPage(listings), response)
        page = int(
            response.meta.get("page") or dict(parse_qsl(urlsplit(response.url).query)).get("page") or 1
        )
        per_page = int(response.meta.get("per_page") or len(articles) or 1)
        count = api_count(data)
        if not articles or count is None:
            return
        last = self.page_count(count, per_page)
        pages = self.following_pages(1, 1, min(last, 2), listings) if page == 1 else None
        for n in pages if pages is not None else self.following_pages(page, 2, last, listings):
            request = self.page_request(response.url, n)
            request.meta.update(page=n, per_page=per_page)
            yield request

    def page_request(self, url: str, page: int) -> scrapy.Request:
        if self.options.method == "POST":
            form = {"page": str(page)}
            return self.list_request(url, self.parse_list, formdata=form, errback=self.page_failed)
        return self.list_request(with_query(url, page=page), self.parse_list, errback=self.page_failed)

    def page_failed(self, failure: Failure) -> None:
        page = failure.request.meta.get("page") or 1  # type: ignore[attr-defined]
        if failure.check(HttpError) and failure.value.response.status == 404 and page >= 2:
            self.inc("lists/unpaged")
            self.logger.info("list API answers 404 for page %s: the list ends there", page)
            return
        self.list_failed(failure)


class StaticSpider(PortalSpider):
    """Static columns: an index linking one page per year (2019.html / 2019年度)."""

    name = "static"
    family = "static"
    _YEAR_PAGE = re.compile(r"^\s*((?:19|20)\d{2})\s*年?度?\s*$")

    def parse_list(self, response: Response) -> Iterator[Any]:
        page = self.list_page(response)
        # year links are the column's own navigation, wherever the page prints them
        links = page.listings + page.navigation
        year_pages = {
            item.url: (item, int(m[1])) for item in links if (m := self._YEAR_PAGE.match(item.title))
        }
        for item, year in year_pages.values():
            if self.requested_years and year not in self.requested_years:
                self.inc("lists/other_year_skipped")
                continue
            yield self.list_request(item.url, self.parse_list)
        listings = [item for item in page.listings if not self._YEAR_PAGE.match(item.title)]
        yield from self.read_listings(ListPage(listings, page.navigation, page.region), response)
        yield from self.pager_requests(response, listings)  # a year page of several pages


class UcapSpider(PortalSpider):
    """开普 UCAP (江苏): lists xxgk_list.shtml, xxgk_list_2.shtml ... linked from a rendered pager;
    articles are GUID .shtml pages whose body is <ucapcontent> in div.article-content#zoomcon."""

    name = "ucap"
    family = "ucap"

    def parse_list(self, response: Response) -> Iterator[Any]:
        page = self.list_page(response)
        yield from self.read_listings(page, response)
        yield from self.pager_requests(response, page.listings)


FAMILY_SPIDERS: dict[str, type[PortalSpider]] = {
    cls.family: cls
    for cls in (
        TrsSpider,
        HanwebSpider,
        ZwgkSpider,
        SitesourcesSpider,
        GkmlptSpider,
        StaticSpider,
        UcapSpider,
    )
}
