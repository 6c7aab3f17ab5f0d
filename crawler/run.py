"""Run the spiders of several portals in one process and collect their summaries.

The Twisted reactor starts once per process: callers that need several runs (tests, bench) run
this in a subprocess (`python -m crawler.run ...`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.store import StoreClient
    from settings.registry import PortalConfig

# Settings that say which store a crawler uses (crawler.store.StoreClient.for_crawler).
STORE_SETTINGS = ("NIANBAO_DB_URL", "NIANBAO_ARCHIVE_DIR", "NIANBAO_STORE_PROCESS")


def scrapy_settings(module: str, overrides: dict[str, Any] | None = None) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(module, priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def start_store(settings_module: str, overrides: dict[str, Any]) -> StoreClient | None:
    """Start the run's store client (its process imports storage and opens the database) before
    Scrapy is imported, so that this overlaps with Scrapy's own start-up. The settings are read
    as Scrapy will read them (the module's values under the overrides) without importing
    Scrapy; None when they are not plain values (the crawlers then start the client)."""
    from crawler.store import StoreClient

    module = importlib.import_module(settings_module)
    db_url, archive_dir, use_process = (
        overrides[name] if name in overrides else getattr(module, name, None) for name in STORE_SETTINGS
    )
    plain = isinstance(db_url, str | None) and isinstance(archive_dir, str | None)
    if not (plain and isinstance(use_process, bool)):
        return None
    return StoreClient.shared(db_url, archive_dir, use_process)


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
    summary_fd, summary_path = tempfile.mkstemp(prefix="nianbao-summary-", suffix=".jsonl")
    os.close(summary_fd)
    overrides = {**(overrides or {}), "NIANBAO_SUMMARY_FILE": summary_path}
    store = start_store(settings_module, overrides)
    try:
        crawl(portals, scrapy_settings(settings_module, overrides), jobdir)
    finally:
        if store is not None:
            store.close_if_unused()
    lines = Path(summary_path).read_text(encoding="utf-8").splitlines()
    os.unlink(summary_path)
    summaries = [json.loads(line) for line in lines if line.strip()]
    if jobdir:
        for summary in summaries:
            if summary["finish_reason"] == "finished":
                shutil.rmtree(Path(jobdir) / summary["portal"], ignore_errors=True)
    order = {p.name: i for i, p in enumerate(portals)}
    return sorted(summaries, key=lambda s: order.get(s["portal"], 0))


def crawl(portals: Sequence[PortalConfig], settings: Any, jobdir: str | None) -> None:
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.families import FAMILY_SPIDERS

    process = CrawlerProcess(settings)
    for portal in portals:
        crawler = process.create_crawler(FAMILY_SPIDERS[portal.family])  # its own copy of the settings
        if jobdir:
            drop_unreadable_queue(Path(jobdir) / portal.name)
            crawler.settings.set("JOBDIR", str(Path(jobdir) / portal.name), priority="cmdline")
        process.crawl(crawler, portal=portal.name)
    process.start()


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
    # Imported here, not with the module: a spawned worker process imports the main module
    # again (`python -m crawler.run`), and the registry's pydantic and yaml would delay it.
    from settings.registry import load_portals, select

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
