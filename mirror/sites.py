"""Mirror sites: one site builder per CMS family, reproducing how each family lists reports and
what else its pages carry (mirror.chrome). Pages are rendered when asked for, so a site of
thousands of reports costs little until it is crawled; the same request gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Literal
from urllib.parse import urlencode

from mirror.chrome import Chrome, peer_url
from mirror.corpus import (
    Kind,
    Lookalike,
    MirrorReport,
    article_body,
    article_content,
    attachment_body,
    lookalike_body,
    lookalike_text,
)
from mirror.server import MirrorRequest, Reply, not_found, redirect

PathFor = Callable[[int, date, Kind], tuple[str, str | None]]
ALLOW_ALL = "User-agent: *\nAllow: /\n"
# the file extension of a report published as an attachment (HTML reports have none)
ATTACHMENT_EXTENSION: dict[str, str] = {"pdf": "pdf", "scanned": "pdf", "docx": "docx"}


@dataclass(frozen=True)
class Elsewhere:
    """A list entry linking a page of another site (a parent government's report, the national
    portal's): off-site for the portal that lists it."""

    title: str
    published: date
    peer: str  # the mirror listener serving it, when that one runs
    host: str  # its host otherwise (under .invalid: never resolves)
    path: str

    def url(self, peers: dict[str, str]) -> str:
        return peer_url(peers, self.peer, self.host) + self.path


Entry = MirrorReport | Lookalike | Elsewhere


def chunks(items: Sequence[Entry], size: int, *, overlap_pages: bool = False) -> list[list[Entry]]:
    """Pages of a list; with overlap_pages each page repeats the previous page's last entry
    (what a list that gained an item between two page reads looks like)."""
    pages = [list(items[i : i + size]) for i in range(0, len(items), size)] or [[]]
    if overlap_pages:
        pages = [pages[0]] + [[pages[i - 1][-1], *pages[i]] for i in range(1, len(pages))]
    return pages


def html_page(title: str, body: str, encoding: str = "utf-8") -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{encoding}"><title>{escape(title)}</title></head>'
        f"<body>{body}</body></html>"
    ).encode(encoding, errors="xmlcharrefreplace")


def entry_year(entry: Entry) -> int:
    """The report year an entry is filed under (a notice: the year before its publication)."""
    return entry.year if isinstance(entry, MirrorReport) else entry.published.year - 1


class PortalSite:
    """Robots, articles, attachments and lookalike pages; subclasses add their list pages.
    `column` is the report column's directory, which the chrome's menus link."""

    def __init__(
        self, title: str, entries: Sequence[Entry], *, column: str = "/", encoding: str = "utf-8"
    ) -> None:
        self.title = title
        self.entries = list(entries)
        self.encoding = encoding
        self.column = column
        self.chrome = Chrome(title, column)
        self.robots = ALLOW_ALL
        self.peers: dict[str, str] = {}  # other listeners' base urls (mirror.server binds them)
        self.base_url = ""  # this site's own, once it listens
        self.routes: dict[str, Callable[[MirrorRequest], Reply]] = {}
        for entry in self.entries:
            if isinstance(entry, MirrorReport | Lookalike):
                self.routes[entry.article_path] = self._article_route(entry)
            if isinstance(entry, MirrorReport) and entry.attachment_path:
                self.routes[entry.attachment_path] = self._attachment_route(entry)

    def bind(self, base_url: str, peers: dict[str, str]) -> None:
        self.base_url, self.peers = base_url, peers

    @property
    def reports(self) -> list[MirrorReport]:
        return [e for e in self.entries if isinstance(e, MirrorReport)]

    def html(self, body: bytes) -> Reply:
        return Reply(body=body, content_type=f"text/html; charset={self.encoding}")

    def href(self, entry: Entry) -> str:
        return entry.url(self.peers) if isinstance(entry, Elsewhere) else entry.article_path

    def list_items(self, entries: Sequence[Entry]) -> str:
        return "".join(
            f'<li><a href="{escape(self.href(e))}" title="{escape(e.title)}" target="_blank">'
            f"{escape(e.title)}</a><span>{e.published.isoformat()}</span></li>"
            for e in entries
        )

    def list_page(self, title: str, listing: str) -> Reply:
        return self.html(self.chrome.list_page(title, listing, self.peers, self.encoding))

    def article_page(self, entry: MirrorReport | Lookalike) -> bytes:
        """The article page as this family's template prints it (default: a plain CMS page)."""
        if isinstance(entry, Lookalike):
            body = lookalike_body(entry, self.encoding)
        else:
            body = article_body(entry, self.encoding)
        return self.chrome.around(body, self.peers, self.encoding)

    def _article_route(self, entry: MirrorReport | Lookalike) -> Callable[[MirrorRequest], Reply]:
        return lambda _req: self.html(self.article_page(entry))

    def _attachment_route(self, report: MirrorReport) -> Callable[[MirrorRequest], Reply]:
        def route(_req: MirrorRequest) -> Reply:
            body, content_type = attachment_body(report)
            return Reply(body=body, content_type=content_type)

        return route

    def handle(self, request: MirrorRequest) -> Reply | None:
        if request.path == "/robots.txt":
            return Reply(body=self.robots.encode(), content_type="text/plain")
        route = self.routes.get(request.path)
        if route is not None:
            return route(request)
        return self.dynamic(request)

    def dynamic(self, request: MirrorRequest) -> Reply | None:
        return None


# --- TRS WCM ---------------------------------------------------------------------------------

TrsPaging = Literal["classic", "page_div", "count_page"]


def _trs_pager(paging: TrsPaging, count: int, n: int, records: int) -> str:
    """The script a TRS list page paginates with: createPageHTML (classic, or with its container
    id first and 1-based), or the countPage / currentPage variables with document.write."""
    if paging == "classic":
        return f'<div class="page"><script>createPageHTML({count}, {n}, "index", "html");</script></div>'
    if paging == "page_div":
        return (
            f"<div id=\"page_div\"></div><script>createPageHTML('page_div', {count}, {n}, 'index', 'html', "
            f"{records});</script>"
        )
    return (
        '<div class="page"><script>\n'
        f"var currentPage = {n};//所在页从0开始\nvar prevPage = currentPage-1//上一页\n"
        f"var nextPage = currentPage+1//下一页\nvar countPage = {count}//共多少页\n"
        'document.write("共"+countPage+"页&nbsp;");\n'
        'if(currentPage>0){document.write("<a href=\\"index.html\\">首页</a>&nbsp;");}\n'
        'if(currentPage>1){document.write("<a href=\\"index_"+prevPage+".html\\">上一页</a>&nbsp;");}\n'
        'if(currentPage==1){document.write("<a href=\\"index.html\\">上一页</a>&nbsp;");}\n'
        'if(nextPage<countPage){document.write("<a href=\\"index_"+nextPage+".html\\">下一页</a>&nbsp;");'
        'document.write("<a href=\\"index_"+(countPage-1)+".html\\">尾页</a>");}\n'
        "</script></div>"
    )


class TrsSite(PortalSite):
    """index.html, index_1.html ... paginated by script (see _trs_pager), entries linked ./..."""

    def __init__(
        self,
        title: str,
        entries: Sequence[Entry],
        *,
        column: str,
        per_page: int = 10,
        paging: TrsPaging = "classic",
        **kw,
    ) -> None:
        super().__init__(title, entries, column=column, **kw)
        self.pages = chunks(self.entries, per_page, overlap_pages=True)
        first = 1 if paging == "page_div" else 0
        for i, items in enumerate(self.pages):
            n = first + i
            pager = _trs_pager(paging, len(self.pages), n, len(self.entries))
            path = column + ("index.html" if i == 0 else f"index_{n}.html")
            self.routes[path] = self._list_route(items, pager)
        self.routes[column] = lambda _req: redirect(column + "index.html")

    def _list_route(self, items: list[Entry], pager: str) -> Callable[[MirrorRequest], Reply]:
        return lambda _req: self.list_page(
            "政府信息公开年报", f'<div class="list"><ul>{self.list_items(items)}</ul></div>{pager}'
        )

    def href(self, entry: Entry) -> str:
        path = super().href(entry)
        return "./" + path[len(self.column) :] if path.startswith(self.column) else path


def trs_paths(column: str, ext: str = "html") -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        stamp = published.strftime("%Y%m%d")
        article = f"{column}{stamp[:6]}/t{stamp}_{100000 + index}.{ext}"
        att_ext = ATTACHMENT_EXTENSION.get(kind)
        return article, (f"{column}{stamp[:6]}/P0{stamp}{index:06d}.{att_ext}" if att_ext else None)

    return path_for


class SearchApiSite(PortalSite):
    """Fujian's TRS template: index.htm renders the newest entries, its script announces
    channelid, maxStaticIndex and recordCount, and POST /fjdzapp/search (channelid, page, prepage)
    answers every page as JSON {docs: [{doctitle, chnldocurl, docreltime}], recordCount}; GET is
    refused there (405)."""

    API = "/fjdzapp/search"

    def __init__(
        self, title: str, entries: Sequence[Entry], *, column: str, channel: int, per_page: int = 10, **kw
    ) -> None:
        super().__init__(title, entries, column=column, **kw)
        self.channel, self.per_page = channel, per_page
        self.pages = chunks(self.entries, per_page)
        script = (
            f"<script>var pageConfig = {{channelid: '{channel}', maxStaticIndex: 0, pagebar: "
            f"{{prepage: {per_page}, recordCount: '{len(self.entries)}'}}}};"
            "require(['list2.trsapi'], function (list) { list.listModel(pageConfig); });</script>"
        )

        def first_page(_req: MirrorRequest) -> Reply:
            listing = (
                f'<ul class="list" id="list">{self.list_items(self.pages[0])}</ul><div id="pagebar"></div>'
            )
            return self.list_page("政府信息公开年报", listing + script)

        self.routes[column + "index.htm"] = first_page
        self.routes[column] = lambda _req: redirect(column + "index.htm")

    def dynamic(self, request: MirrorRequest) -> Reply | None:
        if request.path != self.API:
            return None
        if request.method != "POST":
            return Reply(405, b"method not allowed", content_type="text/plain", conditional=False)
        params = request.params
        if params.get("channelid") != str(self.channel):
            return Reply(body=b'{"docs": [], "recordCount": 0}', content_type="application/json")
        n, size = int(params.get("page") or 1), int(params.get("prepage") or self.per_page)
        items = self.entries[(n - 1) * size : n * size] if n >= 1 else []
        docs = [
            {
                "doctitle": e.title,
                "chnldocurl": self.href(e) if isinstance(e, Elsewhere) else self.base_url + self.href(e),
                "docreltime": f"{e.published.isoformat()} 09:30:00",
            }
            for e in items
        ]
        body = {
            "docs": docs,
            "recordCount": len(self.entries),
            "pagecount": math.ceil(len(self.entries) / size),
        }
        return Reply(body=json.dumps(body, ensure_ascii=False).encode(), content_type="application/json")


# --- Hanweb (大汉) jpage --------------------------------------------------------------------


class HanwebSite(PortalSite):
    """First group embedded as <datastore> XML, later groups from dataproxy.jsp (overlap by one);
    the record count as `var totalRecord = N` or (total_form="setup") in the jpage setup."""

    DATAPROXY = "/module/web/jpage/dataproxy.jsp"

    def __init__(
        self,
        title: str,
        entries: Sequence[Entry],
        *,
        column_id: int,
        unit_id: int,
        perpage: int = 15,
        total_form: Literal["var", "setup"] = "var",
        **kw,
    ) -> None:
        super().__init__(title, entries, column=f"/col/col{column_id}/", **kw)
        self.column_id, self.unit_id, self.perpage = column_id, unit_id, perpage
        self.group = 3 * perpage
        total = len(self.entries)
        nextgroup = (
            f'<a href="{self.DATAPROXY}?page=1&appid=1&webid=1&path=/&columnid={column_id}'
            f'&unitid={unit_id}&webname={escape(title)}&permissiontype=0"></a>'
        )
        if total_form == "var":
            setup = f"var totalRecord = {total}; var perpage = {perpage};"
            setup += f"new jpage({{unitid:{unit_id}, perpage:{perpage}"
        else:
            setup = f"new jpage({{unitid:{unit_id}, totalRecord:{total}, perpage:{perpage}"

        def page(_req: MirrorRequest) -> Reply:
            listing = (
                f'<div id="{unit_id}"><script type="text/xml"><datastore><nextgroup><![CDATA[{nextgroup}]]>'
                f"</nextgroup><recordset>{self.records(1, self.group)}</recordset></datastore></script>"
                f'<script>{setup}, url:"{self.DATAPROXY}"}});</script></div>'
            )
            return self.list_page("政府信息公开年报", listing)

        self.routes[f"/col/col{column_id}/index.html"] = page

    def records(self, first: int, last: int) -> str:
        items = self.entries[max(first, 1) - 1 : last]
        return "".join(f"<record><![CDATA[{self.list_items([e])}]]></record>" for e in items)

    def dynamic(self, request: MirrorRequest) -> Reply | None:
        if request.path != self.DATAPROXY:
            return None
        params = request.params
        if params.get("columnid") != str(self.column_id):
            return Reply(400, b"<datastore><error>bad columnid</error></datastore>", conditional=False)
        start, end = int(params.get("startrecord", 1)), int(params.get("endrecord", self.group))
        total = len(self.entries)
        xml = (
            f"<?xml version='1.0' encoding='utf-8'?><datastore><totalrecord>{total}</totalrecord>"
            f"<totalpage>{math.ceil(total / self.perpage)}</totalpage>"
            f"<recordset>{self.records(start - 1, end)}</recordset></datastore>"
        )
        return Reply(body=xml.encode("utf-8"), content_type="text/xml; charset=utf-8", conditional=False)


def hanweb_paths(column_id: int) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        article = (
            f"/art/{published.year}/{published.month}/{published.day}/art_{column_id}_{50000 + index}.html"
        )
        ext = ATTACHMENT_EXTENSION.get(kind)
        att = f"/module/download/downfile.jsp_files/{published:%Y%m%d}{index:05d}.{ext}" if ext else None
        return article, att

    return path_for


# --- 政务公开平台 (public.*.gov.cn) -----------------------------------------------------------


class ZwgkSite(PortalSite):
    """Lists at /?a=path&d=<column>&p=<code>&page=N (共N页 / 下一页), articles /<code>/<id>.jhtml."""

    def __init__(
        self, title: str, entries: Sequence[Entry], *, code: str, column: str, per_page: int = 10, **kw
    ) -> None:
        super().__init__(title, entries, column="/?" + urlencode({"a": "path", "d": column, "p": code}), **kw)
        self.code, self.column_name = code, column
        self.pages = chunks(self.entries, per_page, overlap_pages=True)

    def page_url(self, n: int) -> str:
        return f"{self.column}&page={n}"

    def dynamic(self, request: MirrorRequest) -> Reply | None:
        q = request.query
        if (
            request.path != "/"
            or q.get("a") != "path"
            or q.get("p") != self.code
            or q.get("d") != self.column_name
        ):
            return None
        n = int(q.get("page") or 1)
        if not 1 <= n <= len(self.pages):
            return not_found()
        nav = f"<span>共{len(self.pages)}页</span> <span>当前第{n}页</span>"
        if n < len(self.pages):
            nav += f' <a href="{escape(self.page_url(n + 1))}">下一页</a>'
        listing = (
            f'<ul class="zwgk-list">{self.list_items(self.pages[n - 1])}</ul><div class="pages">{nav}</div>'
        )
        return self.list_page("政府信息公开年报", listing)


def zwgk_paths(code: str) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        ext = ATTACHMENT_EXTENSION.get(kind)
        att = f"/upload/{code}/{published:%Y%m}/{8187000 + index}.{ext}" if ext else None
        return f"/{code}/{8187000 + index}.jhtml", att

    return path_for


# --- sitesources (周口 / 新乡) ----------------------------------------------------------------


class SitesourcesSite(PortalSite):
    """list1.html ... listN.html with script.json {endPage}; optional per-year sub-columns."""

    def __init__(
        self,
        title: str,
        entries: Sequence[Entry],
        *,
        column: str,
        per_page: int = 10,
        year_subcolumns: bool = False,
        **kw,
    ) -> None:
        super().__init__(title, entries, column=column, **kw)
        if not year_subcolumns:
            self._column(column, self.entries, per_page)
            return
        years = sorted({e.year for e in self.reports}, reverse=True)
        for year in years:
            self._column(
                f"{column}{year}n/szf/", [e for e in self.entries if entry_year(e) == year], per_page
            )
        nav = "".join(f'<li><a href="{column}{y}n/szf/list1.html">{y}年</a></li>' for y in years)
        self.routes[f"{column}list1.html"] = lambda _req: self.list_page(
            "政府信息公开年报", f'<ul class="subcolumns">{nav}</ul>'
        )

    def _column(self, column: str, items: Sequence[Entry], per_page: int) -> None:
        pages = chunks(items, per_page)
        meta = json.dumps({"endPage": len(pages), "pageSize": per_page, "total": len(items)}).encode()
        self.routes[f"{column}script.json"] = lambda _req: Reply(body=meta, content_type="application/json")
        for n, chunk in enumerate(pages, start=1):
            self.routes[f"{column}list{n}.html"] = self._list_route(chunk)

    def _list_route(self, chunk: list[Entry]) -> Callable[[MirrorRequest], Reply]:
        tail = (
            '<div id="pagination"></div><script src="./script.json"></script>'
            '<script src="/js/pagination.js"></script>'
        )
        return lambda _req: self.list_page(
            "政府信息公开年报", f'<ul class="list">{self.list_items(chunk)}</ul>{tail}'
        )


def sitesources_paths(site: str, column: str) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        token = hashlib.md5(f"{column}{index}".encode()).hexdigest()
        ext = ATTACHMENT_EXTENSION.get(kind)
        att = f"/sitesources/{site}/upload/{published:%Y%m}/{token}.{ext}" if ext else None
        return f"{column}article{token}.html", att

    return path_for


# --- gkmlpt JSON API -------------------------------------------------------------------------


def _script_json(value: object) -> str:
    """JSON as pages embed it in script: <, > and & escaped (\\u003C ...), as gkmlpt's are."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")


class GkmlptSite(PortalSite):
    """GET /gkmlpt/api/all/<cat>?page=N -> {"articles": [...], "total": N} (count="classify":
    {"classify": {"post_count": N}} instead); `post_only`: the API answers POST with the page in the
    form, 405 to anything else; `first_page_only`: 404 for page >= 2. Article pages carry their
    body as JSON in window._CONFIG.DETAIL, rendered by script."""

    def __init__(
        self,
        title: str,
        entries: Sequence[Entry],
        *,
        cat: int,
        per_page: int = 10,
        post_only: bool = False,
        count: Literal["total", "classify"] = "total",
        first_page_only: bool = False,
        **kw,
    ) -> None:
        super().__init__(title, entries, column="/gkmlpt/", **kw)
        self.cat = cat
        self.api = f"/gkmlpt/api/all/{cat}"
        self.pages = chunks(self.entries, per_page)
        self.post_only, self.count, self.first_page_only = post_only, count, first_page_only

    def dynamic(self, request: MirrorRequest) -> Reply | None:
        if request.path != self.api:
            return None
        if self.post_only and request.method != "POST":
            return Reply(body=b"method not allowed", status=405, content_type="text/plain")
        n = int(request.params.get("page") or 1)
        if self.first_page_only and n >= 2:
            return not_found()
        items = self.pages[n - 1] if 1 <= n <= len(self.pages) else []
        articles = [
            {
                "id": 600000 + i,
                "title": e.title,
                "url": self.href(e),
                "publish_time": e.published.isoformat(),
            }
            for i, e in enumerate(items)
        ]
        answer: dict[str, object] = {"articles": articles, "page": n}
        if self.count == "total":
            answer["total"] = len(self.entries)
        else:
            answer["classify"] = {"id": self.cat, "name": "政府信息公开年报", "post_count": len(self.entries)}
        body = json.dumps(answer, ensure_ascii=False)
        return Reply(body=body.encode(), content_type="application/json; charset=utf-8")

    def article_page(self, entry: MirrorReport | Lookalike) -> bytes:
        content = (
            f"<p>{lookalike_text(entry)}</p>" if isinstance(entry, Lookalike) else article_content(entry)
        )
        detail = {
            "id": self.cat,
            "title": entry.title,
            "content": content,
            "date": entry.published.isoformat(),
        }
        body = (
            f'<div class="article"><h1 id="title"></h1><div id="content"></div></div>'
            f"<script>window._CONFIG = {{SID: '{self.cat}', DETAIL: {_script_json(detail)}}};</script>"
            '<script src="/gkmlpt/static/js/detail.js"></script>'
        )
        page = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(entry.title)}</title>'
            f'<meta name="ArticleTitle" content="{escape(entry.title)}">'
            f'<meta name="PubDate" content="{entry.published.isoformat()}"></head><body>{body}</body></html>'
        )
        return self.chrome.around(page.encode(), self.peers)


def gkmlpt_paths(cat: int) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        ext = ATTACHMENT_EXTENSION.get(kind)
        att = f"/attachment/0/{cat}/{published:%Y%m}/{600000 + index}.{ext}" if ext else None
        return f"/gkmlpt/content/2/{cat}/post_{600000 + index}.html", att

    return path_for


# --- static, one page per year ---------------------------------------------------------------


class StaticSite(PortalSite):
    """index.html links to <year>.html; optionally GBK pages served with a wrong charset header."""

    def __init__(
        self, title: str, entries: Sequence[Entry], *, column: str, wrong_header: bool = False, **kw
    ) -> None:
        super().__init__(title, entries, column=column, **kw)
        self.wrong_header = wrong_header
        years = sorted({e.year for e in self.reports}, reverse=True)
        nav = "".join(f'<li><a href="{y}.html">{y}年度</a></li>' for y in years)
        self.routes[f"{column}index.html"] = lambda _req: self.list_page(
            "政府信息公开年报", f'<ul class="years">{nav}</ul>'
        )
        for year in years:
            items = [e for e in self.entries if entry_year(e) == year]
            self.routes[f"{column}{year}.html"] = self._year_route(year, items)

    def _year_route(self, year: int, items: list[Entry]) -> Callable[[MirrorRequest], Reply]:
        return lambda _req: self.list_page(f"{year}年度", f"<ul>{self.list_items(items)}</ul>")

    def html(self, body: bytes) -> Reply:
        charset = "utf-8" if self.wrong_header else self.encoding  # the header lies; <meta> is right
        return Reply(body=body, content_type=f"text/html; charset={charset}")


def static_paths(column: str) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        ext = ATTACHMENT_EXTENSION.get(kind)
        att = f"{column}files/{published:%Y%m%d}_{index}.{ext}" if ext else None
        return f"{column}{published:%Y%m%d}_{index}.html", att

    return path_for


# --- 开普 UCAP (江苏) ----------------------------------------------------------------------------


class UcapSite(PortalSite):
    """xxgk_list.shtml, xxgk_list_2.shtml ... with a rendered pager (首页 上一页 下一页 尾页, 共N页);
    articles are GUID .shtml pages: <ucaptitle>, <publishtime> and <ucapcontent> in
    div.article-content#zoomcon."""

    def __init__(
        self, title: str, entries: Sequence[Entry], *, column: str, per_page: int = 10, **kw
    ) -> None:
        super().__init__(title, entries, column=column, **kw)
        self.pages = chunks(self.entries, per_page)
        for n, items in enumerate(self.pages, start=1):
            self.routes[column + self.page_name(n)] = self._list_route(n, items)

    @staticmethod
    def page_name(n: int) -> str:
        return "xxgk_list.shtml" if n == 1 else f"xxgk_list_{n}.shtml"

    def _list_route(self, n: int, items: list[Entry]) -> Callable[[MirrorRequest], Reply]:
        count = len(self.pages)
        links = [f"<span>共{count}页</span>", f'<a href="{self.page_name(1)}">首页</a>']
        if n > 1:
            links.append(f'<a href="{self.page_name(n - 1)}">上一页</a>')
        if n < count:
            links.append(f'<a href="{self.page_name(n + 1)}">下一页</a>')
        links.append(f'<a href="{self.page_name(count)}">尾页</a>')
        rows = "".join(
            f'<li><a href="{escape(self.href(e))}" target="_blank" title="{escape(e.title)}">'
            f"{escape(e.title)}</a>"
            f'<span class="date">{e.published.isoformat()}</span></li>'
            for e in items
        )
        listing = (
            f'<div class="xxgk_list"><ul>{rows}</ul></div><div class="pagination">{" ".join(links)}</div>'
        )
        return lambda _req: self.list_page("政府信息公开年报", listing)

    def article_page(self, entry: MirrorReport | Lookalike) -> bytes:
        content = (
            f"<p>{lookalike_text(entry)}</p>" if isinstance(entry, Lookalike) else article_content(entry)
        )
        title = escape(entry.title)
        page = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_{escape(self.title)}</title>'
            f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{entry.published}">'
            '</head><body><div class="article-content" id="zoomcon">'
            f'<ucaptitle>{title}</ucaptitle><div class="info">发布日期：<publishtime>{entry.published}'
            f"</publishtime></div><ucapcontent>{content}</ucapcontent></div></body></html>"
        )
        return self.chrome.around(page.encode(), self.peers)


def ucap_paths(column: str) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        digest = hashlib.md5(f"{column}{index}".encode()).hexdigest()
        guid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"
        ext = ATTACHMENT_EXTENSION.get(kind)
        att = f"/uploadfiles/{published:%Y%m}/{digest[:16]}.{ext}" if ext else None
        return f"{column}{published:%Y%m}/{guid}.shtml", att

    return path_for


# --- the national portal (off-site for every mirror portal) -----------------------------------


class NationalSite:
    """Stands in for www.gov.cn: every portal links it, none may fetch it (its hits must stay
    empty; tests read them)."""

    def handle(self, request: MirrorRequest) -> Reply | None:
        if request.path == "/robots.txt":
            return Reply(body=ALLOW_ALL.encode(), content_type="text/plain")
        return Reply(body=html_page("中国政府网", "<p>中国政府网</p>"))


# --- misbehaving front ends ------------------------------------------------------------------

RUISHU_CHALLENGE = (
    b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    b"<script type=\"text/javascript\">$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=52719;"
    b'$_ts.cd="qqrhrAAlEtVmqaWlqGqrqA";</script><script type="text/javascript" charset="utf-8" '
    b'src="/4QbVtADbnLVIc/d.FxJzG50F.ba33e8c.js" r="m"></script></head><body></body></html>'
)


class ChallengeSite:
    """A portal behind a 412 `$_ts` (Ruishu) JS challenge: everything but robots.txt is 412."""

    def __init__(self, inner: PortalSite) -> None:
        self.inner = inner

    def bind(self, base_url: str, peers: dict[str, str]) -> None:
        self.inner.bind(base_url, peers)

    def handle(self, request: MirrorRequest) -> Reply | None:
        if request.path == "/robots.txt":
            return self.inner.handle(request)
        return Reply(412, RUISHU_CHALLENGE, conditional=False)


@dataclass
class FlakySite:
    """5xx, slow answers and dropped connections, deterministic per path: each path fails its
    first `failures(path)` attempts (0-2), then behaves."""

    inner: PortalSite
    slow_seconds: float = 0.4
    attempts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bind(self, base_url: str, peers: dict[str, str]) -> None:
        self.inner.bind(base_url, peers)

    @staticmethod
    def plan(target: str) -> tuple[int, str]:
        digest = hashlib.sha1(target.encode()).digest()
        return digest[0] % 3, ("503", "500", "drop", "slow")[digest[1] % 4]

    def handle(self, request: MirrorRequest) -> Reply | None:
        if request.path == "/robots.txt":
            return self.inner.handle(request)
        target = request.path + "?" + urlencode(sorted(request.params.items()))
        with self.lock:
            attempt = self.attempts[target] = self.attempts.get(target, 0) + 1
        failures, mode = self.plan(target)
        if attempt > failures:
            return self.inner.handle(request)
        if mode == "drop":
            return Reply(drop=True)
        if mode == "slow":
            reply = self.inner.handle(request) or not_found()
            reply.delay = self.slow_seconds
            return reply
        return Reply(int(mode), b"<html><body>Service Unavailable</body></html>", conditional=False)
