"""Agency, year and publication date from titles in all their printed variants."""

from __future__ import annotations

import pytest

from pipelines.metadata import find_published, find_title, match_title


@pytest.mark.parametrize(
    ("title", "agency", "year"),
    [
        ("新郑市人民政府办公室2024年政府信息公开工作年度报告", "新郑市人民政府办公室", 2024),
        ("新郑市人民政府办公室2024年政府信息公开工作年度报告_新郑市人民政府", "新郑市人民政府办公室", 2024),
        ("郑州市教育局2017年度政府信息公开年报", "郑州市教育局", 2017),
        ("2018年郑州市教育局政府信息公开工作年度报告", "郑州市教育局", 2018),
        ("郟县王集乡人民政府 2024 年政府信息公开工作年度 报告", "郟县王集乡人民政府", 2024),
        ("周口市人民政府办公室关于2020年政府信息公开工作年度报告", "周口市人民政府办公室", 2020),
        ("新乡市卫生健康委员会2019年度政务公开工作年度报告", "新乡市卫生健康委员会", 2019),
        ("郑州市人民政府二〇二三年政府信息公开工作年度报告", "郑州市人民政府", 2023),
        ("新郑市人民政府关于2023年度政府信息公开工作的年度报告", "新郑市人民政府", 2023),
        ("淮安市人民政府2024年政府信息公开工作年度报告（淮安市人民政府办公室编制）", "淮安市人民政府", 2024),
    ],
)
def test_title_variants(title, agency, year):
    found = match_title(title)
    assert found is not None
    assert (found.agency, found.year) == (agency, year)


@pytest.mark.parametrize(
    "lookalike",
    [
        "关于做好2024年政府信息公开工作年度报告编制发布工作的通知",
        "市政府办公室召开2024年政府信息公开工作年度报告编制工作会议",
        "图解：新郑市2024年政府信息公开工作年度报告",
        "新郑市2024年部门预决算公开",
        "2024年新郑市政府工作报告",
        "2024年政府信息公开工作年度报告",  # no organ named
    ],
)
def test_lookalikes_are_not_titles(lookalike):
    assert match_title(lookalike) is None


def test_title_split_over_two_lines_and_page_titles_first():
    lines = ["- 1 -", "淮安市人民政府", "2024 年政府信息公开工作年度报告", "本报告由淮安市人民政府办公室编制"]
    assert (find_title([], lines).agency, find_title([], lines).year) == ("淮安市人民政府", 2024)
    page = find_title(["新郑市人民政府办公室2023年政府信息公开工作年度报告"], lines)
    assert (page.agency, page.year) == ("新郑市人民政府办公室", 2023)


def test_a_breadcrumb_is_not_an_undated_title():
    assert find_title(["首页 > 政府信息公开年报"], ["2024年，我市…"]) is None


def test_undated_title_takes_the_statistics_period():
    lines = [
        "洪泽区人民政府政府信息公开工作年度报告",
        "报告中所列数据统计期限自 2023 年 1 月 1 日起至 2023 年 12 月 31 日止。",
    ]
    found = find_title([], lines)
    assert (found.agency, found.year) == ("洪泽区人民政府", 2023)


def test_published_date_sources_in_order():
    assert find_published(["2025-01-20 10:00:00"], ["2025年3月1日"]) == "2025-01-20"
    assert find_published([], ["来源：本站", "发布时间：2025年2月3日", "正文"]) == "2025-02-03"
    assert find_published([None], ["正文……", "新郑市人民政府办公室", "2025年1月15日"]) == "2025-01-15"
    assert find_published([], ["没有日期"]) is None
    assert find_published(["2025-02-30"], []) is None  # not a date


def test_pre2019_page_keeps_article_text_and_the_info_bar_date():
    from pipelines.parse import parse_bytes

    nav = "".join(
        f'<li><a href="/{y}.html">新郑市{y}年政府信息公开工作年度报告</a></li>' for y in (2019, 2020)
    )
    body = "".join(
        f"<p>2017年，我市主动公开政府信息第{i}批，共计{i * 10}条，涉及财政、民生等领域。</p>"
        for i in range(8)
    )
    page = (
        "<html><head><title>新郑市人民政府2017年度政府信息公开年报_新郑市人民政府</title></head><body>"
        f"<ul class='nav'>{nav}</ul><div class='info'>来源：市政府办 日期：2018年03月20日 09:30</div>"
        f"<div class='article'><h1>新郑市人民政府2017年度政府信息公开年报</h1>{body}</div></body></html>"
    )
    result = parse_bytes(page.encode(), "old.html")
    assert (result.status, result.agency, result.year, result.published) == (
        "pre2019",
        "新郑市人民政府",
        2017,
        "2018-03-20",
    )
    assert "共计70条" in result.text
    assert "2020年政府信息公开工作年度报告" not in result.text  # navigation is not the report
