"""The canonical fact keys of the annual-report templates (../shared/spec/report-format.md).

Keys are the project's contract with its users: (table, row, column). Each row and column also
carries the label the template prints, which the parser matches against what a report prints.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT_2019 = "2019"
FORMAT_2021 = "2021"
FORMATS = (FORMAT_2019, FORMAT_2021)

DISCLOSURE = "disclosure"
REQUESTS = "requests"
REVIEW = "review_litigation"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str | None = None  # a unit fixed by the template (万元); None when printed per report


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    columns: tuple[Column, ...]
    group: str = ""  # the printed group label (第二十条第（一）项, （三）不予公开 ...)


# --- table 二 (disclosure) -------------------------------------------------------------------

_ISSUED = (
    Column("issued", "本年制发件数"),
    Column("repealed", "本年废止件数"),
    Column("in_force", "现行有效件数"),
)
_DECISIONS = (Column("decisions", "本年处理决定数量"),)

DISCLOSURE_2021 = (
    Row("regulations", "规章", _ISSUED, "第二十条第（一）项"),
    Row("normative_documents", "行政规范性文件", _ISSUED, "第二十条第（一）项"),
    Row("licensing", "行政许可", _DECISIONS, "第二十条第（五）项"),
    Row("penalty", "行政处罚", _DECISIONS, "第二十条第（六）项"),
    Row("enforcement", "行政强制", _DECISIONS, "第二十条第（六）项"),
    Row("fees", "行政事业性收费", (Column("amount", "本年收费金额", "万元"),), "第二十条第（八）项"),
)

_MADE = (
    Column("made", "本年新制作数量"),
    Column("published", "本年新公开数量"),
    Column("total_published", "对外公开总数量"),
)
_ITEMS = (
    Column("prev_items", "上一年项目数量"),
    Column("change", "本年增/减"),
    Column("decisions", "处理决定数量"),
)

DISCLOSURE_2019 = (
    Row("regulations", "规章", _MADE, "第二十条第（一）项"),
    Row("normative_documents", "规范性文件", _MADE, "第二十条第（一）项"),
    Row("licensing", "行政许可", _ITEMS, "第二十条第（五）项"),
    Row("other_services", "其他对外管理服务事项", _ITEMS, "第二十条第（五）项"),
    Row("penalty", "行政处罚", _ITEMS, "第二十条第（六）项"),
    Row("enforcement", "行政强制", _ITEMS, "第二十条第（六）项"),
    Row("fees", "行政事业性收费", _ITEMS[:2], "第二十条第（八）项"),
    Row(
        "procurement",
        "政府集中采购",
        (Column("items", "采购项目数量"), Column("amount", "采购总金额")),
        "第二十条第（九）项",
    ),
)

# --- table 三 (requests) ---------------------------------------------------------------------

APPLICANT_COLUMNS = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业"),
    Column("research", "科研机构"),
    Column("social_welfare", "社会公益组织"),
    Column("legal_service", "法律服务机构"),
    Column("other_org", "其他"),
)
REQUEST_COLUMNS = (*APPLICANT_COLUMNS, Column("total", "总计"))


def _requests_rows(other_rows: tuple[tuple[str, str], ...]) -> tuple[Row, ...]:
    results = "三、本年度办理结果"
    spec = (
        ("new_received", "本年新收政府信息公开申请数量", ""),
        ("carried_over", "上年结转政府信息公开申请数量", ""),
        ("granted", "予以公开", results),
        ("partially_granted", "部分公开（区分处理的，只计这一情形，不计其他情形）", results),
        ("denied.state_secret", "属于国家秘密", "（三）不予公开"),
        ("denied.prohibited_by_law", "其他法律行政法规禁止公开", "（三）不予公开"),
        ("denied.three_safeties_one_stability", "危及“三安全一稳定”", "（三）不予公开"),
        ("denied.third_party_rights", "保护第三方合法权益", "（三）不予公开"),
        ("denied.internal_affairs", "属于三类内部事务信息", "（三）不予公开"),
        ("denied.process_info", "属于四类过程性信息", "（三）不予公开"),
        ("denied.law_enforcement_case", "属于行政执法案卷", "（三）不予公开"),
        ("denied.administrative_query", "属于行政查询事项", "（三）不予公开"),
        ("unable.not_held", "本机关不掌握相关政府信息", "（四）无法提供"),
        ("unable.needs_creation", "没有现成信息需要另行制作", "（四）无法提供"),
        ("unable.unclear_after_correction", "补正后申请内容仍不明确", "（四）无法提供"),
        ("not_processed.petition_complaint", "信访举报投诉类申请", "（五）不予处理"),
        ("not_processed.duplicate", "重复申请", "（五）不予处理"),
        ("not_processed.publication", "要求提供公开出版物", "（五）不予处理"),
        ("not_processed.massive_repeated", "无正当理由大量反复申请", "（五）不予处理"),
        ("not_processed.confirm_or_reissue", "要求行政机关确认或重新出具已获取信息", "（五）不予处理"),
        *((key, label, "（六）其他处理") for key, label in other_rows),
        ("total", "总计", "（七）"),
        ("carried_forward", "结转下年度继续办理", ""),
    )
    return tuple(Row(key, label, REQUEST_COLUMNS, group) for key, label, group in spec)


OTHER_ONE_ROW = (("other", "其他处理"),)
OTHER_THREE_ROWS = (
    ("other.overdue_correction", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other.overdue_fee", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other.other", "其他"),
)
REQUESTS_2019 = _requests_rows(OTHER_ONE_ROW)
REQUESTS_2021 = _requests_rows(OTHER_THREE_ROWS)

RESULT_ROW_PREFIXES = ("granted", "partially_granted", "denied.", "unable.", "not_processed.", "other")

# --- table 四 (review_litigation) ------------------------------------------------------------

REVIEW_COLUMNS = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
REVIEW_ROWS = (
    Row("review", "行政复议", REVIEW_COLUMNS),
    Row("litigation_direct", "未经复议直接起诉", REVIEW_COLUMNS, "行政诉讼"),
    Row("litigation_after_review", "复议后起诉", REVIEW_COLUMNS, "行政诉讼"),
)


def disclosure_rows(fmt: str) -> tuple[Row, ...]:
    return DISCLOSURE_2019 if fmt == FORMAT_2019 else DISCLOSURE_2021


def requests_rows(fmt: str, *, one_other_row: bool = False) -> tuple[Row, ...]:
    if fmt == FORMAT_2019 or one_other_row:
        return REQUESTS_2019
    return REQUESTS_2021


def is_result_row(row_key: str) -> bool:
    return row_key.startswith(RESULT_ROW_PREFIXES)


def fact_keys(fmt: str, *, one_other_row: bool = False) -> list[tuple[str, str, str]]:
    """Every (table, row, column) a complete report of this format carries, in printed order."""
    keys: list[tuple[str, str, str]] = []
    for table, rows in (
        (DISCLOSURE, disclosure_rows(fmt)),
        (REQUESTS, requests_rows(fmt, one_other_row=one_other_row)),
        (REVIEW, REVIEW_ROWS),
    ):
        keys.extend((table, row.key, col.key) for row in rows for col in row.columns)
    return keys
