"""Agency, year and publication date of a report, from its title and body."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date

from pipelines.normalize import clean_text

# 政府信息公开工作年度报告 / 政务公开工作年度报告 / 政府信息公开年报 / 政府信息公开工作的年度报告
_REPORT = r"(?:政府信息公开|政务公开|信息公开)(?:工作)?的?(?:年度报告|年报|工作报告|报告)"
_AGENCY_CHARS = r"[\u4e00-\u9fff（）()·]"
# X2024年政府信息公开工作年度报告 / X2017年度政府信息公开年报
_AGENCY_FIRST = re.compile(
    rf"(?P<agency>{_AGENCY_CHARS}{{2,40}}?)(?:关于)?(?P<year>(?:19|20)\d{{2}})年度?{_REPORT}$"
)
# 2018年X政府信息公开工作年度报告
_YEAR_FIRST = re.compile(rf"(?P<year>(?:19|20)\d{{2}})年度?(?P<agency>{_AGENCY_CHARS}{{2,40}}?){_REPORT}$")
# a title that names no year: 新郑市人民政府办公室政府信息公开工作年度报告
_UNDATED = re.compile(rf"(?P<agency>{_AGENCY_CHARS}{{2,40}}?){_REPORT}$")
# the year then comes from the body: 统计期限自2024年1月1日 … / a paragraph opening with 2024年，
_PERIOD = re.compile(r"(?:统计期限|统计时限|统计时间|时间范围)[^0-9]{0,6}((?:19|20)\d{2})年1月1日")
_OPENING_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*[，,、]")
# Things that name a report without being one: notices about compiling or submitting reports,
# meetings, infographics and explainers, budgets, other kinds of reports, guides and catalogues.
# Shared with the crawler's discovery of list entries.
LOOKALIKE = re.compile(
    r"关于(?:做好|编制|报送|开展|印发|公布)|通知|编制|做好|报送|发布工作|会议|召开|培训|部署"
    r"|图解|解读|一图读懂|问答|发布会|公告|预决算|决算|预算|政府工作报告|统计公报|评估报告"
    r"|考核|评估|测评|统计表|目录|指南|征集|意见"
)
# page titles carry the site name after a separator: 《…年度报告_新郑市人民政府》
_TITLE_PARTS = re.compile(r"\s*[_|｜]\s*|\s+[-—–]\s+")
# what a year-first title leaves when it names no organ (2024年政府信息公开工作年度报告)
_NOT_AN_AGENCY = frozenset({"政府", "本机关", "本单位", "我局", "我委", "我办", "人民政府"})
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?")
# 发布时间 2025-01-20, 日期：2025年01月22日 (a bare 日期/时间 needs its colon)
_DATE_LABEL = re.compile(r"(?:(?:发布|公开|成文|印发)(?:日期|时间)\s*[:：]?|(?:日期|时间)\s*[:：])\s*")
_SPACES_BETWEEN_CJK = re.compile(r"(?<=[\u4e00-\u9fff（）\d])\s+(?=[\u4e00-\u9fff（）\d])")


@dataclass
class Title:
    text: str
    agency: str
    year: int


def _squeeze(text: str) -> str:
    return _SPACES_BETWEEN_CJK.sub("", clean_text(text).strip())


_CN_YEAR = re.compile(r"[〇○零一二三四五六七八九]{4}(?=年)")
# a note after the title: …年度报告（淮安市人民政府办公室编制）
_TRAILING_NOTE = re.compile(r"[（(][^（）()]*[）)]$")
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")


def _title_parts(text: str) -> list[str]:
    """The parts of a page title that could be a report title, without spaces; 二〇二四年 -> 2024年."""
    text = _CN_YEAR.sub(lambda m: m.group().translate(_CN_DIGITS), text or "")
    parts = (_TRAILING_NOTE.sub("", _squeeze(part).rstrip("。")) for part in _TITLE_PARTS.split(text))
    return [p for p in parts if p and len(p) <= 80 and not LOOKALIKE.search(p)]


def match_title(text: str) -> Title | None:
    """Agency and year when `text` is a report title (lookalike notices are not)."""
    for squeezed in _title_parts(text):
        for pattern in (_AGENCY_FIRST, _YEAR_FIRST):
            match = pattern.search(squeezed)
            if match and (agency := match["agency"].strip("（(")) not in _NOT_AN_AGENCY:
                return Title(squeezed, agency, int(match["year"]))
    return None


def find_title(candidates: list[str], lines: list[str]) -> Title | None:
    """The report title: page titles first, then the opening lines (a title may wrap over two)."""
    for text in candidates:
        if text and (title := match_title(text)):
            return title
    head = [line.strip() for line in lines[:40] if line.strip()]
    joined = [a + b for a, b in itertools.pairwise(head)]
    for text in head + joined:
        if title := match_title(text):
            return title
    return _undated_title([*candidates, *head], lines)


def _undated_title(texts: list[str], lines: list[str]) -> Title | None:
    """A title without a year takes the year of the statistics period stated in the body."""
    body = lines[:80]
    for squeezed in (part for text in texts for part in _title_parts(text)):
        match = _UNDATED.search(squeezed)
        if not match or match["agency"] in _NOT_AN_AGENCY:
            continue
        years = [m[1] for line in body if (m := _PERIOD.search(_squeeze(line)))]
        years += [m[1] for line in body if (m := _OPENING_YEAR.match(line))]
        if years:
            return Title(squeezed, match["agency"], int(years[0]))
    return None


def parse_date(text: str) -> str | None:
    match = _DATE.search(clean_text(text))
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def find_published(candidates: list[str | None], lines: list[str]) -> str | None:
    """Publication date from page metadata, a 发布日期 label, or the date under the signature."""
    for text in candidates:
        if text and (found := parse_date(text)):
            return found
    for line in lines:
        if (label := _DATE_LABEL.search(line)) and (found := parse_date(line[label.end() :])):
            return found
    for line in reversed(lines[-15:]):
        stripped = line.strip()
        if len(stripped) <= 16 and (found := parse_date(stripped)):
            return found
    return None
