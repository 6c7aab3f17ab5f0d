"""The report's plots, year by year over every report's current version: requests by outcome,
the share granted, review and litigation. Drawn with matplotlib as SVG, text as paths (the
files need no font to be viewed).

A report counts in a year's bar only when every cell the bar adds up is decided (printed, a
printed blank, which adds nothing, or inferred by the identities); a report with an undecided
cell among them is left out and counted as such, never read as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.model import Fact
from report.fonts import cjk_font
from report.queries import YearFact

# (key, label, row keys or prefixes): the outcome groups of table 三, as the template groups them
OUTCOMES = (
    ("granted", "予以公开", ("granted",)),
    ("partially_granted", "部分公开", ("partially_granted",)),
    ("denied", "不予公开", ("denied.",)),
    ("unable", "无法提供", ("unable.",)),
    ("not_processed", "不予处理", ("not_processed.",)),
    ("other", "其他处理", ("other", "other.")),
)
REVIEW_SERIES = (
    ("review", "行政复议"),
    ("litigation_direct", "未经复议直接起诉"),
    ("litigation_after_review", "复议后起诉"),
)
COLOURS = ("#009E73", "#56B4E9", "#D55E00", "#E69F00", "#CC79A7", "#999999")  # Okabe-Ito
HATCHES = ("", "//", "xx", "..", "\\\\", "--")  # the bars read in grey too


@dataclass
class YearSeries:
    """Per year: the sum of each series over the reports counted, and who was left out."""

    series: dict[str, dict[int, float]] = field(default_factory=dict)
    counted: dict[int, int] = field(default_factory=dict)
    left_out: dict[int, list[int]] = field(default_factory=dict)  # report ids with an undecided cell

    @property
    def years(self) -> list[int]:
        return sorted(self.counted)


@dataclass(frozen=True)
class Plot:
    file: str
    title: str
    data: YearSeries


def _number(fact: Fact) -> float:
    return 0.0 if fact.value is None else float(fact.value)  # a printed blank adds nothing


def _by_report(year_facts: Sequence[YearFact]) -> dict[tuple[int, int], dict[str, Fact]]:
    out: dict[tuple[int, int], dict[str, Fact]] = {}
    for item in year_facts:
        out.setdefault((item.report_id, item.year), {})[item.fact.row] = item.fact
    return out


def _matches(row: str, patterns: tuple[str, ...]) -> bool:
    return any(row == p or (p.endswith(".") and row.startswith(p)) for p in patterns)


def sum_by_year(
    year_facts: Sequence[YearFact], series: Sequence[tuple[str, tuple[str, ...]]], *, first_year: int = 2019
) -> YearSeries:
    """Add up, per year, the rows of each series (row keys, or prefixes ending in '.') of the
    reports that carry every row a series names decided."""
    out = YearSeries({key: {} for key, _ in series})
    for (report_id, year), rows in sorted(_by_report(year_facts).items()):
        if year < first_year:
            continue
        members = {key: [f for row, f in rows.items() if _matches(row, patterns)] for key, patterns in series}
        if not all(members.values()):
            continue  # the report does not carry this table's rows
        if any(f.state == "undecided" for facts in members.values() for f in facts):
            out.left_out.setdefault(year, []).append(report_id)
            continue
        out.counted[year] = out.counted.get(year, 0) + 1
        for key, facts in members.items():
            out.series[key][year] = out.series[key].get(year, 0.0) + sum(map(_number, facts))
    return out


def requests_by_outcome(year_facts: Sequence[YearFact]) -> YearSeries:
    """Table 三's results (column 总计) by outcome group; year_facts: requests, column total."""
    return sum_by_year(year_facts, [(key, rows) for key, _, rows in OUTCOMES])


def share_granted(year_facts: Sequence[YearFact]) -> YearSeries:
    """granted, partially granted and all results (row 总计) per year, the shares' parts."""
    return sum_by_year(
        year_facts,
        [("granted", ("granted",)), ("partially_granted", ("partially_granted",)), ("total", ("total",))],
    )


def review_litigation(year_facts: Sequence[YearFact]) -> YearSeries:
    """Table 四's totals per year; year_facts: review_litigation, column total."""
    return sum_by_year(year_facts, [(key, (key,)) for key, _ in REVIEW_SERIES])


def _ticks(data: YearSeries) -> list[str]:
    return [f"{year}\nn={data.counted[year]}" for year in data.years]


def _figure():  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 3.6), layout="constrained")
    return figure, figure.add_subplot()


def _stacked(axes, data: YearSeries, series: Sequence[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    years = data.years
    base = [0.0] * len(years)
    for (key, label), colour, hatch in zip(series, COLOURS, HATCHES, strict=False):
        heights = [data.series[key].get(year, 0.0) for year in years]
        axes.bar(
            range(len(years)), heights, bottom=base, label=label, color=colour, hatch=hatch, edgecolor="white"
        )
        base = [b + h for b, h in zip(base, heights, strict=True)]
    axes.set_xticks(range(len(years)), _ticks(data))
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


def _draw_outcomes(data: YearSeries, path: Path) -> None:
    figure, axes = _figure()
    _stacked(axes, data, [(key, label) for key, label, _ in OUTCOMES])
    axes.set_ylabel("件")
    axes.set_title("依申请公开：本年度办理结果（总计列）", loc="left")
    figure.savefig(path, format="svg", metadata={"Date": None})


def _draw_share(data: YearSeries, path: Path) -> None:
    figure, axes = _figure()
    years = [y for y in data.years if data.series["total"].get(y)]
    total = [data.series["total"][y] for y in years]
    granted = [data.series["granted"].get(y, 0.0) / t for y, t in zip(years, total, strict=True)]
    either = [
        (data.series["granted"].get(y, 0.0) + data.series["partially_granted"].get(y, 0.0)) / t
        for y, t in zip(years, total, strict=True)
    ]
    positions = [data.years.index(y) for y in years]
    axes.plot(positions, either, marker="s", color=COLOURS[1], label="予以公开＋部分公开")
    axes.plot(positions, granted, marker="o", color=COLOURS[0], label="予以公开")
    axes.set_xticks(range(len(data.years)), _ticks(data))
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter("{x:.0%}")
    axes.set_ylabel("占办理总数")
    axes.set_title("依申请公开：予以公开的比例", loc="left")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    figure.savefig(path, format="svg", metadata={"Date": None})


def _draw_review(data: YearSeries, path: Path) -> None:
    figure, axes = _figure()
    years = data.years
    width = 0.8 / len(REVIEW_SERIES)
    for index, ((key, label), colour, hatch) in enumerate(zip(REVIEW_SERIES, COLOURS, HATCHES, strict=False)):
        offsets = [i + (index - 1) * width for i in range(len(years))]
        heights = [data.series[key].get(year, 0.0) for year in years]
        axes.bar(offsets, heights, width, label=label, color=colour, hatch=hatch, edgecolor="white")
    axes.set_xticks(range(len(years)), _ticks(data))
    axes.set_ylabel("件")
    axes.set_title("行政复议、行政诉讼（总计列）", loc="left")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    figure.savefig(path, format="svg", metadata={"Date": None})


def draw_plots(requests: Sequence[YearFact], review: Sequence[YearFact], directory: Path) -> list[Plot]:
    """Draw the three plots into `directory`; a plot without any report counted is not drawn."""
    from matplotlib import rc_context

    style = {
        "font.family": [cjk_font()],
        "svg.hashsalt": "nianbao",  # the same data draws the same file
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    directory.mkdir(parents=True, exist_ok=True)
    plots = [
        (
            "requests-by-outcome.svg",
            "Requests by year and outcome",
            requests_by_outcome(requests),
            _draw_outcomes,
        ),
        ("share-granted.svg", "Share of requests granted", share_granted(requests), _draw_share),
        (
            "review-litigation.svg",
            "Administrative review and litigation",
            review_litigation(review),
            _draw_review,
        ),
    ]
    out = []
    with rc_context(style):
        for name, title, data, draw in plots:
            if data.counted:
                draw(data, directory / name)
            out.append(Plot(name, title, data))
    return out
