"""Consistent synthetic reports: facts that satisfy every identity, body text, Henan-style agencies.

Everything is a function of the Random passed in, so a seed names a report. Counts look like
county reports: mostly zeros and single digits, now and then hundreds or thousands.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from mirror.report_spec import FactKey, Number, ReportSpec, facts_from_keys
from pipelines.schema import (
    APPLICANT_COLUMNS,
    DISCLOSURE,
    FORMAT_2019,
    REQUESTS,
    REVIEW,
    REVIEW_ROWS,
    disclosure_rows,
    is_result_row,
    requests_rows,
)

# --- agencies ----------------------------------------------------------------------------------

_COUNTIES = {
    "郑州市": ("新郑市", "中牟县", "巩义市", "荥阳市", "新密市", "登封市"),
    "开封市": ("兰考县", "杞县", "通许县", "尉氏县"),
    "洛阳市": ("新安县", "栾川县", "嵩县", "汝阳县", "宜阳县", "洛宁县", "伊川县"),
    "平顶山市": ("郏县", "宝丰县", "叶县", "鲁山县", "舞钢市", "汝州市"),
    "新乡市": ("新乡县", "获嘉县", "原阳县", "延津县", "封丘县", "卫辉市", "辉县市"),
    "周口市": ("扶沟县", "西华县", "商水县", "沈丘县", "郸城县", "太康县", "鹿邑县", "项城市"),
    "南阳市": ("南召县", "方城县", "西峡县", "镇平县", "内乡县", "淅川县", "唐河县", "邓州市"),
    "信阳市": ("罗山县", "光山县", "新县", "商城县", "固始县", "潢川县", "淮滨县", "息县"),
}
_TOWNSHIPS = (
    "城关镇",
    "王集乡",
    "李口镇",
    "黄道镇",
    "安良镇",
    "堂街镇",
    "白庙乡",
    "茨芭镇",
    "薛店镇",
    "冢头镇",
    "渣园乡",
    "姜店乡",
    "广阔天地乡",
    "长桥镇",
    "八里营镇",
    "冯庄乡",
)
_BUREAUS = (
    "教育局",
    "财政局",
    "民政局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "农业农村局",
    "卫生健康委员会",
    "市场监督管理局",
    "人力资源和社会保障局",
    "发展和改革委员会",
    "应急管理局",
    "水利局",
    "审计局",
    "统计局",
)


def _agency(rng: random.Random) -> str:
    city = rng.choice(sorted(_COUNTIES))
    county = rng.choice(_COUNTIES[city])
    form = rng.random()
    if form < 0.15:
        return f"{county}人民政府办公室"
    if form < 0.25:
        return f"{rng.choice((city, county))}人民政府"
    if form < 0.55:
        return f"{county}{rng.choice(_TOWNSHIPS)}人民政府"
    if form < 0.65:
        return f"{city}人民政府办公室"
    return f"{rng.choice((city, county))}{rng.choice(_BUREAUS)}"


def list_agencies(count: int = 100, seed: int = 0) -> list[str]:
    """`count` distinct agency names ("新郑市人民政府办公室", "郏县王集乡人民政府", "周口市财政局"...)."""
    rng = random.Random(seed)
    names: dict[str, None] = {}
    for _ in range(count * 50):
        if len(names) == count:
            break
        names.setdefault(_agency(rng))
    return list(names)


# --- numbers ---------------------------------------------------------------------------------


def _count(
    rng: random.Random, p_zero: float, small: int = 9, p_large: float = 0.04, large: int = 3000
) -> int:
    """0 with probability p_zero, else mostly small, rarely large."""
    if rng.random() < p_zero:
        return 0
    if rng.random() < p_large:
        return rng.randint(small + 1, large)
    return rng.randint(1, small)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` cut into `parts` non-negative integers at random points."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    edges = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(edges)]


# How often a column has applicants at all, and how results are spread over the rows.
_COLUMN_ACTIVE = {
    "natural_person": 0.8,
    "commercial": 0.25,
    "research": 0.03,
    "social_welfare": 0.03,
    "legal_service": 0.12,
    "other_org": 0.08,
}
_RESULT_WEIGHT = {"granted": 6.0, "partially_granted": 2.0, "unable.not_held": 4.0, "other.other": 1.5}
_RESULT_DEFAULT_WEIGHT = 0.4


def _pick(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """k distinct keys drawn by weight."""
    pool = dict(weights)
    picked: list[str] = []
    while pool and len(picked) < k:
        key = rng.choices(list(pool), weights=list(pool.values()))[0]
        picked.append(key)
        del pool[key]
    return picked


def _requests(rng: random.Random, fmt: str, one_other_row: bool) -> dict[FactKey, Number]:
    rows = requests_rows(fmt, one_other_row=one_other_row)
    results = [r.key for r in rows if is_result_row(r.key)]
    weights = {key: _RESULT_WEIGHT.get(key, _RESULT_DEFAULT_WEIGHT) for key in results}
    values: dict[FactKey, Number] = {}
    for column in APPLICANT_COLUMNS:
        cells = dict.fromkeys((r.key for r in rows), 0)
        if rng.random() < _COLUMN_ACTIVE[column.key]:
            new = _count(rng, 0.0, small=12, p_large=0.05)
            carried_over = 0 if rng.random() < 0.7 else rng.randint(0, max(1, new // 4))
            pool = new + carried_over
            forward = 0 if rng.random() < 0.7 else rng.randint(0, pool // 3)
            handled = pool - forward
            active = _pick(rng, weights, rng.randint(1, 4))
            cells.update(zip(active, _split(rng, handled, len(active)), strict=True))
            cells.update(new_received=new, carried_over=carried_over, total=handled, carried_forward=forward)
        values.update({(REQUESTS, row, column.key): value for row, value in cells.items()})
    for row in rows:
        values[REQUESTS, row.key, "total"] = sum(values[REQUESTS, row.key, c.key] for c in APPLICANT_COLUMNS)
    return values


def _review(rng: random.Random) -> dict[FactKey, Number]:
    values: dict[FactKey, Number] = {}
    for row in REVIEW_ROWS:
        active = rng.random() < 0.2
        parts = {
            c: _count(rng, 0.6, small=4, p_large=0.0) if active else 0
            for c in ("upheld", "corrected", "other", "pending")
        }
        values.update({(REVIEW, row.key, c): v for c, v in parts.items()})
        values[REVIEW, row.key, "total"] = sum(parts.values())
    return values


def _amount(rng: random.Random, unit: str) -> Number:
    if unit == "元":
        return rng.choice((rng.randint(1, 999) * 1000, rng.randint(1000, 5_000_000)))
    return round(rng.uniform(0.5, 3000), rng.choice((0, 1, 2)))


def _disclosure_2021(rng: random.Random) -> dict[str, Number]:
    regulations_issued = _count(rng, 0.92, small=3, p_large=0.0)
    issued = _count(rng, 0.4, small=12, p_large=0.02, large=60)
    fees = 0 if rng.random() < 0.7 else round(rng.uniform(0.01, 900), rng.choice((0, 1, 2, 4)))
    return {
        "regulations.issued": regulations_issued,
        "regulations.repealed": _count(rng, 0.95, small=2, p_large=0.0),
        "regulations.in_force": regulations_issued + (rng.randint(0, 40) if regulations_issued else 0),
        "normative_documents.issued": issued,
        "normative_documents.repealed": _count(rng, 0.7, small=10, p_large=0.03, large=150),
        "normative_documents.in_force": issued + _count(rng, 0.3, small=60, p_large=0.05, large=400),
        "licensing.decisions": _count(rng, 0.45, small=200, p_large=0.1, large=20000),
        "penalty.decisions": _count(rng, 0.5, small=80, p_large=0.1, large=5000),
        "enforcement.decisions": _count(rng, 0.8, small=20, p_large=0.05, large=500),
        "fees.amount": int(fees) if fees == int(fees) else fees,
    }


def _disclosure_2019(rng: random.Random, unit: str) -> dict[str, Number]:
    values: dict[str, Number] = {}
    for row in ("regulations", "normative_documents"):
        made = _count(rng, 0.5 if row == "normative_documents" else 0.9, small=10, p_large=0.02, large=50)
        published = made - (rng.randint(0, made) if made and rng.random() < 0.2 else 0)
        total = published + _count(rng, 0.3, small=80, p_large=0.05, large=500)
        values.update({f"{row}.made": made, f"{row}.published": published, f"{row}.total_published": total})
    for row in ("licensing", "other_services", "penalty", "enforcement", "fees"):
        prev = _count(rng, 0.4, small=60, p_large=0.05, large=800)
        change = 0 if rng.random() < 0.6 else rng.randint(-min(prev, 10), 10)
        values.update({f"{row}.prev_items": prev, f"{row}.change": change})
        if row != "fees":
            values[f"{row}.decisions"] = _count(rng, 0.5, small=100, p_large=0.1, large=8000)
    items = _count(rng, 0.5, small=20, p_large=0.05, large=300)
    values.update({"procurement.items": items, "procurement.amount": _amount(rng, unit) if items else 0})
    return values


# --- text ------------------------------------------------------------------------------------

_OVERVIEW_PARTS = (
    (
        "主动公开",
        "坚持以公开为常态、不公开为例外，围绕中心工作及时发布权威信息，全年通过政府网站主动公开政府信息{n}条。",
    ),
    (
        "依申请公开",
        "畅通线上、线下申请渠道，规范受理、办理、答复流程，全年共收到政府信息公开申请{r}件，均在法定期限内答复。",
    ),
    ("政府信息管理", "严格落实信息发布审核制度，做好保密审查，定期清理过时信息，确保发布内容准确规范。"),
    ("政府信息公开平台建设", "充分发挥政府网站第一平台作用，加强政务新媒体管理，推进政务公开专区建设。"),
    ("监督保障", "健全政务公开工作机制，将政务公开纳入年度考核，加强业务培训和日常督导。"),
)
_PROBLEMS = (
    "{year}年，{short}政府信息公开工作取得了一定成效，但仍存在公开内容不够全面、信息更新不够及时等问题。",
    "工作人员业务水平有待提高，依申请公开办理的规范化程度还需加强。",
    "下一步，将进一步完善工作机制，加强业务培训，推动政府信息公开工作提质增效。",
)
_OTHER_MATTERS = (
    "依据《政府信息公开信息处理费管理办法》规定，本年度未收取信息处理费。",
    "按照《国务院办公厅关于印发〈政府信息公开信息处理费管理办法〉的通知》（国办函〔2020〕109号）规定，"
    "本年度没有产生信息处理费。",
    "本年度无其他需要报告的事项。",
)


def _short_name(agency: str) -> str:
    """What a report calls its own organ in prose: 王集乡人民政府 -> 我乡, a bureau -> 我局."""
    for suffix, short in (
        ("乡人民政府", "我乡"),
        ("镇人民政府", "我镇"),
        ("办公室", "我办"),
        ("局", "我局"),
        ("委员会", "我委"),
    ):
        if agency.endswith(suffix):
            return short
    return "本机关"


def _body(rng: random.Random, spec: ReportSpec) -> None:
    short = _short_name(spec.agency)
    received = spec.value(REQUESTS, "new_received", "total") or 0
    published = rng.randint(20, 3000)
    overview = [
        f"{spec.year}年，{short}认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政务公开各项工作。"
    ]
    for index, (name, text) in enumerate(_OVERVIEW_PARTS):
        overview.append(f"（{'一二三四五'[index]}）{name}。{text.format(n=published, r=received)}")
    spec.overview = tuple(overview)
    spec.problems = tuple(p.format(year=spec.year, short=short) for p in _PROBLEMS[: rng.randint(1, 3)])
    spec.other_matters = (rng.choice(_OTHER_MATTERS),)


def _published(rng: random.Random, year: int) -> str:
    return (date(year + 1, 1, 8) + timedelta(days=rng.randint(0, 23))).isoformat()


# --- an agency's years, consistent with each other ---------------------------------------------

FIRST_IN_FORCE_YEAR = 2020  # the 2021 template counts documents in force from the 2021 reports on


def _carried_forward(agency: str, year: int) -> dict[str, int]:
    """What `agency`'s report of `year` carries forward per applicant column: drawn from the
    agency and year alone, so that the next year's report can carry it over."""
    rng = random.Random(f"{agency}:{year}:carried_forward")
    return {c.key: 0 if rng.random() < 0.7 else rng.randint(1, 6) for c in APPLICANT_COLUMNS}


def _in_force(agency: str, year: int) -> dict[str, tuple[int, int, int]]:
    """(issued, repealed, in force at the end of the year) of regulations and normative
    documents: in force(Y) = in force(Y-1) + issued(Y) - repealed(Y)."""
    base = random.Random(f"{agency}:in_force")
    state = {"regulations": base.randint(0, 30), "normative_documents": base.randint(5, 200)}
    out = {row: (0, 0, count) for row, count in state.items()}
    for each in range(FIRST_IN_FORCE_YEAR + 1, year + 1):
        rng = random.Random(f"{agency}:{each}:in_force")
        for row, before in state.items():
            issued = _count(rng, 0.4, small=3 if row == "regulations" else 12, p_large=0.0)
            repealed = min(before, _count(rng, 0.7, small=2 if row == "regulations" else 10, p_large=0.0))
            state[row] = before + issued - repealed
            out[row] = (issued, repealed, state[row])
    return out


def _chain(values: dict[FactKey, Number], disclosure: dict[str, Number], agency: str, year: int) -> None:
    """Make the report carry over what the agency's previous report carried forward, and count
    documents in force from the previous year's (the cross-year checks hold), keeping its
    own identities: new_received absorbs the difference, a result row any shortfall."""
    over, forward = _carried_forward(agency, year - 1), _carried_forward(agency, year)
    for column in APPLICANT_COLUMNS:
        key = column.key
        handled = values[REQUESTS, "total", key]
        if (shortfall := over[key] - forward[key] - handled) > 0:  # more carried in than out and done
            values[REQUESTS, "granted", key] += shortfall
            values[REQUESTS, "total", key] += shortfall
        values[REQUESTS, "carried_over", key] = over[key]
        values[REQUESTS, "carried_forward", key] = forward[key]
        values[REQUESTS, "new_received", key] = values[REQUESTS, "total", key] + forward[key] - over[key]
    rows = {key[1] for key in values if key[0] == REQUESTS}
    for row in rows:
        values[REQUESTS, row, "total"] = sum(values[REQUESTS, row, c.key] for c in APPLICANT_COLUMNS)
    if "regulations.in_force" in disclosure:
        for row, (issued, repealed, in_force) in _in_force(agency, year).items():
            disclosure.update(
                {f"{row}.issued": issued, f"{row}.repealed": repealed, f"{row}.in_force": in_force}
            )


def generate_report(
    rng: random.Random,
    *,
    agency: str,
    year: int,
    fmt: str,
    one_other_row: bool = False,
    chained: bool = False,
) -> ReportSpec:
    """A report whose facts satisfy every identity of its template (see ReportSpec.identity_errors).
    `chained`: also consistent with the same agency's reports of the years before and after
    (what the mirror serves: its portals publish series of years)."""
    one_other_row = one_other_row and fmt != FORMAT_2019
    unit = rng.choice(("元", "万元")) if fmt == FORMAT_2019 else None
    disclosure = _disclosure_2019(rng, unit or "元") if fmt == FORMAT_2019 else _disclosure_2021(rng)
    values = _requests(rng, fmt, one_other_row)
    if chained:
        _chain(values, disclosure, agency, year)
    values.update(_review(rng))
    facts = facts_from_keys(values)
    expected = {f"{row.key}.{c.key}" for row in disclosure_rows(fmt) for c in row.columns}
    assert set(disclosure) == expected, "disclosure generator out of step with the schema"
    facts[DISCLOSURE] = disclosure
    spec = ReportSpec(
        agency=agency,
        year=year,
        format=fmt,
        facts=facts,
        published=_published(rng, year),
        one_other_row=one_other_row,
        procurement_unit=unit,
    )
    _body(rng, spec)
    return spec


# --- pre-2019 reports ------------------------------------------------------------------------

_PRE2019_SECTIONS = (
    "一、概述",
    "二、主动公开政府信息情况",
    "三、依申请公开政府信息情况",
    "四、政府信息公开的收费及减免情况",
    "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
    "六、政府信息公开工作存在的主要问题及改进情况",
    "七、其他需要报告的事项",
)


def generate_pre2019(rng: random.Random, agency: str, year: int) -> tuple[str, str]:
    """Title and free-form text of a 2008-2018 report (statistics in prose, no template tables)."""
    title = f"{agency}{year}年政府信息公开工作年度报告"
    short = _short_name(agency)
    published, received = rng.randint(30, 5000), _count(rng, 0.4, small=20)
    granted = rng.randint(0, received)
    paragraphs = [
        f"根据《中华人民共和国政府信息公开条例》要求，特向社会公布{year}年度{agency}政府信息公开工作年度报告。"
        f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
        f"{year}年，{short}主动公开政府信息{published}条，"
        f"其中通过政府网站公开{rng.randint(0, published)}条。",
        f"全年共受理政府信息公开申请{received}件，其中同意公开{granted}件，"
        f"不属于本机关公开范围或信息不存在{received - granted}件。",
        "本年度未收取政府信息公开检索、复制、邮寄等费用。",
        f"本年度发生因政府信息公开申请行政复议{_count(rng, 0.85, small=3)}件，"
        f"提起行政诉讼{_count(rng, 0.9, small=2)}件。",
        "政府信息公开工作仍存在公开内容不够全面、更新不够及时等问题，下一步将进一步加强和改进。",
        "无其他需要报告的事项。",
    ]
    lines: list[str] = []
    for heading, paragraph in zip(_PRE2019_SECTIONS, paragraphs, strict=True):
        lines.extend((heading, paragraph))
    lines.append(agency)
    lines.append(f"{year + 1}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日")
    return title, "\n".join(lines)
