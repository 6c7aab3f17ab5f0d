"""Run the spiders of several portals in one process and collect their summaries.

The Twisted reactor starts once per process: callers that need several runs (tests, bench) run
this in a subprocess (`python -m crawler.run ...`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from settings.registry import PortalConfig, load_portals, select


def scrapy_settings(module: str, overrides: dict[str, Any] | None = None) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(module, priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def drop_unreadable_queue(job: Path) -> None:
    """Scrapy writes where its disk queue stands (requests.queue/active.json, each queue's
    info.json) only when it closes the queue. Reopened after a SIGKILL, the queue hands out its
    stale records in place of the requests pushed since, and those are lost. Such a queue is
    dropped: every run walks the lists again and finds every request it held."""
    queue = job / "requests.queue"
    if queue.exists() and not (queue / "active.json").exists():
        shutil.rmtree(queue)


def run_crawl(
    portals: Sequence[PortalConfig],
    *,
    settings_module: str = "settings.prod",
    overrides: dict[str, Any] | None = None,
    jobdir: str | None = None,
) -> list[dict[str, Any]]:
    """Crawl `portals` (all concurrently, one crawler each) and return one summary per portal.

    With `jobdir`, each portal keeps its scheduler queue in <jobdir>/<portal>: a killed run
    resumes from it; a run that finishes removes it so the next run starts from the lists.
    """
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.families import FAMILY_SPIDERS

    summary_fd, summary_path = tempfile.mkstemp(prefix="nianbao-summary-", suffix=".jsonl")
    os.close(summary_fd)
    base = scrapy_settings(settings_module, {**(overrides or {}), "NIANBAO_SUMMARY_FILE": summary_path})
    process = CrawlerProcess(base)
    for portal in portals:
        crawler = process.create_crawler(FAMILY_SPIDERS[portal.family])  # its own copy of the settings
        if jobdir:
            drop_unreadable_queue(Path(jobdir) / portal.name)
            crawler.settings.set("JOBDIR", str(Path(jobdir) / portal.name), priority="cmdline")
        process.crawl(crawler, portal=portal.name)
    process.start()
    lines = Path(summary_path).read_text(encoding="utf-8").splitlines()
    os.unlink(summary_path)
    summaries = [json.loads(line) for line in lines if line.strip()]
    if jobdir:
        for summary in summaries:
            if summary["finish_reason"] == "finished":
                shutil.rmtree(Path(jobdir) / summary["portal"], ignore_errors=True)
    order = {p.name: i for i, p in enumerate(portals)}
    return sorted(summaries, key=lambda s: order.get(s["portal"], 0))


def main(argv: list[str] | None = None) -> int:
    """`python -m crawler.run --portals-dir D --portal A --portal B --settings M --set K=V`:
    prints the summaries as one JSON list (used by tests and the bench from a subprocess)."""
    parser = argparse.ArgumentParser(prog="python -m crawler.run")
    parser.add_argument("--portals-dir")
    parser.add_argument("--portal", action="append", default=[])
    parser.add_argument("--settings", default="settings.prod")
    parser.add_argument("--jobdir")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {"NIANBAO_PORTALS_DIR": args.portals_dir}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    portals = select(load_portals(args.portals_dir), names=args.portal)
    summaries = run_crawl(portals, settings_module=args.settings, overrides=overrides, jobdir=args.jobdir)
    print(json.dumps(summaries, ensure_ascii=False))
    return 1 if any(s["error"] for s in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
