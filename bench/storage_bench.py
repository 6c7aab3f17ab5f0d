"""Storing parses: facts/s on SQLite and PostgreSQL with batches of 1, 10 and 100 reports per
transaction, against the bare floor of writing the same rows.

The floor: the rows the store wrote (read back from its database) written again into an empty
copy of the schema with nothing but the driver: executemany on SQLite, COPY on PostgreSQL, in
transactions of the same batch size. `ratio` = floor time / store time (target >= 0.8). The
reports are generated (distinct agencies and years, 200 facts each), parsed once beforehand:
this times storing, not parsing. PostgreSQL is a throwaway server with its default durability.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, update

from pipelines.model import ParseResult
from pipelines.parse import PARSER_VERSION, parse_bytes
from storage.api import Fetched, PendingDocument, Store
from storage.migrate import migrated_engine
from storage.models import Base
from storage.pgserver import PostgresUnavailable, TemporaryPostgres
from tests.stage_fixtures import html_reports

REPORTS = 500
BATCHES = (1, 10, 100)
TARGET_RATIO = 0.8
# Present before the store runs (the archive's index and the portal): not part of the floor.
INDEXED = ("contents", "documents", "portals")


def _workload(count: int) -> list[tuple[bytes, ParseResult]]:
    return [(body, parse_bytes(body, f"bench/{r.index}")) for r, body in html_reports(count)]


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _store(url: str, archive: Path, work: list[tuple[bytes, ParseResult]], batch: int) -> float:
    """Seconds to store every parse, `batch` reports per transaction (archiving not timed)."""
    with Store(url, str(archive)) as store:
        docs = [
            store.archive(Fetched(f"http://bench.test/{i}.html", body, parse=True, portal="bench"))
            for i, (body, _) in enumerate(work)
        ]
        pending = [PendingDocument(d.document_id, d.sha256, d.url, d.fetched_at, None, "bench") for d in docs]
        parses = list(zip(pending, (result for _, result in work), strict=True))
        start = time.perf_counter()
        for chunk in _batches(parses, batch):
            store.store_parses(chunk, PARSER_VERSION)
        return time.perf_counter() - start


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in INDEXED]


def _rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as conn:
        return {
            t.name: [dict(r) for r in conn.execute(select(t)).mappings()] for t in Base.metadata.sorted_tables
        }


def _copy_index(conn: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    for table in Base.metadata.sorted_tables:
        if table.name in INDEXED and rows[table.name]:
            conn.execute(table.insert(), rows[table.name])


def _floor(url: str, rows: dict[str, list[dict[str, Any]]], batch: int) -> float:
    """Seconds to write the store's rows with the bare driver, report by report in batches.
    A report's current version is set by an UPDATE once its version exists, as the store does."""
    with migrated_engine(url) as engine:
        with engine.begin() as conn:
            _copy_index(conn, rows)
        by_report = _group_by_report(rows)
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            postgres = conn.dialect.name == "postgresql"
            start = time.perf_counter()
            for chunk in _batches(sorted(by_report), batch):
                with conn.begin():
                    for table in _tables():
                        table_rows = [row for rid in chunk for row in by_report[rid].get(table.name, [])]
                        if table.name == "reports":
                            table_rows = [{**row, "current_version_id": None} for row in table_rows]
                        _write(raw, table, table_rows, postgres)
                    current = [row for rid in chunk for row in by_report[rid].get("reports", [])]
                    for row in current:
                        conn.execute(
                            update(Base.metadata.tables["reports"])
                            .where(Base.metadata.tables["reports"].c.id == row["id"])
                            .values(current_version_id=row["current_version_id"])
                        )
            return time.perf_counter() - start


def _group_by_report(rows: dict[str, list[dict[str, Any]]]) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Each written row under the report it belongs to (checks through their version, an agency
    and its aliases under the first report that named it)."""
    report_of_version = {v["id"]: v["report_id"] for v in rows["report_versions"]}
    report_of_agency: dict[int, int] = {}
    for report in sorted(rows["reports"], key=lambda r: r["id"]):
        report_of_agency.setdefault(report["agency_id"], report["id"])
    grouped: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for table in _tables():
        for row in rows[table.name]:
            if table.name == "reports":
                rid = row["id"]
            elif table.name == "agencies":
                rid = report_of_agency[row["id"]]
            elif table.name == "agency_aliases":
                rid = report_of_agency[row["agency_id"]]
            elif "report_id" in row:
                rid = row["report_id"]
            else:
                rid = report_of_version[row["version_id"]]
            grouped.setdefault(rid, {}).setdefault(table.name, []).append(row)
    return grouped


def _write(raw: Any, table: Table, rows: list[dict[str, Any]], postgres: bool) -> None:
    if not rows:
        return
    columns = list(rows[0])
    if postgres:
        from psycopg.types.json import Jsonb

        json_columns = {c.name for c in table.columns if "JSON" in type(c.type).__name__.upper()}
        names = ", ".join(columns)
        with raw.cursor().copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([Jsonb(row[c]) if c in json_columns else row[c] for c in columns])
        return
    import json

    placeholders = ", ".join("?" for _ in columns)
    values = [
        [json.dumps(v) if isinstance(v, dict | list) else v for v in (row[c] for c in columns)]
        for row in rows
    ]
    raw.cursor().executemany(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", values
    )


def bench_database(
    name: str, make_url: Any, base: Path, work: list[tuple[bytes, ParseResult]]
) -> dict[str, float]:
    facts = sum(len(r.facts) for _, r in work)
    print(f"  {name}:", flush=True)
    figures: dict[str, float] = {}
    for batch in BATCHES:
        url = make_url(f"store_{batch}")
        with migrated_engine(url):
            pass
        stored_s = _store(url, base / f"archive-{name}-{batch}", work, batch)
        with migrated_engine(url) as engine:
            rows = _rows(engine)
        if len(rows["reports"]) != len(work):
            raise AssertionError(f"{len(work)} reports stored as {len(rows['reports'])}")
        floor_s = _floor(make_url(f"floor_{batch}"), rows, batch)
        ratio = floor_s / stored_s
        print(
            f"    batches of {batch:>3}: {facts / stored_s:>9,.0f} facts/s stored,"
            f" floor {facts / floor_s:>9,.0f} facts/s: ratio {ratio:4.2f} (target >= {TARGET_RATIO})",
            flush=True,
        )
        figures[f"{name}_facts_per_s_batch_{batch}"] = facts / stored_s
        figures[f"{name}_ratio_batch_{batch}"] = ratio
    return figures


def run(reports: int = REPORTS) -> dict[str, float]:
    work = _workload(reports)
    print(f"storage bench: {reports} new reports x {len(work[0][1].facts)} facts", flush=True)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        base = Path(tmp)
        figures |= bench_database("sqlite", lambda name: f"sqlite:///{base / name}.db", base, work)
        try:
            with TemporaryPostgres(durable=True) as server:
                figures |= bench_database("postgresql", server.create_database, base, work)
        except PostgresUnavailable as exc:
            print(f"  postgresql: skipped ({exc})")
    return figures


if __name__ == "__main__":
    run()
