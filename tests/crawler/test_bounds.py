"""A portal's lists are bounded: list pages per portal (max_list_pages) and links per page
(max_links_per_page), settings a portal YAML may override; a run that reaches one stops there
and says `truncated` in its summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from parsel import Selector

from crawler.listing import read_list_page
from crawler.spiders.base import nth_link_offset
from tests.crawler.conftest import Workspace
from tests.crawler.fault_server import fault_server, portal_of

FLOOD = 1_000_000


def _flood(links: int) -> bytes:
    items = "".join(f'<li><a href="/a/{n}.html">某县{n}号文件</a></li>' for n in range(links))
    return f"<html><body><ul>{items}</ul></body></html>".encode()


def test_a_page_of_a_million_links_is_cut_before_it_is_parsed() -> None:
    body = _flood(FLOOD)
    cut = nth_link_offset(body, 1000)
    assert cut is not None and cut < len(body) // 500
    page = read_list_page(Selector(text=body[:cut].decode()), "http://h/list.html")
    anchors = page.listings + page.navigation
    assert len(anchors) == 1000
    assert anchors[-1].url == "http://h/a/999.html"
    assert nth_link_offset(_flood(1000), 1000) is None  # no more than the bound: not cut


@pytest.mark.slow
def test_a_portal_stops_at_its_max_list_pages(tmp_path: Path, workspace: Workspace) -> None:
    spec = {
        "name": "bounded",
        "years": [2020, 2024],
        "more_agencies": ["某县教育局", "某县财政局", "某县民政局"],
    }
    reports = portal_of(spec).reports
    with fault_server(spec, tmp_path, max_list_pages=1) as server:
        summary = workspace.crawl(server, [spec["name"]])[spec["name"]]  # type: ignore[arg-type]
        lists = {path for path, _, _ in server.hits() if "/index" in path}
    assert summary["truncated"] == ["max_list_pages"], workspace.last_stderr[-3000:]
    assert len(lists) == 1  # of its 2
    assert 0 < summary["reports_found"] < len(reports)
    (reason,) = workspace.query("select reason from run_portals")
    assert reason[0] is not None and "truncated: max_list_pages" in reason[0]


def test_a_list_page_counts_the_dates_of_each_ancestor_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted once per link, a page of n links cost n² (2,000 links: 10 s, 20,000: minutes)."""
    import crawler.listing as listing

    counted: list[int] = []
    pattern = listing.DATE

    class Counting:
        def findall(self, text: str) -> list[str]:
            counted.append(1)
            return pattern.findall(text)

    monkeypatch.setattr(listing, "DATE", Counting())
    page = read_list_page(Selector(text=_flood(5000).decode()), "http://h/list.html")
    assert len(page.listings + page.navigation) == 5000
    assert len(counted) <= 5000 + 10  # each <li> once, their <ul> once
