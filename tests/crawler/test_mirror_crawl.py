"""Real spiders on Scrapy's download path against the mirror: every family, then a re-crawl."""

from __future__ import annotations

from pathlib import Path

from crawler.titles import report_of
from mirror.chrome import NATIONAL
from mirror.corpus import article_body, attachment_body, spec_for
from mirror.portals import MirrorPortal, build_bench_mirror
from mirror.server import Reply
from tests.crawler.conftest import Mirror, Workspace, start_mirror

CRAWLED = (
    "mirror-henan",  # TRS WCM, createPageHTML('page_div', ...)
    "mirror-pingdingshan",  # Hanweb, totalRecord:N in the jpage setup
    "mirror-xinzheng",  # 政务公开平台, one attachment nobody can resolve
    "mirror-zhoukou",  # sitesources with year sub-columns
    "mirror-xinxiang",  # sitesources, flaky front end
    "mirror-guangzhou",  # gkmlpt JSON API, classify.post_count, bodies in window._CONFIG.DETAIL
    "mirror-jiaxian",  # static, GBK with a lying header
    "mirror-nanyang",  # TRS, countPage / currentPage with document.write
    "mirror-fujian",  # TRS static first page + POST search API
    "mirror-huaian",  # 开普 UCAP, rendered pager links
    "mirror-luoyang",  # 412 $_ts challenge
    "mirror-kaifeng",  # robots.txt disallow
)
READ = CRAWLED[:10]  # the portals that can be read (the last two are blocked)
# Titles of the column and its siblings, as menus, breadcrumbs, sidebars and footers print them.
COLUMN_NAMES = {"信息公开年报", "政府信息公开年报", "政府工作报告", "政府信息公开指南", "年度报表"}


def expected_documents(mirror: Mirror, portal: MirrorPortal) -> set[str]:
    urls = set()
    for report in portal.reports:
        urls.add(mirror.url(portal.name, report.article_path))
        if report.attachment_path and report.attach_style != "unresolvable":
            urls.add(mirror.url(portal.name, report.attachment_path))
    return urls


def stored_facts(ws: Workspace, agency: str, year: int) -> dict[tuple[str, str, str], float | None]:
    rows = ws.query(
        "select f.table_key, f.row_key, f.column_key, f.value from facts f"
        " join reports r on r.id = f.report_id where r.agency = ? and r.year = ?",
        agency,
        year,
    )
    return {(t, r, c): v for t, r, c, v in rows}


def test_every_family_then_incremental(mirror: Mirror, workspace: Workspace) -> None:
    first = workspace.crawl(mirror, CRAWLED, DOWNLOAD_TIMEOUT=10)

    for name in READ:
        portal = mirror.portals[name]
        summary = first[name]
        unresolvable = [r for r in portal.reports if r.attach_style == "unresolvable"]
        # an attachment the page announces but does not resolve fails its report, visibly
        assert summary["status"] == ("failures" if unresolvable else "ok"), summary
        assert summary["failed"] == summary["attachments_unresolved"] == len(unresolvable)
        assert summary["reports_found"] == len(portal.reports)
        assert summary["new"] == len(portal.reports)
        # exactly the reports and their attachments were archived: no lookalike, nothing else
        assert workspace.document_urls(name) == expected_documents(mirror, portal), name
        lookalikes = {e.article_path for e in portal.lookalikes}
        assert not [h for h in mirror.server.hits[name] if h.target in lookalikes]
        assert summary["years_found"] == sorted({r.year for r in portal.reports})
        # other sites' reports listed here were counted, never fetched
        assert summary["offsite"] == len(portal.elsewhere) > 0, name
        if portal.family != "gkmlpt":  # a JSON list has no chrome
            assert summary["navigation_skipped"] > 0, name
    assert sum(len(p.reports) for p in mirror.portals.values()) > 150

    # nothing ever reached another listener: the national portal got no request, and every
    # request a listener got came from one of its own pages
    assert mirror.server.hits[NATIONAL] == []
    for name, hits in mirror.server.hits.items():
        base = mirror.server.base_url(name)
        strays = [h for h in hits if h.referer and not h.referer.startswith(base + "/")]
        assert not strays, (name, strays[:3])

    # no false report: every report row names an organ and a year, none is a column's name
    rows = workspace.query("select agency, year, title from reports")
    assert len(rows) > 150
    for agency, year, title in rows:
        assert title not in COLUMN_NAMES
        listed = report_of(title)
        assert listed is not None and (listed.agency, listed.year) == (agency, year), (agency, year, title)

    # a parent's report re-posted by two portals and listed by its own: stored once, under its agency
    henan_report = next(r for r in mirror.portals["mirror-henan"].reports if r.kind == "html")
    copies = {
        name
        for name in READ
        for r in mirror.portals[name].reports
        if (r.agency, r.year) == (henan_report.agency, henan_report.year)
    }
    assert copies == {"mirror-henan", "mirror-pingdingshan", "mirror-nanyang"}
    sql = "select count(*) from reports where agency = ? and year = ?"
    assert workspace.query(sql, henan_report.agency, henan_report.year) == [(1,)]

    assert first["mirror-henan"]["years_missing"] == [2012]
    assert first["mirror-henan"]["lookalikes_skipped"] == 3
    assert first["mirror-henan"]["duplicates_skipped"] > 0  # pages repeat the previous page's last entry
    assert first["mirror-pingdingshan"]["lists_read"] == 2  # embedded group + one dataproxy group
    scanned = [r for r in mirror.portals["mirror-zhoukou"].reports if r.kind == "scanned"]
    assert first["mirror-zhoukou"]["scanned"] == len(scanned) > 0
    # a scan names no agency or year: its report row comes from the listing title, status scanned
    sql = "select status from reports where agency = ? and year = ?"
    assert [workspace.query(sql, r.agency, r.year) for r in scanned] == [[("scanned",)]] * len(scanned)

    # facts stored equal the generated report's, whichever title variant and template the portal
    # printed (gkmlpt's bodies are script JSON, UCAP's are <ucapcontent>)
    checked: dict[str, int] = {}
    for name in READ:
        for report in mirror.portals[name].reports:
            if report.fmt is None or report.kind == "scanned" or report.attach_style == "unresolvable":
                continue
            expected = {k: v for k, v in spec_for(report).expected().items() if v is not None}
            stored = stored_facts(workspace, report.agency, report.year)
            assert {k: stored.get(k) for k in expected} == expected, (name, report.title, report.kind)
            checked[name] = checked.get(name, 0) + 1
    assert set(checked) == set(READ) and sum(checked.values()) > 100

    # GBK pages behind a `charset=utf-8` header: titles and text decoded right
    sql = "select r.title from reports r join portals p on p.id = r.portal_id where p.name = 'mirror-jiaxian'"
    titles = {t for (t,) in workspace.query(sql)}
    assert any("郏县人民政府" in (t or "") for t in titles)

    # flaky front end: failures happened, every report was still fetched
    flaky_hits = mirror.server.hits["mirror-xinxiang"]
    assert any(h.status in (0, 500, 503) for h in flaky_hits)

    # blocked portals: recorded with the reason, nothing behind the block requested
    assert first["mirror-luoyang"]["status"] == "blocked"
    assert "$_ts" in first["mirror-luoyang"]["blocked"]
    assert first["mirror-kaifeng"]["status"] == "blocked"
    assert "robots.txt" in first["mirror-kaifeng"]["blocked"]
    assert [h.target for h in mirror.server.hits["mirror-kaifeng"]] == ["/robots.txt"]
    blocked = dict(workspace.query("select name, blocked from portals where blocked is not null"))
    assert set(blocked) == {"mirror-luoyang", "mirror-kaifeng"}

    # incremental: lists re-read, no unchanged report page or attachment fetched again
    for name in CRAWLED:
        mirror.server.hits[name].clear()
    documents_before = workspace.query("select count(*) from documents")[0][0]
    second = workspace.crawl(mirror, READ, DOWNLOAD_TIMEOUT=10)
    for name in READ:
        portal = mirror.portals[name]
        summary = second[name]
        assert summary["unchanged"] == len(portal.reports) and summary["new"] == summary["changed"] == 0, (
            summary
        )
        # a report that failed is fetched again in full (fetch_failures) and still fails while its
        # attachment cannot be resolved; no other report page or attachment is fetched again
        unresolvable = [r for r in portal.reports if r.attach_style == "unresolvable"]
        assert summary["failed"] == len(unresolvable), summary
        reports = {r.article_path for r in portal.reports if r not in unresolvable}
        reports |= {r.attachment_path for r in portal.reports}
        refetched = [
            h for h in mirror.server.hits[name] if h.target.split("?")[0] in reports and h.status == 200
        ]
        assert not refetched, (name, refetched[:3])
        assert summary["requests"] <= first[name]["requests"]
        assert summary["bytes"] < first[name]["bytes"] / 2, (name, summary["bytes"], first[name]["bytes"])
    assert workspace.query("select count(*) from documents")[0][0] == documents_before

    # a report republished in place while its list stays the same: trusted lists skip it;
    # --recheck (NIANBAO_TRUST_UNCHANGED_LISTS off) re-validates every report and finds it
    henan = mirror.portals["mirror-henan"]
    target = henan.reports[0]
    corrected = article_body(target) + "<!-- 更正 -->".encode()
    henan.site.routes[target.article_path] = lambda _req: Reply(body=corrected)  # type: ignore[union-attr]
    # ... and a PDF replaced in place behind its unchanged report page
    filed = next(r for r in henan.reports if r.kind == "pdf")
    pdf, pdf_type = attachment_body(filed)
    replaced = Reply(body=pdf + b"\n% corrected\n", content_type=pdf_type)
    henan.site.routes[filed.attachment_path] = lambda _req: replaced  # type: ignore[union-attr,index]
    trusted = workspace.crawl(mirror, ["mirror-henan"])["mirror-henan"]
    assert trusted["changed"] == 0 and trusted["unchanged"] == len(henan.reports)
    mirror.server.hits["mirror-henan"].clear()
    recheck = workspace.crawl(mirror, ["mirror-henan"], NIANBAO_TRUST_UNCHANGED_LISTS=False)["mirror-henan"]
    assert recheck["changed"] == 2 and recheck["unchanged"] == len(henan.reports) - 2
    pdf_hits = [h for h in mirror.server.hits["mirror-henan"] if h.target.endswith(".pdf")]
    pdfs = [r for r in henan.reports if r.kind == "pdf"]
    assert len(pdf_hits) == len(pdfs) and all(h.conditional for h in pdf_hits)
    assert sorted(h.status for h in pdf_hits) == [200] + [304] * (len(pdfs) - 1)


def test_unchanged_reports_from_a_server_without_conditional_requests(
    tmp_path: Path, workspace: Workspace
) -> None:
    """Without ETag or Last-Modified every report comes back whole: bytes the store has parsed
    before are archived and counted unchanged, never parsed again."""
    portal = build_bench_mirror(12)
    for report in portal.reports:
        reply = Reply(body=article_body(report), conditional=False)
        portal.site.routes[report.article_path] = lambda _req, reply=reply: reply  # type: ignore[union-attr]
    running = start_mirror([portal], tmp_path / "mirror")
    try:
        first = workspace.crawl(running, [portal.name])[portal.name]
        assert first["new"] == 12 and sum(first["parsed"].values()) == 12
        again = workspace.crawl(running, [portal.name], NIANBAO_TRUST_UNCHANGED_LISTS=False)[portal.name]
    finally:
        running.server.stop()
    assert again["unchanged"] == 12 and again["new"] == again["changed"] == 0
    assert again["parsed"] == {}  # nothing went to the parser
    reports = {running.url(portal.name, r.article_path) for r in portal.reports}
    fetches = dict(workspace.query("select url, fetch_count from documents"))
    assert {url: fetches.get(url) for url in reports} == dict.fromkeys(reports, 2)
    assert workspace.query("select count(*) from report_versions") == [(12,)]
