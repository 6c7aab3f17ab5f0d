"""Every status the parse contract names, and bad input that must not crash a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mirror.render import render_pdf, render_scanned_pdf
from pipelines.limits import MAX_INPUT_BYTES
from pipelines.messages import message
from pipelines.model import ParseResult
from pipelines.parse import parse_bytes, parse_path
from tests.samples import GUANGSHAN, ZHONGMU, fixture_spec

REPORT = ZHONGMU.read_bytes()


def codes(result: ParseResult) -> list[str]:
    return [m.code for m in result.messages]


def test_parsed_and_partial():
    assert parse_bytes(REPORT, "s.txt").status == "parsed"
    without_review = REPORT.split("四、政府信息公开行政复议".encode())[0]
    result = parse_bytes(without_review, "s.txt")
    assert result.status == "partial"
    assert {f.table for f in result.facts} == {"disclosure", "requests"}
    assert "review_litigation" not in {f.table for f in result.facts}


def test_no_tables_for_a_report_without_statistics():
    text = "新郑市人民政府办公室2024年政府信息公开工作年度报告\n一、总体情况\n今年我们做了很多工作。\n"
    result = parse_bytes(text.encode(), "r.txt")
    assert (result.status, result.agency, result.year, result.facts) == (
        "no_tables",
        "新郑市人民政府办公室",
        2024,
        [],
    )


def test_news_article_that_mentions_a_report_is_not_one():
    page = (
        "<html><head><title>市政府办公室召开2024年政府信息公开工作年度报告编制工作会议</title></head>"
        "<body><p>会议要求各单位按时完成2024年政府信息公开工作年度报告。</p></body></html>"
    )
    result = parse_bytes(page.encode(), "news.html")
    assert (result.status, result.agency, result.year) == ("no_tables", None, None)
    assert codes(result) == ["no_title", "agency_unknown", "year_unknown"]


def test_pre2019_report_keeps_metadata_and_text():
    text = "郑州市教育局2017年度政府信息公开年报\n一、概述\n2017年，我局主动公开政府信息1234条。\n"
    result = parse_bytes(text.encode("gbk"), "old.txt")
    assert (result.status, result.agency, result.year, result.facts) == ("pre2019", "郑州市教育局", 2017, [])
    assert "主动公开政府信息1234条" in result.text
    assert result.to_dict()["text"] == result.text


def test_scanned_pdf():
    result = parse_bytes(render_scanned_pdf(), "scan.pdf")
    assert result.status == "scanned"
    assert codes(result) == ["no_title", "scanned", "agency_unknown", "year_unknown"]
    assert (result.agency, result.year) == (None, None)


def test_a_scan_takes_agency_and_year_from_its_listing_title_and_says_so():
    listed = "周口市人民政府2023年度政府信息公开工作年度报告"
    result = parse_bytes(render_scanned_pdf(), "scan.pdf", listed_title=f" {listed} ")
    assert (result.status, result.agency, result.year) == ("scanned", "周口市人民政府", 2023)
    assert result.facts == []
    assert result.messages[-2:] == [
        message("agency_from_listing", agency="周口市人民政府", title=listed),
        message("year_from_listing", year=2023, title=listed),
    ]
    notice = parse_bytes(render_scanned_pdf(), "scan.pdf", listed_title="关于做好2023年度报告编制工作的通知")
    assert (notice.agency, notice.year) == (None, None)  # a lookalike title names no report


def test_a_listing_title_never_overrides_the_documents_own():
    listed = parse_bytes(REPORT, "r.txt", listed_title="某县人民政府2019年政府信息公开工作年度报告")
    assert (listed.agency, listed.year) == ("中牟县人民政府办公室", 2023)
    assert listed.messages == parse_bytes(REPORT, "r.txt").messages


def test_truncated_pdf_is_an_error_not_a_crash():
    pdf = render_pdf(fixture_spec("kaifeng-2024"))
    result = parse_bytes(pdf[: len(pdf) // 3], "cut.pdf")
    assert (result.status, result.kind) == ("error", "pdf")
    assert result.messages == [message("unreadable", kind="pdf", error="PdfminerException: Unexpected EOF")]
    assert result.messages[0].text == "cannot read pdf: PdfminerException: Unexpected EOF"


def test_unsupported_inputs():
    assert parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "r.doc").status == "unsupported"
    assert parse_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500), "r.png").status == "unsupported"
    garbage = parse_bytes(bytes(range(256)) * 50, "junk.bin")
    assert garbage.status == "unsupported"
    assert garbage.messages == [message("unsupported_binary")]


def test_empty_and_huge_files(tmp_path: Path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    assert parse_path(str(empty)).status == "error"
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:  # sparse: costs no disk, must not be read into memory
        handle.truncate(MAX_INPUT_BYTES + 1)
    result = parse_path(str(huge))
    assert result.status == "error"
    assert result.messages == [message("too_large", bytes=MAX_INPUT_BYTES + 1, limit=MAX_INPUT_BYTES)]


def test_wrong_encoding_is_decoded_and_said():
    result = parse_bytes(REPORT.decode("utf-8").encode("gbk"), "gbk.txt")
    assert result.status == "parsed"
    assert message("decoded_as", encoding="gb18030") in result.messages


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nianbao", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_json_lines_and_exit_codes(tmp_path: Path):
    garbage = tmp_path / "junk.bin"
    garbage.write_bytes(os.urandom(3000))
    done = run_cli("parse", "--json", str(ZHONGMU), str(garbage))
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert (first["status"], first["agency"], first["year"], first["format"]) == (
        "parsed",
        "中牟县人民政府办公室",
        2023,
        "2021",
    )
    assert len(first["facts"]) == 200
    assert set(first["facts"][0]) >= {
        "table",
        "row",
        "column",
        "value",
        "raw",
        "unit",
        "state",
        "blank",
        "inferred",
        "reason",
        "cell",
    }
    assert second["status"] == "unsupported"
    missing = run_cli("parse", "--json", str(tmp_path / "nope.pdf"))
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["status"] == "error"
    assert run_cli("parse").returncode == 2


def test_cli_summary_names_failing_checks():
    done = run_cli("parse", str(GUANGSHAN))
    assert done.returncode == 0
    assert "光山县人民政府" in done.stdout
    assert "FAILED review_litigation.row_total[review]" in done.stdout
    assert "cause: source" in done.stdout
