"""crawler.listing, crawler.paging and crawler.attachments as pure functions of saved mirror pages
(Scrapy responses built from the bytes the mirror serves)."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.attachments import find_attachments
from crawler.listing import column_page, read_list_page
from crawler.paging import announced, api_count, hanweb_total, pager_urls, trs_pages, zwgk_pages
from mirror.corpus import MirrorReport
from mirror.portals import build_bench_mirror
from mirror.server import MirrorRequest
from mirror.sites import HanwebSite
from tests.crawler.pages import BASE, mirror_portal, response, serve

HENAN = "/zwgk/zfxxgk/zfxxgkndbg/"


def test_the_listing_region_is_the_dated_block() -> None:
    portal = mirror_portal("mirror-henan")
    page = response(portal, HENAN + "index.html")
    listed = read_list_page(page.selector, page.url)
    assert listed.region == "dated block"
    expected = [portal.inner.href(e) for e in portal.inner.pages[0]]
    assert [item.url.removeprefix(BASE) for item in listed.listings] == [
        u.replace("./", HENAN, 1) if u.startswith("./") else u for u in expected
    ]
    titles = {item.title for item in listed.navigation}
    assert {"信息公开年报", "政府信息公开年报", "政府工作报告", "政府信息公开指南", "年度报表"} <= titles
    assert not [item for item in listed.navigation if item.url in {i.url for i in listed.listings}]


def test_a_named_list_container_wins() -> None:
    portal = mirror_portal("mirror-henan")
    page = response(portal, HENAN + "index.html")
    sidebar = read_list_page(page.selector, page.url, container="ul.news")
    assert sidebar.region == "container"
    assert [i.title for i in sidebar.listings][:1] == ["关于开展2024年度政务公开工作培训的通知"]


@pytest.mark.parametrize(
    ("link", "column"),
    [
        (BASE + HENAN, True),
        (BASE + HENAN + "index.html", True),
        (BASE + HENAN + "nlist.htm", True),
        (BASE + HENAN + "index_3.html", True),
        (BASE + HENAN + "202401/t20240115_1.html", False),
        (BASE + "/zwgk/zfgzbg/", False),  # a sibling column: not this one (the title test decides)
        ("http://127.0.0.1:8001" + HENAN, False),
    ],
)
def test_the_columns_own_pages(link: str, column: bool) -> None:
    assert column_page(link, [BASE + HENAN + "index_2.html"]) is column


def test_trs_create_page_html_forms() -> None:
    bench = build_bench_mirror(60)
    bench.inner.bind(BASE, {})
    classic = trs_pages(serve(bench, HENAN + "index.html")[1].decode(), BASE + HENAN + "index.html")
    assert classic is not None and (classic.first, classic.count, classic.last) == (0, 3, 2)
    assert classic.url(BASE + HENAN + "index.html", 1) == BASE + HENAN + "index_1.html"

    henan = mirror_portal("mirror-henan")
    text = serve(henan, HENAN + "index.html")[1].decode()
    assert "createPageHTML('page_div'" in text
    pages = trs_pages(text, BASE + HENAN + "index.html")
    assert pages is not None and (pages.first, pages.count) == (1, len(henan.inner.pages))
    assert pages.url(BASE + HENAN + "index_2.html", 1) == BASE + HENAN + "index.html"
    # a later page cannot tell where numbering starts: the first page's word is passed on
    later = trs_pages(
        serve(henan, HENAN + "index_3.html")[1].decode(), BASE + HENAN + "index_3.html", first=1
    )
    assert later is not None and (later.current, later.last) == (3, len(henan.inner.pages))


def test_trs_count_page_with_document_write() -> None:
    nanyang = mirror_portal("mirror-nanyang")
    text = serve(nanyang, "/zwgk/zfxxgknb/index.html")[1].decode()
    assert "countPage" in text and "createPageHTML" not in text
    pages = trs_pages(text, BASE + "/zwgk/zfxxgknb/index.html")
    assert pages is not None and (pages.kind, pages.first, pages.count) == (
        "countPage",
        0,
        len(nanyang.inner.pages),
    )
    assert (pages.stem, pages.ext) == ("index", "html")


def test_rendered_pager_links() -> None:
    huaian = mirror_portal("mirror-huaian")
    count = len(huaian.inner.pages)
    second = response(huaian, "/zfxxgk/ndbg/xxgk_list_2.shtml")
    assert pager_urls(second.selector.root, second.url) == [
        f"{BASE}/zfxxgk/ndbg/xxgk_list_{n}.shtml" for n in range(3, count + 1)
    ]
    zwgk = response(mirror_portal("mirror-xinzheng"), "/?a=path&d=ndbg&p=D42Y&page=1")
    assert pager_urls(zwgk.selector.root, zwgk.url) == [BASE + "/?a=path&d=ndbg&p=D42Y&page=2"]
    assert zwgk_pages(zwgk.text) == len(mirror_portal("mirror-xinzheng").inner.pages)
    # a page whose digits are not a pager's (a hotline, a year) yields nothing
    assert (
        pager_urls(Selector(text='<a href="/tel.html">12345</a><a href="/2024/">2024</a>').root, BASE) == []
    )


def test_hanweb_record_counts() -> None:
    portal = mirror_portal("mirror-pingdingshan")
    entries = portal.inner.entries
    assert hanweb_total(serve(portal, "/col/col3331/index.html")[1].decode()) == len(entries)  # totalRecord:N
    var = HanwebSite("平顶山市人民政府", entries, column_id=3331, unit_id=1, perpage=4, total_form="var")
    page = var.handle(MirrorRequest("GET", "/col/col3331/index.html", {}, b"", {}))
    assert page is not None and "var totalRecord = " in page.body.decode()
    assert hanweb_total(page.body.decode()) == len(entries)
    xml = serve(portal, "/module/web/jpage/dataproxy.jsp", method="POST", form=b"columnid=3331")[1].decode()
    assert "<totalrecord>" in xml and hanweb_total(xml) == len(entries)


def test_list_api_counts_and_announced_values() -> None:
    assert api_count({"total": 12}) == 12
    assert api_count({"classify": {"post_count": "40"}}) == 40
    assert api_count({"articles": []}) is None
    fujian = mirror_portal("mirror-fujian")
    text = serve(fujian, "/zwgk/zfxxgkzl/zfxxgkndbg/index.htm")[1].decode()
    values = announced(text, ["channelid", "maxStaticIndex", "recordCount", "prepage"])
    assert values == {
        "channelid": "5478",
        "maxStaticIndex": "0",
        "recordCount": str(len(fujian.inner.entries)),
        "prepage": "8",
    }


def test_attachments_in_a_script_json_body() -> None:
    """A gkmlpt article page whose file link is inside window._CONFIG.DETAIL's content."""
    portal = mirror_portal("mirror-guangzhou")
    report = next(r for r in portal.reports if isinstance(r, MirrorReport) and r.attachment_path)
    text = serve(portal, report.article_path)[1].decode()
    assert "_CONFIG" in text and 'href="' + report.attachment_path not in text
    assert find_attachments(text, BASE + report.article_path).urls == [BASE + report.attachment_path]
