"""The crawl stage: run the spiders of several portals in one process and collect their summaries.

The Twisted reactor starts once per process: callers that need several runs (a worker, tests,
the bench) run this in a subprocess (`python -m crawler.run ...`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.extensions import ProgressSink
    from settings.config import Config
    from settings.registry import PortalConfig


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


def failed_summary(portal: PortalConfig, error: str) -> dict[str, Any]:
    """The summary of a portal whose crawler could not run at all (a bug, not the portal)."""
    return {
        "portal": portal.name,
        "title": portal.title,
        "family": portal.family,
        "status": "error",
        "error": True,
        "problem": error,
        "finish_reason": "error",
    }


def crawl_portals(
    portals: Sequence[PortalConfig],
    config: Config,
    *,
    settings_module: str = "settings.prod",
    overrides: dict[str, Any] | None = None,
    on_progress: ProgressSink | None = None,
) -> list[dict[str, Any]]:
    """Crawl `portals` (all concurrently, one crawler each); one summary per portal, in order.
    `on_progress` gets each portal's counters while it runs (crawler.extensions.CrawlProgress).

    Each portal keeps its scheduler queue in <jobdir>/<portal>: a killed run resumes from it; a
    run that finishes removes it so the next run starts from the lists. Scrapy logs through the
    process's logging setup (settings.logs), with no handler of its own.
    """
    from scrapy.crawler import CrawlerProcess

    from crawler.extensions import CrawlProgress, PortalSummary
    from crawler.spiders.families import FAMILY_SPIDERS

    settings = scrapy_settings(
        settings_module,
        {**config.scrapy_settings(), **(overrides or {}), "LOG_INSTALL_ROOT_HANDLER": False},
    )
    process = CrawlerProcess(settings)
    crawlers = []
    for portal in portals:
        crawler = process.create_crawler(FAMILY_SPIDERS[portal.family])  # its own copy of the settings
        if on_progress is not None:
            setattr(crawler, CrawlProgress.ATTR, on_progress)
        job = Path(config.jobdir) / portal.name
        drop_unreadable_queue(job)
        crawler.settings.set("JOBDIR", str(job), priority="cmdline")
        process.crawl(crawler, portal=portal.name)
        crawlers.append((portal, crawler, job))
    process.start()
    summaries = []
    for portal, crawler, job in crawlers:
        summary = getattr(crawler, PortalSummary.ATTR, None)
        if summary is None:
            summary = failed_summary(portal, "the crawler did not start (see the log)")
        elif summary["finish_reason"] == "finished":
            shutil.rmtree(job, ignore_errors=True)
        summaries.append(summary)
    return summaries


def main(argv: list[str] | None = None) -> int:
    """`python -m crawler.run --portal A --portal B [--db URL --archive DIR --portals-dir D
    --settings M --set K=V]`: the crawl stage alone; prints the summaries as one JSON list."""
    parser = argparse.ArgumentParser(prog="python -m crawler.run")
    parser.add_argument("--portal", action="append", default=[])
    parser.add_argument("--db")
    parser.add_argument("--archive")
    parser.add_argument("--portals-dir")
    parser.add_argument("--jobdir")
    parser.add_argument("--settings", default="settings.prod")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
    args = parser.parse_args(argv)
    from settings.config import load_config
    from settings.logs import setup_logging
    from settings.registry import load_portals, select

    config = load_config(
        {
            "database_url": args.db,
            "archive": args.archive,
            "portals_dir": args.portals_dir,
            "jobdir": args.jobdir,
        }
    )
    setup_logging(config)
    portals = select(load_portals(config.portals_dir), names=args.portal)
    summaries = crawl_portals(portals, config, settings_module=args.settings, overrides=parse_sets(args.set))
    print(json.dumps(summaries, ensure_ascii=False))
    return 0


def parse_sets(items: Sequence[str]) -> dict[str, Any]:
    """`KEY=VALUE` Scrapy setting overrides; a VALUE that is JSON (numbers, booleans) is decoded."""
    out: dict[str, Any] = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


if __name__ == "__main__":
    sys.exit(main())
