"""Which family a column page belongs to, and what crawling it implies.

`nianbao probe URL` fetches one column page (crawler.polite_fetch) and reads it here with the
functions the spiders use (crawler.listing, crawler.paging, crawler.discovery): the family and
why, the pagination found, how many list pages and report links that implies, and a portal
entry for the registry. Nothing is stored.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from crawler.discovery import judge_chrome, judge_listing
from crawler.extract import header_charset, meta_charset, true_encoding
from crawler.listing import Listing, ListPage, anchors, read_list_page
from crawler.paging import (
    announced,
    api_count,
    hanweb_perpage,
    hanweb_total,
    pager_urls,
    trs_pages,
    zwgk_pages,
)
from settings.registry import FUJIAN_SEARCH_API, PortalConfig, site_domain

_YEAR_LINK = re.compile(r"^\s*((?:19|20)\d{2})\s*年?度?\s*$")
_SUBCOLUMN = re.compile(r"/((?:19|20)\d{2})n/[\w-]+/list1\.html$")
_SITESOURCES_LIST = re.compile(r"/sitesources/.*/list(\d+)\.html$")
_UCAP_LIST = re.compile(r"/xxgk_list(?:_\d+)?\.shtml$")
_PROVINCES = (
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
)
_SITE_NAME = re.compile(r"(?:[_|｜]|\s[-—–]\s)\s*([^_|｜]+?)\s*$")

FetchJson = Callable[[str], Any]  # a polite fetch of a page's own JSON (sitesources script.json)


@dataclass
class Probe:
    url: str  # the page read (after redirects)
    family: str
    reasons: list[str]
    pagination: str  # what announced the other list pages, in words
    pages: int | None  # list pages the column has (None: not announced on this page)
    report_links: int  # report links on this page
    offsite_links: int = 0
    navigation_links: int = 0  # report-looking links of the page's chrome
    records: int | None = None  # entries the column announces (reports and others)
    options: dict[str, Any] = field(default_factory=dict)
    site: str | None = None  # the site's printed name, from the page

    @property
    def implied_reports(self) -> int | None:
        """Report links the whole column should hold, from this page's share (None: this page
        lists none itself, as a column linking its year pages)."""
        if self.pages is None or not self.report_links:
            return None
        return self.report_links * self.pages

    def describe(self) -> str:
        lines = [f"family: {self.family} ({'; '.join(self.reasons)})", f"pagination: {self.pagination}"]
        links = f"report links on this page: {self.report_links}"
        if self.offsite_links:
            links += f" (and {self.offsite_links} to other sites, not followed)"
        lines.append(links)
        lines.append(f"navigation links that read like reports (skipped): {self.navigation_links}")
        if self.pages is not None:
            implied = f"implies: {self.pages} list pages"
            if self.implied_reports is not None:
                implied += f", about {self.implied_reports} report links"
            if self.records is not None:
                implied += f" ({self.records} entries announced)"
            lines.append(implied)
        return "\n".join(lines)


def _decode(body: bytes, content_type: str) -> str:
    """As the crawler reads a page: the header's charset unless it cannot decode the body."""
    declared = header_charset(content_type) or meta_charset(body) or "utf-8"
    return body.decode(true_encoding(body, content_type) or declared, errors="replace")


@dataclass
class _Page:
    url: str
    text: str
    selector: Selector
    listed: ListPage

    def count(self) -> tuple[int, int, int]:
        """Distinct report links, off-site report links, report-looking navigation links."""
        domains = [site_domain(self.url)]
        kinds = {item.url: judge_listing(item, [self.url], domains).kind for item in self.listed.listings}
        navigation = {url for url, kind in kinds.items() if kind == "navigation"}
        navigation |= {item.url for item in self.listed.navigation if judge_chrome(item) == "navigation"}
        found = list(kinds.values())
        return found.count("report"), found.count("offsite"), len(navigation)


def _result(
    page: _Page, family: str, reasons: list[str], pagination: str, pages: int | None, **kw: Any
) -> Probe:
    reports, offsite, navigation = page.count()
    site = _site_name(page.selector)
    return Probe(page.url, family, reasons, pagination, pages, reports, offsite, navigation, site=site, **kw)


def _site_name(selector: Selector) -> str | None:
    name = selector.css('meta[name="SiteName"]::attr(content)').get()
    if name:
        return name.strip()
    title = " ".join(selector.css("title::text").getall())
    match = _SITE_NAME.search(title)
    return match[1] if match else None


def _gkmlpt(url: str, data: Any, method: str) -> Probe | None:
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        return None
    articles = [a for a in data["articles"] if isinstance(a, dict)]
    count = api_count(data)
    key = "total" if "total" in data else "classify.post_count"
    pages = math.ceil(count / len(articles)) if count is not None and articles else None
    listings = [Listing(urljoin(url, a["url"]), a.get("title") or "") for a in articles if a.get("url")]
    page = _Page(url, "", Selector(text="<html></html>"), ListPage(listings))
    reasons = ["a JSON list answer with `articles`", f"the count in `{key}`"]
    options = {"method": "POST"} if method == "POST" else {}
    if method == "POST":
        reasons.append("GET answers 405: POST with the page in the form")
    pagination = (
        f"?page=N, {count} articles of {len(articles)} a page" if count is not None else "none announced"
    )
    return _result(page, "gkmlpt", reasons, pagination, pages, records=count, options=options)


def _hanweb(page: _Page) -> Probe | None:
    if "<datastore>" not in page.text or ("jpage" not in page.text and "dataproxy" not in page.text):
        return None
    records = re.findall(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", page.text, re.S)
    page.listed = ListPage(
        [item for record in records for item in anchors(Selector(text=record).root, page.url)],
        anchors(page.selector.root, page.url),
    )
    total, perpage = hanweb_total(page.text), hanweb_perpage(page.text) or 15
    reasons = ["the first group embedded as <datastore> XML", "jpage / dataproxy.jsp for the others"]
    if total is None:
        return _result(page, "hanweb", reasons, "no record count found", 1)
    groups = math.ceil(total / (3 * perpage))
    pagination = f"{total} records, {perpage} a page, in groups of {3 * perpage} from dataproxy.jsp"
    return _result(page, "hanweb", reasons, pagination, groups, records=total, options={"perpage": perpage})


def _zwgk(page: _Page) -> Probe | None:
    query = dict(parse_qsl(urlsplit(page.url).query))
    if query.get("a") != "path" or "d" not in query:
        return None
    pages = zwgk_pages(page.text)
    reasons = ["a 政务公开平台 list url (?a=path&d=<column>&p=<code>)"]
    pagination = f"共{pages}页: &page=1..{pages}" if pages else "no 共N页 found"
    return _result(page, "zwgk", reasons, pagination, pages or 1)


def _sitesources(page: _Page, fetch_json: FetchJson | None) -> Probe | None:
    if "/sitesources/" not in urlsplit(page.url).path:
        return None
    reasons = ["a sitesources column (/sitesources/.../listN.html)"]
    links = page.listed.listings + page.listed.navigation
    years = sorted({int(m[1]) for item in links if (m := _SUBCOLUMN.search(urlsplit(item.url).path))})
    if years:
        reasons.append(f"one sub-column per year ({years[0]}-{years[-1]})")
        pagination = f"{len(years)} year sub-columns, each list1.html ... with its own script.json"
        return _result(
            page, "sitesources", reasons, pagination, len(years), options={"year_subcolumns": True}
        )
    pages = None
    if _SITESOURCES_LIST.search(urlsplit(page.url).path) and fetch_json is not None:
        data = fetch_json(urljoin(page.url, "script.json"))
        pages = (
            int(data["endPage"])
            if isinstance(data, dict) and str(data.get("endPage", "")).isdigit()
            else None
        )
    pagination = f"list1.html ... list{pages}.html (script.json endPage)" if pages else "script.json not read"
    return _result(page, "sitesources", reasons, pagination, pages)


def _trs_search(page: _Page) -> Probe | None:
    values = announced(page.text, ["maxStaticIndex", "recordCount", "channelid", "prepage"])
    if not {"maxStaticIndex", "recordCount", "channelid"} <= set(values):
        return None
    records, per_page = (
        int(values["recordCount"]),
        int(values.get("prepage") or len(page.listed.listings) or 10),
    )
    pages = math.ceil(records / per_page)
    reasons = ["TRS, Fujian's template: maxStaticIndex, recordCount and channelid in the page's script"]
    pagination = f"page 1 static, pages 2..{pages} from the search API ({records} records, {per_page} a page)"
    options = {"search_api": FUJIAN_SEARCH_API}
    return _result(page, "trs", reasons, pagination, pages, records=records, options=options)


def _trs(page: _Page) -> Probe | None:
    pages = trs_pages(page.text, page.url)
    if pages is None:
        return None
    how = "createPageHTML(...)" if pages.kind == "createPageHTML" else "countPage / currentPage"
    reasons = [f"TRS WCM: {how} in the page's script"]
    second = urlsplit(pages.url(page.url, pages.first + 1)).path.rsplit("/", 1)[-1]
    last = urlsplit(pages.url(page.url, pages.last)).path.rsplit("/", 1)[-1]
    pagination = f"{how}: {pages.count} list pages ({pages.stem}.{pages.ext}, {second} ... {last})"
    return _result(page, "trs", reasons, pagination, pages.count)


def _ucap(page: _Page) -> Probe | None:
    if not _UCAP_LIST.search(urlsplit(page.url).path) and "ucap" not in page.text.lower():
        return None
    following = pager_urls(page.selector.root, page.url)
    reasons = ["开普 UCAP: xxgk_list.shtml lists"]
    pagination = f"a rendered pager: {len(following) + 1} list pages" if following else "one list page"
    return _result(page, "ucap", reasons, pagination, len(following) + 1)


def _static(page: _Page) -> Probe | None:
    links = page.listed.listings + page.listed.navigation
    years = {item.url for item in links if _YEAR_LINK.match(item.title)}
    if len(years) < 2:
        return None
    reasons = [f"a static column: {len(years)} year pages linked (2019年度 / 2019.html)"]
    return _result(page, "static", reasons, f"one page per year: {len(years)} pages", len(years) + 1)


def _generic(page: _Page) -> Probe:
    following = pager_urls(page.selector.root, page.url)
    reasons = ["no family's markers found: read as a plain HTML list (the trs family reads any)"]
    pagination = f"a rendered pager: {len(following) + 1} list pages" if following else "none found"
    return _result(page, "trs", reasons, pagination, len(following) + 1 if following else None)


def probe_page(
    url: str, body: bytes, content_type: str, *, method: str = "GET", fetch_json: FetchJson | None = None
) -> Probe:
    """Read one column page (pure, but for `fetch_json`, the sitesources page count)."""
    text = _decode(body, content_type)
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        found = _gkmlpt(url, data, method)
        if found is not None:
            return found
    selector = Selector(text=text)
    page = _Page(url, text, selector, read_list_page(selector, url))
    detectors: list[Callable[[_Page], Probe | None]] = [
        _hanweb,
        _zwgk,
        lambda p: _sitesources(p, fetch_json),
        _trs_search,
        _trs,
        _ucap,
        _static,
    ]
    for detect in detectors:
        found = detect(page)
        if found is not None:
            return found
    return _generic(page)


def _level(site: str) -> str:
    name = site.removesuffix("人民政府")
    if name.endswith(("省", "自治区")) or name in ("北京市", "天津市", "上海市", "重庆市"):
        return "province"
    if name.endswith(("县", "区", "旗")):
        return "county"
    if name.endswith(("镇", "乡", "街道")):
        return "township"
    return "city"


def portal_entry(
    probe: Probe,
    name: str,
    *,
    title: str | None = None,
    level: str | None = None,
    province: str | None = None,
    region: str | None = None,
) -> PortalConfig:
    """A registry entry for the probed column (guesses from the page where not given)."""
    site = title or probe.site or (urlsplit(probe.url).hostname or name)
    region = region or site.removesuffix("人民政府")
    level = level or _level(site)
    if province is None:
        province = region if level == "province" else next((p for p in _PROVINCES if site.startswith(p)), "")
    return PortalConfig(
        name=name,
        title=site,
        level=level,  # type: ignore[arg-type]
        province=province,
        region=region,
        family=probe.family,  # type: ignore[arg-type]
        start_urls=[probe.url],
        allowed_domains=[site_domain(probe.url)],
        options=probe.options,
        verified=False,
        comments=[f"probed: {'; '.join(probe.reasons)}", f"pagination: {probe.pagination}"],
    )
