"""Agency, year and publication date of a report: from its title, else from what its text says.

The sources, in order, each value taken from the first that gives it (and its message says which):
1. the title: a page title of an HTML page (the CMS prints it from the article's title) or a
   title printed in the opening lines; a title without a year takes the statistics period's;
2. the body's own statements: a sentence naming the report (现将XX局2024年政府信息公开工作年度报告
   公布如下), the compiler (本报告由XX人民政府办公室…编制: a government's general office compiles
   the government's report, so the agency is the government), the signature at the end (an organ
   line, then a date line); for the year, the statistics period (统计期限自2024年1月1日起…), the
   year opening a paragraph (2024年，…), then the signature date's year - 1 (reports are published
   in the first months of the following year);
3. the metadata title of a PDF or DOCX (often left over from the template of an earlier year, so
   it comes after the body);
4. the title a portal lists the document under (fill_from_listing).
Text quoted in 《》 names another document and is never a source.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from pipelines.messages import Message, message
from pipelines.model import ParseResult
from pipelines.normalize import clean_text

# 政府信息公开工作年度报告 / 政务公开工作年度报告 / 政府信息公开年报 / 政府信息公开工作的年度报告
_REPORT = r"(?:政府信息公开|政务公开|信息公开)(?:工作)?的?(?:年度报告|年报|工作报告|报告)"
_AGENCY_CHARS = r"[\u4e00-\u9fff（）()·]"
# the title ends with the report's name: what may follow it is quotes, punctuation or a site's
# ASCII (never more Chinese: 年度报告编制工作会议 is another page)
_END = r"(?=[^\u4e00-\u9fff]*$)"
# X2024年政府信息公开工作年度报告 / X2017年度政府信息公开年报
_AGENCY_FIRST = re.compile(
    rf"(?P<agency>{_AGENCY_CHARS}{{2,40}}?)(?:关于)?(?P<year>(?:19|20)\d{{2}})年度?{_REPORT}{_END}"
)
# 2018年X政府信息公开工作年度报告
_YEAR_FIRST = re.compile(
    rf"(?P<year>(?:19|20)\d{{2}})年度?(?P<agency>{_AGENCY_CHARS}{{2,40}}?){_REPORT}{_END}"
)
# a title that names no year: 新郑市人民政府办公室政府信息公开工作年度报告
_UNDATED = re.compile(rf"(?P<agency>{_AGENCY_CHARS}{{2,40}}?){_REPORT}{_END}")
# the year then comes from the body: 统计期限自2024年1月1日 … / 自2024年1月1日起至2024年12月31日止
_PERIOD = re.compile(
    r"(?:统计期限|统计时限|统计时间|统计区间|统计周期|时间范围)[^0-9。]{0,8}((?:19|20)\d{2})年1月1日"
    r"|自((?:19|20)\d{2})年1月1日起?至\2年12月31日"
)
# a paragraph opening with 2024年，
_OPENING_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*年度?\s*[，,、]")
# Things that name a report without being one: notices about compiling or submitting reports,
# meetings, infographics and explainers, budgets, other kinds of reports, guides and catalogues.
# Shared with the crawler's discovery of list entries.
LOOKALIKE = re.compile(
    r"关于(?:做好|编制|报送|开展|印发|公布)|通知|编制|做好|报送|发布工作|会议|召开|培训|部署"
    r"|图解|解读|一图读懂|问答|发布会|公告|预决算|决算|预算|政府工作报告|统计公报|评估报告"
    r"|考核|评估|测评|统计表|目录|指南|征集|意见"
)
# page titles carry the site name before or after a separator: 《…年度报告_新郑市人民政府》,
# 《新郑市人民政府--…年度报告》, 《…年度报告-新郑市人民政府门户网站》
_TITLE_PARTS = re.compile(r"\s*(?:[_|｜]+|[-—–－]+)\s*")
# what a year-first title leaves when it names no organ (2024年政府信息公开工作年度报告)
_NOT_AN_AGENCY = frozenset({"政府", "本机关", "本单位", "我局", "我委", "我办", "人民政府"})
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?")
# 发布时间 2025-01-20, 日期：2025年01月22日 (a bare 日期/时间 needs its colon)
_DATE_LABEL = re.compile(r"(?:(?:发布|公开|成文|印发)(?:日期|时间)\s*[:：]?|(?:日期|时间)\s*[:：])\s*")
_SPACES_BETWEEN_CJK = re.compile(r"(?<=[\u4e00-\u9fff（）\d])\s+(?=[\u4e00-\u9fff（）\d])")


@dataclass(frozen=True)
class Evidence:
    """A value read from the body, the message code that names its source, and where it was."""

    code: str
    value: str | int
    line: int  # from 1, in the document's text
    text: str  # the words it was read from, without spaces


@dataclass
class Title:
    text: str
    agency: str
    year: int
    year_from: Evidence | None = None  # set when the title names no year and the body gave it


# control and format characters (NUL, bidi marks, zero-width joiners; U+FFFD, what an HTML parser
# makes of a NUL) are invisible in a title and split its words: matched without them
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufffd]"
)


def _squeeze(text: str) -> str:
    return _SPACES_BETWEEN_CJK.sub("", _INVISIBLE.sub("", clean_text(text)).strip())


_CJK_TAIL = re.compile(r"[^\u4e00-\u9fff]+$")
_CN_YEAR = re.compile(r"[〇○零一二三四五六七八九]{4}(?=年)")
# a note after the title: …年度报告（淮安市人民政府办公室编制）
_TRAILING_NOTE = re.compile(r"[（(][^（）()]*[）)]$")
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")


def _title_parts(text: str) -> list[str]:
    """The parts of a page title that could be a report title, without spaces; 二〇二四年 -> 2024年."""
    text = _CN_YEAR.sub(lambda m: m.group().translate(_CN_DIGITS), text or "")
    parts = (_TRAILING_NOTE.sub("", _squeeze(part).rstrip("。")) for part in _TITLE_PARTS.split(text))
    # a title is short; what trails its last Chinese character (quotes, a site's ASCII) is not
    # counted, so that it cannot hide the title
    return [p for p in parts if p and len(_CJK_TAIL.sub("", p)) <= 80 and not LOOKALIKE.search(p)]


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
    """A title without a year takes the year of the statistics period (or of an opening paragraph)
    stated near the top of the body; without one it is not taken for a title."""
    year = _period_year(lines[:INTRO_LINES]) or _opening_year(lines[:INTRO_LINES])
    if year is None:
        return None
    for squeezed in (part for text in texts for part in _title_parts(text)):
        match = _UNDATED.search(squeezed)
        if match and match["agency"] not in _NOT_AN_AGENCY:
            return Title(squeezed, match["agency"], int(year.value), year)
    return None


# --- the body's own statements -----------------------------------------------------------------

WINDOW = 3  # statements wrap over lines in PDF text: each is read from up to three lines joined
INTRO_LINES = 80  # where a report that prints its title states its statistics period
# bounds on the search, whatever the input: statements stand in the first lines of a line, and in
# the report's first pages (a 30-page PDF has ~1200 lines of text; the signature is looked for apart)
MAX_STATEMENT_LINES = 3000
MAX_STATEMENT_CHARS = 1000
MAX_NAMES_PER_WINDOW = 5
# what introduces the report's own name: 现将…公布如下, 特向社会公布…, 编制了…, 本报告是…
_NAMING = re.compile(
    r"(?:现将|特将|兹将|现予|现就)|(?:现|特|特此|予以)?(?:向社会)?(?:公布|发布)|(?:编制|形成|编写|撰写)了?"
    r"|本报告(?:是|为)"
)
_REPORT_NAME = re.compile(_REPORT)
_CLAUSE_END = re.compile(r"[，。；：！？,;:、]")
_QUOTES = (("《", "》"), ("〈", "〉"), ("“", "”"))
# 本报告由淮安市人民政府办公室根据《条例》…编制: the organ ends where the rest of the sentence starts
_COMPILER = re.compile(
    r"本(?:年度)?报告(?:是|系)?由(?P<agency>[\u4e00-\u9fff（）()]{2,40}?)"
    r"(?=根据|依据|按照|依照|结合|综合|负责|组织编|汇总|牵头|编制|编写|撰写|起草)"
    r"[^。]{0,200}?(?:编制|编写|撰写|起草)"
)
# characters a line of each statement must have (white space may split the words in PDF text)
_NAMING_HINT, _COMPILER_HINT, _PERIOD_HINT = re.compile("报"), re.compile("由"), re.compile("[统时自]")
_GENERAL_OFFICE = re.compile(r"^(?P<government>.+?人民政府)办公(?:室|厅)$")
_ORGAN = (
    r"[\u4e00-\u9fff（）()]{2,40}?(?:人民政府|办公室|办公厅|委员会|管委会|局|厅|委|办|中心|院|署|处|所"
    r"|站|队|会|部|政府)"
)
_DATE_ONLY = r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日"
_SIGNATURE_ORGAN = re.compile(rf"^(?P<agency>{_ORGAN})$")
_SIGNATURE_DATE = re.compile(rf"^(?P<agency>{_ORGAN})?(?P<date>{_DATE_ONLY})$")


def _windows(lines: list[str], hints: re.Pattern[str]) -> Iterator[tuple[int, int, str]]:
    """(line number, length of that line, text of up to WINDOW lines from it), squeezed, for the
    windows with a line that `hints` finds something in (a cheap test that skips most lines)."""
    lines = lines[:MAX_STATEMENT_LINES]
    hinted = [hints.search(line) is not None for line in lines]
    squeezed: dict[int, str] = {}
    for index in range(len(lines)):
        if not any(hinted[index : index + WINDOW]):
            continue
        for i in range(index, min(index + WINDOW, len(lines))):
            if i not in squeezed:
                squeezed[i] = _squeeze(lines[i][:MAX_STATEMENT_CHARS])
        if first := squeezed[index]:
            yield (
                index + 1,
                len(first),
                "".join(squeezed[i] for i in range(index, min(index + WINDOW, len(lines)))),
            )


def _quoted(text: str, position: int) -> bool:
    """Whether `position` lies inside 《…》, 〈…〉 or “…”: another document's name, a quotation."""
    before = text[:position]
    return any(before.count(open_) > before.count(close) for open_, close in _QUOTES)


def _named_report(lines: list[str]) -> tuple[Title, Evidence] | None:
    """A sentence that names the report it introduces (现将XX局2024年政府信息公开工作年度报告公布如下):
    the title it names, and where."""
    for number, length, text in _windows(lines, _NAMING_HINT):
        for found in itertools.islice(_REPORT_NAME.finditer(text), MAX_NAMES_PER_WINDOW):
            clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, found.start())), default=0)
            if clause_start >= length or _quoted(text, found.start()):
                continue  # a later line's clause (read from there) or a quoted document
            namings = list(_NAMING.finditer(text, clause_start, found.start()))
            if namings and (title := match_title(text[namings[-1].end() : found.end()])):
                return title, Evidence("year_from_body", title.year, number, text[clause_start : found.end()])
    return None


def _compiler(lines: list[str]) -> Evidence | None:
    for number, length, text in _windows(lines, _COMPILER_HINT):
        match = _COMPILER.search(text)
        if match and match.start() < length and not _quoted(text, match.start()):
            return Evidence("agency_from_compiler", match["agency"], number, match["agency"])
    return None


def _period_year(lines: list[str]) -> Evidence | None:
    for number, length, text in _windows(lines, _PERIOD_HINT):
        match = _PERIOD.search(text)
        if match and match.start() < length:
            return Evidence("year_from_period", int(match[1] or match[2]), number, match.group())
    return None


def _opening_year(lines: list[str]) -> Evidence | None:
    for index, line in enumerate(lines):
        if match := _OPENING_YEAR.match(line):
            return Evidence("year_from_opening", int(match[1]), index + 1, match.group().strip())
    return None


def _signature(lines: list[str]) -> tuple[Evidence | None, Evidence | None]:
    """The organ and date the report is signed with: its last date line, with the organ on the
    same line or the line before. The report year is the year before the date's."""
    numbered = ((i + 1, text) for i in range(len(lines) - 1, -1, -1) if (text := _squeeze(lines[i])))
    for number, text in numbered:
        match = _SIGNATURE_DATE.match(text)
        if not match or parse_date(match["date"]) is None:
            continue
        day = match["date"]
        year = Evidence("year_from_signature", int(day[:4]) - 1, number, day)
        organ: Evidence | None = None
        if match["agency"]:
            organ = Evidence("agency_from_signature", match["agency"], number, text)
        elif (line_above := next(numbered, None)) and (above := _SIGNATURE_ORGAN.match(line_above[1])):
            organ = Evidence("agency_from_signature", above["agency"], line_above[0], above.group())
        if organ is not None and (LOOKALIKE.search(str(organ.value)) or organ.value in _NOT_AN_AGENCY):
            organ = None
        return organ, year
    return None, None


# --- all sources together ----------------------------------------------------------------------


@dataclass
class Identification:
    agency: str | None = None
    year: int | None = None
    title: str | None = None
    messages: list[Message] = field(default_factory=list)

    def take_agency(self, code: str, agency: str, **params: object) -> None:
        if self.agency is None:
            self.agency = agency
            self.messages.append(message(code, agency=agency, **params))

    def take_year(self, code: str, year: int, **params: object) -> None:
        if self.year is None:
            self.year = year
            self.messages.append(message(code, year=year, **params))


def identify(page_titles: list[str], lines: list[str], metadata_titles: list[str]) -> Identification:
    """Agency, year and title of a report, each with a message naming where it came from.
    `page_titles`: titles the page itself prints (HTML); `metadata_titles`: PDF/DOCX metadata."""
    found = Identification()
    title = find_title(page_titles, lines)
    if title is None:
        found.messages.append(message("no_title"))
    else:
        found.title = title.text
        found.take_agency("agency_from_title", title.agency, title=title.text)
        if title.year_from is None:
            found.take_year("year_from_title", title.year, title=title.text)
            # the intro states the period: its first lines are enough, and cheap
            if (period := _period_year(lines[:INTRO_LINES])) and period.value != title.year:
                found.messages.append(
                    message(
                        "year_conflict",
                        year=title.year,
                        source="title",
                        other=period.value,
                        other_source=f"statistics period (line {period.line})",
                    )
                )
        else:
            _take_year_evidence(found, title.year_from)
    if found.agency is None or found.year is None:
        _from_body(found, lines)
    for text in metadata_titles:
        if found.agency is not None and found.year is not None:
            break
        if text and (meta := match_title(text)):
            found.take_agency("agency_from_metadata", meta.agency, title=meta.text)
            found.take_year("year_from_metadata", meta.year, title=meta.text)
    return found


def _take_year_evidence(found: Identification, evidence: Evidence) -> None:
    params: dict[str, object] = {"line": evidence.line}
    if evidence.code == "year_from_signature":
        params["date"] = evidence.text
    elif evidence.code != "year_from_opening":
        params["text"] = evidence.text
    found.take_year(evidence.code, int(evidence.value), **params)


def _from_body(found: Identification, lines: list[str]) -> None:
    if named := _named_report(lines):
        title, where = named
        found.take_agency("agency_from_body", title.agency, line=where.line, text=where.text)
        _take_year_evidence(found, where)
    if found.agency is None and (compiler := _compiler(lines)):
        compiled_by = str(compiler.value)
        office = _GENERAL_OFFICE.match(compiled_by)
        agency = office["government"] if office else compiled_by
        found.take_agency("agency_from_compiler", agency, compiler=compiled_by, line=compiler.line)
    organ, signed = _signature(lines)
    if organ is not None:
        found.take_agency("agency_from_signature", str(organ.value), line=organ.line)
    for evidence in (_period_year(lines), _opening_year(lines), signed):
        if evidence is not None:
            _take_year_evidence(found, evidence)


def fill_from_listing(result: ParseResult, listed_title: str | None) -> None:
    """What the document does not name itself, from the title its portal lists it under."""
    if not listed_title or (result.agency is not None and result.year is not None):
        return
    title = match_title(listed_title)
    if title is None:
        return
    # title.text, not the listing as printed: a reparse, given the stored title, says the same
    if result.agency is None:
        result.agency = title.agency
        result.messages.append(message("agency_from_listing", agency=title.agency, title=title.text))
    if result.year is None:
        result.year = title.year
        result.messages.append(message("year_from_listing", year=title.year, title=title.text))
    result.title = result.title or title.text


def unknown_messages(result: ParseResult) -> list[Message]:
    """What a read document still lacks after every source (never a reason to drop its facts)."""
    if result.status in ("error", "unsupported"):
        return []
    missing = [("agency_unknown", result.agency), ("year_unknown", result.year)]
    return [message(code) for code, value in missing if value is None]


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
