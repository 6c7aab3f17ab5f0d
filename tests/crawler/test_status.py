"""`nianbao status` after a crawl of mirror portals: a report whose page misprints a number is
listed under its portal by agency and year with the rule of each failing check, the blocked
portals with their reasons and their last crawl, an ingested notice as an unassigned document."""

from __future__ import annotations

import json
from pathlib import Path

from mirror.portals import build_mirror
from nianbao.exit_codes import ExitCode
from tests.crawler.broken_sites import Misprinted, small_portal
from tests.crawler.conftest import Workspace, start_mirror

NOTICE = (
    "<html><head><title>关于开展政务公开培训的通知</title></head>"
    "<body><p>请各单位做好准备。</p></body></html>"
)


def test_status_names_failing_reports_blocked_portals_and_unassigned(
    tmp_path: Path, workspace: Workspace
) -> None:
    portal = small_portal("mirror-misprint", agency="某县人民政府")
    misprinted = next(r for r in portal.reports if r.year == 2022)
    portal.site = Misprinted(portal.inner, misprinted)
    blocked = [p for p in build_mirror() if p.name in ("mirror-luoyang", "mirror-kaifeng")]
    running = start_mirror([portal, *blocked], tmp_path / "m")
    try:
        summaries = workspace.crawl(running, [portal.name, "mirror-luoyang", "mirror-kaifeng"])
    finally:
        running.server.stop()
    assert workspace.last_exit == ExitCode.BLOCKED, workspace.last_stderr[-3000:]
    assert summaries[portal.name]["status"] == "ok"  # a failing check is the report's, not the fetch's
    notice = tmp_path / "notice.html"
    notice.write_text(NOTICE, encoding="utf-8")
    assert workspace.command("ingest", str(notice)).returncode == ExitCode.OK

    shown = workspace.command("status", "--json")
    assert shown.returncode == ExitCode.OK, shown.stderr
    assert shown.stderr.startswith(f"database: {workspace.db_url}")
    found = json.loads(shown.stdout)
    by_name = {p["portal"]: p for p in found["portals"]}
    mine = by_name[portal.name]
    assert mine["reports_by_year"] == {"2020": 1, "2021": 1, "2022": 1, "2023": 1, "2024": 1}
    (failing,) = mine["failing_reports"]
    assert (failing["agency"], failing["year"]) == ("某县人民政府", 2022)
    column = Misprinted(portal.inner, misprinted).misprinted_key().split(".")[1]
    rules = {check["rule"] for check in failing["checks"]}
    assert "requests.row_total[new_received]" in rules and f"requests.balance[{column}]" in rules
    assert all(check["cause"] == "source" for check in failing["checks"])
    assert mine["last_crawl"]["status"] == "ok" and mine["last_crawl"]["state"] == "finished"

    luoyang, kaifeng = by_name["mirror-luoyang"], by_name["mirror-kaifeng"]
    assert luoyang["blocked"] == summaries["mirror-luoyang"]["blocked"]
    assert luoyang["blocked"].startswith("412 with a $_ts JavaScript challenge (Ruishu anti-bot) at ")
    assert kaifeng["blocked"].startswith("robots.txt disallows ")
    assert kaifeng["last_crawl"]["exit_code"] == ExitCode.BLOCKED
    assert kaifeng["reports_by_year"] == {} and kaifeng["failing_reports"] == []

    (unassigned,) = found["unassigned"]
    assert unassigned["url"] == f"file://{notice.resolve()}" and unassigned["portal"] is None
    assert found["totals"]["reports"] == 5 and found["totals"]["reports_failing_checks"] == 1

    text = workspace.command("status").stdout
    mine_text = text[text.index(f"\n{portal.name} (trs)") :]
    assert (
        "  reports by year: 2020: 1, 2021: 1, 2022: 1, 2023: 1, 2024: 1\n  failing reports: 1\n" in mine_text
    )
    assert "    某县人民政府 2022: requests." in mine_text and "(source)" not in mine_text
    assert f"    blocked: {kaifeng['blocked']}; years missing: 2020-2025\n" in text
    assert f"exit {int(ExitCode.BLOCKED)} (blocked)" in text
    assert f"unassigned documents (parsed, no agency or year): 1\n  -  file://{notice.resolve()}" in text
