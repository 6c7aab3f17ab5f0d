"""Discovery on mirror pages built like real ones (chrome, other sites' links, script-bound files,
each pagination form), read by the family spiders' callbacks without a crawl.

Each test names the defect of issue 10 it covers; each failed before the discovery rewrite.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from scrapy import FormRequest, Request
from scrapy.utils.test import get_crawler

from crawler.items import DocumentItem
from crawler.spiders.families import TrsSpider
from mirror.chrome import NATIONAL
from mirror.corpus import SCRIPT_BOUND, MirrorReport
from mirror.portals import MirrorPortal, build_mirror
from mirror.sites import Elsewhere, Entry, entry_year
from settings.base import DOWNLOADER_MIDDLEWARES
from tests.crawler.pages import (
    BASE,
    collect,
    mirror_portal,
    report_page,
    response,
    results,
    roles,
    serve,
    spider_for,
    stats,
)


def onsite_reports(entries: list[Entry]) -> set[str]:
    return {BASE + e.article_path for e in entries if isinstance(e, MirrorReport)}


# (portal, path of a list page, the entries it lists)
LIST_PAGES = {
    "trs createPageHTML('page_div')": (
        "mirror-henan",
        "/zwgk/zfxxgk/zfxxgkndbg/index.html",
        lambda s: s.pages[0],
    ),
    "trs countPage": ("mirror-nanyang", "/zwgk/zfxxgknb/index.html", lambda s: s.pages[0]),
    "trs search API (static page)": (
        "mirror-fujian",
        "/zwgk/zfxxgkzl/zfxxgkndbg/index.htm",
        lambda s: s.pages[0],
    ),
    "zwgk": ("mirror-xinzheng", "/?a=path&d=ndbg&p=D42Y&page=1", lambda s: s.pages[0]),
    "ucap": ("mirror-huaian", "/zfxxgk/ndbg/xxgk_list.shtml", lambda s: s.pages[0]),
    "static year page": (
        "mirror-jiaxian",
        "/zwgk/ndbg/2024.html",
        lambda s: [e for e in s.entries if entry_year(e) == 2024],
    ),
}


@pytest.mark.parametrize("case", LIST_PAGES)
def test_a_list_page_yields_its_listed_reports_and_nothing_of_its_chrome(case: str, tmp_path: Path) -> None:
    """Defect 2: menus, breadcrumbs, sidebars and footers link the column itself (信息公开年报,
    政府信息<br>公开年报, ./, nlist.htm) and its siblings; only the listing region's reports are
    requested, and the report-looking navigation links are counted."""
    name, path, listed = LIST_PAGES[case]
    portal = mirror_portal(name)
    spider = spider_for(portal, tmp_path)
    requested = roles(results(spider, response(portal, path)), "report")
    assert set(requested) == onsite_reports(listed(portal.inner))
    assert len(requested) == len(set(requested))
    assert stats(spider)["listings/navigation_skipped"] >= 3  # the column's own url, nlist.htm, 政府工作报告


def test_navigation_links_are_counted_once_per_run(tmp_path: Path) -> None:
    portal = mirror_portal("mirror-henan")
    spider = spider_for(portal, tmp_path)
    for path in ("index.html", "index_2.html"):
        results(spider, response(portal, "/zwgk/zfxxgk/zfxxgkndbg/" + path))
    # the column (menu, breadcrumb ./), nlist.htm, the sidebar's index.html, 政府工作报告
    assert stats(spider)["listings/navigation_skipped"] == 4


def test_a_title_naming_no_organ_or_year_is_not_a_report(tmp_path: Path) -> None:
    """Defect 2: a listing titled 政府信息公开年报 or 2023年政府信息公开工作年度报告 is skipped,
    counted, never requested."""
    portal = mirror_portal("mirror-henan")
    spider = spider_for(portal, tmp_path)
    page = response(portal, "/zwgk/zfxxgk/zfxxgkndbg/index.html")
    body = page.text.replace(
        '<div class="list"><ul>',
        '<div class="list"><ul>'
        '<li><a href="./2024/t1.html">2023年政府信息公开工作年度报告</a><span>2024-01-02</span></li>'
        '<li><a href="./2024/t2.html">政府信息公开年报</a><span>2024-01-03</span></li>',
    )
    requested = roles(results(spider, page.replace(body=body.encode())), "report")
    assert not [u for u in requested if u.endswith(("/2024/t1.html", "/2024/t2.html"))]
    assert stats(spider)["listings/unnamed_skipped"] == 2


# --- defect 1: off-site ----------------------------------------------------------------------


def test_offsite_report_links_are_counted_and_never_requested(tmp_path: Path) -> None:
    """Defect 1: the national portal's report listed on 河南's column is a report title on
    another host: counted off-site, no request made (report requests skip Scrapy's filter)."""
    portal = mirror_portal("mirror-henan")
    spider = spider_for(portal, tmp_path)
    out = results(spider, response(portal, "/zwgk/zfxxgk/zfxxgkndbg/index.html"))
    elsewhere = [e for e in portal.inner.pages[0] if isinstance(e, Elsewhere)]
    assert len(elsewhere) == 1 and elsewhere[0].peer == NATIONAL
    assert not [r for r in out if isinstance(r, Request) and not r.url.startswith(BASE + "/")]
    assert stats(spider)["offsite/links"] == 1


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        (BASE + "/zwgk/a.html", True),
        ("http://127.0.0.1:8001/zwgk/a.html", False),  # another listener of the same host
        ("http://www.gov.cn.invalid/zhengce/a.htm", False),
        ("file:///etc/passwd", False),
        ("data:text/html,<p>2023年政府信息公开工作年度报告</p>", False),
        ("ftp://127.0.0.1:8000/a.pdf", False),
    ],
)
def test_the_offsite_guard_checks_every_request(url: str, sent: bool, tmp_path: Path) -> None:
    """Defect 1: one downloader middleware, in place of Scrapy's (which lets dont_filter=True
    requests through), stops every request outside the portal's domains or not over http(s)."""
    from crawler.offsite import OffsiteGuardMiddleware, OffsiteRequest

    assert DOWNLOADER_MIDDLEWARES["scrapy.downloadermiddlewares.offsite.OffsiteMiddleware"] is None
    assert (
        DOWNLOADER_MIDDLEWARES["crawler.offsite.OffsiteGuardMiddleware"]
        < DOWNLOADER_MIDDLEWARES["crawler.middlewares.RobotsTxtRfcMiddleware"]
    )
    spider = spider_for(mirror_portal("mirror-henan"), tmp_path)
    spider.crawler.spider = spider
    guard = OffsiteGuardMiddleware.from_crawler(spider.crawler)
    request = Request(url, dont_filter=True)
    if sent:
        assert guard.process_request(request) is None
    else:
        with pytest.raises(OffsiteRequest):
            guard.process_request(request)


# --- defect 3: pagination --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "first_page", "page_names"),
    [
        (
            "mirror-henan",
            "/zwgk/zfxxgk/zfxxgkndbg/index.html",
            lambda n: [f"index_{i}.html" for i in range(2, n + 1)],
        ),
        ("mirror-nanyang", "/zwgk/zfxxgknb/index.html", lambda n: [f"index_{i}.html" for i in range(1, n)]),
        (
            "mirror-huaian",
            "/zfxxgk/ndbg/xxgk_list.shtml",
            lambda n: [f"xxgk_list_{i}.shtml" for i in range(2, n + 1)],
        ),
    ],
)
def test_every_list_page_is_requested_from_the_first(
    name: str, first_page: str, page_names, tmp_path: Path
) -> None:
    """Defect 3: createPageHTML with its container id first (1-based), countPage/currentPage with
    document.write (0-based), a rendered pager (下一页, 尾页): all pages asked for from page 1."""
    portal = mirror_portal(name)
    pages = len(portal.inner.pages)
    assert pages >= 3
    requested = roles(results(spider_for(portal, tmp_path), response(portal, first_page)), "list")
    directory = first_page.rsplit("/", 1)[0]
    assert requested == [f"{BASE}{directory}/{page}" for page in page_names(pages)]
    for url in requested:  # and they exist
        assert serve(portal, url.removeprefix(BASE))[0] == 200


def test_hanweb_record_count_in_the_jpage_setup(tmp_path: Path) -> None:
    """Defect 3: `totalRecord:N` in the jpage setup script (not only `totalRecord=N`): the
    remaining groups come from dataproxy.jsp."""
    portal = mirror_portal("mirror-pingdingshan")
    page = response(portal, "/col/col3331/index.html")
    assert "totalRecord:" in page.text and "totalRecord =" not in page.text
    out = results(spider_for(portal, tmp_path), page)
    groups = [r for r in out if isinstance(r, FormRequest)]
    assert [dict(parse_qsl(r.url.split("?", 1)[1])) for r in groups] == [
        {"startrecord": "13", "endrecord": "24", "perpage": "4"}
    ]


def test_gkmlpt_count_as_classify_post_count(tmp_path: Path) -> None:
    """Defect 3: a gkmlpt answer counting its posts in classify.post_count (no `total`)."""
    portal = mirror_portal("mirror-guangzhou")
    page = response(portal, "/gkmlpt/api/all/2391?page=1")
    assert '"post_count"' in page.text and '"total"' not in page.text
    requested = roles(results(spider_for(portal, tmp_path), page), "list")
    assert requested == [BASE + "/gkmlpt/api/all/2391?page=2"]  # page 2 first: some sites 404 there


# --- defect 4: a search API --------------------------------------------------------------------


def test_a_static_first_page_then_the_search_api(tmp_path: Path) -> None:
    """Defect 4: Fujian's template announces channelid in script; the older entries come from the
    POST search API configured in the portal's YAML (body and field names, no code per site)."""
    portal = mirror_portal("mirror-fujian")
    spider = spider_for(portal, tmp_path)
    out = results(spider, response(portal, "/zwgk/zfxxgkzl/zfxxgkndbg/index.htm"))
    api = [r for r in out if isinstance(r, FormRequest)]
    assert len(api) == 1 and api[0].url == BASE + "/fjdzapp/search" and api[0].method == "POST"
    form = dict(parse_qsl(api[0].body.decode()))
    assert form == {"channelid": "5478", "page": "2", "prepage": "8", "sortfield": "-docreltime"}

    answer = response(portal, "/fjdzapp/search", meta=api[0].meta, method="POST", form=api[0].body)
    out = results(spider, answer)
    assert set(roles(out, "report")) == onsite_reports(portal.inner.pages[1])
    following = [dict(parse_qsl(r.body.decode()))["page"] for r in out if isinstance(r, FormRequest)]
    assert following == [str(n) for n in range(3, len(portal.inner.pages) + 1)]


# --- defect 5: attachments behind scripts ------------------------------------------------------


def _report(style: str) -> tuple[MirrorPortal, MirrorReport]:
    """A mirror portal's report whose page links its file in `style`."""
    for portal in build_mirror():
        for report in portal.reports:
            if report.attach_style == style and report.attachment_path:
                return mirror_portal(portal.name), report
    raise AssertionError(f"no mirror report links its attachment as {style}")


@pytest.mark.parametrize("style", SCRIPT_BOUND)
def test_script_bound_attachments_are_fetched(style: str, tmp_path: Path) -> None:
    """Defect 5: ms-attr-href, onclick window.open, a file list in a script array, a viewer's
    ms-attr-src: the attachment is requested."""
    portal, report = _report(style)
    out = collect(spider_for(portal, tmp_path).parse_report(report_page(portal, report.article_path)))
    assert roles(out, "attachment") == [BASE + report.attachment_path]


def test_an_announced_attachment_nobody_can_resolve_fails_its_report(tmp_path: Path) -> None:
    """Defect 5: a template bound to a file list the page fetches later: the report is counted
    failed, with the reason on its document, not silently skipped."""
    portal, report = _report("unresolvable")
    spider = spider_for(portal, tmp_path)
    out = collect(spider.parse_report(report_page(portal, report.article_path)))
    assert roles(out, "attachment") == []
    (item,) = [i for i in out if isinstance(i, DocumentItem)]
    assert item.unresolved_attachments and item.has_attachments
    assert stats(spider)["reports/failed"] == 1


# --- defect 8: UCAP ----------------------------------------------------------------------------


def test_the_ucap_family_is_a_registry_family(tmp_path: Path) -> None:
    portal = mirror_portal("mirror-huaian")
    spider = spider_for(portal, tmp_path)
    assert spider.portal.family == "ucap" and spider.name == "ucap"
    page = response(portal, "/zfxxgk/ndbg/xxgk_list_2.shtml")
    assert set(roles(results(spider, page), "report")) == onsite_reports(portal.inner.pages[1])


def test_a_spider_refuses_a_portal_of_another_family(tmp_path: Path) -> None:
    portal = mirror_portal("mirror-huaian")
    spider_for(portal, tmp_path)
    crawler = get_crawler(TrsSpider, settings_dict={"NIANBAO_PORTALS_DIR": str(tmp_path)})
    with pytest.raises(ValueError, match="ucap portal"):
        TrsSpider.from_crawler(crawler, portal=portal.name)


@pytest.mark.parametrize(
    ("name", "path"), [("mirror-jiaxian", "/zwgk/ndbg/2024.html"), ("mirror-xinxiang", None)]
)
def test_a_rendered_pager_is_followed_where_the_family_announces_no_pages(
    name: str, path: str | None, tmp_path: Path
) -> None:
    """Defect 3: the rendered pager (下一页, 尾页) is every family's fallback: a static year page
    of several pages, a sitesources list without its script.json."""
    portal = mirror_portal(name)
    path = path or portal.start_path
    page = response(portal, path)
    directory = path.rsplit("/", 1)[0]
    pager = '<div class="pages"><a href="p_2.html">下一页</a> <a href="p_3.html">尾页</a></div>'
    page = page.replace(body=page.body.replace(b"</body>", pager.encode(page.encoding) + b"</body>"))
    requested = roles(results(spider_for(portal, tmp_path), page), "list")
    assert [u for u in requested if "/p_" in u] == [f"{BASE}{directory}/p_{n}.html" for n in (2, 3)]
    assert not [u for u in requested if u.endswith("script.json")]
