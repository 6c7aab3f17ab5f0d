"""Every fact says where it was printed: coordinates checked against the documents the mirror
renders (the cell a coordinate names holds the fact's raw text), plus sha256 and parser version."""

from __future__ import annotations

import hashlib
import io
import random

import docx
import pdfplumber
import pytest

from mirror.generate import generate_report
from mirror.layout import grids
from mirror.render import render_docx, render_html, render_pdf, render_text
from mirror.report_spec import ReportSpec
from pipelines.model import CellRef, Fact, ParseResult
from pipelines.parse import PARSER_VERSION, parse_bytes
from pipelines.schema import DISCLOSURE, REQUESTS, REVIEW
from tests.truth import SEEDS, shared_text

SPEC = generate_report(random.Random(5), agency="新郑市教育局", year=2024, fmt="2021")
# blanks a text layer cannot tell from lost cells: the ruled grid decides them, so that view wins
BLANKS = [(REQUESTS, "granted", "research"), (DISCLOSURE, "penalty", "decisions")]
TABLE_INDEX = {DISCLOSURE: 0, REQUESTS: 1, REVIEW: 2}  # the three grids in printed order


def printed(result: ParseResult) -> list[Fact]:
    facts = [f for f in result.facts if f.state == "printed"]
    assert len(facts) > 150
    return facts


def grid_position(spec: ReportSpec, key: tuple[str, str, str]) -> tuple[int, int]:
    (cell,) = [c for c in grids(spec)[key[0]].cells if c.key == key]
    return cell.row, cell.col


def test_document_carries_sha256_and_parser_version():
    data = render_html(SPEC)
    result = parse_bytes(data, "page.html")
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.parser_version == PARSER_VERSION
    assert result.to_dict()["sha256"] == result.sha256


@pytest.mark.parametrize(("render", "name"), [(render_html, "page.html"), (render_docx, "report.docx")])
def test_grid_coordinates_of_html_and_docx_name_the_printed_cell(render, name):
    result = parse_bytes(render(SPEC), name)
    assert result.status == "parsed"
    for fact in printed(result):
        row, column = grid_position(SPEC, fact.key)
        assert fact.cell == CellRef(table=TABLE_INDEX[fact.table], row=row, column=column), fact.key


def test_docx_paragraph_numbers_count_paragraphs_only():
    # a table printed as text lines in a Word document: one paragraph per row
    lines = render_text(SPEC, "pdf").splitlines()
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_bytes(buffer.getvalue(), "lines.docx")
    assert result.status == "parsed"
    for fact in printed(result):
        cell = fact.cell
        assert (cell.table, cell.row, cell.bbox) == (None, None, None)
        assert lines[cell.paragraph].split()[cell.column] == fact.raw, fact.key


@pytest.mark.parametrize(("style", "split"), [("tab", "\t"), ("pdf", None)])
def test_text_coordinates_are_file_line_and_cell(style, split):
    text = render_text(SPEC, style)
    result = parse_bytes(text.encode(), "copied.txt")
    assert result.status == "parsed"
    lines = text.splitlines()
    for fact in printed(result):
        cell = fact.cell
        assert (cell.page, cell.table, cell.bbox) == (None, None, None)
        assert lines[cell.line - 1].split(split)[cell.column].strip() == fact.raw, fact.key


def test_html_text_lines_are_numbered_as_lines_of_the_page_text():
    # a page that prints its tables as paragraphs of text, after a menu and between two notes
    rows = [line for line in render_text(SPEC, "pdf").splitlines() if line.strip()]
    page = (
        "<html><head><title>年报</title></head><body><div class='nav'><a href='/'>首页</a>\n\n"
        "<a href='/zwgk/'>政务公开</a></div><table><tr><td>扫码</td></tr></table>"
        + "".join(f"<p>{row}</p>\n" for row in rows)
        + "<div class='footer'>主办单位：新郑市教育局</div></body></html>"
    )
    result = parse_bytes(page.encode(), "lines.html")
    assert result.status == "parsed"
    page_lines = ["首页", "政务公开", "扫码", *rows, "主办单位：新郑市教育局"]
    for fact in printed(result):
        assert page_lines[fact.cell.line - 1].split()[fact.cell.column] == fact.raw, fact.key


def _texts_in_boxes(data: bytes, facts: list[Fact]) -> list[str]:
    """What the PDF prints inside each fact's box."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        out = []
        for fact in facts:
            assert fact.cell.page and fact.cell.bbox, fact.key
            out.append((pdf.pages[fact.cell.page - 1].crop(fact.cell.bbox).extract_text() or "").strip())
        return out


def test_pdf_text_layer_gives_page_line_word_and_word_box():
    data = render_pdf(SPEC)
    result = parse_bytes(data, "report.pdf")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [(page.extract_text() or "").splitlines() for page in pdf.pages]
    for fact in printed(result):
        cell = fact.cell
        assert cell.table is None  # the text view decided every cell: it is the one kept
        assert pages[cell.page - 1][cell.line - 1].split()[cell.column] == fact.raw, fact.key
    sample = printed(result)[::7]  # cropping is slow
    assert _texts_in_boxes(data, sample) == [f.raw for f in sample]


def test_pdf_ruled_table_gives_page_table_row_column_and_cell_box():
    spec = SPEC.with_blanks(BLANKS)
    data = render_pdf(spec)
    result = parse_bytes(data, "report.pdf")
    assert result.status == "parsed"
    for fact in printed(result):
        cell = fact.cell
        assert None not in (cell.page, cell.table, cell.row, cell.column) and cell.line is None, fact.key
    blank = next(f for f in result.facts if f.key == (REQUESTS, "granted", "research"))
    assert (blank.state, blank.raw, blank.value) == ("blank", "", None)
    sample = [*printed(result)[::7], blank]  # the blank's box is an empty ruled cell
    assert _texts_in_boxes(data, sample) == [f.raw for f in sample]


def test_inferred_and_undecided_cells_say_why_and_point_nowhere():
    text = shared_text(SEEDS / "000_2f0f6d62f86fde55.txt")
    lost = text.replace("7. 属于行政执法案卷\t3\t0\t0\t0\t0\t0\t3", "7. 属于行政执法案卷\t0\t0\t0\t0\t0\t3")
    fact = next(
        f
        for f in parse_bytes(lost.encode(), "lost.txt").facts
        if f.key == (REQUESTS, "denied.law_enforcement_case", "natural_person")
    )
    assert (fact.state, fact.value, fact.raw, fact.cell) == ("inferred", 3, "", CellRef())
    assert fact.reason == "not printed; decided by requests.row_total[denied.law_enforcement_case]"
    assert fact.to_dict()["raw"] == ""

    seed_001 = shared_text(SEEDS / "001_b4e80fca2573dd0c.txt")
    short = parse_bytes(seed_001.replace("⾏政规范性⽂件 0 0 1", "⾏政规范性⽂件 0 1").encode(), "short.txt")
    undecided = [f for f in short.facts if f.row == "normative_documents"]
    assert {(f.state, f.value, f.raw, f.reason) for f in undecided} == {
        ("undecided", None, "", "not printed; the identities do not decide it")
    }


def test_one_provenance_record_in_parse_json_the_database_and_the_export(tmp_path, capsys):
    """A report with a cell it did not print (inferred): `nianbao parse --json`, the stored facts
    and the exported facts say the same of every fact and of the document."""
    import json as json_module

    import pyarrow.parquet as pq
    from sqlalchemy import select

    from nianbao.cli import main
    from storage.db import read_connection
    from storage.documents import documents
    from storage.migrate import checked_engine
    from storage.reports import facts, reports, versions
    from tests.samples import ZHONGMU_TEXT

    lost = ZHONGMU_TEXT.replace(
        "\t\t7. 属于行政执法案卷\t3\t0\t0\t0\t0\t0\t3", "\t\t7. 属于行政执法案卷\t0\t0\t0\t0\t0\t3"
    )
    path = tmp_path / "zhongmu-2023.txt"
    path.write_text(lost, encoding="utf-8")
    where = ["--db", f"sqlite:///{tmp_path / 'n.db'}", "--archive", str(tmp_path / "archive")]
    assert main(["db", "upgrade", *where]) == 0
    capsys.readouterr()
    assert main(["parse", "--json", str(path)]) == 0
    parsed = json_module.loads(capsys.readouterr().out)
    assert main(["ingest", "-q", str(path), *where]) == 0
    assert main(["export", "--out", str(tmp_path / "feed"), *where]) == 0

    def record(raw, reason, cell, inferred, blank, value):  # type: ignore[no-untyped-def]
        return {
            "raw": raw,
            "reason": reason,
            "cell": cell,
            "inferred": inferred,
            "blank": blank,
            "value": value,
        }

    from_json = {
        (f["table"], f["row"], f["column"]): record(
            f["raw"], f["reason"], f["cell"], f["inferred"], f["blank"], f["value"]
        )
        for f in parsed["facts"]
    }
    with checked_engine(where[1]) as engine, read_connection(engine) as conn:
        stored = conn.execute(
            select(
                facts, versions.c.sha256, versions.c.parser_version, documents.c.url, documents.c.fetched_at
            )
            .join(versions, versions.c.id == facts.c.version_id)
            .join(documents, documents.c.id == versions.c.document_id)
            .join(reports, reports.c.id == facts.c.report_id)
        ).all()
    from_db = {
        (r.table_key, r.row_key, r.column_key): record(
            r.raw, r.reason, r.origin, r.inferred, r.blank, r.value
        )
        for r in stored
    }
    exported = pq.read_table(tmp_path / "feed" / "facts.parquet").to_pylist()
    from_export = {
        (r["table_key"], r["row_key"], r["column_key"]): record(
            r["raw"], r["reason"], json_module.loads(r["cell"]), r["inferred"], r["blank"], r["value"]
        )
        for r in exported
    }
    assert len(from_json) == 200 and from_json == from_db == from_export
    inferred = from_json[REQUESTS, "denied.law_enforcement_case", "natural_person"]
    assert (inferred["inferred"], inferred["raw"], inferred["value"]) == (True, "", 3)
    assert inferred["reason"] == "not printed; decided by requests.row_total[denied.law_enforcement_case]"
    assert from_json[REQUESTS, "granted", "natural_person"]["cell"]["line"] is not None

    document = {(r.sha256, r.parser_version, r.url, r.fetched_at) for r in stored}
    assert document == {
        (parsed["sha256"], parsed["parser_version"], f"file://{path.resolve()}", stored[0].fetched_at)
    }
    assert {
        (r["sha256"], r["parser_version"], r["source_url"], r["fetched_at"].replace(tzinfo=None))
        for r in exported
    } == document
