"""Storage throughput: upserts (facts/s) on SQLite and PostgreSQL, reparse (reports/s).

`run()` prints the figures. The reports are the five seeds under many agency names (200 facts
each); every report is one transaction, as in a crawl. PostgreSQL is a throwaway server with
its default durability (fsync on, synchronous commit), started here; a second pass measures the
opt-in `synchronous_commit=off` (docs/storage.md: SQLite's synchronous=NORMAL guarantee).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.model import ParseResult
from pipelines.parse import parse_bytes
from storage.api import Store
from storage.documents import ArchivedDocument
from storage.pgserver import PostgresUnavailable, TemporaryPostgres
from storage.reparse import reparse
from storage.reports import UpsertCounts
from tests.truth import SEEDS

REPORTS = 500
TARGET_FACTS_PER_S = 50_000
ASYNC_COMMIT = "?options=-c%20synchronous_commit%3Doff"


def _workload(n: int) -> list[tuple[bytes, ParseResult]]:
    """n distinct documents and their parses: the seeds, each under many agency names."""
    seeds = [(p.read_bytes(), parse_bytes(p.read_bytes(), p.name)) for p in sorted(SEEDS.glob("*.txt"))]
    work = []
    for i in range(n):
        body, result = seeds[i % len(seeds)]
        agency = f"{result.agency}{i // len(seeds):04d}"
        variant = body.replace(result.agency.encode(), agency.encode())  # type: ignore[union-attr]
        work.append((variant, dataclasses.replace(result, agency=agency, source=f"bench/{i}")))
    return work


def _timed(label: str, items: int, unit: str, action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    rate = items / seconds
    print(f"  {label:<44} {items:>8} {unit} in {seconds:6.2f} s = {rate:>9,.0f} {unit}/s", flush=True)
    return rate


def _store_all(store: Store, docs: list[ArchivedDocument], results: list[ParseResult]) -> UpsertCounts:
    total = UpsertCounts()
    for doc, result in zip(docs, results, strict=True):
        total += store.store_parse(doc, result)
    return total


def bench_database(name: str, url: str, archive: Path, work: list[tuple[bytes, ParseResult]]) -> float:
    print(f"{name}:", flush=True)
    with Store(url, str(archive)) as store:
        docs: list[ArchivedDocument] = []
        _timed(
            "archive (WARC + index, fsync each)",
            len(work),
            "docs",
            lambda: docs.extend(store.archive(url=r.source, body=b) for b, r in work),
        )
        results = [r for _, r in work]
        n_facts = sum(len(r.facts) for r in results)
        inserted = _timed("upsert new reports", n_facts, "facts", lambda: _store_all(store, docs, results))
        _timed(
            "upsert unchanged (compare, last_seen)",
            n_facts,
            "facts",
            lambda: _store_all(store, docs, results),
        )
        store.parser_version = "bench-2"
        _timed(
            "upsert new versions (facts move, history)",
            n_facts,
            "facts",
            lambda: _store_all(store, docs, results),
        )
        store.parser_version = "bench-3"
        _timed(
            "reparse the archive (new parser: parse + store)", len(docs), "reports", lambda: reparse(store)
        )
    return inserted


def run(reports: int = REPORTS) -> dict[str, float]:
    """Print storage throughput figures; returns facts/s of new-report upserts by database."""
    work = _workload(reports)
    print(
        f"storage: {reports} reports x 200 facts, one transaction per report"
        f" (target >= {TARGET_FACTS_PER_S:,} facts/s)"
    )
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        base = Path(tmp)
        figures["sqlite"] = bench_database(
            "SQLite (WAL)", f"sqlite:///{base / 'bench.db'}", base / "a1", work
        )
        try:
            with TemporaryPostgres(durable=True) as server:
                url = server.create_database("bench")
                figures["postgresql"] = bench_database("PostgreSQL", url, base / "a2", work)
                url = server.create_database("bench_async") + ASYNC_COMMIT
                bench_database("PostgreSQL, synchronous_commit=off", url, base / "a3", work)
        except PostgresUnavailable as exc:
            print(f"PostgreSQL: skipped ({exc})")
    return figures


if __name__ == "__main__":
    run()
