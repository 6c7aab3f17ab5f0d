"""Which exit code wins when several apply, and the documentation lists them in that order."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nianbao.crawl_job import CrawlResult
from nianbao.crawl_report import crawl_exit_code, portal_exit_code
from nianbao.exit_codes import ExitCode

OPERATIONS = Path(__file__).resolve().parents[1] / "docs" / "operations.md"


def _summary(**fields: Any) -> dict[str, Any]:
    return {"portal": "p", "status": "ok", "finish_reason": "finished", **fields}


def test_the_first_in_definition_order_wins() -> None:
    assert ExitCode.worst([]) is ExitCode.OK
    assert ExitCode.worst([ExitCode.LOCKED, ExitCode.YEARS_MISSING]) is ExitCode.YEARS_MISSING
    assert ExitCode.worst([ExitCode.BLOCKED, ExitCode.REPORTS_FAILED]) is ExitCode.REPORTS_FAILED
    assert ExitCode.worst([ExitCode.REPORTS_FAILED, ExitCode.EMPTY]) is ExitCode.EMPTY
    assert ExitCode.worst([ExitCode.EMPTY, ExitCode.UNREACHABLE]) is ExitCode.UNREACHABLE
    assert ExitCode.worst([ExitCode.UNREACHABLE, ExitCode.ERROR, ExitCode.USAGE]) is ExitCode.ERROR


def test_a_portals_code_from_its_summary() -> None:
    assert portal_exit_code(_summary()) is ExitCode.OK
    blocked = _summary(status="blocked", blocked="412", years_missing=[2024])
    assert portal_exit_code(blocked) is ExitCode.BLOCKED
    unreachable = _summary(status="unreachable", unreachable="start page gone", years_missing=[2024])
    assert portal_exit_code(unreachable) is ExitCode.UNREACHABLE
    assert portal_exit_code(_summary(status="empty", years_missing=[2024])) is ExitCode.EMPTY
    assert portal_exit_code(_summary(status="empty (declared)", years_missing=[2024])) is ExitCode.OK
    assert (
        portal_exit_code(_summary(status="failures", failed=2, years_missing=[2020]))
        is ExitCode.REPORTS_FAILED
    )
    assert portal_exit_code(_summary(status="error", problem="did not start")) is ExitCode.ERROR
    assert portal_exit_code(_summary(finish_reason="shutdown")) is ExitCode.ERROR
    assert portal_exit_code({"portal": "p", "status": "locked"}) is ExitCode.LOCKED


def test_a_crawls_code_from_all_its_portals() -> None:
    failing = _summary(status="failures", failed=1)
    blocked = _summary(status="blocked", blocked="robots.txt")
    locked = {"portal": "q", "status": "locked"}
    assert crawl_exit_code(CrawlResult([blocked, failing, locked], None)) is ExitCode.REPORTS_FAILED
    assert crawl_exit_code(CrawlResult([locked], None)) is ExitCode.LOCKED
    assert crawl_exit_code(CrawlResult([_summary()], None, parse_error="died")) is ExitCode.ERROR


def test_operations_doc_lists_every_code_in_order() -> None:
    section = OPERATIONS.read_text(encoding="utf-8").split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \|", section, flags=re.MULTILINE)
    assert [(int(code), name) for code, name in rows] == [(c.value, c.name) for c in ExitCode]
