"""Discovery, attachment extraction, charset, blocked detection and the registry, without a crawl."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.attachments import find_attachments, may_link_attachments
from crawler.extract import true_encoding
from crawler.items import DocumentItem
from crawler.middlewares import blocked_reason
from crawler.pipelines import ArchivePipeline
from crawler.run import drop_unreadable_queue
from crawler.spiders.base import report_attachments
from crawler.titles import is_report_title, report_of
from mirror.corpus import LOOKALIKES, TITLE_VARIANTS
from pipelines.parse import PARSER_VERSION
from settings.registry import DEFAULT_DIR, PortalConfig, load_portals, parse_years, select
from storage.api import Store
from storage.migrate import migrated_engine
from tests.stage_fixtures import ROOT


@pytest.mark.parametrize("variant", TITLE_VARIANTS)
def test_report_title_variants(variant: str) -> None:
    title = variant.format(agency="新郑市人民政府", year=2023)
    assert is_report_title(title)
    report = report_of(title)
    assert report is not None and (report.agency, report.year) == ("新郑市人民政府", 2023)


@pytest.mark.parametrize("variant", LOOKALIKES)
def test_lookalikes_are_skipped(variant: str) -> None:
    assert not is_report_title(variant.format(agency="新郑市人民政府", year=2023, region="新郑市"))


def test_title_oddities() -> None:
    assert getattr(report_of("郏县二〇一九年政府信息公开工作年度报告"), "year", None) == 2019
    assert is_report_title("周口市财政局 2020 年 政府信息公开 工作年度报告")
    assert not is_report_title("2023年度部门决算")
    assert not is_report_title("关于开展政府网站普查的通知")


def test_attachments_links_frames_and_viewers() -> None:
    html = """<a href="/up/a.PDF">a</a><a href="b.docx">b</a><a href="c.wps">c</a><a href="d.doc">d</a>
    <iframe src="/pdfjs/web/viewer.html?file=%2Fup%2Fe.pdf"></iframe><embed src="f.pdf">
    <object data="g.pdf"></object>
    <a href="/page.html">x</a><a href="javascript:void(0)">y</a><a href="/up/a.PDF">dup</a>"""
    urls = find_attachments(html, "http://h/col/index.html").urls
    assert urls == [
        "http://h/up/a.PDF",
        "http://h/col/b.docx",
        "http://h/col/c.wps",
        "http://h/col/d.doc",
        "http://h/up/e.pdf",
        "http://h/col/f.pdf",
        "http://h/col/g.pdf",
    ]


@pytest.mark.parametrize(
    ("link", "url"),
    [
        ('<a href="/up/a.PDF">', "http://h/up/a.PDF"),
        ('<a href="b&#46;docx">', "http://h/col/b.docx"),
        ('<a href="c&#x2E;wps">', "http://h/col/c.wps"),
        ('<a href="d&period;doc">', "http://h/col/d.doc"),
        ('<iframe src="/pdfjs/web/viewer.html?file=%2Fup%2Fe%2Epdf">', "http://h/up/e.pdf"),
        ('<iframe src="/pdfjs/web/viewer.html?file=%252Fup%252Ff%252Epdf">', "http://h/up/f.pdf"),
    ],
)
def test_attachment_links_with_escaped_dots_are_found(link: str, url: str) -> None:
    page = f"<!DOCTYPE html><html><body><p>年度报告</p>{link}</body></html>"
    assert may_link_attachments(page)
    response = HtmlResponse("http://h/col/index.html", body=page.encode(), encoding="utf-8")
    assert report_attachments(response).urls == [url]


def test_pages_without_attachment_extensions_are_not_parsed_for_links() -> None:
    page = '<!DOCTYPE html><html><body><a href="/doc/list.html">docs</a><p>pdf 文档</p></body></html>'
    assert not may_link_attachments(page)
    assert report_attachments(HtmlResponse("http://h/", body=page.encode(), encoding="utf-8")).urls == []


def test_gbk_page_with_a_lying_header() -> None:
    body = '<html><head><meta charset="gbk"></head><body>郏县政府信息公开工作年度报告</body></html>'.encode(
        "gbk"
    )
    assert true_encoding(body, "text/html; charset=utf-8") == "gb18030"
    assert true_encoding(body, "text/html; charset=gbk") is None
    assert true_encoding(body.replace(b"gbk", b"x"), "text/html; charset=utf-8", hint="gbk") == "gb18030"


def _response(status: int, body: bytes) -> HtmlResponse:
    return HtmlResponse("http://h/", status=status, body=body, request=Request("http://h/"))


def test_blocked_detection() -> None:
    assert "$_ts" in (blocked_reason(_response(412, b"<script>$_ts=window['$_ts'];</script>")) or "")
    assert "521" in (
        blocked_reason(_response(521, b"<script>document.cookie='__jsl_clearance'</script>")) or ""
    )
    captcha = '<form><img src="/captcha.jpg">请输入验证码</form>'.encode()
    assert "captcha" in (blocked_reason(_response(200, captcha)) or "")
    assert blocked_reason(_response(200, "2023年政府信息公开工作年度报告".encode())) is None
    assert blocked_reason(_response(503, b"busy")) is None  # retried, not blocked


def test_registry_entries_validate() -> None:
    portals = load_portals()
    assert {"henan", "zhengzhou", "xinzheng", "xinxiang", "zhoukou", "pingdingshan", "jiaxian"} <= set(
        portals
    )
    assert all(not p.verified for p in portals.values())  # unconfirmed until crawled from a network
    assert {p.family for p in portals.values()} >= {"trs", "hanweb", "zwgk", "sitesources", "static"}
    assert portals["henan"].years[0] == 2008
    assert {p.name for p in select(portals, province="河南省")} == set(portals)
    assert [p.name for p in select(portals, names=["jiaxian"], province="河南省")] == ["jiaxian"]
    with pytest.raises(KeyError):
        select(portals, names=["nowhere"])


def test_registry_rejects_bad_entries(tmp_path: Path) -> None:
    data = yaml.safe_load((DEFAULT_DIR / "xinzheng.yaml").read_text(encoding="utf-8"))
    with pytest.raises(ValidationError):
        PortalConfig.model_validate({**data, "family": "wordpress"})
    with pytest.raises(ValidationError):
        PortalConfig.model_validate({**data, "allowed_domains": ["example.org"]})
    with pytest.raises(ValidationError):
        PortalConfig.model_validate({**data, "politeness": {"concurrent_requests_per_domain": 8}})
    assert parse_years("2019, 2021-2023") == [2019, 2021, 2022, 2023]
    with pytest.raises(ValueError):
        parse_years("2024-2019")


def test_the_crawl_stage_archives_with_the_listing_and_leaves_parsing_to_the_parse_stage(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with migrated_engine(db):
        pass
    crawler = get_crawler(settings_dict={"NIANBAO_DATABASE_URL": db, "NIANBAO_ARCHIVE": str(tmp_path / "a")})
    pipeline = ArchivePipeline(crawler)
    page = DocumentItem(
        portal="p",
        role="report",
        url="http://h/r.html",
        final_url="http://h/r.html",
        status=200,
        body="<html><body>2023年政府信息公开工作年度报告</body></html>".encode(),
        headers={"ETag": '"e1"'},
        content_type="text/html",
        report_url="http://h/r.html",
        title="X县2023年政府信息公开工作年度报告",
        year=2023,
        list_url="http://h/index.html",
    )
    pointer = replace(
        page, url="http://h/s.html", body=b"<html><a href='s.pdf'>pdf</a></html>", has_attachments=True
    )
    attachment = replace(
        page, role="attachment", url="http://h/s.pdf", body=b"%PDF-1.4 x", report_url=pointer.url
    )
    for item in (page, pointer, attachment):
        asyncio.run(pipeline.process_item(item))
    rows = sqlite3.connect(tmp_path / "db.sqlite").execute(
        "select url, role, parse, listed_title, listed_year, list_url, report_url, etag"
        " from documents order by id"
    )
    title = page.title
    assert rows.fetchall() == [
        ("http://h/r.html", "report", 1, title, 2023, "http://h/index.html", None, '"e1"'),
        ("http://h/s.html", "report", 0, title, 2023, "http://h/index.html", None, '"e1"'),
        ("http://h/s.pdf", "attachment", 1, title, 2023, "http://h/index.html", "http://h/s.html", '"e1"'),
    ]
    assert crawler.stats.get_value("nianbao/reports/new") == 2
    with Store(db, str(tmp_path / "a")) as store:
        assert [d.url for d in store.pending(PARSER_VERSION)] == ["http://h/r.html", "http://h/s.pdf"]
        assert store.read_url("http://h/s.pdf") == b"%PDF-1.4 x"


def test_the_crawl_stage_never_imports_the_parser() -> None:
    code = (
        "import sys\n"
        "import crawler.run, crawler.pipelines, crawler.middlewares, crawler.extensions\n"
        "import crawler.spiders.families\n"
        "print(sorted(m for m in ('pipelines.parse', 'pipelines.tables', 'pdfplumber', 'trafilatura', 'docx')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_queue_of_a_killed_run_is_dropped_and_a_closed_one_kept(tmp_path: Path) -> None:
    killed, closed = tmp_path / "killed", tmp_path / "closed"
    for job in (killed, closed):
        (job / "requests.queue" / "p0").mkdir(parents=True)
        (job / "requests.queue" / "p0" / "q00000").write_bytes(b"stale records")
    (closed / "requests.queue" / "active.json").write_text("[0]")
    drop_unreadable_queue(killed)
    drop_unreadable_queue(closed)
    assert not (killed / "requests.queue").exists() and killed.exists()
    assert (closed / "requests.queue" / "p0" / "q00000").read_bytes() == b"stale records"
