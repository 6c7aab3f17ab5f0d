"""The README's pictures of the report site: the overview (coverage matrix) and one report page,
taken by headless Chromium from a site `nianbao report` (or `nianbao demo`) wrote.

    .venv/bin/python scripts/report_screenshot.py [--site data/report] [--out docs]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lxml import html

from report.screenshot import screenshot


def latest_parsed_report(site: Path) -> Path:
    """The page of the first agency's latest parsed report, as the overview's matrix links it."""
    index = html.fromstring((site / "index.html").read_text(encoding="utf-8"))
    for row in index.cssselect("table.matrix tbody tr"):
        parsed = row.cssselect("td.cov.parsed a")
        if parsed:
            return site / parsed[-1].get("href")
    raise SystemExit(f"{site / 'index.html'}: no parsed report in the matrix")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--site", type=Path, default=Path("data/report"))
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    for page, name, height in (
        (args.site / "index.html", "report-coverage.png", 1000),
        (latest_parsed_report(args.site), "report-page.png", 1100),
    ):
        print(screenshot(page, args.out / name, width=1280, height=height))


if __name__ == "__main__":
    main()
