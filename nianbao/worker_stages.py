"""The stages a job runs, each in a child process of `nianbao worker` (nianbao.jobs):

    python -m nianbao.worker_stages crawl PORTAL [--years 2019-2024] --parent PID
    python -m nianbao.worker_stages parse DOCUMENT_ID... --parent PID

A child process because Scrapy's reactor starts once per process, and so that a job's memory
goes with it. The child exits when its worker does (even a SIGKILLed one): the job is then
retried elsewhere and must not find the portal still being crawled. Its configuration comes
from the worker, as NIANBAO_* variables (`stage_environment`). Each run writes a run record,
as `nianbao crawl` and `nianbao parse-pending` do, and prints one JSON line for the worker:
its exit code and what the worker needs next (the documents left to parse).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from nianbao.exit_codes import ExitCode

if TYPE_CHECKING:
    from settings.config import Config
    from storage.api import Store


def stage_environment(config: Config) -> dict[str, str]:
    """The configuration as the environment of a stage's process (None settings left unset)."""
    return {name: str(value) for name, value in config.scrapy_settings().items() if value is not None}


def pending_of_portal(store: Store, parser_version: str, portal: str) -> list[int]:
    """The ids of the portal's documents this parser has still to parse."""
    ids: list[int] = []
    after = 0
    while found := store.pending(parser_version, after=after, limit=500):
        after = found[-1].document_id
        ids += [doc.document_id for doc in found if doc.portal == portal]
    return ids


def run_crawl_stage(config: Config, portal_name: str, years: str | None, settings_module: str) -> int:
    from crawler.run import crawl_portals
    from nianbao.crawl_job import CrawlResult
    from nianbao.crawl_report import crawl_counts, crawl_exit_code, crawl_parts, locked_summary
    from nianbao.run_record import RecordedRun
    from pipelines.parse import PARSER_VERSION
    from settings.registry import load_registry
    from storage.api import Store
    from storage.locks import PortalLocked, portal_lock

    portal = load_registry(config.portals_dir).portals.get(portal_name)
    if portal is None:
        print(json.dumps({"exit_code": int(ExitCode.USAGE), "reason": f"no portal {portal_name}"}))
        return ExitCode.USAGE
    argv = ["crawl", "--portal", portal_name, *(["--years", years] if years else [])]
    with RecordedRun(config, "crawl", argv, [portal_name]) as run:
        try:
            with portal_lock(config.database_url, portal_name):  # a `nianbao crawl` may hold it
                years_asked = {"NIANBAO_YEARS": years} if years else {}
                summaries = crawl_portals(
                    [portal], config, settings_module=settings_module, overrides=years_asked
                )
        except PortalLocked as exc:
            summaries = [locked_summary(exc)]
        result = CrawlResult(summaries, None)
        parts = crawl_parts(result)
        details = {"summaries": summaries}
        code = run.finish(crawl_exit_code(result), counts=crawl_counts(result), parts=parts, details=details)
    with Store.open(config) as store:  # what this crawl (or one before it) archived
        pending = pending_of_portal(store, PARSER_VERSION, portal_name)
    print(json.dumps({"exit_code": int(code), "reason": parts[0].reason, "pending": pending}))
    return code


def run_parse_stage(config: Config, document_ids: list[int]) -> int:
    from nianbao.parse_runs import parse_counts, parse_exit_code, parse_parts, parse_stage
    from nianbao.run_record import RecordedRun
    from settings.logs import LogRelay
    from storage.api import Store

    argv = ["parse-pending", "--documents", ",".join(map(str, document_ids))]
    with Store.open(config) as store, RecordedRun(config, "parse-pending", argv) as run, LogRelay() as relay:
        stage = parse_stage(store, config, lambda doc, outcome, _note: None, relay.queue)
        # documents parsed since the job was deferred are not pending any more
        documents = store.pending(stage.parser_version, ids=document_ids, limit=len(document_ids))
        report = stage.run(documents)
        code = run.finish(
            parse_exit_code(report),
            counts=parse_counts(report),
            parts=parse_parts(report),
            details={"problems": report.problems},
        )
    print(json.dumps({"exit_code": int(code), "reason": report.summary(), "problems": report.problems}))
    return code


def main(argv: list[str] | None = None) -> int:
    from settings.config import load_config
    from settings.logs import setup_logging
    from storage.parse_stage import exit_with_parent

    parser = argparse.ArgumentParser(prog="python -m nianbao.worker_stages")
    parser.add_argument("--parent", type=int, required=True, help="the worker's pid: exit with it")
    parser.add_argument("--settings", default="settings.prod", help="Scrapy settings module")
    stages = parser.add_subparsers(dest="stage", required=True)
    crawl = stages.add_parser("crawl")
    crawl.add_argument("portal")
    crawl.add_argument("--years")
    parse = stages.add_parser("parse")
    parse.add_argument("documents", type=int, nargs="+")
    args = parser.parse_args(argv)
    exit_with_parent(args.parent)
    config = load_config()
    setup_logging(config)
    if args.stage == "crawl":
        return run_crawl_stage(config, args.portal, args.years, args.settings)
    return run_parse_stage(config, args.documents)


def stage_result(stdout: bytes) -> dict[str, Any] | None:
    """The JSON line a stage printed last (None: it died before)."""
    lines = stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        return json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        return None


if __name__ == "__main__":
    sys.exit(main())
