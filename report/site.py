"""`nianbao report --out DIR`: the quality report as a static site that needs no network.

    index.html              coverage matrix, legend, plots, portals, documents in no report
    portals/<name>.html     one portal: its state and its agencies' rows of the matrix
    agencies/<id>.html      one agency: its reports year by year
    reports/<id>.html       one report: its three tables as printed, each cell marked, provenance
    originals/<sha256>.<ext>  the archived bytes each report page links (copied from the archive)
    plots/*.svg             drawn by report.plots
    style.css

Pages are Jinja2 templates (report/templates); no script, no web font, nothing fetched.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pipelines.schema import REQUESTS, REVIEW
from report import queries
from report.coverage import NOT_COVERED, STATES, Matrix, build_matrix, report_state
from report.plots import draw_plots
from report.printed_tables import ABSENT, printed_tables
from storage.api import ArchiveError, Store
from storage.db import read_connection, utcnow

SITE_TITLE = "政府信息公开工作年度报告 质量报告"
EXTENSIONS = {"html": "html", "pdf": "pdf", "docx": "docx", "text": "txt", "markdown": "md"}
# (class, mark, label, meaning) of a report page's cells; the marks are `parse --table`'s
CELL_STATES = (
    ("state-printed", "37", "printed", "the number as printed"),
    (
        "state-inferred",
        "~37",
        "inferred",
        "not printed; decided by the identities (the reason is in the title)",
    ),
    ("state-blank", "(blank)", "blank", "printed empty (the identities count it as 0)"),
    ("state-undecided", "?", "undecided", "not printed and not decidable: no value"),
    ("failing", "!37", "failing", "compared by a check that fails"),
    (ABSENT, "", "not stored", "the template has this cell, the parse stored no fact for it"),
)
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}")
MARKER = ".nianbao-report"  # a folder holding it is a site this module wrote
PAGE_FOLDERS = ("reports", "agencies", "portals", "plots")  # rewritten whole; originals/ is reused


@dataclass
class SiteSummary:
    directory: Path
    reports: int = 0
    agencies: int = 0
    portals: int = 0
    originals: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def index(self) -> Path:
        return self.directory / "index.html"

    def line(self) -> str:
        return (
            f"report: {self.index.resolve()} ({self.reports} reports, {self.agencies} agencies, "
            f"{self.portals} portals, {self.originals} originals)"
        )


def page_name(name: str) -> str:
    """A file name for a portal or agency: the name itself when it is a safe one, else a digest
    (stable across runs: links into the site keep working)."""
    if _SAFE_NAME.fullmatch(name):
        return name
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["utc"] = lambda when: when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else ""
    env.globals.update(
        page_name=page_name,
        site_title=SITE_TITLE,
        coverage_states=STATES,
        not_covered=NOT_COVERED,
        cell_states=CELL_STATES,
        report_state=report_state,
    )
    return env


class _Writer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.env = _environment()

    def page(self, path: str, template: str, **context: Any) -> None:
        """Render `template` to `path` (relative to the site); `root` leads back to the top."""
        target = self.directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        root = "../" * path.count("/")
        html = self.env.get_template(template).render(root=root, **context)
        target.write_text(html, encoding="utf-8")


def _copy_original(
    store: Store, detail: queries.ReportDetail, directory: Path
) -> tuple[str | None, str | None]:
    """Copy the archived bytes of the report's current version; (relative path, problem)."""
    source = detail.provenance
    if source is None:
        return None, None
    name = f"originals/{source.sha256}.{EXTENSIONS.get(source.kind or '', 'bin')}"
    target = directory / name
    if target.exists():
        return name, None
    try:
        body = store.read(source.sha256)
    except (ArchiveError, KeyError, OSError) as exc:
        return (
            None,
            f"{detail.entry.agency} {detail.entry.year}: original {source.sha256} not readable: {exc}",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return name, None


def _portal_rows(matrix: Matrix, portal: str | None) -> Matrix:
    return Matrix(matrix.years, [row for row in matrix.rows if row.portal == portal])


def write_site(store: Store, out_dir: str | Path) -> SiteSummary:
    """Write the whole site into `out_dir` (created). A site written there before is replaced,
    but for its originals, which are named by their sha256 and copied again only when absent."""
    directory = Path(out_dir)
    if (directory / MARKER).exists():
        for folder in PAGE_FOLDERS:
            shutil.rmtree(directory / folder, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("written by `nianbao report`\n", encoding="utf-8")
    summary = SiteSummary(directory)
    writer = _Writer(directory)
    generated_at = utcnow()
    originals: set[str] = set()
    with read_connection(store.engine) as conn:
        entries = queries.report_entries(conn)
        portals = queries.portal_entries(conn)
        unassigned = queries.unassigned(conn)
        plots = draw_plots(
            queries.year_facts(conn, REQUESTS, "total"),
            queries.year_facts(conn, REVIEW, "total"),
            directory / "plots",
        )
        matrix = build_matrix(entries)
        for entry in entries:
            detail = queries.report_detail(conn, entry)
            original, problem = _copy_original(store, detail, directory)
            if problem:
                summary.problems.append(problem)
            if original:
                originals.add(original)
            tables, extra = printed_tables(entry.template_version, detail.facts, detail.failing_cells)
            writer.page(
                f"reports/{entry.report_id}.html",
                "report.html.j2",
                detail=detail,
                entry=entry,
                state=report_state(entry),
                tables=tables,
                extra_facts=extra,
                original=original,
                original_problem=problem,
                failing=[c for c in detail.checks if c.ok is False],
            )
    shutil.copyfile(str(files("report").joinpath("templates/style.css")), directory / "style.css")
    by_agency: dict[str, list[queries.ReportEntry]] = {}
    for entry in entries:
        by_agency.setdefault(entry.agency, []).append(entry)
    for row in matrix.rows:
        writer.page(
            f"agencies/{page_name(row.agency)}.html",
            "agency.html.j2",
            row=row,
            matrix=Matrix(matrix.years, [row]),
            reports=sorted(by_agency[row.agency], key=lambda e: e.year, reverse=True),
        )
    listed = [p for p in portals if any(row.portal == p.name for row in matrix.rows)]
    for portal in listed:
        writer.page(
            f"portals/{page_name(portal.name)}.html",
            "portal.html.j2",
            portal=portal,
            matrix=_portal_rows(matrix, portal.name),
        )
    writer.page(
        "index.html",
        "index.html.j2",
        matrix=matrix,
        counts=matrix.counts(),
        entries=entries,
        portals=portals,
        listed_portals={p.name for p in listed},
        plots=plots,
        unassigned=unassigned,
        generated_at=generated_at,
        problems=summary.problems,
    )
    summary.reports = len(entries)
    summary.agencies = len(matrix.rows)
    summary.portals = len(listed)
    summary.originals = len(originals)
    return summary


__all__ = ["SiteSummary", "page_name", "write_site"]
