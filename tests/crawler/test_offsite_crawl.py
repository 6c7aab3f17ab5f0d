"""Defect 1 of issue 10 in a real crawl: nothing outside the portal is ever requested.

A list whose report links go to another listener, to file://, data: and ftp:// urls, a report
page that redirects to another listener, and a report whose attachment lives on another host.
The other listener's hit log is the ground truth: it must stay empty.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from mirror.chrome import NATIONAL
from mirror.corpus import MirrorReport, make_reports
from mirror.portals import MirrorPortal
from mirror.server import MirrorRequest, Reply, redirect
from mirror.sites import Elsewhere, Entry, TrsSite, trs_paths
from tests.crawler.conftest import Workspace, start_mirror

COLUMN = "/zwgk/ndbg/"
SCHEMES = {
    "某县人民政府2021年政府信息公开工作年度报告": "file:///etc/passwd",
    "某县人民政府2020年政府信息公开工作年度报告": "data:text/html,<p>report</p>",
    "某县人民政府2019年政府信息公开工作年度报告": "ftp://127.0.0.1/ndbg/2019.pdf",
}


class LinkFarmSite(TrsSite):
    """A TRS column some of whose entries link raw urls (other schemes)."""

    def href(self, entry: Entry) -> str:
        return SCHEMES.get(entry.title) or super().href(entry)


def _portal() -> tuple[MirrorPortal, MirrorReport, MirrorReport]:
    reports = make_reports(
        "mirror-offsite",
        agencies=["某县人民政府"],
        years=[2022, 2023, 2024],
        kinds=["html", "pdf"],
        path_for=trs_paths(COLUMN),
    )
    moved = next(r for r in reports if r.kind == "html")
    filed = next(r for r in reports if r.attachment_path)
    odd: list[Entry] = [
        Elsewhere(title, date(2022, 2, 1), "mirror-nowhere", "127.0.0.1", "/x.html") for title in SCHEMES
    ]
    site = LinkFarmSite("某县人民政府", [*reports, *odd], column=COLUMN, per_page=20)
    # the report page moved to the national portal's host; the PDF is kept on it too
    site.routes[moved.article_path] = lambda _req: redirect(site.peers[NATIONAL] + "/moved.html", 302)
    offsite_pdf = '<p>附件：<a href="{}/files/report.pdf">某县人民政府年报.pdf</a></p>'

    def filed_page(_req: MirrorRequest) -> Reply:
        body = offsite_pdf.format(site.peers[NATIONAL])
        return Reply(body=f"<html><body><h1>{filed.title}</h1>{body}</body></html>".encode())

    site.routes[filed.article_path] = filed_page
    portal = MirrorPortal(
        "mirror-offsite", "某县人民政府", "county", "某县", "trs", site, COLUMN + "index.html", "2019-2024"
    )
    return portal, moved, filed


def test_nothing_offsite_is_requested(tmp_path: Path, workspace: Workspace) -> None:
    portal, moved, filed = _portal()
    running = start_mirror([portal], tmp_path / "m")
    try:
        summary = workspace.crawl(running, [portal.name])[portal.name]
        national = list(running.server.hits[NATIONAL])
        own = [h.target for h in running.server.hits[portal.name]]
    finally:
        running.server.stop()

    assert national == []  # not the redirect target, not the attachment
    assert moved.article_path in own  # the report page was asked for; its redirect was not followed
    assert filed.article_path in own
    # three links of other schemes, the redirect, the attachment: counted, not failures
    assert summary["offsite"] == 5
    assert summary["failed"] == 0 and summary["status"] == "ok"
    assert summary["reports_found"] == len(portal.reports)
