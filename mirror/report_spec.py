"""One annual report as the mirror renders it: metadata, body text and the facts of its tables.

`facts` has the shape of the hand-checked truth files: {table: {"row.col": number | None}};
rows may contain dots, the column is the part after the last dot. None means a blank cell.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pipelines.schema import (
    APPLICANT_COLUMNS,
    DISCLOSURE,
    FORMAT_2019,
    REQUESTS,
    REVIEW,
    REVIEW_ROWS,
    Row,
    disclosure_rows,
    is_result_row,
    requests_rows,
)

Number = int | float
Facts = dict[str, dict[str, Number | None]]
FactKey = tuple[str, str, str]  # (table, row, column)

DEFAULT_OVERVIEW = (
    "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
    "持续推进决策、执行、管理、服务、结果公开，不断提升政务公开质量。",
)
DEFAULT_PROBLEMS = (
    "政府信息公开工作仍存在公开内容不够全面、更新不够及时等问题。下一步将加强业务培训，"
    "健全工作机制，进一步提升政府信息公开工作水平。",
)
DEFAULT_OTHER_MATTERS = ("依据《政府信息公开信息处理费管理办法》规定，本年度未收取信息处理费。",)


@dataclass
class ReportSpec:
    agency: str
    year: int
    format: str  # "2019" | "2021" (pipelines.schema.FORMATS)
    facts: Facts
    title: str = ""  # default: {agency}{year}年政府信息公开工作年度报告
    published: str = ""  # ISO date; default: 20 January of the following year
    overview: tuple[str, ...] = DEFAULT_OVERVIEW  # section 一
    problems: tuple[str, ...] = DEFAULT_PROBLEMS  # section 五
    other_matters: tuple[str, ...] = DEFAULT_OTHER_MATTERS  # section 六
    one_other_row: bool = False  # a 2021 report that prints （六）其他处理 as one row
    procurement_unit: str | None = None  # 2019 采购总金额 as printed: "元" or "万元"
    source: str = ""  # the truth file's source document, when loaded from one

    def __post_init__(self) -> None:
        if not self.title:
            self.title = f"{self.agency}{self.year}年政府信息公开工作年度报告"
        if not self.published:
            self.published = f"{self.year + 1}-01-20"

    def rows(self, table: str) -> tuple[Row, ...]:
        """The schema rows this report prints for `table`."""
        if table == DISCLOSURE:
            return disclosure_rows(self.format)
        if table == REQUESTS:
            return requests_rows(self.format, one_other_row=self.one_other_row)
        return REVIEW_ROWS

    def value(self, table: str, row: str, column: str) -> Number | None:
        return self.facts.get(table, {}).get(f"{row}.{column}")

    def printed_keys(self) -> Iterator[FactKey]:
        """Every fact key the report prints, in printed order."""
        for table in (DISCLOSURE, REQUESTS, REVIEW):
            for row in self.rows(table):
                for column in row.columns:
                    yield table, row.key, column.key

    def with_blanks(self, keys: Iterable[FactKey]) -> ReportSpec:
        """A copy whose `keys` are blank cells (None), as a report that left them unfilled."""
        facts = {table: dict(cells) for table, cells in self.facts.items()}
        for table, row, column in keys:
            facts.setdefault(table, {})[f"{row}.{column}"] = None
        return replace(self, facts=facts)

    def expected(self) -> dict[FactKey, Number | None]:
        return {key: self.value(*key) for key in self.printed_keys()}


def split_key(cell: str) -> tuple[str, str]:
    """'denied.state_secret.total' -> ('denied.state_secret', 'total')."""
    row, _, column = cell.rpartition(".")
    return row, column


def facts_from_keys(values: dict[FactKey, Number | None]) -> Facts:
    facts: Facts = {}
    for (table, row, column), value in values.items():
        facts.setdefault(table, {})[f"{row}.{column}"] = value
    return facts


def load_truth(path: str | Path) -> ReportSpec:
    """A ReportSpec from a truth file ({"source","agency","year","format","facts"})."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    facts: Facts = data["facts"]
    requests = facts.get(REQUESTS, {})
    one_other_row = data["format"] != FORMAT_2019 and any(split_key(cell)[0] == "other" for cell in requests)
    return ReportSpec(
        agency=data["agency"],
        year=int(data["year"]),
        format=str(data["format"]),
        facts=facts,
        one_other_row=one_other_row,
        procurement_unit=data.get("procurement_unit"),
        source=data.get("source", ""),
    )


def identity_errors(spec: ReportSpec) -> list[str]:
    """Every identity (勾稽关系) of the spec's tables that its facts break; blanks count as 0."""

    def v(table: str, row: str, column: str) -> Number:
        return spec.value(table, row, column) or 0

    errors: list[str] = []
    request_rows = spec.rows(REQUESTS)
    for row in request_rows:
        parts = sum(v(REQUESTS, row.key, c.key) for c in APPLICANT_COLUMNS)
        if parts != v(REQUESTS, row.key, "total"):
            errors.append(f"requests row {row.key}: applicants sum {parts} != total")
    for col in [c.key for c in APPLICANT_COLUMNS] + ["total"]:
        left = v(REQUESTS, "new_received", col) + v(REQUESTS, "carried_over", col)
        right = v(REQUESTS, "total", col) + v(REQUESTS, "carried_forward", col)
        if left != right:
            errors.append(f"requests column {col}: received {left} != handled + forward {right}")
        results = sum(v(REQUESTS, r.key, col) for r in request_rows if is_result_row(r.key))
        if results != v(REQUESTS, "total", col):
            errors.append(f"requests column {col}: results sum {results} != total")
    for row in REVIEW_ROWS:
        parts = sum(v(REVIEW, row.key, c) for c in ("upheld", "corrected", "other", "pending"))
        if parts != v(REVIEW, row.key, "total"):
            errors.append(f"review row {row.key}: parts {parts} != total")
    return errors
