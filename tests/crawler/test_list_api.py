"""JSON list APIs: one that answers POST only (page number in the form): every page and report
found; one that answers 404 beyond its first page: the list ends there, the portal does not fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mirror.corpus import MirrorReport
from mirror.portals import MirrorPortal, gkmlpt_portal
from mirror.server import Hit
from tests.crawler.conftest import Workspace, start_mirror


def crawl(portal: MirrorPortal, tmp_path: Path, workspace: Workspace) -> tuple[dict[str, Any], list[Hit]]:
    """The portal crawled alone: its summary, and the hits its list API got."""
    running = start_mirror([portal], tmp_path / "m")
    try:
        summary = workspace.crawl(running, [portal.name])[portal.name]
        return summary, [h for h in running.server.hits[portal.name] if h.target.startswith("/gkmlpt/api/")]
    finally:
        running.server.stop()


def test_post_only_list_api(tmp_path: Path, workspace: Workspace) -> None:
    portal = gkmlpt_portal("mirror-gkmlpt-post", post=True)
    summary, api_hits = crawl(portal, tmp_path, workspace)

    pages = -(-len(portal.site.entries) // 5)  # 5 articles a page
    assert pages > 2
    page_hit = ("POST", "/gkmlpt/api/all/2391", 200)
    assert [(h.method, h.target, h.status) for h in api_hits] == [page_hit] * pages
    found = len(portal.reports)
    assert (summary["reports_found"], summary["new"], summary["failed"]) == (found, found, 0)
    expected = {(r.agency, r.year) for r in portal.reports}
    stored = set(workspace.query("select agency, year from reports"))
    assert stored == expected


def test_a_list_api_answering_404_beyond_page_one(tmp_path: Path, workspace: Workspace) -> None:
    """Defect 3 of issue 10: page 2 is asked for first; its 404 ends the list (counted), and
    pages 3.. are never asked for."""
    portal = gkmlpt_portal("mirror-gkmlpt-404", first_page_only=True)
    summary, api_hits = crawl(portal, tmp_path, workspace)

    assert len(portal.site.entries) > 2 * 5  # the API announces three pages or more
    assert [(h.target, h.status) for h in api_hits] == [
        ("/gkmlpt/api/all/2391?page=1", 200),
        ("/gkmlpt/api/all/2391?page=2", 404),
    ]
    first_page = [e for e in portal.site.pages[0] if isinstance(e, MirrorReport)]
    assert summary["reports_found"] == summary["new"] == len(first_page) > 0
    assert summary["lists_unpaged"] == 1
    assert (summary["status"], summary["failed"]) == ("ok", 0)
