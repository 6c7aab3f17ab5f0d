"""Agency and year of reports that print no title: from the body's own statements, then metadata,
then the listing title; each with a message naming its source, and never from another document."""

from __future__ import annotations

import io
import random
import re

import docx

from mirror.generate import generate_report
from mirror.render import render_html, render_text
from pipelines.messages import Message
from pipelines.model import ParseResult
from pipelines.parse import parse_bytes

SPEC = generate_report(random.Random(11), agency="新郑市教育局", year=2024, fmt="2021")
# sections 二 to 四 as the mirror prints them: headings and tables, nothing that names the report
TABLES_HTML = "\n".join(
    re.findall(r"<p><strong>[二三四]、.*?</table>", render_html(SPEC).decode(), re.DOTALL)
)
_TEXT = render_text(SPEC, "pdf")
TABLES_TEXT = _TEXT[_TEXT.index("二、主动公开政府信息情况") : _TEXT.index("五、存在的主要问题")]

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{page_title}</title><meta name="SiteName" content="新郑市人民政府">
<script>var siteId = 41;</script></head>
<body>
<div class="header"><img src="/images/logo.png" alt="新郑市人民政府"><span>无障碍浏览</span>
<span>长者模式</span><a href="/">首页</a></div>
<div class="nav"><ul><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a>
 &gt; 政府信息公开年报</div>
<div class="article">
<div class="info">发布时间：2025-01-20 09:30 浏览次数：<span id="hits"></span> 【字体：大 中 小】</div>
<div class="content" id="zoom">
{body}
</div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a></div>
</div>
<div class="related"><h3>相关文章</h3><ul>
<li><a href="/2024/ndbg.html">新郑市教育局2023年政府信息公开工作年度报告</a> 2024-01-18</li>
<li><a href="/2023/ndbg.html">新郑市卫生健康委员会2023年政府信息公开工作年度报告</a> 2024-01-22</li>
</ul></div>
<div class="footer"><p>主办单位：新郑市人民政府办公室 网站标识码：4101840001</p>
<p>豫ICP备05012345号 豫公网安备 41018402000123号</p></div>
</body></html>
"""


def portal_page(*paragraphs: str, page_title: str = "新郑市人民政府门户网站") -> bytes:
    """A report page whose article body has no title: paragraphs, the tables, more paragraphs."""
    head = "\n".join(f"<p>{p}</p>" for p in paragraphs if not p.startswith("@"))
    tail = "\n".join(f'<p align="right">{p[1:]}</p>' for p in paragraphs if p.startswith("@"))
    body = f"<p><strong>一、总体情况</strong></p>\n{head}\n{TABLES_HTML}\n{tail}"
    return PAGE.format(page_title=page_title, body=body).encode()


def attachment_text(*lines: str, signature: tuple[str, ...] = ()) -> bytes:
    """The text of a PDF or Word attachment: the report body starts with the intro, no title."""
    return "\n".join(
        [*lines, "一、总体情况", "2024年，我局扎实推进政务公开。", TABLES_TEXT, *signature]
    ).encode()


def sources(result: ParseResult) -> dict[str, Message]:
    """The agency_* / year_* messages by code."""
    return {m.code: m for m in result.messages if m.code.startswith(("agency_", "year_"))}


def test_intro_naming_the_report_gives_agency_and_year():
    page = portal_page(
        "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《河南省人民政府办公厅关于做好"
        "2024年政府信息公开工作年度报告编制发布工作的通知》要求，现将新郑市教育局2024年政府信息公开工作"
        "年度报告公布如下。",
        "2024年，我局认真贯彻落实《条例》，扎实推进政务公开各项工作。",
    )
    result = parse_bytes(page, "page.html")
    assert (result.status, result.agency, result.year) == ("parsed", "新郑市教育局", 2024)
    found = sources(result)
    assert set(found) == {"agency_from_body", "year_from_body"}
    assert found["agency_from_body"].params["text"].startswith("现将新郑市教育局2024年")
    assert "no_title" in {m.code for m in result.messages}


def test_compiler_and_statistics_period_of_an_attachment():
    text = attachment_text(
        "本报告由新郑市人民政府办公室根据《中华人民共和国政府",
        "信息公开条例》（以下简称《条例》）要求编",
        "制。本年度报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。如对本报告有疑问，请与",
        "新郑市人民政府办公室联系。",
    )
    result = parse_bytes(text, "attachment.txt")
    assert (result.status, result.agency, result.year) == ("parsed", "新郑市人民政府", 2024)
    found = sources(result)
    assert found["agency_from_compiler"].params == {
        "agency": "新郑市人民政府",  # a government's general office compiles the government's report
        "compiler": "新郑市人民政府办公室",
        "line": 1,
    }
    assert found["year_from_period"].params["line"] == 3
    assert set(found) == {"agency_from_compiler", "year_from_period"}


def test_signature_gives_the_organ_and_the_year_before_its_date():
    page = portal_page(
        "我局坚持以公开为常态、不公开为例外，扎实推进政务公开。",
        "@新郑市市场监督管理局",
        "@2025年1月20日",
    )
    result = parse_bytes(page, "page.html")
    assert (result.agency, result.year) == ("新郑市市场监督管理局", 2024)
    found = sources(result)
    assert found["year_from_signature"].params["date"] == "2025年1月20日"
    assert set(found) == {"agency_from_signature", "year_from_signature"}


def test_another_organs_document_and_a_next_year_signature_give_nothing_wrong():
    page = portal_page(
        "根据《郑州市人民政府办公厅关于做好2024年政府信息公开工作年度报告编制发布工作的通知》要求，"
        "对照《郑州市人民政府2023年政府信息公开工作年度报告》的体例，编制本报告。",
        "本报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。",
        "按照《郑州市人民政府办公厅关于公布郑州市人民政府2023年政府信息公开工作年度报告的说明》，"
        "“现将新郑市公安局2024年政府信息公开工作年度报告公布如下”一句不再使用。",
        "2025年，我局将进一步加强政务公开工作。",
        "@新郑市教育局",
        "@2025年2月10日",
    )
    result = parse_bytes(page, "page.html")
    # not 郑州市人民政府 (quoted), not 2023 (quoted), not 2025 (the plan for next year, the signature)
    assert (result.agency, result.year) == ("新郑市教育局", 2024)
    assert set(sources(result)) == {"agency_from_signature", "year_from_period"}


def test_opening_year_beats_the_signature_date():
    page = portal_page("2024年，我局认真贯彻落实《条例》。", "@新郑市教育局", "@2025年3月1日")
    assert parse_bytes(page, "page.html").year == 2024
    assert set(sources(parse_bytes(page, "page.html"))) == {"agency_from_signature", "year_from_opening"}


def test_page_title_with_a_site_name_suffix_is_the_title():
    page = portal_page(
        "我局扎实推进政务公开。", page_title="新郑市教育局2024年政府信息公开工作年度报告-新郑市人民政府"
    )
    result = parse_bytes(page, "page.html")
    assert (result.agency, result.year) == ("新郑市教育局", 2024)
    assert set(sources(result)) == {"agency_from_title", "year_from_title"}


def test_stale_metadata_title_comes_after_the_body():
    document = docx.Document()
    document.core_properties.title = "新郑市教育局2023年政府信息公开工作年度报告"  # last year's template
    for line in ["现将新郑市教育局2024年政府信息公开工作年度报告公布如下。", *TABLES_TEXT.splitlines()]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_bytes(buffer.getvalue(), "report.docx")
    assert (result.status, result.agency, result.year) == ("parsed", "新郑市教育局", 2024)
    assert set(sources(result)) == {"agency_from_body", "year_from_body"}
    # without the intro the metadata title is all there is, and the message says so
    bare = docx.Document()
    bare.core_properties.title = "新郑市教育局2023年政府信息公开工作年度报告"
    for line in TABLES_TEXT.splitlines():
        bare.add_paragraph(line)
    buffer = io.BytesIO()
    bare.save(buffer)
    result = parse_bytes(buffer.getvalue(), "report.docx")
    assert (result.agency, result.year) == ("新郑市教育局", 2023)
    assert set(sources(result)) == {"agency_from_metadata", "year_from_metadata"}


def test_a_report_naming_nothing_keeps_its_facts_and_says_what_is_unknown():
    result = parse_bytes(attachment_text("我单位扎实推进政务公开工作。").replace(b"2024", b""), "bare.txt")
    assert (result.status, result.agency, result.year) == ("parsed", None, None)
    assert len(result.facts) == 200
    assert [m.code for m in result.messages if m.code.endswith("_unknown")] == [
        "agency_unknown",
        "year_unknown",
    ]
    listed = parse_bytes(
        attachment_text("我单位扎实推进政务公开工作。").replace(b"2024", b""),
        "bare.txt",
        listed_title="新郑市教育局2024年政府信息公开工作年度报告",
    )
    assert (listed.agency, listed.year) == ("新郑市教育局", 2024)
    assert set(sources(listed)) == {"agency_from_listing", "year_from_listing"}


def test_a_title_year_that_disagrees_with_the_statistics_period_is_said():
    text = (
        "新郑市教育局2024年政府信息公开工作年度报告\n"
        "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n"
    ).encode() + attachment_text()
    result = parse_bytes(text, "copied.txt")
    assert result.year == 2024
    (conflict,) = [m for m in result.messages if m.code == "year_conflict"]
    assert conflict.params == {
        "year": 2024,
        "source": "title",
        "other": 2023,
        "other_source": "statistics period (line 2)",
    }
