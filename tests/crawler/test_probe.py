"""`nianbao probe` on every mirror family: the family and page count it reports are right, and
the portal YAML it prints crawls that portal completely."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from mirror.portals import MirrorPortal, gkmlpt_portal
from nianbao.cli import main
from settings.base import USER_AGENT
from tests.crawler.conftest import Mirror, Workspace, start_mirror
from tests.crawler.test_mirror_crawl import READ, expected_documents


def list_pages(portal: MirrorPortal) -> int:
    """The list pages the probe should announce for the mirror portal (its sub-columns, year
    pages or dataproxy groups where that is how the family paginates)."""
    site = portal.inner
    if portal.family == "hanweb":
        return math.ceil(len(site.entries) / (3 * portal.options["perpage"]))  # type: ignore[operator]
    if portal.family == "static":
        return len({r.year for r in portal.reports}) + 1  # the index and one page per year
    if portal.options.get("year_subcolumns"):
        return len({r.year for r in portal.reports})
    if portal.family == "sitesources":
        return math.ceil(len(site.entries) / 4)
    return len(site.pages)  # type: ignore[attr-defined]


def probe(url: str, name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, dict]:
    code = main(["probe", url, "--name", name, "--timeout", "5"])
    out = capsys.readouterr().out
    head, _, entry = out.partition("# --- portal YAML")
    return code, head, yaml.safe_load(entry.split("\n", 1)[1]) if entry else {}


@pytest.mark.slow
def test_probe_every_family_and_crawl_what_it_prints(
    mirror: Mirror, workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    probed = tmp_path / "probed"
    probed.mkdir()
    for name in READ:
        portal = mirror.portals[name]
        code, head, entry = probe(mirror.url(name, portal.start_path), name, capsys)
        assert code == 0, head
        assert entry["family"] == portal.family, head
        assert f"implies: {list_pages(portal)} list pages" in head, (name, head)
        assert entry["allowed_domains"] == [mirror.server.base_url(name).removeprefix("http://")]
        (probed / f"{name}.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    assert (
        "pages 2..4 from the search API"
        in probe(mirror.url("mirror-fujian", "/zwgk/zfxxgkzl/zfxxgkndbg/index.htm"), "x", capsys)[1]
    )

    crawled = workspace.crawl(Mirror(mirror.portals, mirror.server, probed), READ, DOWNLOAD_TIMEOUT=10)
    for name in READ:
        portal = mirror.portals[name]
        summary = crawled[name]
        assert summary["reports_found"] == summary["new"] == len(portal.reports), summary
        assert workspace.document_urls(name) == expected_documents(mirror, portal), name


def test_probe_refuses_what_the_crawler_would_not_fetch(
    mirror: Mirror, capsys: pytest.CaptureFixture[str]
) -> None:
    kaifeng = mirror.portals["mirror-kaifeng"]
    code, head, entry = probe(mirror.url(kaifeng.name, kaifeng.start_path), "k", capsys)
    assert (code, entry) == (1, {}) and "robots.txt disallows" in head
    luoyang = mirror.portals["mirror-luoyang"]
    code, head, entry = probe(mirror.url(luoyang.name, luoyang.start_path), "l", capsys)
    assert (code, entry) == (1, {}) and "412: an anti-bot front end" in head
    code, head, _ = probe("file:///etc/passwd", "f", capsys)
    assert code == 1 and "only http(s)" in head


def test_probe_a_list_api_that_answers_post_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    portal = gkmlpt_portal("mirror-gkmlpt-post", post=True)
    running = start_mirror([portal], tmp_path / "m")
    try:
        code, head, entry = probe(running.url(portal.name, portal.start_path), portal.name, capsys)
        hits = list(running.server.hits[portal.name])
        methods = [h.method for h in hits if h.target.startswith("/gkmlpt/")]
    finally:
        running.server.stop()
    assert code == 0 and entry["options"] == {"method": "POST"}
    assert methods == ["GET", "POST"]  # refused with 405, then asked as the API wants
    # politely: robots.txt first, every request as the crawler identifies itself
    assert hits[0].target == "/robots.txt" and {h.agent for h in hits} == {USER_AGENT}
    assert f"implies: {len(portal.inner.pages)} list pages" in head  # type: ignore[attr-defined]
