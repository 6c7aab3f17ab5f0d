"""The reports a mirror portal publishes: deterministic metadata and lazily rendered bodies.

Metadata (agency, year, kind, title variant, date, urls) is drawn from a seeded RNG per portal;
bodies are rendered on request by helper modules (mirror.generate / mirror.render) from a
per-report seed, so a 2,000-report mirror costs no memory until a report is fetched.
"""

from __future__ import annotations

import html
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

Kind = Literal["html", "pdf", "docx", "pre2019", "scanned"]
# How an article page links its file: markup, a pdf.js viewer, or bound in script as real pages
# do (ms-attr-href, onclick window.open, a file list in a script array, a viewer's ms-attr-src);
# "unresolvable": a template bound to a list fetched later, so the page itself has no url.
AttachStyle = Literal[
    "link",
    "iframe",
    "embed",
    "object",
    "viewer",
    "avalon",
    "onclick",
    "script",
    "viewer-bound",
    "unresolvable",
]
SCRIPT_BOUND: tuple[AttachStyle, ...] = ("avalon", "onclick", "script", "viewer-bound")

# How portals print the same title (all must be recognised by discovery).
TITLE_VARIANTS = (
    "{agency}{year}年政府信息公开工作年度报告",
    "{agency}{year}年度政府信息公开工作年度报告",
    "{year}年{agency}政府信息公开工作年度报告",
    "{agency}{year}年政务公开工作年度报告",
    "{agency}{year}年政府信息公开年报",
    "{agency}关于{year}年度政府信息公开工作的年度报告",
)
# Lookalikes that list pages print next to reports (must be skipped by discovery).
LOOKALIKES = (
    "关于做好{year}年政府信息公开工作年度报告编制和发布工作的通知",
    "{agency}{year}年部门预决算公开",
    "{year}年{region}政府工作报告",
    "关于报送{year}年度政府信息公开工作年度报告的通知",
    "图解：{agency}{year}年政府信息公开工作年度报告",
)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class MirrorReport:
    portal: str
    index: int
    agency: str
    year: int
    kind: Kind
    title: str
    published: date
    article_path: str
    attachment_path: str | None = None
    attach_style: AttachStyle = "link"
    one_other_row: bool = False

    @property
    def fmt(self) -> str | None:
        if self.year < 2019:
            return None
        return "2019" if self.year < 2021 else "2021"

    @property
    def seed(self) -> str:
        return f"{self.portal}:{self.index}:{self.agency}:{self.year}"


@dataclass(frozen=True)
class Lookalike:
    title: str
    published: date
    article_path: str


Entry = MirrorReport | Lookalike


def pick_kind(rng: random.Random, year: int, kinds: Sequence[Kind]) -> Kind:
    if year < 2019:
        return "pre2019"
    return rng.choice([k for k in kinds if k != "pre2019"])


def publish_date(rng: random.Random, year: int) -> date:
    """Reports come out between mid January and 31 March of the following year."""
    return date(year + 1, 1, 15) + timedelta(days=rng.randrange(0, 75))


def make_reports(
    portal: str,
    *,
    agencies: Sequence[str],
    years: Sequence[int],
    kinds: Sequence[Kind],
    path_for: callable,  # (report index, published, kind) -> (article path, attachment path | None)
    seed: int = 0,
    attach_styles: Sequence[AttachStyle] = ("link",),
    count: int | None = None,
) -> list[MirrorReport]:
    """One report per (agency, year) (or `count` drawn cyclically), newest first."""
    rng = random.Random(f"{portal}:{seed}")
    pairs = [(a, y) for y in years for a in agencies]
    if count is not None:
        pairs = [
            (agencies[i % len(agencies)], years[(i // len(agencies)) % len(years)]) for i in range(count)
        ]
    reports: list[MirrorReport] = []
    for index, (agency, year) in enumerate(pairs):
        kind = pick_kind(rng, year, kinds)
        published = publish_date(rng, year)
        variant = TITLE_VARIANTS[0] if kind == "pre2019" else rng.choice(TITLE_VARIANTS)
        article, attachment = path_for(index, published, kind)
        reports.append(
            MirrorReport(
                portal=portal,
                index=index,
                agency=agency,
                year=year,
                kind=kind,
                title=variant.format(agency=agency, year=year),
                published=published,
                article_path=article,
                attachment_path=attachment,
                attach_style=rng.choice(attach_styles) if attachment else "link",
                one_other_row=kind != "pre2019" and year >= 2021 and rng.random() < 0.2,
            )
        )
    reports.sort(key=lambda r: (r.published, r.index), reverse=True)
    return reports


def make_lookalikes(
    portal: str, *, agency: str, region: str, years: Sequence[int], path_for: callable, count: int = 3
) -> list[Lookalike]:
    rng = random.Random(f"{portal}:lookalikes")
    out = []
    for i in range(count):
        year = rng.choice(list(years))
        title = LOOKALIKES[i % len(LOOKALIKES)].format(agency=agency, year=year, region=region)
        published = publish_date(rng, year)
        out.append(Lookalike(title, published, path_for(10_000 + i, published, "html")[0]))
    return out


def merge(reports: Sequence[MirrorReport], lookalikes: Sequence[Lookalike]) -> list[Entry]:
    entries: list[Entry] = [*reports, *lookalikes]
    entries.sort(key=lambda e: e.published, reverse=True)
    return entries


# --- bodies ----------------------------------------------------------------------------------


def page(title: str, body: str, *, encoding: str = "utf-8", published: date | None = None) -> bytes:
    when = f'<div class="info">发布日期：{published.isoformat()}</div>' if published else ""
    doc = (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>{when}"
        f'<div class="content">{body}</div></body></html>'
    )
    return doc.encode(encoding, errors="xmlcharrefreplace")


def spec_for(report: MirrorReport):  # -> mirror.report_spec.ReportSpec
    from mirror.generate import generate_report

    rng = random.Random(report.seed)
    spec = generate_report(
        rng,
        agency=report.agency,
        year=report.year,
        fmt=report.fmt,
        one_other_row=report.one_other_row,
        chained=True,  # an agency's years agree with each other (the cross-year checks hold)
    )
    spec.title = report.title
    spec.published = report.published.isoformat()
    return spec


@lru_cache(maxsize=64)
def attachment_body(report: MirrorReport) -> tuple[bytes, str]:
    from mirror import render

    if report.kind == "scanned":
        return render.render_scanned_pdf(seed=report.index), CONTENT_TYPES["pdf"]
    spec = spec_for(report)
    if report.kind == "docx":
        return render.render_docx(spec), CONTENT_TYPES["docx"]
    return render.render_pdf(spec), CONTENT_TYPES["pdf"]


def attachment_markup(report: MirrorReport) -> str:
    from urllib.parse import quote

    url = report.attachment_path or ""
    name = html.escape(f"{report.title}.{url.rsplit('.', 1)[-1]}")
    style = report.attach_style
    if style == "iframe":
        return f'<iframe src="{url}" width="100%" height="800"></iframe>'
    if style == "embed":
        return f'<embed src="{url}" type="application/pdf" width="100%" height="800">'
    if style == "object":
        return f'<object data="{url}" type="application/pdf"></object>'
    if style == "viewer":
        return f'<iframe src="/pdfjs/web/viewer.html?file={quote(url, safe="")}"></iframe>'
    if style == "viewer-bound":
        return (
            f'<iframe ms-attr-src="/pdfjs/web/viewer.html?file={quote(url, safe="")}" width="100%"></iframe>'
        )
    if style == "avalon":
        return f'<p>附件：<a href="javascript:void(0)" ms-attr-href="{url}">{name}</a></p>'
    if style == "onclick":
        return f'<p>附件：<a href="javascript:void(0);" onclick="window.open(\'{url}\')">{name}</a></p>'
    if style == "script":
        files = json.dumps([{"fileName": f"{report.title}", "filePath": url}], ensure_ascii=False)
        files = files.replace("/", "\\/").replace("<", "\\u003C")
        return (
            '<div class="fjlist" id="fjlist"></div>'
            f'<script>var fileList = {files}; showFiles("fjlist", fileList);</script>'
        )
    if style == "unresolvable":
        return (
            '<div class="fujian"><span>附件：</span><ul><li ms-for="el in fileList">'
            '<a ms-attr-href="el.url" target="_blank">{{el.name}}</a></li></ul></div>'
            f'<script>$.getJSON("/interface/attachments?docid={report.index}",'
            " function (d) { vm.fileList = d; });</script>"
        )
    return f'<p>附件：<a href="{url}">{name}</a></p>'


def article_content(report: MirrorReport) -> str:
    """The article's own markup, the part a CMS template puts in its content box."""
    if report.kind == "pre2019":
        from mirror.generate import generate_pre2019

        _title, text = generate_pre2019(random.Random(report.seed), report.agency, report.year)
        return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    if report.kind == "html":
        from mirror.render import html_body

        return html_body(spec_for(report))
    return attachment_markup(report)


@lru_cache(maxsize=64)
def article_body(report: MirrorReport, encoding: str = "utf-8") -> bytes:
    """The article page: the report inline (html, pre2019) or a page pointing at its attachment."""
    if report.kind == "html":
        from mirror.render import render_html

        return render_html(spec_for(report), encoding=encoding)
    return page(report.title, article_content(report), encoding=encoding, published=report.published)


def lookalike_text(item: Lookalike) -> str:
    return "请各单位按照要求做好相关工作。" if "通知" in item.title else "详见附件。"


def lookalike_body(item: Lookalike, encoding: str = "utf-8") -> bytes:
    return page(item.title, f"<p>{lookalike_text(item)}</p>", encoding=encoding, published=item.published)
