"""Figures the report's text states, checked against the table cells they name.

Only phrasings that name one quantity of the tables without doubt are read (docs/parser.md lists
them): 共收到政府信息公开申请N件 (the requests received), 上年结转M件, 结转下年度继续办理N件, 予以公开N件 …,
行政复议N件, 行政诉讼N件. A sentence that speaks of a whole region or system (全市, 各级, 所属 …), of
an earlier year (上年, 同比 …) or quotes another document is not read. The numbers 主动公开政府信息N条
reports give have no cell in the tables (table 二 counts documents and decisions, not items
published), so they are not checked.

Each figure becomes a Check (rule `narrative.*`) whose quote is the figure with where it was printed
and whose cells are the table cells it names; it fails, with cause `source`, when they disagree.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipelines.infer import TOLERANCE
from pipelines.lines import Line
from pipelines.model import Check, CheckCell, Fact, Quote
from pipelines.schema import REQUESTS, REVIEW
from pipelines.tables import cell_ref

FactKey = tuple[str, str, str]
_N = r"(?P<n>\d{1,3}(?:,\d{3})+|\d+)"
_COUNT = rf"(?:共计|共|合计|总计)?{_N}"


@dataclass(frozen=True)
class Phrase:
    rule: str
    pattern: re.Pattern[str]  # on text without white space; group `n` is the figure
    subject: str
    cells: tuple[FactKey, ...] | str  # the cells summed; a str: the totals of the requests rows it prefixes
    sentence_needs: str = ""  # a word the sentence must contain for the figure to be about this table
    # words that, before the figure in its clause, make it another quantity
    clause_excludes: re.Pattern[str] | None = None


_NEW = ((REQUESTS, "new_received", "total"),)
_CARRIED = ((REQUESTS, "carried_over", "total"),)
_FORWARD = ((REQUESTS, "carried_forward", "total"),)
# 共收到政府信息公开申请N件: the new requests, or new and carried over (see _readings)
RECEIVED = Phrase(
    "narrative.requests_received",
    re.compile(rf"(?:收到|受理|接收|接到)(?:各类|各种)?(?:政府)?信息公开申请{_COUNT}件"),
    "new_received",
    _NEW,
)
_INCLUDES_CARRIED = re.compile(r"上一?年度?结转|本年度?新收")
PHRASES = (
    RECEIVED,
    Phrase(
        "narrative.requests_new",
        re.compile(rf"本年度?新收(?:政府信息公开)?(?:申请)?{_COUNT}件"),
        "new_received",
        _NEW,
    ),
    Phrase(
        "narrative.requests_carried_over",
        re.compile(rf"上一?年度?结转(?:政府信息公开)?(?:申请)?{_COUNT}件"),
        "carried_over",
        _CARRIED,
    ),
    Phrase(
        "narrative.requests_carried_forward",
        re.compile(rf"结转(?:至|到)?下一?年度?(?:继续)?办理的?(?:政府信息公开)?(?:申请)?{_COUNT}件"),
        "carried_forward",
        _FORWARD,
    ),
    Phrase(
        "narrative.requests_carried_forward",
        re.compile(rf"{_N}件(?:申请)?(?:结转|转入)(?:至|到)?下一?年度?(?:继续)?办理"),
        "carried_forward",
        _FORWARD,
    ),
    Phrase(
        "narrative.requests_granted",
        re.compile(rf"(?<!部分)(?<!不)予以公开{_COUNT}件"),
        "granted",
        ((REQUESTS, "granted", "total"),),
        "申请",
    ),
    Phrase(
        "narrative.requests_partially_granted",
        re.compile(rf"部分(?:予以)?公开{_COUNT}件"),
        "partially_granted",
        ((REQUESTS, "partially_granted", "total"),),
        "申请",
    ),
    Phrase("narrative.requests_denied", re.compile(rf"不予以?公开{_COUNT}件"), "denied", "denied.", "申请"),
    Phrase("narrative.requests_unable", re.compile(rf"无法提供{_COUNT}件"), "unable", "unable.", "申请"),
    Phrase(
        "narrative.requests_not_processed",
        re.compile(rf"不予处理{_COUNT}件"),
        "not_processed",
        "not_processed.",
        "申请",
    ),
    Phrase(
        "narrative.review",
        re.compile(rf"行政复议(?:案件|申请)?{_COUNT}(?:件|起|宗)"),
        "review",
        ((REVIEW, "review", "total"),),
        "信息公开",
    ),
    Phrase(
        "narrative.litigation",
        re.compile(rf"行政诉讼(?:案件)?{_COUNT}(?:件|起|宗)"),
        "litigation",
        ((REVIEW, "litigation_direct", "total"), (REVIEW, "litigation_after_review", "total")),
        "信息公开",
        re.compile(r"复议后|直接|未经复议"),  # names one of the two litigation rows
    ),
)
# a sentence about more than this organ's own year: a region, a system, an earlier year
_OTHER_SCOPE = re.compile(
    r"全市|全县|全区|全省|全州|全旗|全乡|全镇|各级|各地|各部门|各单位|各乡|各镇|所属|下属|全系统|系统内"
    r"|累计|上一?年(?!度?结转)|去年|同比|同期|较20|以来"
)
_CLAUSE_END = re.compile(r"[，,、]")
_SENTENCE_END = re.compile(r"[。；;！？!?\n]")
_SPACE = re.compile(r"\s+")
MIN_TABLE_NUMBERS = 3  # a line with this many separate numbers is a table row, not prose
MIN_WRAPPED = 20  # characters: a line of a wrapped sentence without punctuation of its own
MAX_SENTENCE = 300  # characters read around a figure for its sentence
MAX_PER_RULE = 10  # figures checked per rule: a report states each once or twice
MAX_CANDIDATES = 100  # phrases read per rule, those of other scopes included
_PUNCTUATION = re.compile(r"[，。；]")


@dataclass
class _Prose:
    """Prose lines as one text without white space; a line that is not prose ends a sentence."""

    text: str
    starts: list[int]  # where each line's text begins in `text`
    lines: list[Line | None]  # None: a break between runs of prose
    offsets: dict[int, list[int]] = field(default_factory=dict)  # per line: where its non-spaces are

    def locate(self, position: int) -> tuple[Line, int]:
        """The line a position of `text` falls in and the character offset in that line's text."""
        index = bisect_right(self.starts, position) - 1
        line = self.lines[index]
        assert line is not None
        if index not in self.offsets:
            self.offsets[index] = [i for i, char in enumerate(line.text) if not char.isspace()]
        return line, self.offsets[index][position - self.starts[index]]


def _prose_text(line: Line) -> str | None:
    """The text of a line of prose: a sentence (with its punctuation) or a long line of one that
    wraps, not a table row (three numbers or more), a label or a heading; None for the others."""
    if line.grid:
        return None
    cells = line.cells
    if len(cells) >= MIN_TABLE_NUMBERS:  # a table row unless its labels are punctuated prose
        labels = [c.text for c in cells if not c.text[:1].isdigit()]
        if len(cells) - len(labels) >= MIN_TABLE_NUMBERS and not any(_PUNCTUATION.search(t) for t in labels):
            return None
    text = cells[0].text if len(cells) == 1 else line.text
    return text if len(text) >= MIN_WRAPPED or _PUNCTUATION.search(text) else None


def _prose(lines: list[Line]) -> _Prose:
    parts: list[str] = []
    starts: list[int] = []
    kept: list[Line | None] = []
    size = 0
    for line in lines:
        text = _prose_text(line)
        if text is None and kept and kept[-1] is None:
            continue
        piece = "\n" if text is None else _SPACE.sub("", text)
        starts.append(size)
        kept.append(None if text is None else line)
        parts.append(piece)
        size += len(piece)
    return _Prose("".join(parts), starts, kept)


def _sentence(text: str, start: int, end: int) -> tuple[str, str]:
    """The text of the sentence before position `start` and after `end` (at most MAX_SENTENCE
    characters each way: the time per figure is bounded, whatever the input)."""
    lower = max(0, start - MAX_SENTENCE)
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, lower, start)), default=lower)
    after = _SENTENCE_END.search(text, end, end + MAX_SENTENCE)
    return text[begin:start], text[end : after.start() if after else min(len(text), end + MAX_SENTENCE)]


def _found(prose: _Prose) -> Iterator[tuple[Phrase, re.Match[str], str]]:
    """Every phrase read in the prose, with the rest of its sentence."""
    for phrase in PHRASES:
        found = 0
        for match in itertools.islice(phrase.pattern.finditer(prose.text), MAX_CANDIDATES):
            if found == MAX_PER_RULE:
                break
            before, after = _sentence(prose.text, match.start(), match.end())
            clause = _CLAUSE_END.split(before)[-1]
            if (
                _OTHER_SCOPE.search(before)
                or (phrase.sentence_needs and phrase.sentence_needs not in before + match.group() + after)
                or (phrase.clause_excludes and phrase.clause_excludes.search(clause))
                or before.count("《") > before.count("》")  # inside a quoted title
            ):
                continue
            found += 1
            yield phrase, match, after


def _readings(phrase: Phrase, after: str, by_key: dict[FactKey, Fact]) -> list[tuple[FactKey, ...]]:
    """The cell sets the figure may be the sum of, the usual reading first. 共收到…N件 is the new
    requests, unless the sentence goes on with 其中上年结转M件 / 本年新收 (then new + carried over);
    said with neither, both readings are accepted."""
    if phrase is RECEIVED:
        return [_NEW + _CARRIED] if _INCLUDES_CARRIED.search(after) else [_NEW, _NEW + _CARRIED]
    if isinstance(phrase.cells, str):
        prefix = phrase.cells
        return [tuple(k for k in by_key if k[0] == REQUESTS and k[1].startswith(prefix) and k[2] == "total")]
    return [phrase.cells]


def narrative_checks(lines: list[Line], facts: list[Fact]) -> list[Check]:
    if not facts:
        return []
    by_key = {(f.table, f.row, f.column): f for f in facts}
    prose = _prose(lines)
    checks: list[Check] = []
    count: dict[str, int] = {}
    for phrase, match, after in _found(prose):
        readings = [[by_key.get(k) for k in keys] for keys in _readings(phrase, after, by_key)]
        if not all(
            cells and all(f is not None and f.state != "undecided" for f in cells) for cells in readings
        ):
            continue  # a cell the table lacks or could not decide: nothing to compare
        options = [[f for f in cells if f is not None] for cells in readings]
        stated = int(match["n"].replace(",", ""))
        agreeing = [cells for cells in options if abs(sum(_used(f) for f in cells) - stated) < TOLERANCE]
        chosen = (agreeing or options)[0]
        count[phrase.rule] = count.get(phrase.rule, 0) + 1
        line, offset = prose.locate(match.start())
        quote = Quote(match.group(), stated, cell_ref(line.origin), offset)
        cells = [CheckCell(f.table, f.row, f.column, _used(f), f.state) for f in chosen]
        check_id = f"{phrase.rule}[{count[phrase.rule]}]"
        ok = bool(agreeing)
        checks.append(Check(check_id, phrase.rule, chosen[0].table, phrase.subject, ok, [], cells, quote))
    return checks


def _used(fact: Fact) -> float | int:
    """The value a check uses: a printed blank counts as 0."""
    return 0 if fact.value is None else fact.value
