"""The listings of a list page: links of its listing region, never of its chrome.

Real list pages carry header menus, breadcrumbs, sidebars and footer link farms, and their links
to the report column itself (信息公开年报, `./`, `nlist.htm`) read like report titles. The listing
region is the family's list container when the portal names one (options.list_selector), else the
repeated block of dated links: list entries print a date each, chrome does not (a sidebar that
does is a block of its own, and the block with more report titles wins). A page without any
dated block is read whole; the title test then has to tell reports from the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement
from parsel import Selector

from crawler.titles import is_report_title, looks_like_report

# 2024-01-15, 2024/1/15, 2024.01.15, 2024年1月15日
DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_NOT_LINKS = ("javascript:", "#", "mailto:", "tel:")
# How far above a link its list entry may start (<li><span><a>, <tr><td><div><a>).
_ENTRY_DEPTH = 3
# File names of a column's own pages: index.html, index_2.html, nlist.htm, list1.html, default.htm
_COLUMN_FILE = re.compile(r"^(?:(?:index|default|n?list\d*|xxgk_list)(?:_\d+)?\.s?html?)?$", re.I)


@dataclass(frozen=True)
class Listing:
    url: str
    title: str


@dataclass
class ListPage:
    listings: list[Listing]  # the links of the listing region, in page order
    navigation: list[Listing] = field(default_factory=list)  # every other link of the page
    region: str = "page"  # how the region was found: "container", "dated block" or "page"


def link(a: HtmlElement, base_url: str) -> Listing | None:
    """An anchor as a listing: absolute url, title (the title attribute when lists truncate the
    text; words joined once, so 政府信息<br>公开年报 reads 政府信息公开年报)."""
    href = (a.get("href") or "").strip()
    if not href or href.lower().startswith(_NOT_LINKS):
        return None
    title = a.get("title") or a.text_content()
    return Listing(urljoin(base_url, href), " ".join(title.split()))


def anchors(root: HtmlElement, base_url: str) -> list[Listing]:
    """Every link under `root`, in document order."""
    return [item for a in root.iter("a") if (item := link(a, base_url)) is not None]


def _entry(a: HtmlElement, dates_in: dict[HtmlElement, int]) -> HtmlElement | None:
    """The list entry of a link: its nearest ancestor printing exactly one date (None when the
    first ancestor with dates prints several: the link is chrome beside a list). `dates_in`
    keeps each ancestor's count: the links of a list share their ancestors, and counting a
    list's text once per link made a page of n links cost n² (2,000 links: 10 s)."""
    node: HtmlElement | None = a
    for _ in range(_ENTRY_DEPTH):
        node = node.getparent() if node is not None else None
        if node is None or node.tag in ("body", "html"):
            return None
        dates = dates_in.get(node)
        if dates is None:
            dates = dates_in[node] = len(DATE.findall(node.text_content()))
        if dates == 1:
            return node
        if dates > 1:
            return None
    return None


def _signature(entry: HtmlElement) -> tuple[str, ...]:
    """Entries of one list look alike: same tag and class, under parents alike."""
    parent = entry.getparent()
    return (
        str(entry.tag),
        entry.get("class") or "",
        str(parent.tag) if parent is not None else "",
        (parent.get("class") or "") if parent is not None else "",
    )


def dated_block(root: HtmlElement) -> list[HtmlElement]:
    """The entries of the page's repeated block of dated links (empty when there is none):
    of the blocks (entries alike), the one with the most report titles, then the most titles that
    read like reports (a page of lookalikes beside a dated sidebar), then the most entries."""
    blocks: dict[tuple[str, ...], list[HtmlElement]] = {}
    dates_in: dict[HtmlElement, int] = {}
    for a in root.iter("a"):
        entry = _entry(a, dates_in)
        if entry is not None:
            entries = blocks.setdefault(_signature(entry), [])
            if not entries or entries[-1] is not entry:
                entries.append(entry)
    if not blocks:
        return []

    def score(entries: list[HtmlElement]) -> tuple[int, int, int]:
        titles = [[a.get("title") or a.text_content() for a in e.iter("a")] for e in entries]
        reports = sum(1 for entry in titles if any(map(is_report_title, entry)))
        alike = sum(1 for entry in titles if any(map(looks_like_report, entry)))
        return reports, alike, len(entries)

    return max(blocks.values(), key=score)


def read_list_page(selector: Selector, base_url: str, container: str | None = None) -> ListPage:
    """Split a list page's links into its listings and the rest (pure: page + url)."""
    root: HtmlElement = selector.root
    regions, kind = ([s.root for s in selector.css(container)], "container") if container else ([], "")
    if not regions:
        regions, kind = dated_block(root), "dated block"
    if not regions:
        return ListPage(anchors(root, base_url), [], "page")
    inside: set[HtmlElement] = {a for region in regions for a in region.iter("a")}
    listings, navigation = [], []
    for a in root.iter("a"):
        item = link(a, base_url)
        if item is not None:
            (listings if a in inside else navigation).append(item)
    return ListPage(listings, navigation, kind)


def column_page(url: str, list_urls: Iterable[str]) -> bool:
    """A link to the report column itself: a column page's file name (index.html, nlist.htm,
    `./`) in the directory of one of the column's list pages."""
    parts = urlsplit(url)
    directory, _, name = parts.path.rpartition("/")
    if not _COLUMN_FILE.match(name):
        return False
    for list_url in list_urls:
        other = urlsplit(list_url)
        same_site = (other.scheme, other.netloc.lower()) == (parts.scheme, parts.netloc.lower())
        if same_site and other.path.rpartition("/")[0] == directory:
            return True
    return False
