"""Mirror portals: one site builder per CMS family, reproducing how each family lists reports.

`build_mirror()` returns the sites, the reports each one publishes (the tests' ground truth) and,
once the server is listening, the registry entries (settings.registry.PortalConfig) to crawl them.
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
from urllib.parse import urlencode

from mirror.corpus import (
    Entry,
    Kind,
    Lookalike,
    MirrorReport,
    article_body,
    attachment_body,
    lookalike_body,
    make_lookalikes,
    make_reports,
    merge,
)
from mirror.server import MirrorRequest, Reply, not_found, redirect
from settings.registry import PortalConfig

PathFor = Callable[[int, date, Kind], tuple[str, str | None]]
ALLOW_ALL = "User-agent: *\nAllow: /\n"


def chunks(items: Sequence[Entry], size: int, *, overlap_pages: bool = False) -> list[list[Entry]]:
    """Pages of a list; with overlap_pages each page repeats the previous page's last entry
    (what a list that gained an item between two page reads looks like)."""
    pages = [list(items[i : i + size]) for i in range(0, len(items), size)] or [[]]
    if overlap_pages:
        pages = [pages[0]] + [[pages[i - 1][-1], *pages[i]] for i in range(1, len(pages))]
    return pages


def list_items(entries: Sequence[Entry], href: Callable[[Entry], str] = lambda e: e.article_path) -> str:
    return "".join(
        f'<li><a href="{escape(href(e))}" title="{escape(e.title)}" target="_blank">{escape(e.title)}</a>'
        f"<span>{e.published.isoformat()}</span></li>"
        for e in entries
    )


def html_page(title: str, body: str, encoding: str = "utf-8") -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{encoding}"><title>{escape(title)}</title></head>'
        f"<body>{body}</body></html>"
    ).encode(encoding, errors="xmlcharrefreplace")


class PortalSite:
    """Robots, articles, attachments and lookalike pages; subclasses add their list pages."""

    def __init__(self, title: str, entries: Sequence[Entry], *, encoding: str = "utf-8") -> None:
        self.title = title
        self.entries = list(entries)
        self.encoding = encoding
        self.robots = ALLOW_ALL
        self.routes: dict[str, Callable[[MirrorRequest], Reply]] = {}
        for entry in self.entries:
            self.routes[entry.article_path] = self._article_route(entry)
            if isinstance(entry, MirrorReport) and entry.attachment_path:
                self.routes[entry.attachment_path] = self._attachment_route(entry)

    @property
    def reports(self) -> list[MirrorReport]:
        return [e for e in self.entries if isinstance(e, MirrorReport)]

    def html(self, body: bytes) -> Reply:
        return Reply(body=body, content_type=f"text/html; charset={self.encoding}")

    def _article_route(self, entry: Entry) -> Callable[[MirrorRequest], Reply]:
        if isinstance(entry, Lookalike):
            return lambda _req: self.html(lookalike_body(entry, self.encoding))
        return lambda _req: self.html(article_body(entry, self.encoding))

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


class TrsSite(PortalSite):
    """index.html, index_1.html ... with createPageHTML(total, current, "index", "html")."""

    def __init__(
        self, title: str, entries: Sequence[Entry], *, column: str, per_page: int = 10, **kw
    ) -> None:
        super().__init__(title, entries, **kw)
        pages = chunks(self.entries, per_page, overlap_pages=True)
        for n, items in enumerate(pages):
            links = list_items(items, lambda e: "./" + e.article_path[len(column) :])
            body = (
                f'<div class="list"><ul>{links}</ul>'
                f'</div><div class="page"><script>createPageHTML({len(pages)}, {n}, "index", "html");'
                "</script></div>"
            )
            self.routes[column + ("index.html" if n == 0 else f"index_{n}.html")] = self._static(body)
        self.routes[column] = lambda _req: redirect(column + "index.html")

    def _static(self, body: str) -> Callable[[MirrorRequest], Reply]:
        payload = html_page(self.title, body, self.encoding)
        return lambda _req: self.html(payload)


# the file extension of a report published as an attachment (HTML reports have none)
ATTACHMENT_EXTENSION: dict[str, str] = {"pdf": "pdf", "scanned": "pdf", "docx": "docx"}


def trs_paths(column: str) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        stamp = published.strftime("%Y%m%d")
        article = f"{column}{stamp[:6]}/t{stamp}_{100000 + index}.html"
        ext = ATTACHMENT_EXTENSION.get(kind)
        return article, (f"{column}{stamp[:6]}/P0{stamp}{index:06d}.{ext}" if ext else None)

    return path_for


# --- Hanweb (大汉) jpage --------------------------------------------------------------------


class HanwebSite(PortalSite):
    """First group embedded as <datastore> XML, later groups from dataproxy.jsp (overlap by one)."""

    DATAPROXY = "/module/web/jpage/dataproxy.jsp"

    def __init__(
        self, title: str, entries: Sequence[Entry], *, column_id: int, unit_id: int, perpage: int = 15, **kw
    ) -> None:
        super().__init__(title, entries, **kw)
        self.column_id, self.unit_id, self.perpage = column_id, unit_id, perpage
        self.group = 3 * perpage
        records = self.records(1, self.group)
        nextgroup = (
            f'<a href="{self.DATAPROXY}?page=1&appid=1&webid=1&path=/&columnid={column_id}'
            f'&unitid={unit_id}&webname={escape(title)}&permissiontype=0"></a>'
        )
        body = (
            f'<div id="{unit_id}"><script type="text/xml"><datastore><nextgroup><![CDATA[{nextgroup}]]>'
            f"</nextgroup><recordset>{records}</recordset></datastore></script>"
            f"<script>var totalRecord = {len(self.entries)}; var perpage = {perpage};"
            f'new jpage({{unitid:{unit_id}, perpage:{perpage}, url:"{self.DATAPROXY}"}});</script></div>'
        )
        payload = html_page(title, body, self.encoding)
        self.routes[f"/col/col{column_id}/index.html"] = lambda _req: self.html(payload)

    def records(self, first: int, last: int) -> str:
        items = self.entries[max(first, 1) - 1 : last]
        return "".join(f"<record><![CDATA[{list_items([e])}]]></record>" for e in items)

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
        super().__init__(title, entries, **kw)
        self.code, self.column = code, column
        self.pages = chunks(self.entries, per_page, overlap_pages=True)

    def page_url(self, n: int) -> str:
        return "/?" + urlencode({"a": "path", "d": self.column, "p": self.code, "page": n})

    def dynamic(self, request: MirrorRequest) -> Reply | None:
        q = request.query
        if (
            request.path != "/"
            or q.get("a") != "path"
            or q.get("p") != self.code
            or q.get("d") != self.column
        ):
            return None
        n = int(q.get("page") or 1)
        if not 1 <= n <= len(self.pages):
            return not_found()
        nav = f"<span>共{len(self.pages)}页</span> <span>当前第{n}页</span>"
        if n < len(self.pages):
            nav += f' <a href="{escape(self.page_url(n + 1))}">下一页</a>'
        body = f'<ul class="zwgk-list">{list_items(self.pages[n - 1])}</ul><div class="pages">{nav}</div>'
        return self.html(html_page(self.title, body, self.encoding))


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
        super().__init__(title, entries, **kw)
        if not year_subcolumns:
            self._column(column, self.entries, per_page)
            return
        years = sorted({e.year for e in self.reports}, reverse=True)
        for year in years:
            items = [e for e in self.entries if getattr(e, "year", e.published.year - 1) == year]
            self._column(f"{column}{year}n/szf/", items, per_page)
        nav = "".join(f'<li><a href="{column}{y}n/szf/list1.html">{y}年</a></li>' for y in years)
        payload = html_page(title, f'<ul class="subcolumns">{nav}</ul>', self.encoding)
        self.routes[f"{column}list1.html"] = lambda _req: self.html(payload)

    def _column(self, column: str, items: Sequence[Entry], per_page: int) -> None:
        pages = chunks(items, per_page)
        meta = json.dumps({"endPage": len(pages), "pageSize": per_page, "total": len(items)}).encode()
        self.routes[f"{column}script.json"] = lambda _req: Reply(body=meta, content_type="application/json")
        for n, chunk in enumerate(pages, start=1):
            body = f'<ul class="list">{list_items(chunk)}</ul><div id="pagination"></div>'
            body += '<script src="./script.json"></script><script src="/js/pagination.js"></script>'
            payload = html_page(self.title, body, self.encoding)
            self.routes[f"{column}list{n}.html"] = lambda _req, p=payload: self.html(p)


def sitesources_paths(site: str, column: str) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        token = hashlib.md5(f"{column}{index}".encode()).hexdigest()
        ext = ATTACHMENT_EXTENSION.get(kind)
        att = f"/sitesources/{site}/upload/{published:%Y%m}/{token}.{ext}" if ext else None
        return f"{column}article{token}.html", att

    return path_for


# --- gkmlpt JSON API -------------------------------------------------------------------------


class GkmlptSite(PortalSite):
    """GET /gkmlpt/api/all/<cat>?page=N -> {"articles": [...], "total": N}; with `post_only`, the
    API answers POST with the page in the form, and 405 to anything else."""

    def __init__(
        self,
        title: str,
        entries: Sequence[Entry],
        *,
        cat: int,
        per_page: int = 10,
        post_only: bool = False,
        **kw,
    ) -> None:
        super().__init__(title, entries, **kw)
        self.api = f"/gkmlpt/api/all/{cat}"
        self.pages = chunks(self.entries, per_page)
        self.post_only = post_only

    def dynamic(self, request: MirrorRequest) -> Reply | None:
        if request.path != self.api:
            return None
        if self.post_only and request.method != "POST":
            return Reply(body=b"method not allowed", status=405, content_type="text/plain")
        n = int(request.params.get("page") or 1)
        items = self.pages[n - 1] if 1 <= n <= len(self.pages) else []
        articles = [
            {
                "id": int(e.article_path.rsplit("_", 1)[-1].split(".")[0]),
                "title": e.title,
                "url": e.article_path,
                "publish_time": e.published.isoformat(),
            }
            for e in items
        ]
        body = json.dumps({"articles": articles, "total": len(self.entries), "page": n}, ensure_ascii=False)
        return Reply(body=body.encode(), content_type="application/json; charset=utf-8")


def gkmlpt_paths(cat: int) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        ext = ATTACHMENT_EXTENSION.get(kind)
        att = f"/attachment/0/{cat}/{published:%Y%m}/{600000 + index}.{ext}" if ext else None
        return f"/gkmlpt/content/2/{cat}/post_{600000 + index}.html", att

    return path_for


def gkmlpt_portal(name: str, *, post: bool = False) -> MirrorPortal:
    """广州市's gkmlpt column (JSON list API); `post`: the API answers POST (page in the form) only."""
    cat = 2391
    entries = _entries(
        name,
        gkmlpt_paths(cat),
        agencies=["广州市人民政府"],
        years=_years(2016, 2025),
        kinds=["html", "pdf"],
        region="广州市",
    )
    return MirrorPortal(
        name,
        "广州市人民政府",
        "city",
        "广州市",
        "gkmlpt",
        GkmlptSite("广州市人民政府", entries, cat=cat, per_page=5, post_only=post),
        f"/gkmlpt/api/all/{cat}" if post else f"/gkmlpt/api/all/{cat}?page=1",
        "2016-2025",
        province="广东省",
        options={"method": "POST"} if post else {},
        comments=["gkmlpt JSON list API (广东 family), here for the family's coverage"],
    )


# --- static, one page per year ---------------------------------------------------------------


class StaticSite(PortalSite):
    """index.html links to <year>.html; optionally GBK pages served with a wrong charset header."""

    def __init__(
        self, title: str, entries: Sequence[Entry], *, column: str, wrong_header: bool = False, **kw
    ) -> None:
        super().__init__(title, entries, **kw)
        self.wrong_header = wrong_header
        years = sorted({e.year for e in self.reports}, reverse=True)
        nav = "".join(f'<li><a href="{y}.html">{y}年度</a></li>' for y in years)
        index = html_page(title, f'<ul class="years">{nav}</ul>', self.encoding)
        self.routes[f"{column}index.html"] = lambda _req: self.html(index)
        for year in years:
            items = [e for e in self.entries if getattr(e, "year", e.published.year - 1) == year]
            payload = html_page(f"{year}年度", f"<ul>{list_items(items)}</ul>", self.encoding)
            self.routes[f"{column}{year}.html"] = lambda _req, p=payload: self.html(p)

    def html(self, body: bytes) -> Reply:
        charset = "utf-8" if self.wrong_header else self.encoding  # the header lies; <meta> is right
        return Reply(body=body, content_type=f"text/html; charset={charset}")


def static_paths(column: str) -> PathFor:
    def path_for(index: int, published: date, kind: Kind) -> tuple[str, str | None]:
        ext = ATTACHMENT_EXTENSION.get(kind)
        att = f"{column}files/{published:%Y%m%d}_{index}.{ext}" if ext else None
        return f"{column}{published:%Y%m%d}_{index}.html", att

    return path_for


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


# --- the catalog -----------------------------------------------------------------------------


@dataclass
class MirrorPortal:
    """A mirror site with its registry entry (minus the base url, known once it listens)."""

    name: str
    title: str
    level: str
    region: str
    family: str
    site: PortalSite | ChallengeSite | FlakySite
    start_path: str
    years: str
    province: str = "河南省"
    encoding: str | None = None
    options: dict[str, object] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    empty_ok: bool = False
    date_ordered: bool = True

    @property
    def reports(self) -> list[MirrorReport]:
        site = self.site if isinstance(self.site, PortalSite) else self.site.inner
        return site.reports

    @property
    def lookalikes(self) -> list[Lookalike]:
        site = self.site if isinstance(self.site, PortalSite) else self.site.inner
        return [e for e in site.entries if isinstance(e, Lookalike)]

    def config(self, base_url: str) -> PortalConfig:
        from urllib.parse import urlsplit

        return PortalConfig(
            name=self.name,
            title=self.title,
            level=self.level,
            province=self.province,
            region=self.region,
            family=self.family,
            start_urls=[base_url + self.start_path],
            allowed_domains=[urlsplit(base_url).hostname or "127.0.0.1"],
            encoding=self.encoding,
            years=self.years,
            options=self.options,
            comments=["offline mirror portal", *self.comments],
            empty_ok=self.empty_ok,
            date_ordered=self.date_ordered,
            verified=True,
        )


def _entries(
    name: str,
    path_for: PathFor,
    *,
    agencies: Sequence[str],
    years: Sequence[int],
    kinds: Sequence[Kind],
    region: str,
    attach_styles: Sequence[str] = ("link",),
    lookalikes: int = 3,
    count: int | None = None,
) -> list[Entry]:
    reports = make_reports(
        name,
        agencies=agencies,
        years=years,
        kinds=kinds,
        path_for=path_for,
        attach_styles=attach_styles,  # type: ignore[arg-type]
        count=count,
    )
    fakes = make_lookalikes(
        name, agency=agencies[0], region=region, years=years, path_for=path_for, count=lookalikes
    )
    return merge(reports, fakes)


def _years(first: int, last: int, *, skip: Sequence[int] = ()) -> list[int]:
    return [y for y in range(first, last + 1) if y not in skip]


def build_mirror() -> list[MirrorPortal]:
    """At least one portal per CMS family plus the misbehaving ones (blocked, robots, flaky)."""
    portals: list[MirrorPortal] = []

    column = "/zwgk/zfxxgk/zfxxgkndbg/"
    entries = _entries(
        "mirror-henan",
        trs_paths(column),
        agencies=["河南省人民政府"],
        years=_years(2008, 2025, skip=[2012]),
        kinds=["html", "html", "pdf"],
        region="河南省",
        lookalikes=4,
    )
    portals.append(
        MirrorPortal(
            "mirror-henan",
            "河南省人民政府",
            "province",
            "河南省",
            "trs",
            TrsSite("河南省人民政府", entries, column=column, per_page=6),
            column,
            "2008-2025",
            comments=[
                "start url is the bare column: 301 to index.html",
                "2012 report never published: a missing year",
            ],
        )
    )

    entries = _entries(
        "mirror-pingdingshan",
        hanweb_paths(3331),
        agencies=["平顶山市人民政府", "平顶山市发展和改革委员会"],
        years=_years(2017, 2025),
        kinds=["pdf", "docx", "html"],
        region="平顶山市",
    )
    portals.append(
        MirrorPortal(
            "mirror-pingdingshan",
            "平顶山市人民政府",
            "city",
            "平顶山市",
            "hanweb",
            HanwebSite("平顶山市人民政府", entries, column_id=3331, unit_id=12345, perpage=4),
            "/col/col3331/index.html",
            "2017-2025",
            options={"perpage": 4},
        )
    )

    entries = _entries(
        "mirror-xinzheng",
        zwgk_paths("D42Y"),
        agencies=["新郑市人民政府", "新郑市人民政府办公室"],
        years=_years(2019, 2025),
        kinds=["docx", "pdf", "html"],
        region="新郑市",
        attach_styles=["link", "viewer", "iframe", "embed", "object"],
    )
    site = ZwgkSite("新郑市人民政府", entries, code="D42Y", column="ndbg", per_page=6)
    portals.append(
        MirrorPortal(
            "mirror-xinzheng",
            "新郑市人民政府",
            "county",
            "新郑市",
            "zwgk",
            site,
            site.page_url(1),
            "2019-2025",
        )
    )

    column = "/sitesources/zks/page_pc/zwgk/zfxxgk/zfxxgkndbg/"
    entries = _entries(
        "mirror-zhoukou",
        sitesources_paths("zks", column),
        agencies=["周口市人民政府", "周口市教育局", "周口市财政局"],
        years=_years(2018, 2025),
        kinds=["html", "pdf", "docx", "scanned"],
        region="周口市",
    )
    portals.append(
        MirrorPortal(
            "mirror-zhoukou",
            "周口市人民政府",
            "city",
            "周口市",
            "sitesources",
            SitesourcesSite("周口市人民政府", entries, column=column, per_page=2, year_subcolumns=True),
            column + "list1.html",
            "2018-2025",
            options={"year_subcolumns": True},
        )
    )

    column = "/sitesources/xxsrmzf/page_pc/zwgk/zfxxgkndbg/"
    entries = _entries(
        "mirror-xinxiang",
        sitesources_paths("xxsrmzf", column),
        agencies=["新乡市人民政府"],
        years=_years(2014, 2025),
        kinds=["html", "pdf"],
        region="新乡市",
    )
    portals.append(
        MirrorPortal(
            "mirror-xinxiang",
            "新乡市人民政府",
            "city",
            "新乡市",
            "sitesources",
            FlakySite(SitesourcesSite("新乡市人民政府", entries, column=column, per_page=4)),
            column + "list1.html",
            "2014-2025",
            comments=["flaky front end: 5xx, slow answers, dropped connections"],
        )
    )

    portals.append(gkmlpt_portal("mirror-guangzhou"))

    column = "/zwgk/ndbg/"
    entries = _entries(
        "mirror-jiaxian",
        static_paths(column),
        agencies=["郏县人民政府", "郏县城关镇人民政府"],
        years=_years(2016, 2025),
        kinds=["html"],
        region="郏县",
    )
    portals.append(
        MirrorPortal(
            "mirror-jiaxian",
            "郏县人民政府",
            "county",
            "郏县",
            "static",
            StaticSite("郏县人民政府", entries, column=column, encoding="gbk", wrong_header=True),
            column + "index.html",
            "2016-2025",
            encoding="gbk",
            date_ordered=False,
            comments=["GBK pages served with a wrong `charset=utf-8` header and a right <meta>"],
        )
    )

    column = "/zwgk/zfxxgk/zfxxgkndbg/"
    entries = _entries(
        "mirror-luoyang",
        trs_paths(column),
        agencies=["洛阳市人民政府"],
        years=_years(2020, 2025),
        kinds=["html"],
        region="洛阳市",
        lookalikes=0,
    )
    portals.append(
        MirrorPortal(
            "mirror-luoyang",
            "洛阳市人民政府",
            "city",
            "洛阳市",
            "trs",
            ChallengeSite(TrsSite("洛阳市人民政府", entries, column=column)),
            column + "index.html",
            "2020-2025",
            comments=["behind a 412 $_ts (Ruishu) challenge: must be recorded as blocked, never evaded"],
        )
    )

    column = "/zwgk/ndbg/"
    entries = _entries(
        "mirror-kaifeng",
        static_paths(column),
        agencies=["开封市人民政府"],
        years=_years(2020, 2025),
        kinds=["html"],
        region="开封市",
        lookalikes=0,
    )
    robots_site = StaticSite("开封市人民政府", entries, column=column)
    robots_site.robots = "User-agent: *\nDisallow: /zwgk/\n"
    portals.append(
        MirrorPortal(
            "mirror-kaifeng",
            "开封市人民政府",
            "city",
            "开封市",
            "static",
            robots_site,
            column + "index.html",
            "2020-2025",
            comments=["robots.txt disallows the report column: recorded as blocked"],
        )
    )
    return portals


def build_bench_mirror(reports: int) -> MirrorPortal:
    """One TRS portal with `reports` reports (agencies x years cycled), for `make bench`."""
    column = "/zwgk/zfxxgk/zfxxgkndbg/"
    agencies = [f"河南省第{i}厅" for i in range(1, 1 + math.ceil(reports / 7))]
    entries = _entries(
        "mirror-bench",
        trs_paths(column),
        agencies=agencies,
        years=_years(2019, 2025),
        kinds=["html"],
        region="河南省",
        lookalikes=0,
        count=reports,
    )
    site = TrsSite("河南省人民政府", entries, column=column, per_page=20)
    return MirrorPortal(
        "mirror-bench",
        "河南省人民政府",
        "province",
        "河南省",
        "trs",
        site,
        column + "index.html",
        "2019-2025",
    )
