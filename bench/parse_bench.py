"""Parse throughput per input kind, and a pandas.read_html baseline on the same HTML pages."""

from __future__ import annotations

import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
import pandas as pd

from bench.real_pages import real_like_page
from mirror.generate import generate_report
from mirror.render import render_html, render_pdf, render_text
from mirror.report_spec import ReportSpec
from pipelines.parse import parse_bytes
from pipelines.schema import fact_keys

HTML_REPORTS = 200
PDF_REPORTS = 10
TARGET_REAL_HTML_PER_CPU_S = 100
TARGET_STARTUP_S = 0.25
ROOT = Path(__file__).resolve().parents[1]


def _specs(count: int, seed: int = 7) -> list[ReportSpec]:
    rng = random.Random(seed)
    return [
        generate_report(
            rng, agency=f"样例县第{i}乡人民政府", year=2019 + i % 6, fmt="2019" if i % 6 < 2 else "2021"
        )
        for i in range(count)
    ]


def _rate(documents: list[bytes]) -> float:
    start = time.perf_counter()
    for data in documents:
        parse_bytes(data, "bench")
    return len(documents) / (time.perf_counter() - start)


def _per_cpu_second(documents: list[bytes], read: Callable[[bytes], object]) -> float:
    """Documents read per CPU-second of this process (time on other processes does not count)."""
    start = time.process_time()
    for data in documents:
        read(data)
    return len(documents) / (time.process_time() - start)


def _lxml_tables(page: bytes) -> object:
    """The floor of any HTML table reader: parse the page, find its tables."""
    return lxml.html.document_fromstring(page).xpath("//table")


def _startup_seconds(runs: int = 7) -> tuple[float, float]:
    """Median wall and CPU seconds of `nianbao parse --json` on a one-line file."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("x")
    wall, cpu = [], []
    cmd = [sys.executable, "-m", "nianbao", "parse", "--json", handle.name]
    for _ in range(runs):
        before = _children_cpu()
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
        wall.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - before)
    Path(handle.name).unlink()
    return statistics.median(wall), statistics.median(cpu)


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _truth(spec: ReportSpec) -> dict[tuple[str, str, str], float | None]:
    return spec.expected()


def _page(index: int, spec: ReportSpec) -> tuple[ReportSpec, bytes]:
    """Pages as portals publish them: some tables split in two, full-width digits, unfilled cells."""
    if index % 5 == 0:
        spec = spec.with_blanks([("requests", "granted", "research"), ("disclosure", "penalty", "decisions")])
    return spec, render_html(spec, split_requests_table=index % 3 == 0, fullwidth_digits=index % 4 == 0)


def _accuracy(
    specs: list[ReportSpec], pages: list[bytes], reader: Callable[[bytes, ReportSpec], dict]
) -> float:
    right = total = 0
    for spec, page in zip(specs, pages, strict=True):
        got = reader(page, spec)
        for key, want in _truth(spec).items():
            total += 1
            right += got.get(key) == want
    return 100.0 * right / total


def _nianbao_cells(page: bytes, spec: ReportSpec) -> dict:
    return {f.key: (None if f.blank else f.value) for f in parse_bytes(page, "bench").facts}


def _pandas_cells(page: bytes, spec: ReportSpec) -> dict:
    """The obvious approach: read every table with pandas, take the numbers in order, zip them with the
    template's keys. No labels, no spans, no identities."""
    numbers: list[float | None] = []
    for frame in pd.read_html(io.BytesIO(page)):
        for row in frame.itertuples(index=False):
            for cell in row:
                try:
                    numbers.append(float(str(cell).replace(",", "")))
                except ValueError:
                    continue
    keys = fact_keys(spec.format, one_other_row=spec.one_other_row)
    return dict(zip(keys, numbers, strict=False))


def run() -> None:
    specs, pages = (
        list(x) for x in zip(*(_page(i, s) for i, s in enumerate(_specs(HTML_REPORTS))), strict=True)
    )
    texts = [render_text(spec, "pdf").encode() for spec in specs]
    pdfs = [render_pdf(spec) for spec in specs[:PDF_REPORTS]]
    for data in pages[:5]:
        parse_bytes(data, "warm-up")
    print("== parse throughput (one core) ==")
    print(f"html: {_rate(pages):8.1f} reports/s  ({len(pages)} generated pages: spans, split tables, blanks)")
    print(f"text: {_rate(texts):8.1f} reports/s  ({len(texts)} PDF-style text reports)")
    print(f"pdf:  {_rate(pdfs):8.1f} reports/s  ({len(pdfs)} ruled-table PDFs)")
    start = time.perf_counter()
    baseline = _accuracy(specs, pages, _pandas_cells)
    baseline_rate = len(pages) / (time.perf_counter() - start)
    ours = _accuracy(specs, pages, _nianbao_cells)
    print("== same HTML pages: nianbao vs a pandas.read_html baseline ==")
    print(f"nianbao:          cell accuracy {ours:6.2f}%")
    print(f"pandas.read_html: cell accuracy {baseline:6.2f}%  throughput {baseline_rate:8.1f} reports/s")
    real = [real_like_page(spec, i) for i, spec in enumerate(specs)]
    size = sum(map(len, real)) / len(real) / 1024
    ours_cpu = _per_cpu_second(real, lambda page: parse_bytes(page, "bench"))
    pandas_cpu = _per_cpu_second(real, lambda page: pd.read_html(io.BytesIO(page)))
    lxml_cpu = _per_cpu_second(real, _lxml_tables)
    print(f"== pages the size of real ones ({size:.0f} kB: menus, scripts, Word-exported cells) ==")
    print(
        f"nianbao {ours_cpu:6.1f} reports per CPU-second (target >= {TARGET_REAL_HTML_PER_CPU_S});"
        f" {ours_cpu / pandas_cpu:4.2f}x pandas.read_html ({pandas_cpu:.1f}/s),"
        f" {ours_cpu / lxml_cpu:4.2f}x lxml parse + find tables ({lxml_cpu:.1f}/s)"
    )
    wall, cpu = _startup_seconds()
    print(f"nianbao parse start-up: {wall:.2f} s wall, {cpu:.2f} CPU-s (target <= {TARGET_STARTUP_S} s)")
    seeds = sorted((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("*.txt"))
    if seeds:
        seed_rate = _rate([p.read_bytes() for p in seeds] * 20)
        print(f"seed texts: {seed_rate:8.1f} reports/s")
