"""`nianbao probe URL`: which family a column page belongs to, the pagination it announces, and
a portal YAML to add it; one page fetched politely (robots.txt, the crawler's User-Agent, TLS
verified), nothing stored."""

from __future__ import annotations

import argparse
import json
import re
from urllib.parse import urlsplit

from settings.vocabulary import LEVELS


def register(sub: argparse._SubParsersAction) -> None:
    probe = sub.add_parser("probe", help="read one column page: family, pagination, a portal YAML")
    probe.add_argument("url", help="the report column's list page (or a list API's first page)")
    probe.add_argument("--name", help="portal name in the YAML (default: from the host)")
    probe.add_argument("--title", help="the portal's printed name (default: from the page)")
    probe.add_argument("--level", choices=LEVELS, help="default: from the title")
    probe.add_argument("--province", help="default: from the title")
    probe.add_argument("--region", help="default: the title without 人民政府")
    probe.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    probe.set_defaults(func=run_probe)


def default_name(url: str) -> str:
    """www.henan.gov.cn -> henan; a host with a port keeps it (127.0.0.1:8000 -> 127-0-0-1-8000)."""
    parts = urlsplit(url)
    labels = [label for label in (parts.hostname or "portal").split(".") if label not in ("www", "gov", "cn")]
    name = "-".join(
        labels if not (parts.hostname or "").replace(".", "").isdigit() else [parts.hostname or ""]
    )
    if parts.port:
        name += f"-{parts.port}"
    return re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-") or "portal"


def run_probe(args: argparse.Namespace) -> int:
    from crawler.polite_fetch import FetchRefused, fetch_page
    from crawler.probe import portal_entry, probe_page
    from settings.registry import portal_yaml

    def fetch_json(url: str) -> object:
        try:
            return json.loads(fetch_page(url, timeout=args.timeout).body)
        except (FetchRefused, ValueError):
            return None

    try:
        fetched = fetch_page(args.url, timeout=args.timeout)
    except FetchRefused as exc:
        print(f"nianbao probe: {exc}")
        return 1
    probe = probe_page(
        fetched.url, fetched.body, fetched.content_type, method=fetched.method, fetch_json=fetch_json
    )
    entry = portal_entry(
        probe,
        args.name or default_name(fetched.url),
        title=args.title,
        level=args.level,
        province=args.province,
        region=args.region,
    )
    print(probe.describe())
    print("# --- portal YAML (check title, level, province and region; nothing was stored) ---")
    print(portal_yaml(entry), end="")
    return 0
