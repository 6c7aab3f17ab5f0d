"""What a link of a list page is: a report to fetch, or why not. The spiders count each kind
(PortalSpider.read_listings); `nianbao probe` reports the same counts for one page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from crawler.listing import Listing, column_page
from crawler.offsite import offsite_reason
from crawler.titles import Title, is_report_title, looks_like_report, report_of

Kind = Literal["report", "navigation", "lookalike", "unnamed", "offsite", "other"]


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    report: Title | None = None  # organ and year, for reports (also off-site ones)
    reason: str | None = None  # why an off-site link is not fetched


def judge_listing(item: Listing, list_urls: Iterable[str], domains: Iterable[str] | None) -> Verdict:
    """A link of the listing region: the column itself (navigation when it reads like a report),
    a lookalike, a report title naming no organ or year, another site's report, or a report."""
    if column_page(item.url, list_urls):
        return Verdict("navigation" if looks_like_report(item.title) else "other")
    if not is_report_title(item.title):
        return Verdict("lookalike" if looks_like_report(item.title) else "other")
    report = report_of(item.title)
    if report is None:
        return Verdict("unnamed")
    reason = offsite_reason(item.url, domains)
    if reason is not None:
        return Verdict("offsite", report, reason)
    return Verdict("report", report)


def judge_chrome(item: Listing) -> Kind:
    """A link outside the listing region: navigation when it reads like a report."""
    return "navigation" if looks_like_report(item.title) else "other"
