"""The part every family shares: registry lookup, reading a list page's listings (crawler.listing),
the rendered-pager fallback (crawler.paging), year filters, early stop, report pages,
attachments (crawler.attachments), conditional-request bookkeeping and data-quality counters.
A family spider only knows its list container and how its lists paginate."""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import JsonRequest, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.attachments import AttachmentScan, find_attachments
from crawler.discovery import judge_chrome, judge_listing
from crawler.items import DocumentItem
from crawler.listing import Listing, ListPage, read_list_page
from crawler.offsite import OffsiteRequest, offsite_reason
from crawler.paging import pager_urls
from crawler.reachability import note_start_failure
from crawler.titles import report_of
from settings.config import config_from_scrapy
from settings.registry import PortalConfig, load_portals, parse_years

META = "nianbao"
STATS = "nianbao"
# the counter of each kind of listing that is not fetched (crawler.discovery), once per url
SKIPPED = {
    "navigation": "listings/navigation_skipped",
    "lookalike": "listings/lookalike_skipped",
    "unnamed": "listings/unnamed_skipped",
    "offsite": "offsite/links",
}


_LINK = re.compile(rb"<a[\s>]", re.I)


def nth_link_offset(body: bytes, links: int) -> int | None:
    """Where the link after the first `links` starts (None: the page has no more), found
    without parsing the page."""
    for n, match in enumerate(_LINK.finditer(body)):
        if n == links:
            return match.start()
    return None


def failure_text(failure: Failure) -> str:
    """One line naming what failed: the exception and its message, or the HTTP status; never a
    body (an HttpError's message does not carry it)."""
    response = getattr(failure.value, "response", None)
    if isinstance(failure.value, HttpError) and response is not None:
        return f"HTTP {response.status}"
    text = " ".join(str(failure.value).split())
    return f"{type(failure.value).__name__}: {text[:300]}"


def report_attachments(response: Response) -> AttachmentScan:
    """The attachments a report page links to, and those it announces but does not resolve."""
    if not isinstance(response, TextResponse):
        return AttachmentScan()
    return find_attachments(response.text, response.url)


class PortalSpider(scrapy.Spider):
    """Subclasses set `family` and implement `parse_list` (the start urls' callback)."""

    family: ClassVar[str] = ""
    portal: PortalConfig

    def __init__(self, portal: str | None = None, years: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal_name = portal
        self.years_arg = years
        self.blocked_reason: str | None = None
        self.seen_reports: set[str] = set()
        self.found_years: set[int] = set()
        self.requested_years: set[int] = set()
        self.list_urls: set[str] = set()  # the column's list pages requested (never reports)
        self.counted: dict[str, set[str]] = {}  # urls counted once per run, by counter
        self.list_pages: set[str] = set()  # the list pages let through (max_list_pages)
        self.truncated: set[str] = set()  # the bounds this run reached (max_list_pages, ...)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        return spider

    def configure(self, settings: Any) -> None:
        if not self.portal_name:
            raise ValueError(f"spider {self.name}: pass the portal, -a portal=NAME")
        portals = load_portals(settings.get("NIANBAO_PORTALS_DIR"))
        if self.portal_name not in portals:
            raise ValueError(f"unknown portal {self.portal_name!r}; known: {', '.join(sorted(portals))}")
        self.portal = portals[self.portal_name]
        if self.portal.family != self.family:
            raise ValueError(f"portal {self.portal.name} is a {self.portal.family} portal, not {self.family}")
        self.allowed_domains = list(self.portal.allowed_domains)
        self.start_urls = list(self.portal.start_urls)
        self.options = self.portal.family_options()
        config = config_from_scrapy(settings)
        self.max_list_pages = self.portal.max_list_pages or config.max_list_pages
        self.max_links_per_page = self.portal.max_links_per_page or config.max_links_per_page
        requested = parse_years(self.years_arg or settings.get("NIANBAO_YEARS"))
        self.requested_years = set(requested)
        if not settings.frozen:
            for key, value in self.portal.politeness.scrapy_settings().items():
                settings.set(key, value, priority="spider")
            if not self.portal.tls_verify:
                settings.set("DOWNLOAD_VERIFY_CERTIFICATES", False, priority="spider")

    @property
    def unverified_because(self) -> str | None:
        """Why this portal's certificates are not verified (None: they are)."""
        return None if self.portal.tls_verify else self.portal.tls_verify_reason

    # --- bookkeeping -------------------------------------------------------------------------

    def inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{key}", count)

    def count_once(self, key: str, url: str) -> None:
        """Count `url` under `key` once per run (chrome repeats on every list page)."""
        seen = self.counted.setdefault(key, set())
        if url not in seen:
            seen.add(url)
            self.inc(key)

    @property
    def expected_years(self) -> set[int]:
        expected = set(self.portal.years)
        return expected & self.requested_years if self.requested_years else expected

    def mark_blocked(self, reason: str) -> None:
        if self.blocked_reason is None:
            self.blocked_reason = reason
            self.crawler.stats.set_value(f"{STATS}/blocked", reason)
            self.logger.warning("portal %s blocked: %s", self.portal.name, reason)

    # --- start and lists ---------------------------------------------------------------------

    def reach_bound(self, bound: str) -> None:
        if bound not in self.truncated:
            self.truncated.add(bound)
            self.crawler.stats.set_value(f"{STATS}/truncated", sorted(self.truncated))
            self.logger.warning("portal %s: %s reached, the rest is not read", self.portal.name, bound)

    def admit_list(self, request: scrapy.Request) -> bool:
        """A list page may be requested while the portal's max_list_pages are not reached."""
        if request.url in self.list_pages:
            return True
        if len(self.list_pages) >= self.max_list_pages:
            self.reach_bound("max_list_pages")
            return False
        self.list_pages.add(request.url)
        return True

    def cut_links(self, response: Response) -> Response:
        """The page up to its `max_links_per_page`-th link: a page of a million links is not
        parsed whole (its tree would take gigabytes)."""
        if not isinstance(response, TextResponse):
            return response
        cut = nth_link_offset(response.body, self.max_links_per_page)
        if cut is None:
            return response
        self.reach_bound("max_links_per_page")
        return response.replace(body=response.body[:cut])

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            request = self.list_request(url, self.parse_list, dont_filter=True)
            if self.admit_list(request):
                yield request

    def list_request(
        self,
        url: str,
        callback: Any,
        *,
        formdata: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> scrapy.Request:
        """A list page: fetched conditionally and archived; `callback` reads it (see on_list).
        `formdata` posts a form, `json` a JSON body."""
        kwargs.setdefault("errback", self.list_failed)
        kwargs.setdefault("priority", 10)  # lists before reports: the queue never runs dry
        meta = {META: {"role": "list", "report_url": url}, "list_callback": callback.__name__}
        self.list_urls.add(url)
        if json is not None:
            return JsonRequest(url, data=json, callback=self.on_list, meta=meta, **kwargs)
        if formdata is not None:
            return scrapy.FormRequest(url, formdata=formdata, callback=self.on_list, meta=meta, **kwargs)
        return scrapy.Request(url, callback=self.on_list, meta=meta, **kwargs)

    async def on_list(self, response: Response) -> AsyncIterator[Any]:
        """A 304 list is read from the archive: its reports known to the store are then not
        requested again (NIANBAO_TRUST_UNCHANGED_LISTS), the others are. Such a report is
        counted unchanged right here rather than scheduled for the downloader middleware to
        answer 304 (which cost ~0.5 ms per report of a re-crawl)."""
        info = response.meta[META]
        self.list_urls.add(response.url)  # a redirect's target is the column too
        if response.status == 304:
            response = await self.archived_response(response)
            info["unchanged"] = True
            self.inc("lists/not_modified")
        else:
            yield self.document_item(response)
        response = self.cut_links(response)
        results = [
            r
            for r in getattr(self, response.meta["list_callback"])(response)
            if not self.is_list_request(r) or self.admit_list(r)
        ]
        await self.check_known(
            [
                r
                for r in results
                if isinstance(r, scrapy.Request) and r.meta.get(META, {}).get("role") == "report"
            ]
        )
        for result in results:
            if isinstance(result, scrapy.Request) and self.listed_unchanged(result):
                self.inc("documents/skipped_list_unchanged")
                self.count_unchanged_report()
                continue
            yield result

    @staticmethod
    def is_list_request(result: Any) -> bool:
        return isinstance(result, scrapy.Request) and result.meta.get(META, {}).get("role") == "list"

    def count_unchanged_report(self) -> None:
        self.inc("reports/unchanged")
        self.inc("documents/not_modified")

    def listed_unchanged(self, request: scrapy.Request) -> bool:
        from crawler.middlewares import listed_unchanged

        return listed_unchanged(request, self.crawler.settings.getbool("NIANBAO_TRUST_UNCHANGED_LISTS"))

    async def check_known(self, requests: list[scrapy.Request]) -> None:
        """What the store knows of a page of reports, in one call (else one per request)."""
        from crawler.middlewares import apply_known
        from crawler.store_access import in_store
        from storage.api import Store

        if not requests:
            return
        known = await in_store(self.crawler, Store.known_many, [r.url for r in requests])
        for request in requests:
            apply_known(request, known[request.url])

    async def archived_response(self, response: Response) -> Response:
        from scrapy.responsetypes import responsetypes

        from crawler.store_access import in_store
        from storage.api import Store

        url = (response.meta.get("redirect_urls") or [response.url])[0]
        body = await in_store(self.crawler, Store.read_url, url)
        cls = responsetypes.from_args(url=response.url, body=body)
        return cls(url=response.url, body=body, status=200, request=response.request)

    def parse_list(self, response: Response) -> Iterable[Any]:
        raise NotImplementedError

    def list_failed(self, failure: Failure) -> None:
        if failure.check(OffsiteRequest):
            return  # counted off-site by the middleware, not a failure of the portal
        note_start_failure(self, failure)  # a start url that fails: the portal is unreachable
        message = str(failure.value)
        if "robots.txt" in message:
            self.mark_blocked(f"robots.txt disallows {failure.request.url}")  # type: ignore[attr-defined]
            return
        self.inc("lists/failed")
        self.keep_failure(failure)

    def list_page(self, response: Response) -> ListPage:
        """The page's listings (its listing region) and its other links."""
        container = getattr(self.options, "list_selector", None)
        return read_list_page(response.selector, response.url, container)

    def read_listings(self, page: ListPage, response: Response) -> Iterator[scrapy.Request]:
        """Report requests for the listed reports. Skipped (and counted): links outside the
        listing region or to the column itself that read like reports (navigation), lookalikes,
        report titles naming no organ or no year, off-site links, duplicates, other years."""
        self.inc("lists/read")
        list_unchanged = bool(response.meta.get(META, {}).get("unchanged"))
        for item in page.navigation:
            if judge_chrome(item) == "navigation":
                self.count_once(SKIPPED["navigation"], item.url)
        for item in page.listings:
            verdict = judge_listing(item, self.list_urls, self.allowed_domains)
            if verdict.kind in SKIPPED:
                self.count_once(SKIPPED[verdict.kind], item.url)
            if verdict.kind == "offsite":
                self.logger.info("report link not followed (%s): %s %s", verdict.reason, item.title, item.url)
            report = verdict.report
            if verdict.kind != "report" or report is None:
                continue
            if self.requested_years and report.year not in self.requested_years:
                self.inc("listings/other_year_skipped")
                continue
            if item.url in self.seen_reports:
                self.inc("listings/duplicate")
                continue
            self.seen_reports.add(item.url)
            self.found_years.add(report.year)
            self.inc("reports/found")
            info = {
                "role": "report",
                "title": item.title.strip(),
                "year": report.year,
                "report_url": item.url,
                "list_url": response.url,
                "list_unchanged": list_unchanged,
            }
            # dont_filter: resumed runs must re-check reports lost in flight (they get a 304)
            yield scrapy.Request(
                item.url,
                callback=self.parse_report,
                errback=self.document_failed,
                meta={META: info},
                dont_filter=True,
                priority=1,
            )

    def pager_requests(self, response: Response, listings: Iterable[Listing]) -> Iterator[scrapy.Request]:
        """The fallback of every family: the list pages a rendered pager links to (下一页, 尾页,
        numbered links), each requested once; one at a time on a sequential backfill."""
        urls = [
            u
            for u in pager_urls(response.selector.root, response.url)
            if u not in self.list_urls and offsite_reason(u, self.allowed_domains) is None
        ]
        if self.sequential_paging:
            urls = urls[:1] if self.keep_paging(listings) else []
        room = self.portal.max_pages - len(self.list_urls)
        for url in urls[: max(room, 0)]:
            yield self.list_request(url, getattr(self, response.meta["list_callback"]))

    @staticmethod
    def page_count(records: int, per_page: int) -> int:
        return max(1, math.ceil(records / max(per_page, 1)))

    @property
    def sequential_paging(self) -> bool:
        """A backfill of a date-ordered list walks page by page, to stop at the first page older
        than the years asked for; otherwise all pages are requested once the count is known."""
        return self.portal.date_ordered and bool(self.requested_years)

    def following_pages(self, current: int, first: int, last: int, listings: Iterable[Listing]) -> range:
        """Page numbers to request after reading page `current` of `first`..`last`."""
        last = min(last, first + self.portal.max_pages - 1)
        if self.sequential_paging:
            return range(current + 1, min(current + 1, last) + 1) if self.keep_paging(listings) else range(0)
        return range(current + 1, last + 1) if current == first else range(0)

    def keep_paging(self, listings: Iterable[Listing]) -> bool:
        """False when a date-ordered list has gone past the oldest requested year."""
        if not self.portal.date_ordered or not self.requested_years:
            return True
        years = [report.year for item in listings if (report := report_of(item.title))]
        if years and max(years) < min(self.requested_years):
            self.inc("lists/stopped_early")
            return False
        return True

    # --- reports and attachments -------------------------------------------------------------

    async def parse_report(self, response: Response) -> AsyncIterator[Any]:
        if response.status == 304:
            self.count_unchanged_report()
            # A file can be replaced behind an unchanged page: the page's attachments are asked
            # for again (conditionally: an unchanged one answers 304).
            archived = await self.archived_response(response)
            for request in self.attachment_requests(archived, self.onsite(report_attachments(archived))):
                request.meta[META]["page_unchanged"] = True
                yield request
            return
        found = report_attachments(response)
        if found.unresolved:
            # the page announces a file nobody can fetch: the report's content is missing
            self.inc("reports/failed")
            self.inc("attachments/unresolved", len(found.unresolved))
            missing = "; ".join(found.unresolved)
            self.logger.warning("attachment not resolvable on %s: %s", response.url, missing)
        urls = self.onsite(found)
        yield self.document_item(
            response,
            has_attachments=bool(found.urls or found.unresolved),
            unresolved_attachments=found.unresolved,
        )
        for request in self.attachment_requests(response, urls):
            yield request

    def onsite(self, found: AttachmentScan) -> list[str]:
        """The attachments that may be fetched; the others are counted off-site."""
        urls = []
        for url in found.urls:
            if offsite_reason(url, self.allowed_domains) is None:
                urls.append(url)
            else:
                self.count_once("offsite/links", url)
        return urls

    def attachment_requests(self, response: Response, urls: list[str]) -> Iterator[scrapy.Request]:
        info = response.meta[META]
        for url in urls:
            self.inc("attachments/found")
            meta = {META: {**info, "role": "attachment", "known_sha256": None, "known_checked": False}}
            yield scrapy.Request(url, callback=self.parse_attachment, errback=self.document_failed, meta=meta)

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            self.inc("documents/not_modified")
            return
        yield self.document_item(response)

    def document_item(
        self,
        response: Response,
        *,
        has_attachments: bool = False,
        unresolved_attachments: list[str] | None = None,
    ) -> DocumentItem:
        info = response.meta[META]
        redirects = response.meta.get("redirect_urls") or []
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        return DocumentItem(
            portal=self.portal.name,
            role=info["role"],
            url=redirects[0] if redirects else response.url,
            final_url=response.url,
            status=response.status,
            body=response.body,
            headers=headers,
            content_type=headers.get("Content-Type"),
            report_url=info["report_url"],
            title=info.get("title"),
            year=info.get("year"),
            has_attachments=has_attachments,
            known_sha256=info.get("known_sha256"),
            page_unchanged=bool(info.get("page_unchanged")),
            list_url=info.get("list_url"),
            unresolved_attachments=list(unresolved_attachments or []),
            truncated=info.get("truncated"),
            tls_unverified=self.unverified_because if response.url.startswith("https:") else None,
        )

    def document_failed(self, failure: Failure) -> None:
        info = failure.request.meta.get(META, {})  # type: ignore[attr-defined]
        if self.blocked_reason or failure.check(OffsiteRequest):
            return  # off-site (a redirect elsewhere): counted by the middleware
        self.inc("reports/failed" if info.get("role") == "report" else "attachments/failed")
        self.logger.warning("fetch failed: %s (%s)", failure.request.url, failure_text(failure))  # type: ignore[attr-defined]
        self.keep_failure(failure)

    def keep_failure(self, failure: Failure) -> None:
        """Record the failed fetch in the store: a later run tries it again (storage.fetch_failures)."""
        from crawler.store_access import in_store_later
        from storage.api import FailedFetch, Store

        request: Any = failure.request  # type: ignore[attr-defined]
        if isinstance(failure.value, IgnoreRequest) and not isinstance(failure.value, HttpError):
            return  # not fetched on purpose (robots.txt, a blocked portal, a scheme not followed)
        info = request.meta.get(META, {})
        response = getattr(failure.value, "response", None)
        failed = FailedFetch(
            url=request.url,
            error=failure_text(failure),
            status=response.status if response is not None else None,
            portal=self.portal.name,
            role=info.get("role"),
            report_url=info.get("report_url") if info.get("role") == "attachment" else None,
        )
        in_store_later(self.crawler, Store.record_fetch_failure, failed)
