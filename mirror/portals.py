"""Mirror portals: the catalog of sites (mirror.sites) with their registry entries.

`build_mirror()` returns the portals, the reports each one publishes (the tests' ground truth)
and, once the server is listening, the registry entries (settings.registry.PortalConfig) to crawl
them. Like real portals they link each other: a county lists its city's report (off-site, on the
city's listener) and re-posts one on its own host (a report of another agency, crawled and stored
once), and every page links the national portal (mirror.chrome.NATIONAL), which no crawl may
reach.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from mirror.chrome import NATIONAL
from mirror.corpus import (
    SCRIPT_BOUND,
    AttachStyle,
    Kind,
    Lookalike,
    MirrorReport,
    make_lookalikes,
    make_reports,
)
from mirror.server import Site
from mirror.sites import (
    ChallengeSite,
    Elsewhere,
    Entry,
    FlakySite,
    GkmlptSite,
    HanwebSite,
    NationalSite,
    PathFor,
    PortalSite,
    SearchApiSite,
    SitesourcesSite,
    StaticSite,
    TrsSite,
    UcapSite,
    ZwgkSite,
    gkmlpt_paths,
    hanweb_paths,
    sitesources_paths,
    static_paths,
    trs_paths,
    ucap_paths,
    zwgk_paths,
)
from settings.registry import FUJIAN_SEARCH_API, PortalConfig, site_domain

__all__ = ["MirrorPortal", "TrsSite", "build_bench_mirror", "build_mirror", "gkmlpt_portal", "mirror_sites"]


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
    host: str = ""  # the real portal's host: off-site links to this portal use it when not running

    @property
    def inner(self) -> PortalSite:
        return self.site if isinstance(self.site, PortalSite) else self.site.inner

    @property
    def reports(self) -> list[MirrorReport]:
        """The reports its lists link on its own host: its own, and those it re-posts."""
        return self.inner.reports

    @property
    def lookalikes(self) -> list[Lookalike]:
        return [e for e in self.inner.entries if isinstance(e, Lookalike)]

    @property
    def elsewhere(self) -> list[Elsewhere]:
        """Listed reports of other sites (never fetched)."""
        return [e for e in self.inner.entries if isinstance(e, Elsewhere)]

    def config(self, base_url: str) -> PortalConfig:
        return PortalConfig(
            name=self.name,
            title=self.title,
            level=self.level,
            province=self.province,
            region=self.region,
            family=self.family,
            start_urls=[base_url + self.start_path],
            allowed_domains=[site_domain(base_url)],
            encoding=self.encoding,
            years=self.years,
            options=self.options,
            comments=["offline mirror portal", *self.comments],
            empty_ok=self.empty_ok,
            date_ordered=self.date_ordered,
            verified=True,
        )


def mirror_sites(portals: Sequence[MirrorPortal]) -> dict[str, Site]:
    """What a MirrorServer serves for `portals`: their sites and the national portal."""
    return {**{p.name: p.site for p in portals}, NATIONAL: NationalSite()}


def _entries(
    name: str,
    path_for: PathFor,
    *,
    agencies: Sequence[str],
    years: Sequence[int],
    kinds: Sequence[Kind],
    region: str,
    attach_styles: Sequence[AttachStyle] = ("link",),
    lookalikes: int = 3,
    count: int | None = None,
    extras: Sequence[Entry] = (),
) -> list[Entry]:
    """A portal's list entries, newest first: its reports, lookalikes and `extras` (re-posts,
    other sites' reports)."""
    reports = make_reports(
        name,
        agencies=agencies,
        years=years,
        kinds=kinds,
        path_for=path_for,
        attach_styles=attach_styles,
        count=count,
    )
    fakes = make_lookalikes(
        name, agency=agencies[0], region=region, years=years, path_for=path_for, count=lookalikes
    )
    entries: list[Entry] = [*reports, *fakes, *extras]
    entries.sort(key=lambda e: e.published, reverse=True)
    return entries


def _years(first: int, last: int, *, skip: Sequence[int] = ()) -> list[int]:
    return [y for y in range(first, last + 1) if y not in skip]


def _newest_html(portal: MirrorPortal) -> MirrorReport:
    return next(r for r in portal.reports if r.kind == "html" and r.portal == portal.name)


def listed_elsewhere(parent: MirrorPortal) -> Elsewhere:
    """The parent government's newest report, as its child portal lists it: on the parent's site."""
    report = _newest_html(parent)
    return Elsewhere(report.title, report.published, parent.name, parent.host, report.article_path)


def reposted(report: MirrorReport, path_for: PathFor, index: int) -> MirrorReport:
    """Another agency's report copied onto a portal's own host (same report, same facts)."""
    return replace(report, article_path=path_for(index, report.published, "html")[0], attachment_path=None)


NATIONAL_REPORT = Elsewhere(
    "国务院办公厅2023年政府信息公开工作年度报告",
    date(2024, 3, 28),
    NATIONAL,
    "www.gov.cn",
    "/zhengce/content/202403/content_6942001.htm",
)
REPOST_INDEX = 90_000  # path index of re-posted reports (apart from the portal's own)


def _unresolvable(entries: list[Entry]) -> list[Entry]:
    """The first report with an attachment binds it in a template the page cannot resolve."""
    index = next(i for i, e in enumerate(entries) if isinstance(e, MirrorReport) and e.attachment_path)
    out = list(entries)
    out[index] = replace(entries[index], attach_style="unresolvable")  # type: ignore[type-var]
    return out


def _henan() -> MirrorPortal:
    column = "/zwgk/zfxxgk/zfxxgkndbg/"
    entries = _entries(
        "mirror-henan",
        trs_paths(column),
        agencies=["河南省人民政府"],
        years=_years(2008, 2025, skip=[2012]),
        kinds=["html", "html", "pdf"],
        region="河南省",
        attach_styles=["link", "onclick", "avalon"],
        lookalikes=4,
        extras=[NATIONAL_REPORT],
    )
    return MirrorPortal(
        "mirror-henan",
        "河南省人民政府",
        "province",
        "河南省",
        "trs",
        TrsSite("河南省人民政府", entries, column=column, per_page=6, paging="page_div"),
        column,
        "2008-2025",
        host="www.henan.gov.cn",
        comments=[
            "start url is the bare column: 301 to index.html",
            "createPageHTML('page_div', N, cur, 'index', 'html', records), 1-based",
            "2012 report never published: a missing year",
        ],
    )


def _pingdingshan(henan: MirrorPortal) -> MirrorPortal:
    path_for = hanweb_paths(3331)
    entries = _entries(
        "mirror-pingdingshan",
        path_for,
        agencies=["平顶山市人民政府", "平顶山市发展和改革委员会"],
        years=_years(2017, 2025),
        kinds=["pdf", "docx", "html"],
        region="平顶山市",
        attach_styles=["link", "script"],
        extras=[listed_elsewhere(henan), reposted(_newest_html(henan), path_for, REPOST_INDEX)],
    )
    site = HanwebSite(
        "平顶山市人民政府", entries, column_id=3331, unit_id=12345, perpage=4, total_form="setup"
    )
    return MirrorPortal(
        "mirror-pingdingshan",
        "平顶山市人民政府",
        "city",
        "平顶山市",
        "hanweb",
        site,
        "/col/col3331/index.html",
        "2017-2025",
        options={"perpage": 4},
        host="www.pds.gov.cn",
        comments=["jpage setup announces totalRecord:N", "re-posts 河南省's report, lists another off-site"],
    )


def _xinzheng() -> MirrorPortal:
    path_for = zwgk_paths("D42Y")
    older, newer = make_reports(
        "mirror-zhengzhou",
        agencies=["郑州市人民政府"],
        years=[2023, 2024],
        kinds=["html"],
        path_for=zwgk_paths("D41X"),
    )[::-1]
    city_listed = Elsewhere(
        older.title, older.published, "mirror-zhengzhou", "public.zhengzhou.gov.cn", older.article_path
    )
    entries = _entries(
        "mirror-xinzheng",
        path_for,
        agencies=["新郑市人民政府", "新郑市人民政府办公室"],
        years=_years(2019, 2025),
        kinds=["docx", "pdf", "html"],
        region="新郑市",
        attach_styles=["link", "viewer", "iframe", "embed", "object", *SCRIPT_BOUND],
        extras=[city_listed, reposted(newer, path_for, REPOST_INDEX)],
    )
    site = ZwgkSite("新郑市人民政府", _unresolvable(entries), code="D42Y", column="ndbg", per_page=6)
    return MirrorPortal(
        "mirror-xinzheng",
        "新郑市人民政府",
        "county",
        "新郑市",
        "zwgk",
        site,
        site.page_url(1),
        "2019-2025",
        host="public.xinzheng.gov.cn",
        comments=["one report binds its attachment in a template the page cannot resolve: a failure"],
    )


def _zhoukou(henan: MirrorPortal) -> MirrorPortal:
    column = "/sitesources/zks/page_pc/zwgk/zfxxgk/zfxxgkndbg/"
    entries = _entries(
        "mirror-zhoukou",
        sitesources_paths("zks", column),
        agencies=["周口市人民政府", "周口市教育局", "周口市财政局"],
        years=_years(2018, 2025),
        kinds=["html", "pdf", "docx", "scanned"],
        region="周口市",
        attach_styles=["link", "viewer-bound"],
        extras=[listed_elsewhere(henan)],
    )
    return MirrorPortal(
        "mirror-zhoukou",
        "周口市人民政府",
        "city",
        "周口市",
        "sitesources",
        SitesourcesSite("周口市人民政府", entries, column=column, per_page=2, year_subcolumns=True),
        column + "list1.html",
        "2018-2025",
        options={"year_subcolumns": True},
        host="www.zhoukou.gov.cn",
    )


def _xinxiang(henan: MirrorPortal) -> MirrorPortal:
    column = "/sitesources/xxsrmzf/page_pc/zwgk/zfxxgkndbg/"
    entries = _entries(
        "mirror-xinxiang",
        sitesources_paths("xxsrmzf", column),
        agencies=["新乡市人民政府"],
        years=_years(2014, 2025),
        kinds=["html", "pdf"],
        region="新乡市",
        extras=[listed_elsewhere(henan)],
    )
    return MirrorPortal(
        "mirror-xinxiang",
        "新乡市人民政府",
        "city",
        "新乡市",
        "sitesources",
        FlakySite(SitesourcesSite("新乡市人民政府", entries, column=column, per_page=4)),
        column + "list1.html",
        "2014-2025",
        host="www.xinxiang.gov.cn",
        comments=["flaky front end: 5xx, slow answers, dropped connections"],
    )


def gkmlpt_portal(name: str, *, post: bool = False, first_page_only: bool = False) -> MirrorPortal:
    """广州市's gkmlpt column (JSON list API, the count as classify.post_count, article bodies in
    window._CONFIG.DETAIL); `post`: the API answers POST (page in the form) only;
    `first_page_only`: it answers 404 beyond page 1."""
    cat = 2391
    province_report = Elsewhere(
        "广东省人民政府2024年政府信息公开工作年度报告",
        date(2025, 3, 20),
        "mirror-guangdong",
        "www.gd.gov.cn",
        "/gkmlpt/content/4/4600/post_4600001.html",
    )
    entries = _entries(
        name,
        gkmlpt_paths(cat),
        agencies=["广州市人民政府"],
        years=_years(2016, 2025),
        kinds=["html", "pdf"],
        region="广州市",
        extras=[province_report],
    )
    site = GkmlptSite(
        "广州市人民政府",
        entries,
        cat=cat,
        per_page=5,
        post_only=post,
        count="classify",
        first_page_only=first_page_only,
    )
    return MirrorPortal(
        name,
        "广州市人民政府",
        "city",
        "广州市",
        "gkmlpt",
        site,
        f"/gkmlpt/api/all/{cat}" if post else f"/gkmlpt/api/all/{cat}?page=1",
        "2016-2025",
        province="广东省",
        options={"method": "POST"} if post else {},
        host="www.gz.gov.cn",
        comments=["gkmlpt JSON list API (广东 family), here for the family's coverage"],
    )


def _jiaxian(pingdingshan: MirrorPortal) -> MirrorPortal:
    column = "/zwgk/ndbg/"
    path_for = static_paths(column)
    entries = _entries(
        "mirror-jiaxian",
        path_for,
        agencies=["郏县人民政府", "郏县城关镇人民政府"],
        years=_years(2016, 2025),
        kinds=["html"],
        region="郏县",
        extras=[listed_elsewhere(pingdingshan), reposted(_newest_html(pingdingshan), path_for, REPOST_INDEX)],
    )
    return MirrorPortal(
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
        host="www.jiaxian.gov.cn",
        comments=[
            "GBK pages served with a wrong `charset=utf-8` header and a right <meta>",
            "re-posts 平顶山市's report, lists another on 平顶山's site",
        ],
    )


def _luoyang() -> MirrorPortal:
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
    return MirrorPortal(
        "mirror-luoyang",
        "洛阳市人民政府",
        "city",
        "洛阳市",
        "trs",
        ChallengeSite(TrsSite("洛阳市人民政府", entries, column=column)),
        column + "index.html",
        "2020-2025",
        host="www.ly.gov.cn",
        comments=["behind a 412 $_ts (Ruishu) challenge: must be recorded as blocked, never evaded"],
    )


def _kaifeng() -> MirrorPortal:
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
    return MirrorPortal(
        "mirror-kaifeng",
        "开封市人民政府",
        "city",
        "开封市",
        "static",
        robots_site,
        column + "index.html",
        "2020-2025",
        host="www.kaifeng.gov.cn",
        comments=["robots.txt disallows the report column: recorded as blocked"],
    )


def _nanyang(henan: MirrorPortal) -> MirrorPortal:
    column = "/zwgk/zfxxgknb/"
    path_for = trs_paths(column)
    entries = _entries(
        "mirror-nanyang",
        path_for,
        agencies=["南阳市人民政府", "南阳市财政局"],
        years=_years(2019, 2025),
        kinds=["html", "pdf"],
        region="南阳市",
        attach_styles=["onclick", "script"],
        extras=[listed_elsewhere(henan), reposted(_newest_html(henan), path_for, REPOST_INDEX)],
    )
    return MirrorPortal(
        "mirror-nanyang",
        "南阳市人民政府",
        "city",
        "南阳市",
        "trs",
        TrsSite("南阳市人民政府", entries, column=column, per_page=5, paging="count_page"),
        column + "index.html",
        "2019-2025",
        host="www.nanyang.gov.cn",
        comments=["TRS countPage / currentPage variables with document.write pagination"],
    )


def _fujian() -> MirrorPortal:
    column = "/zwgk/zfxxgkzl/zfxxgkndbg/"
    entries = _entries(
        "mirror-fujian",
        trs_paths(column, ext="htm"),
        agencies=["福建省人民政府", "福建省财政厅", "福建省发展和改革委员会"],
        years=_years(2017, 2025),
        kinds=["html", "pdf"],
        region="福建省",
        attach_styles=["avalon", "link"],
        extras=[NATIONAL_REPORT],
    )
    return MirrorPortal(
        "mirror-fujian",
        "福建省人民政府",
        "province",
        "福建省",
        "trs",
        SearchApiSite("福建省人民政府", entries, column=column, channel=5478, per_page=8),
        column + "index.htm",
        "2017-2025",
        province="福建省",
        options={"search_api": FUJIAN_SEARCH_API},
        host="www.fujian.gov.cn",
        comments=["static first page; the older entries only from the POST search API"],
    )


def _huaian() -> MirrorPortal:
    column = "/zfxxgk/ndbg/"
    province_report = Elsewhere(
        "江苏省人民政府2024年政府信息公开工作年度报告",
        date(2025, 3, 25),
        "mirror-jiangsu",
        "www.jiangsu.gov.cn",
        "/art/2025/3/25/art_46143_1.html",
    )
    entries = _entries(
        "mirror-huaian",
        ucap_paths(column),
        agencies=["淮安市人民政府", "淮安市淮安区人民政府"],
        years=_years(2019, 2025),
        kinds=["html", "pdf"],
        region="淮安市",
        attach_styles=["script", "link"],
        extras=[province_report],
    )
    return MirrorPortal(
        "mirror-huaian",
        "淮安市人民政府",
        "city",
        "淮安市",
        "ucap",
        UcapSite("淮安市人民政府", entries, column=column, per_page=6),
        column + "xxgk_list.shtml",
        "2019-2025",
        province="江苏省",
        host="www.huaian.gov.cn",
        comments=["开普 UCAP: rendered pager links only; articles in <ucapcontent>"],
    )


def build_mirror() -> list[MirrorPortal]:
    """At least one portal per CMS family and pagination form, plus the misbehaving ones
    (blocked, robots, flaky)."""
    henan = _henan()
    pingdingshan = _pingdingshan(henan)
    return [
        henan,
        pingdingshan,
        _xinzheng(),
        _zhoukou(henan),
        _xinxiang(henan),
        gkmlpt_portal("mirror-guangzhou"),
        _jiaxian(pingdingshan),
        _luoyang(),
        _kaifeng(),
        _nanyang(henan),
        _fujian(),
        _huaian(),
    ]


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 305 -> 三百零五, for n < 1000 (agency names print no Arabic digits)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = "零" + digits[rest]
    else:  # 一百一十五: after hundreds the tens digit is always printed
        tail = ("一" if rest < 20 else "") + chinese_number(rest)
    return digits[hundreds] + "百" + tail


def build_bench_mirror(reports: int) -> MirrorPortal:
    """One TRS portal with `reports` reports (agencies x years cycled), for `make bench`."""
    column = "/zwgk/zfxxgk/zfxxgkndbg/"
    agencies = [f"河南省第{chinese_number(i)}厅" for i in range(1, 1 + math.ceil(reports / 7))]
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
