"""The printed layout of a report: its blocks in order and its three tables as grids of spans.

Every renderer (HTML, PDF, DOCX, text) draws the same outline, so a layout decision is made once
here. Row and column labels come from pipelines.schema; only the text the template prints
around them (section headings, header corner cells) is spelled out below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import groupby

from mirror.report_spec import FactKey, Number, ReportSpec
from pipelines.schema import (
    APPLICANT_COLUMNS,
    DISCLOSURE,
    REQUEST_COLUMNS,
    REQUESTS,
    REVIEW,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
    Column,
    Row,
    is_result_row,
)

SECTION_HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANTS = "申请人情况"
LEGAL_PERSONS = "法人或其他组织"
CONTENT = "信息内容"
NUMERALS = "一二三四五六七八九十"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

DISCLOSURE_COLS = 4  # label + at most three value columns
REQUEST_LABEL_COLS = 3  # 三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密


@dataclass(frozen=True)
class Cell:
    """A printed cell placed at (row, col) of its grid; "\n" in text marks a printed line break."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    key: FactKey | None = None  # the fact a number cell prints

    @property
    def is_number(self) -> bool:
        return self.key is not None


@dataclass(frozen=True)
class Grid:
    table: str
    cells: tuple[Cell, ...]
    n_rows: int
    n_cols: int

    def by_row(self) -> list[list[Cell]]:
        """The cells that start in each row, left to right (what an HTML <tr> holds)."""
        rows: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            rows[cell.row].append(cell)
        return rows

    def dense(self) -> list[list[str]]:
        """Every grid position's text; positions a merged cell covers are empty."""
        out = [[""] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            out[cell.row][cell.col] = cell.text
        return out

    def split(self, at: int) -> tuple[Grid, Grid]:
        """Cut before row `at`, as a page break does: spans that cross it continue as empty cells."""
        top: list[Cell] = []
        bottom: list[Cell] = []
        for cell in self.cells:
            end = cell.row + cell.rowspan
            if cell.row < at:
                top.append(replace(cell, rowspan=min(end, at) - cell.row))
                if end > at:
                    bottom.append(Cell("", 0, cell.col, end - at, cell.colspan))
            else:
                bottom.append(replace(cell, row=cell.row - at))
        return (
            Grid(self.table, tuple(top), at, self.n_cols),
            Grid(self.table, tuple(bottom), self.n_rows - at, self.n_cols),
        )


@dataclass(frozen=True)
class Span:
    """A cell before placement: its column is decided the way HTML lays out a table."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    key: FactKey | None = None


@dataclass
class _GridBuilder:
    table: str
    n_cols: int
    cells: list[Cell] = field(default_factory=list)
    taken: set[tuple[int, int]] = field(default_factory=set)
    n_rows: int = 0

    def add_row(self, spans: Iterable[Span]) -> None:
        row, col = self.n_rows, 0
        for span in spans:
            while (row, col) in self.taken:
                col += 1
            self.cells.append(Cell(span.text, row, col, span.rowspan, span.colspan, span.key))
            for r in range(row, row + span.rowspan):
                for c in range(col, col + span.colspan):
                    self.taken.add((r, c))
            col += span.colspan
        self.n_rows += 1

    def build(self) -> Grid:
        height = max((c.row + c.rowspan for c in self.cells), default=0)
        return Grid(self.table, tuple(self.cells), max(height, self.n_rows), self.n_cols)


# --- numbers ---------------------------------------------------------------------------------


def format_number(value: Number | None, *, fullwidth: bool = False) -> str:
    """A fact as a report prints it: integers without a decimal point, floats shortest form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value) if isinstance(value, int) else repr(value)
    if "e" in text:  # tiny or huge floats: repr uses an exponent, reports never do
        text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text.translate(_FULLWIDTH) if fullwidth else text


@dataclass(frozen=True)
class NumberStyle:
    fullwidth: bool = False  # ０１２ as some portals print them


def _number(spec: ReportSpec, key: FactKey, style: NumberStyle, span: int = 1) -> Span:
    text = format_number(spec.value(*key), fullwidth=style.fullwidth)
    table, row, column = key
    if text and table == DISCLOSURE and row == "procurement" and column == "amount":
        text += spec.procurement_unit or ""
    return Span(text, colspan=span, key=key)


# --- table 二 ----------------------------------------------------------------------------------


def _column_label(column: Column) -> str:
    return f"{column.label}（单位：{column.unit}）" if column.unit else column.label


def _value_spans(count: int) -> list[int]:
    """Colspans of `count` value columns: the last stretches to the table's width."""
    return [1] * (count - 1) + [DISCLOSURE_COLS - count]


def disclosure_grid(spec: ReportSpec, style: NumberStyle) -> Grid:
    """The stacked 第二十条 sub-tables: group row, 信息内容 header, one row per item."""
    builder = _GridBuilder(DISCLOSURE, DISCLOSURE_COLS)
    for group, members in groupby(spec.rows(DISCLOSURE), key=lambda r: r.group):
        rows = list(members)
        columns = rows[0].columns
        spans = list(zip(columns, _value_spans(len(columns)), strict=True))
        builder.add_row([Span(group, colspan=DISCLOSURE_COLS)])
        builder.add_row([Span(CONTENT)] + [Span(_column_label(c), colspan=n) for c, n in spans])
        for row in rows:
            builder.add_row(
                [Span(row.label)] + [_number(spec, (DISCLOSURE, row.key, c.key), style, n) for c, n in spans]
            )
    return builder.build()


# --- table 三 ----------------------------------------------------------------------------------


def _request_label_spans(rows: tuple[Row, ...]) -> list[list[Span]]:
    """The label cells of each requests row, numbered the way the template numbers them."""
    results = [r for r in rows if is_result_row(r.key) or r.key == "total"]
    groups = {g: list(m) for g, m in groupby(results, key=lambda r: r.group)}
    out: list[list[Span]] = []
    top = sub = 0
    for row in rows:
        if row not in results:
            top += 1
            out.append([Span(f"{NUMERALS[top - 1]}、{row.label}", colspan=REQUEST_LABEL_COLS)])
            continue
        spans: list[Span] = []
        if row is results[0]:
            top += 1
            spans.append(Span(row.group, rowspan=len(results)))  # 三、本年度办理结果
        members = groups[row.group]
        if row.group == results[0].group:  # （一）予以公开, （二）部分公开: numbered here
            sub += 1
            spans.append(Span(f"（{NUMERALS[sub - 1]}）{row.label}", colspan=2))
        elif len(members) == 1:  # （六）其他处理 as one row, （七）总计
            sub += 1
            text = row.group if row.group.endswith(row.label) else row.group + row.label
            spans.append(Span(text, colspan=2))
        else:
            index = members.index(row)
            if index == 0:
                sub += 1
                spans.append(Span(row.group, rowspan=len(members)))
            spans.append(Span(f"{index + 1}.{row.label}"))
        out.append(spans)
    return out


def requests_grid(spec: ReportSpec, style: NumberStyle) -> Grid:
    builder = _GridBuilder(REQUESTS, REQUEST_LABEL_COLS + len(REQUEST_COLUMNS))
    total = REQUEST_COLUMNS[-1]
    builder.add_row(
        [Span(CORNER, rowspan=3, colspan=REQUEST_LABEL_COLS), Span(APPLICANTS, colspan=len(REQUEST_COLUMNS))]
    )
    builder.add_row(
        [
            Span(APPLICANT_COLUMNS[0].label, rowspan=2),
            Span(LEGAL_PERSONS, colspan=len(APPLICANT_COLUMNS) - 1),
            Span(total.label, rowspan=2),
        ]
    )
    builder.add_row([Span(c.label) for c in APPLICANT_COLUMNS[1:]])
    rows = spec.rows(REQUESTS)
    for row, labels in zip(rows, _request_label_spans(rows), strict=True):
        builder.add_row(labels + [_number(spec, (REQUESTS, row.key, c.key), style) for c in row.columns])
    return builder.build()


# --- table 四 ----------------------------------------------------------------------------------


def _broken(label: str) -> str:
    """结果维持 -> 结果\n维持: the narrow review columns print their labels on two lines."""
    return f"{label[:2]}\n{label[2:]}" if len(label) == 4 else label


def review_grid(spec: ReportSpec, style: NumberStyle) -> Grid:
    width = len(REVIEW_COLUMNS)
    review, *litigation = REVIEW_ROWS
    builder = _GridBuilder(REVIEW, width * len(REVIEW_ROWS))
    builder.add_row([Span(review.label, colspan=width), Span(litigation[0].group, colspan=width * 2)])
    builder.add_row(
        [Span(_broken(c.label), rowspan=2) for c in review.columns]
        + [Span(r.label, colspan=width) for r in litigation]
    )
    builder.add_row([Span(_broken(c.label)) for r in litigation for c in r.columns])
    builder.add_row([_number(spec, (REVIEW, r.key, c.key), style) for r in REVIEW_ROWS for c in r.columns])
    return builder.build()


def grids(spec: ReportSpec, style: NumberStyle | None = None) -> dict[str, Grid]:
    style = style or NumberStyle()
    return {
        DISCLOSURE: disclosure_grid(spec, style),
        REQUESTS: requests_grid(spec, style),
        REVIEW: review_grid(spec, style),
    }


# --- the whole report --------------------------------------------------------------------------

TITLE, HEADING, PARAGRAPH, TABLE, SIGNATURE = "title", "heading", "paragraph", "table", "signature"


@dataclass(frozen=True)
class Block:
    kind: str  # TITLE, HEADING, PARAGRAPH, TABLE, SIGNATURE
    text: str = ""
    grid: Grid | None = None


def chinese_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def outline(spec: ReportSpec, style: NumberStyle | None = None) -> list[Block]:
    """The report's blocks in printed order: title, six sections, signature and date."""
    tables = grids(spec, style)
    bodies: dict[int, list[Block]] = {
        0: [Block(PARAGRAPH, p) for p in spec.overview],
        1: [Block(TABLE, grid=tables[DISCLOSURE])],
        2: [Block(TABLE, grid=tables[REQUESTS])],
        3: [Block(TABLE, grid=tables[REVIEW])],
        4: [Block(PARAGRAPH, p) for p in spec.problems],
        5: [Block(PARAGRAPH, p) for p in spec.other_matters],
    }
    blocks = [Block(TITLE, spec.title)]
    for index, heading in enumerate(SECTION_HEADINGS):
        blocks.append(Block(HEADING, heading))
        blocks.extend(bodies[index])
    blocks.append(Block(SIGNATURE, spec.agency))
    blocks.append(Block(SIGNATURE, chinese_date(spec.published)))
    return blocks
