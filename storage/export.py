"""The warehouse feed: `facts`, `reports`, `checks`, `code_lists`, `runs` and `portals` as
Parquet or CSV (docs/warehouse.md).

Column names and types are fixed by the schemas below. With `since`, only the reports that
changed after that time are written, with all their facts and checks: any change to a fact
(value, or the version it belongs to) marks its report changed, and the report's columns are part
of every fact row anyway. `code_lists` (the printed labels of every fact key, from
pipelines.schema) is written whole every time, and so is `portals` (one row per portal, with its
last crawl); `runs` has the runs that started or ended after `since`. `manifest.json` records
`exported_at`, the value to pass as `--since` next time (taken before reading, so nothing
committed meanwhile is missed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, Select, func, select, true

from pipelines.schema import (
    DISCLOSURE,
    REQUESTS,
    REVIEW,
    REVIEW_ROWS,
    Row,
    disclosure_rows,
    requests_rows,
)
from pipelines.schema import FORMATS as TEMPLATE_VERSIONS
from storage.agencies import agencies
from storage.db import read_connection, utcnow
from storage.documents import documents, portals
from storage.reports import checks, facts, reports, versions
from storage.runs import last_crawls, runs

FORMATS = ("parquet", "csv")
# Rows per read and per written row group: the memory of an export is one batch (a check row,
# with its compared cells, weighs about five fact rows).
BATCH_ROWS = 10_000
CHECK_BATCH_ROWS = 2_000
TS = pa.timestamp("us", tz="UTC")

FACTS_SCHEMA = pa.schema(
    [
        ("report_id", pa.int64()),
        ("agency_id", pa.int64()),
        ("agency", pa.string()),  # canonical
        ("agency_as_printed", pa.string()),  # by the document of the fact's version
        ("division_code", pa.string()),
        ("region", pa.string()),
        ("portal", pa.string()),
        ("year", pa.int32()),
        ("template_version", pa.string()),
        ("table_key", pa.string()),
        ("row_key", pa.string()),
        ("column_key", pa.string()),
        ("value", pa.float64()),
        ("raw", pa.string()),
        ("unit", pa.string()),
        ("blank", pa.bool_()),
        ("inferred", pa.bool_()),
        ("reason", pa.string()),  # why a value is not simply as printed (inferred, undecided)
        ("cell", pa.string()),  # JSON: where it was printed (pipelines.model.CellRef)
        ("source_url", pa.string()),
        ("fetched_at", TS),
        ("sha256", pa.string()),
        ("parser_version", pa.string()),
        ("parsed_at", TS),
        ("check_status", pa.string()),
        ("current", pa.bool_()),
        ("first_seen", TS),
        ("last_seen", TS),
        ("changed_at", TS),
    ]
)

# (column, table, row, column): the headline figures of a report, one column each.
HEADLINES = (
    ("requests_new_received", "requests", "new_received", "total"),
    ("requests_carried_over", "requests", "carried_over", "total"),
    ("requests_granted", "requests", "granted", "total"),
    ("requests_partially_granted", "requests", "partially_granted", "total"),
    ("requests_processed", "requests", "total", "total"),
    ("requests_carried_forward", "requests", "carried_forward", "total"),
    ("review_total", "review_litigation", "review", "total"),
    ("litigation_direct_total", "review_litigation", "litigation_direct", "total"),
    ("litigation_after_review_total", "review_litigation", "litigation_after_review", "total"),
    ("licensing_decisions", "disclosure", "licensing", "decisions"),
    ("penalty_decisions", "disclosure", "penalty", "decisions"),
    ("enforcement_decisions", "disclosure", "enforcement", "decisions"),
)

REPORTS_SCHEMA = pa.schema(
    [
        ("report_id", pa.int64()),
        ("agency_id", pa.int64()),
        ("agency", pa.string()),
        ("agency_as_printed", pa.string()),  # by the current version's document
        ("division_code", pa.string()),
        ("region", pa.string()),
        ("portal", pa.string()),
        ("year", pa.int32()),
        ("template_version", pa.string()),
        ("title", pa.string()),
        ("published", pa.string()),
        ("status", pa.string()),
        ("source_url", pa.string()),
        ("fetched_at", TS),
        ("sha256", pa.string()),
        ("parser_version", pa.string()),
        ("parsed_at", TS),
        ("fact_count", pa.int32()),
        ("failing_checks", pa.int32()),
        *((name, pa.float64()) for name, *_ in HEADLINES),
        ("first_seen", TS),
        ("last_seen", TS),
        ("changed_at", TS),
    ]
)

CHECKS_SCHEMA = pa.schema(
    [
        ("report_id", pa.int64()),
        ("agency_id", pa.int64()),
        ("agency", pa.string()),
        ("year", pa.int32()),
        ("identity", pa.string()),
        ("rule", pa.string()),
        ("table_key", pa.string()),
        ("subject", pa.string()),
        ("ok", pa.bool_()),  # null: not evaluable (a cross-year check with a blank side)
        ("cause", pa.string()),
        ("detail", pa.string()),
        ("cells", pa.string()),  # JSON: [{table, row, column, side, value, state}, ...]
        ("quote", pa.string()),  # JSON: the text figure of a narrative check
        ("sha256", pa.string()),
        ("parser_version", pa.string()),
        ("parsed_at", TS),
    ]
)

CODE_LISTS_SCHEMA = pa.schema(
    [
        ("template_version", pa.string()),
        ("table_key", pa.string()),
        ("row_key", pa.string()),
        ("column_key", pa.string()),
        ("row_label", pa.string()),
        ("column_label", pa.string()),
        ("group_label", pa.string()),
        ("unit", pa.string()),
    ]
)

RUNS_SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("command", pa.string()),
        ("command_line", pa.string()),
        ("portals", pa.string()),
        ("host", pa.string()),
        ("pid", pa.int32()),
        ("started_at", TS),
        ("finished_at", TS),
        ("exit_code", pa.int32()),
        ("error", pa.string()),
        ("counts", pa.string()),
        ("summary_file", pa.string()),
    ]
)

PORTALS_SCHEMA = pa.schema(
    [
        ("portal", pa.string()),
        ("level", pa.string()),
        ("region", pa.string()),
        ("family", pa.string()),
        ("base_url", pa.string()),
        ("blocked", pa.string()),
        ("state_at", TS),
        ("reports", pa.int32()),
        ("reports_failing_checks", pa.int32()),
        ("last_crawl_run_id", pa.int64()),
        ("last_crawl_started_at", TS),
        ("last_crawl_finished_at", TS),
        ("last_crawl_status", pa.string()),
        ("last_crawl_exit_code", pa.int32()),
        ("last_crawl_reason", pa.string()),
        ("first_seen", TS),
        ("last_seen", TS),
    ]
)


@dataclass(frozen=True)
class ExportSummary:
    directory: Path
    exported_at: datetime
    since: datetime | None
    rows: dict[str, int]


class _Writer:
    """Write record batches of one schema to `<name>.parquet` or `<name>.csv`."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.schema = schema
        if fmt == "parquet":
            self._writer: Any = pq.ParquetWriter(path, schema, compression="zstd")
        else:
            self._writer = pacsv.CSVWriter(path, schema)
        self.rows = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))
            self.rows += len(rows)

    def close(self) -> None:
        self._writer.close()


def _batches(conn: Connection, query: Select, rows: int = BATCH_ROWS) -> Iterator[list[dict[str, Any]]]:
    result = conn.execution_options(yield_per=rows).execute(query)
    for partition in result.mappings().partitions():
        yield [dict(row) for row in partition]


def _changed(since: datetime | None, column: Any) -> Any:
    return column > since if since is not None else true()


def _current(query: Select) -> Select:
    """Join a query on reports to the current version, its document, portal and agency."""
    return (
        query.join(versions, versions.c.id == reports.c.current_version_id)
        .join(documents, documents.c.id == versions.c.document_id)
        .outerjoin(portals, portals.c.id == reports.c.portal_id)
        .outerjoin(agencies, agencies.c.id == reports.c.agency_id)
    )


def _failing_cells(conn: Connection) -> dict[int, set[tuple[str, str, str]]]:
    """version id -> the (table, row, column) of every cell a failing check compares. A cell of
    a cross-year check that lies in the other year's report is that report's current version's."""
    current = {
        (agency_id, year): version_id
        for agency_id, year, version_id in conn.execute(
            select(reports.c.agency_id, reports.c.year, reports.c.current_version_id)
        )
    }
    query = (
        select(checks.c.version_id, checks.c.cells, reports.c.agency_id, reports.c.year)
        .join(versions, versions.c.id == checks.c.version_id)
        .outerjoin(reports, reports.c.id == versions.c.report_id)
        .where(checks.c.ok.is_(False))
    )
    failing: dict[int, set[tuple[str, str, str]]] = {}
    for version_id, cells, agency_id, year in conn.execute(query):
        for cell in cells or ():
            where = version_id
            if cell.get("year", year) != year:
                where = current.get((agency_id, cell["year"]))
            if where is not None:
                failing.setdefault(where, set()).add((cell["table"], cell["row"], cell["column"]))
    return failing


def _fact_rows(conn: Connection, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    failing = _failing_cells(conn)
    query = (
        select(
            reports.c.id.label("report_id"),
            reports.c.agency_id,
            reports.c.agency,
            versions.c.agency.label("agency_as_printed"),
            agencies.c.division_code,
            reports.c.region,
            portals.c.name.label("portal"),
            reports.c.year,
            versions.c.template_version,
            facts.c.table_key,
            facts.c.row_key,
            facts.c.column_key,
            facts.c.value,
            facts.c.raw,
            facts.c.unit,
            facts.c.blank,
            facts.c.inferred,
            facts.c.reason,
            facts.c.origin.label("cell"),
            documents.c.url.label("source_url"),
            documents.c.fetched_at,
            versions.c.sha256,
            versions.c.parser_version,
            versions.c.parsed_at,
            versions.c.id.label("version_id"),
            (facts.c.version_id == reports.c.current_version_id).label("current"),
            facts.c.first_seen,
            versions.c.last_seen,  # a fact's last_seen is its version's
            facts.c.changed_at,
        )
        .select_from(facts)
        .join(reports, reports.c.id == facts.c.report_id)
        .join(versions, versions.c.id == facts.c.version_id)
        .join(documents, documents.c.id == versions.c.document_id)
        .outerjoin(portals, portals.c.id == reports.c.portal_id)
        .outerjoin(agencies, agencies.c.id == reports.c.agency_id)
        .where(_changed(since, reports.c.changed_at))
        .order_by(facts.c.report_id, facts.c.table_key, facts.c.row_key, facts.c.column_key)
    )
    for batch in _batches(conn, query):
        for row in batch:
            row["cell"] = json.dumps(row["cell"], ensure_ascii=False)
            named = failing.get(row.pop("version_id"), set())
            bad = (row["table_key"], row["row_key"], row["column_key"]) in named
            row["check_status"] = "failed" if bad else "ok"
        yield batch


def _report_rows(conn: Connection, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    failing = (
        select(func.count())
        .select_from(checks)
        .where(checks.c.version_id == reports.c.current_version_id, checks.c.ok.is_(False))
        .scalar_subquery()
    )
    query = _current(
        select(
            reports.c.id.label("report_id"),
            reports.c.agency_id,
            reports.c.agency,
            versions.c.agency.label("agency_as_printed"),
            agencies.c.division_code,
            reports.c.region,
            portals.c.name.label("portal"),
            reports.c.year,
            reports.c.template_version,
            reports.c.title,
            reports.c.published,
            reports.c.status,
            reports.c.source_url,
            documents.c.fetched_at,
            versions.c.sha256,
            versions.c.parser_version,
            versions.c.parsed_at,
            versions.c.fact_count,
            failing.label("failing_checks"),
            reports.c.first_seen,
            reports.c.last_seen,
            reports.c.changed_at,
        ).select_from(reports)
    )
    query = query.where(_changed(since, reports.c.changed_at)).order_by(reports.c.id)
    for batch in _batches(conn, query):
        headline = _headlines(conn, [row["report_id"] for row in batch])
        for row in batch:
            values = headline.get(row["report_id"], {})
            row.update({name: values.get(name) for name, *_ in HEADLINES})
        yield batch


def _headlines(conn: Connection, report_ids: list[int]) -> dict[int, dict[str, float | None]]:
    wanted = {(t, r, c): name for name, t, r, c in HEADLINES}
    out: dict[int, dict[str, float | None]] = {}
    for start in range(0, len(report_ids), 1000):
        query = select(
            facts.c.report_id, facts.c.table_key, facts.c.row_key, facts.c.column_key, facts.c.value
        ).where(
            facts.c.report_id.in_(report_ids[start : start + 1000]),
            facts.c.table_key.in_({t for _, t, _, _ in HEADLINES}),
            facts.c.column_key.in_({c for *_, c in HEADLINES}),
        )
        for report_id, table, row, column, value in conn.execute(query):
            name = wanted.get((table, row, column))
            if name:
                out.setdefault(report_id, {})[name] = value
    return out


def _check_rows(conn: Connection, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    query = (
        select(
            reports.c.id.label("report_id"),
            reports.c.agency_id,
            reports.c.agency,
            reports.c.year,
            checks.c.identity,
            checks.c.rule,
            checks.c.table_key,
            checks.c.subject,
            checks.c.ok,
            checks.c.cause,
            checks.c.detail,
            checks.c.cells,
            checks.c.quote,
            versions.c.sha256,
            versions.c.parser_version,
            versions.c.parsed_at,
        )
        .select_from(reports)
        .join(versions, versions.c.id == reports.c.current_version_id)
        .join(checks, checks.c.version_id == versions.c.id)
        .where(_changed(since, reports.c.changed_at))
        .order_by(reports.c.id, checks.c.identity)
    )
    for batch in _batches(conn, query, CHECK_BATCH_ROWS):
        for row in batch:
            for name in ("cells", "quote"):
                row[name] = None if row[name] is None else json.dumps(row[name], ensure_ascii=False)
        yield batch


def _request_rows(template_version: str) -> list[Row]:
    """The requests rows a report of this template may print: for （六）其他处理 a 2021 report
    prints its three rows or, as some do, the single 2019 row `other` (listed before the three)."""
    rows = list(requests_rows(template_version))
    for row in requests_rows(template_version, one_other_row=True):
        if row not in rows:
            parts = [i for i, r in enumerate(rows) if r.key.startswith(f"{row.key}.")]
            rows.insert(parts[0] if parts else len(rows), row)
    return rows


def code_lists() -> list[dict[str, Any]]:
    """One row per (template version, table, row, column) a report can carry, with the labels
    the template prints for it: what a fact key means, for joining on `facts`."""
    out = []
    for version in TEMPLATE_VERSIONS:
        tables = (
            (DISCLOSURE, disclosure_rows(version)),
            (REQUESTS, _request_rows(version)),
            (REVIEW, REVIEW_ROWS),
        )
        for table, rows in tables:
            for row in rows:
                for column in row.columns:
                    out.append(
                        {
                            "template_version": version,
                            "table_key": table,
                            "row_key": row.key,
                            "column_key": column.key,
                            "row_label": row.label,
                            "column_label": column.label,
                            "group_label": row.group or None,
                            "unit": column.unit,
                        }
                    )
    return out


def _code_list_rows(_conn: Connection, _since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    yield code_lists()  # whole every time: a few hundred rows, and a loader replaces them


def _run_rows(conn: Connection, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    query = select(runs).order_by(runs.c.id)
    if since is not None:
        query = query.where((runs.c.started_at > since) | (runs.c.finished_at > since))
    for batch in _batches(conn, query):
        for row in batch:
            row["run_id"] = row.pop("id")
            row["portals"] = ",".join(row["portals"] or [])
            if row["counts"] is not None:
                row["counts"] = json.dumps(row["counts"], ensure_ascii=False)
        yield batch


def _portal_rows(conn: Connection, _since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    """Whole every time: one row per portal, with its report counts and its last crawl."""
    failing = (
        select(func.count(func.distinct(checks.c.version_id)))
        .select_from(checks)
        .join(reports, reports.c.current_version_id == checks.c.version_id)
        .where(reports.c.portal_id == portals.c.id, checks.c.ok.is_(False))
        .scalar_subquery()
    )
    count = select(func.count()).select_from(reports).where(reports.c.portal_id == portals.c.id)
    query = select(
        portals.c.name.label("portal"),
        portals.c.level,
        portals.c.region,
        portals.c.family,
        portals.c.base_url,
        portals.c.blocked,
        portals.c.state_at,
        count.scalar_subquery().label("reports"),
        failing.label("reports_failing_checks"),
        portals.c.first_seen,
        portals.c.last_seen,
    ).order_by(portals.c.name)
    crawls = last_crawls(conn)
    rows = []
    for row in conn.execute(query).mappings():
        out = dict(row)
        run, part = crawls.get(out["portal"], (None, None))
        out.update(
            last_crawl_run_id=run.id if run else None,
            last_crawl_started_at=run.started_at if run else None,
            last_crawl_finished_at=run.finished_at if run else None,
            last_crawl_status=part.status if part else None,
            last_crawl_exit_code=part.exit_code if part else None,
            last_crawl_reason=part.reason if part else None,
        )
        rows.append(out)
    yield rows


EXPORTS = (
    ("facts", FACTS_SCHEMA, _fact_rows),
    ("reports", REPORTS_SCHEMA, _report_rows),
    ("checks", CHECKS_SCHEMA, _check_rows),
    ("code_lists", CODE_LISTS_SCHEMA, _code_list_rows),
    ("runs", RUNS_SCHEMA, _run_rows),
    ("portals", PORTALS_SCHEMA, _portal_rows),
)


def export(
    engine: Engine, out_dir: str | Path, *, fmt: str = "parquet", since: datetime | None = None
) -> ExportSummary:
    """Write facts, reports, checks and runs (changed after `since`, if given), the code lists and
    the portals to `out_dir`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    exported_at = utcnow()
    rows: dict[str, int] = {}
    with read_connection(engine) as conn:
        if conn.dialect.name == "postgresql":  # one snapshot for all the files
            conn.execution_options(isolation_level="REPEATABLE READ")
        for name, schema, produce in EXPORTS:
            writer = _Writer(directory / f"{name}.{fmt}", schema, fmt)
            try:
                for batch in produce(conn, since):
                    writer.write(batch)
            finally:
                writer.close()
            rows[name] = writer.rows
    manifest = {
        "exported_at": exported_at.isoformat() + "Z",
        "since": since.isoformat() + "Z" if since else None,
        "format": fmt,
        "rows": rows,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return ExportSummary(directory, exported_at, since, rows)
