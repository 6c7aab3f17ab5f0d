"""The warehouse feed read by a real warehouse client (DuckDB): totals, provenance, --since."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mirror.generate import generate_report
from mirror.render import render_html
from pipelines.parse import parse_bytes
from pipelines.schema import FORMAT_2019
from storage.api import Store
from storage.db import utcnow
from storage.export import CHECKS_SCHEMA, CODE_LISTS_SCHEMA, FACTS_SCHEMA, REPORTS_SCHEMA, export
from storage.ingest import file_url
from tests.samples import GUANGSHAN, samples
from tests.storage.helpers import (
    CHANGED_AGENCY,
    CHANGED_FILE,
    CHANGED_LINE,
    archive,
    ingest_paths,
    store_parse,
)

CODE_LIST_ROWS = 198 + 207  # template 2019; 2021 with （六）其他处理 as three rows or one


def _sample_totals() -> dict[tuple[str, int], tuple[float, float]]:
    """(agency, year) -> (requests new_received total, requests processed total)."""
    return {
        (spec.agency, spec.year): (
            spec.value("requests", "new_received", "total"),
            spec.value("requests", "total", "total"),
        )
        for _, spec in samples().values()
    }


def test_duckdb_reads_the_sample_totals_from_parquet(store: Store, sample_dir: Path, tmp_path: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    out = tmp_path / "feed"
    summary = export(store.engine, out, fmt="parquet")
    assert summary.rows == {
        "facts": 1000,
        "reports": 5,
        "checks": 214,  # 210 identities, 4 narrative
        "code_lists": CODE_LIST_ROWS,
        "runs": 0,  # files ingested through the API, not by a command
        "portals": 0,
    }

    db = duckdb.connect()
    facts = f"read_parquet('{out / 'facts.parquet'}')"
    reports = f"read_parquet('{out / 'reports.parquet'}')"
    from_facts = db.execute(
        f"""select agency, year,
                   sum(value) filter (where table_key = 'requests' and row_key = 'new_received'
                                      and column_key = 'total'),
                   sum(value) filter (where table_key = 'requests' and row_key = 'total'
                                      and column_key = 'total')
            from {facts} group by agency, year"""
    ).fetchall()
    from_reports = db.execute(
        f"select agency, year, requests_new_received, requests_processed from {reports}"
    ).fetchall()
    expected = _sample_totals()
    assert len(expected) == 5
    assert {(a, y): (n, t) for a, y, n, t in from_facts} == expected
    assert {(a, y): (n, t) for a, y, n, t in from_reports} == expected

    missing = db.execute(
        f"""select count(*) from {facts} where source_url is null or sha256 is null
            or fetched_at is null or parser_version is null"""
    ).fetchone()
    assert missing == (0,)
    assert db.execute(f"select count(distinct sha256), count(*) from {facts}").fetchone() == (5, 1000)
    assert [c[0] for c in db.execute(f"describe select * from {facts}").fetchall()] == FACTS_SCHEMA.names


def test_since_exports_only_what_changed(store: Store, sample_dir: Path, tmp_path: Path) -> None:
    ingest_paths(store, [str(sample_dir)])
    first = export(store.engine, tmp_path / "night1")
    assert export(store.engine, tmp_path / "empty", since=first.exported_at).rows == {
        "facts": 0,
        "reports": 0,
        "checks": 0,
        "code_lists": CODE_LIST_ROWS,  # whole in every export
        "runs": 0,
        "portals": 0,
    }
    ingest_paths(store, [str(sample_dir)])  # a re-run changes only last_seen: nothing to load
    assert export(store.engine, tmp_path / "still", since=first.exported_at).rows["facts"] == 0

    changed = sample_dir / CHANGED_FILE
    changed.write_bytes(changed.read_bytes().replace(*CHANGED_LINE, 1))
    ingest_paths(store, [str(sample_dir)])
    second = export(store.engine, tmp_path / "night2", fmt="csv", since=first.exported_at)
    assert second.rows == {
        "facts": 200,
        "reports": 1,
        "checks": 42,
        "code_lists": CODE_LIST_ROWS,
        "runs": 0,
        "portals": 0,
    }
    assert first.exported_at < second.exported_at <= utcnow()

    facts = pacsv.read_csv(tmp_path / "night2" / "facts.csv").to_pylist()
    changed = [f for f in facts if (f["row_key"], f["column_key"]) == ("granted", "natural_person")]
    assert changed[0]["value"] == 25 and changed[0]["check_status"] == "failed"
    assert {f["agency"] for f in facts} == {CHANGED_AGENCY}
    assert pacsv.read_csv(tmp_path / "night2" / "reports.csv").column_names == REPORTS_SCHEMA.names
    assert pacsv.read_csv(tmp_path / "night2" / "checks.csv").column_names == CHECKS_SCHEMA.names
    failing = [c for c in pacsv.read_csv(tmp_path / "night2" / "checks.csv").to_pylist() if not c["ok"]]
    assert len(failing) == 2 and {c["cause"] for c in failing} == {"source"}


def test_a_fact_the_new_version_lacks_is_kept_but_not_current(
    store: Store, sample_dir: Path, tmp_path: Path
) -> None:
    path = sample_dir / CHANGED_FILE
    body = path.read_bytes()
    result = parse_bytes(body, path.name)
    store_parse(store, archive(store, file_url(path), body), result)
    newer = archive(store, file_url(path), body + b"\n")  # the page changed
    store_parse(store, newer, dataclasses.replace(result, facts=result.facts[1:]))

    export(store.engine, tmp_path / "feed")
    rows = pq.read_table(tmp_path / "feed" / "facts.parquet").to_pylist()
    current = {(f["table_key"], f["row_key"], f["column_key"]): f["current"] for f in rows}
    dropped = result.facts[0]
    assert len(current) == 200 and sum(current.values()) == 199
    assert current[(dropped.table, dropped.row, dropped.column)] is False


def test_code_lists_label_every_exported_fact(store: Store, sample_dir: Path, tmp_path: Path) -> None:
    # beside the five samples: a 2019-template report, and a 2021 one printing （六）其他处理 as one row
    spec_2019 = generate_report(random.Random(19), agency="叶县人民政府", year=2020, fmt=FORMAT_2019)
    (sample_dir / "yexian-2020.html").write_bytes(render_html(spec_2019))
    shutil.copy(GUANGSHAN, sample_dir)
    ingest_paths(store, [str(sample_dir)])
    export(store.engine, tmp_path / "csv", fmt="csv")
    summary = export(store.engine, tmp_path / "feed")
    assert summary.rows["facts"] == 1000 + 198 + 186

    code_lists = pq.read_table(tmp_path / "feed" / "code_lists.parquet")
    assert code_lists.schema == CODE_LISTS_SCHEMA
    from_csv = pacsv.read_csv(tmp_path / "csv" / "code_lists.csv")
    assert (from_csv.column_names, from_csv.num_rows) == (CODE_LISTS_SCHEMA.names, CODE_LIST_ROWS)
    columns = [code_lists.column(name).to_pylist() for name in CODE_LISTS_SCHEMA.names]
    labels = {tuple(row[:4]): tuple(row[4:]) for row in zip(*columns, strict=True)}
    assert len(labels) == CODE_LIST_ROWS  # one row per (template version, table, row, column)
    assert labels[("2021", "requests", "granted", "natural_person")] == (
        "予以公开",
        "自然人",
        "三、本年度办理结果",
        None,
    )
    assert labels[("2021", "requests", "new_received", "total")] == (
        "本年新收政府信息公开申请数量",
        "总计",
        None,
        None,
    )
    assert labels[("2021", "requests", "other", "total")] == ("其他处理", "总计", "（六）其他处理", None)
    assert labels[("2021", "disclosure", "fees", "amount")] == (
        "行政事业性收费",
        "本年收费金额",
        "第二十条第（八）项",
        "万元",
    )
    assert labels[("2021", "disclosure", "normative_documents", "issued")][:2] == (
        "行政规范性文件",
        "本年制发件数",
    )
    made = labels[("2019", "disclosure", "normative_documents", "made")]
    assert made[:2] == ("规范性文件", "本年新制作数量")
    assert labels[("2019", "disclosure", "procurement", "amount")] == (
        "政府集中采购",
        "采购总金额",
        "第二十条第（九）项",
        None,  # printed per report (元 or 万元): the fact's own unit says which
    )
    assert labels[("2019", "review_litigation", "litigation_direct", "upheld")] == (
        "未经复议直接起诉",
        "结果维持",
        "行政诉讼",
        None,
    )

    db = duckdb.connect()
    joined = db.execute(
        f"""select count(*), count(c.row_label)
            from read_parquet('{tmp_path / "feed" / "facts.parquet"}') f
            left join read_parquet('{tmp_path / "feed" / "code_lists.parquet"}') c
            using (template_version, table_key, row_key, column_key)"""
    ).fetchone()
    assert joined == (1000 + 198 + 186, 1000 + 198 + 186)  # every fact finds exactly one label


def test_docs_describe_every_exported_column() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "warehouse.md").read_text(encoding="utf-8")
    for schema in (FACTS_SCHEMA, REPORTS_SCHEMA, CHECKS_SCHEMA, CODE_LISTS_SCHEMA):
        assert [name for name in schema.names if f"`{name}`" not in doc] == []


def test_a_failing_four_cell_identity_flags_exactly_its_four_cells(
    store: Store, sample_dir: Path, tmp_path: Path
) -> None:
    """check_status names the cells a failing check compares, not its rows and columns."""
    path = sample_dir / CHANGED_FILE
    body = path.read_bytes()
    result = parse_bytes(body, file_url(path))
    balance = next(c for c in result.checks if c.id == "requests.balance[total]")
    assert len(balance.cells) == 4 and all(c.ok for c in result.checks)
    total = next(c for c in balance.cells if c.row == "total")
    total.value += 1  # the printed total as if it read one more: only this identity is checked here
    balance.ok = False
    store_parse(store, archive(store, file_url(path), body), result)
    export(store.engine, tmp_path / "feed")
    facts = pq.read_table(tmp_path / "feed" / "facts.parquet").to_pylist()
    flagged = {
        (f["table_key"], f["row_key"], f["column_key"]) for f in facts if f["check_status"] == "failed"
    }
    assert flagged == {(c.table, c.row, c.column) for c in balance.cells}
    assert flagged == {
        ("requests", "new_received", "total"),
        ("requests", "carried_over", "total"),
        ("requests", "total", "total"),
        ("requests", "carried_forward", "total"),
    }
    (row,) = [c for c in pq.read_table(tmp_path / "feed" / "checks.parquet").to_pylist() if not c["ok"]]
    assert (row["identity"], row["rule"], row["table_key"], row["subject"]) == (
        "requests.balance[total]",
        "requests.balance",
        "requests",
        "total",
    )
    cells = json.loads(row["cells"])
    assert [(c["row"], c["side"]) for c in cells] == [
        ("new_received", "left"),
        ("carried_over", "left"),
        ("total", "right"),
        ("carried_forward", "right"),
    ]
