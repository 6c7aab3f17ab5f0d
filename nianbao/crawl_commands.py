"""`nianbao crawl` (the registry's portals) and `nianbao demo` (the offline mirror portals)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from settings.registry import dump_portal, load_registry, parse_years, select

DEMO_DIR = Path("data/demo")
DEMO_PORT_BASE = 38610  # preferred mirror ports: the same urls on every demo run
# (summary key, heading, width)
COLUMNS = (
    ("portal", "portal", 20),
    ("lists_read", "lists", 5),
    ("reports_found", "found", 5),
    ("new", "new", 5),
    ("changed", "changed", 7),
    ("unchanged", "unchanged", 9),
    ("failed", "failed", 6),
    ("status", "status", 9),
)


def register(sub: argparse._SubParsersAction) -> None:
    crawl = sub.add_parser("crawl", help="crawl portals of the registry (settings/portals/*.yaml)")
    crawl.add_argument("--portal", action="append", default=[], metavar="NAME", help="repeatable")
    crawl.add_argument("--province", help="every portal of a province, e.g. 河南省")
    crawl.add_argument(
        "--years", help="backfill range, e.g. 2008-2024 (default: the portals' expected years)"
    )
    crawl.add_argument("--portals-dir", help="registry directory (default: settings/portals)")
    crawl.add_argument("--settings", default="settings.prod", help="Scrapy settings module")
    crawl.add_argument("--jobdir", default="data/jobs", help="resume state per portal (kept if killed)")
    crawl.add_argument(
        "--recheck", action="store_true", help="re-validate every known report, even on unchanged lists"
    )
    _storage_args(crawl)
    crawl.set_defaults(func=run_crawl_command)

    demo = sub.add_parser("demo", help="start the offline mirror portals and crawl them all")
    _storage_args(demo)
    demo.set_defaults(func=run_demo)


def _storage_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", "--database", dest="db", metavar="URL", help="SQLAlchemy URL of the database")
    parser.add_argument("--archive", metavar="DIR", help="WARC archive directory")


def format_summary(summaries: list[dict[str, Any]]) -> str:
    header = " ".join(f"{heading:<{w}}" for _, heading, w in COLUMNS)
    lines = [header, "-" * len(header)]
    for s in summaries:
        lines.append(" ".join(f"{s[name]!s:<{w}}" for name, _, w in COLUMNS))
        notes = []
        if s["blocked"]:
            notes.append(f"blocked: {s['blocked']}")
        if s["years_missing"]:
            notes.append("years missing: " + _ranges(s["years_missing"]))
        skipped = [
            f"{s[key]} {what}"
            for key, what in (
                ("lookalikes_skipped", "lookalikes"),
                ("duplicates_skipped", "duplicates"),
                ("navigation_skipped", "navigation links"),
                ("unnamed_skipped", "titles naming no organ or year"),
            )
            if s[key]
        ]
        if skipped:
            notes.append("skipped " + ", ".join(skipped))
        if s["offsite"]:
            notes.append(f"offsite: {s['offsite']} (links to other sites, not fetched)")
        if s["attachments_unresolved"]:
            notes.append(f"attachments not resolvable: {s['attachments_unresolved']} (their reports failed)")
        if s["lists_unpaged"]:
            notes.append("the list API answers 404 beyond its first page: the list ends there")
        lines += [f"    {note}" for note in notes]
    return "\n".join(lines)


def _ranges(years: list[int]) -> str:
    parts: list[str] = []
    for year in years:
        if parts and parts[-1].split("-")[-1] == str(year - 1):
            parts[-1] = parts[-1].split("-")[0] + f"-{year}"
        else:
            parts.append(str(year))
    return ", ".join(parts)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.db:
        out["NIANBAO_DB_URL"] = args.db
    if args.archive:
        out["NIANBAO_ARCHIVE_DIR"] = args.archive
    return out


def run_crawl_command(args: argparse.Namespace) -> int:
    from crawler.run import run_crawl

    registry = load_registry(args.portals_dir)
    for error in registry.errors:  # one bad file does not block the others
        print(f"skipped (fix it, see `nianbao portals check`): {error}")
    try:
        portals = select(registry.portals, names=args.portal, province=args.province)
        years = parse_years(args.years)
    except (KeyError, ValueError) as exc:
        print(f"nianbao crawl: {exc}")
        return 2
    if not portals:
        print("nianbao crawl: no portal matches")
        return 2
    overrides = {**_overrides(args), "NIANBAO_PORTALS_DIR": args.portals_dir}
    if years:
        overrides["NIANBAO_YEARS"] = args.years
    if args.recheck:
        overrides["NIANBAO_TRUST_UNCHANGED_LISTS"] = False
    summaries = run_crawl(portals, settings_module=args.settings, overrides=overrides, jobdir=args.jobdir)
    print(format_summary(summaries))
    errors = [s["portal"] for s in summaries if s["error"]]
    if errors:
        print(f"error: no report found on {', '.join(errors)} (declare empty_ok: true if expected)")
    return 1 if errors else 0


def run_demo(args: argparse.Namespace) -> int:
    from crawler.run import run_crawl
    from mirror.portals import build_mirror, mirror_sites
    from mirror.server import MirrorServer

    db = args.db or f"sqlite:///{DEMO_DIR / 'nianbao.db'}"
    archive = args.archive or str(DEMO_DIR / "archive")
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    portals = build_mirror()
    sites = mirror_sites(portals)
    ports = {name: DEMO_PORT_BASE + i for i, name in enumerate(sites)}
    with (
        MirrorServer(sites, ports=ports) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        configs = [p.config(server.base_url(p.name)) for p in portals]
        for config in configs:
            dump_portal(config, Path(tmp))
        print(f"mirror: {len(portals)} portals on 127.0.0.1 ({sum(len(p.reports) for p in portals)} reports)")
        overrides = {"NIANBAO_PORTALS_DIR": tmp, "NIANBAO_DB_URL": db, "NIANBAO_ARCHIVE_DIR": archive}
        summaries = run_crawl(configs, settings_module="settings.mirror", overrides=overrides)
    print(format_summary(summaries))
    export_dir = _export(db, archive)
    print(f"database: {db}\narchive: {archive}\nexport: {export_dir}")
    return 1 if any(s["error"] for s in summaries) else 0


def _export(db: str, archive: str) -> Path:
    from storage.api import Store
    from storage.export import export

    out = DEMO_DIR / "export"
    with Store(url=db, archive_dir=archive) as store:
        export(store.engine, out)
    return out.resolve()
