"""How a list announces its other pages, read from one page: pure functions of the page's text
(or JSON) and url. Spiders and `nianbao probe` read pagination through these only.

Forms seen on real pages:
- TRS `createPageHTML(N, cur, "index", "html")`, and with a container id first,
  `createPageHTML('page_div', N, cur, 'index', 'html', records)`;
- TRS `var countPage = N` / `var currentPage = 0` with `document.write` pagination;
- rendered pager links (index_1.html, 下一页, 尾页): the fallback of every family;
- Hanweb `totalRecord:N` (jpage setup), `totalRecord=N`, `<totalrecord>N</totalrecord>`;
- 政务公开平台 共N页; gkmlpt `total` or `classify.post_count`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.listing import link

_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(?:[\"'][\w-]+[\"']\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*[\"']([\w-]+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")
_CURRENT_PAGE = re.compile(r"\bcurrentPage\s*=\s*(\d+)")
# document.write("<a href=\"index_" + nextPage + ".html\">下一页</a>")
_WRITTEN_STEM = re.compile(r"[\"']([\w-]+)_[\"']\s*\+")
_WRITTEN_EXT = re.compile(r"[\"']\.(s?html?)[\"']|[\"']\.[\"']\s*\+\s*[\"'](s?html?)[\"']")
_PAGE_FILE = re.compile(r"^([\w-]+?)(?:_(\d+))?\.(\w+)$")
_HANWEB_TOTAL = re.compile(r"totalRecord\s*[:=]\s*[\"']?(\d+)|<totalrecord>\s*(\d+)", re.I)
_HANWEB_PERPAGE = re.compile(r"perpage\s*[:=]\s*[\"']?(\d+)", re.I)
_ZWGK_PAGES = re.compile(r"共\s*(\d+)\s*页")
_NEXT = frozenset({"下一页", "下页", "后页", "下一頁", ">", "›", "»"})
_LAST = frozenset({"尾页", "末页", "最后一页", "尾頁", "末頁"})
_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")


@dataclass(frozen=True)
class TrsPages:
    """A TRS column: page `first` is <stem>.<ext>, page n > first is <stem>_n.<ext>; `first` is
    0 where the first page says currentPage 0 (index_1 is the second page), 1 where it says 1."""

    kind: str  # "createPageHTML" or "countPage", what announced the pages
    count: int
    current: int
    first: int
    stem: str
    ext: str

    @property
    def last(self) -> int:
        return self.first + self.count - 1

    def url(self, page_url: str, n: int) -> str:
        name = f"{self.stem}.{self.ext}" if n == self.first else f"{self.stem}_{n}.{self.ext}"
        return urljoin(page_url, name)


def _page_file(url: str) -> tuple[str, int | None, str] | None:
    name = urlsplit(url).path.rpartition("/")[2]
    match = _PAGE_FILE.match(name)
    return (match[1], int(match[2]) if match[2] else None, match[3]) if match else None


def trs_pages(text: str, url: str, first: int | None = None) -> TrsPages | None:
    """The pages a TRS list announces (`first`: as read on the column's first page, which only
    a first page tells; default: this page's number when it is the first page, else 0)."""
    match = _CREATE_PAGE.search(text)
    if match:
        kind, count, current, stem, ext = "createPageHTML", int(match[1]), int(match[2]), match[3], match[4]
    else:
        count_match = _COUNT_PAGE.search(text)
        if not count_match:
            return None
        current_match = _CURRENT_PAGE.search(text)
        kind, count, current = "countPage", int(count_match[1]), int(current_match[1]) if current_match else 0
        page = _page_file(url) or ("index", None, "html")
        written_stem, written_ext = _WRITTEN_STEM.search(text), _WRITTEN_EXT.search(text)
        stem = written_stem[1] if written_stem else page[0]
        ext = (written_ext[1] or written_ext[2]) if written_ext else page[2]
    if first is None:
        page = _page_file(url)
        on_first = page is None or page[1] is None  # the column directory, or <stem>.<ext>
        first = current if on_first and current in (0, 1) else 0
    return TrsPages(kind, max(count, 1), current, first, stem, ext)


def _page_number(url: str, like: str) -> int | None:
    """The page number of `url` when it differs from `like` only by a run of digits."""
    a, b = _NUMBER.match(url), _NUMBER.match(like)
    if a and b and (a[1], a[3]) == (b[1], b[3]):
        return int(a[2])
    return None


def pager_urls(root: HtmlElement, url: str) -> list[str]:
    """The list pages a rendered pager links to (下一页, 尾页, and numbered links alike). With
    a last-page link numbered like the others, every page up to it; otherwise the pages linked
    from here (the next page then links the following ones)."""
    next_url: str | None = None
    last_url: str | None = None
    numbered: list[str] = []
    for a in root.iter("a"):
        item = link(a, url)
        if item is None or item.url.split("#")[0] == url:
            continue
        text = item.title.strip("[]【】 ")
        if text in _LAST:
            last_url = last_url or item.url
        elif text in _NEXT:
            next_url = next_url or item.url
        elif text.isdigit():
            numbered.append(item.url)
    pattern = last_url or next_url
    if pattern is None:
        return []
    # a numbered link is a page only when it is numbered like the pager's own links
    found = [u for u in numbered if _page_number(u, pattern) is not None]
    found = list(dict.fromkeys([u for u in (next_url, *found, last_url) if u]))
    match = _NUMBER.match(last_url) if last_url else None
    if match:
        numbers = [n for u in found if (n := _page_number(u, last_url or "")) is not None]
        start, end = min(numbers), int(match[2])
        if start < end:
            return [f"{match[1]}{n}{match[3]}" for n in range(start, end + 1)]
    return found


def hanweb_total(text: str) -> int | None:
    """Records of a Hanweb jpage column (totalRecord:N / totalRecord=N / <totalrecord>N)."""
    match = _HANWEB_TOTAL.search(text)
    return int(match[1] or match[2]) if match else None


def hanweb_perpage(text: str) -> int | None:
    match = _HANWEB_PERPAGE.search(text)
    return int(match[1]) if match else None


def zwgk_pages(text: str) -> int | None:
    """Pages of a 政务公开平台 list (共N页)."""
    match = _ZWGK_PAGES.search(text)
    return int(match[1]) if match else None


def json_path(data: Any, path: str) -> Any:
    """`classify.post_count` of a JSON answer (None where a key is missing)."""
    for key in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def api_count(data: Any, paths: Iterable[str] = ("total", "classify.post_count")) -> int | None:
    """The number of entries a JSON list answer announces (the first of `paths` it has)."""
    for path in paths:
        value = json_path(data, path)
        if isinstance(value, int | str) and str(value).isdigit():
            return int(value)
    return None


def announced(text: str, names: Iterable[str]) -> dict[str, str]:
    """Values a page's script announces (`channelid: '5478'`, `recordCount = 57`), by name."""
    out: dict[str, str] = {}
    for name in names:
        match = re.search(rf"\b{re.escape(name)}[\"']?\s*[:=]\s*[\"']?([\w.-]+)", text)
        if match:
            out[name] = match[1]
    return out
