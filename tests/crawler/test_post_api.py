"""A JSON list API that answers POST only (page number in the form): every page and report found."""

from __future__ import annotations

from pathlib import Path

from mirror.portals import gkmlpt_portal
from tests.crawler.conftest import Workspace, start_mirror


def test_post_only_list_api(tmp_path: Path, workspace: Workspace) -> None:
    portal = gkmlpt_portal("mirror-gkmlpt-post", post=True)
    running = start_mirror([portal], tmp_path / "m")
    try:
        summary = workspace.crawl(running, [portal.name])[portal.name]
        api_hits = [h for h in running.server.hits[portal.name] if h.target.startswith("/gkmlpt/api/")]
    finally:
        running.server.stop()

    pages = -(-len(portal.site.entries) // 5)  # 5 articles a page
    assert pages > 2
    page_hit = ("POST", "/gkmlpt/api/all/2391", 200)
    assert [(h.method, h.target, h.status) for h in api_hits] == [page_hit] * pages
    found = len(portal.reports)
    assert (summary["reports_found"], summary["new"], summary["failed"]) == (found, found, 0)
    expected = {(r.agency, r.year) for r in portal.reports}
    stored = set(workspace.query("select agency, year from reports"))
    assert stored == expected
