"""Hostile inputs for the parser, each built here from code (no file from outside the repository):
the special cases a fuzz run found to crash, hang or exhaust memory, and the bombs the limits in
pipelines/limits.py are there for. `CASES` maps a name to a builder writing the input under a
directory and returning its path; `EXPECTED` names the message code each must come out with.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import zipfile
import zlib
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any, get_args

from pipelines.limits import MAX_DECOMPRESSED_BYTES
from pipelines.model import ParseResult, Status
from tests.samples import ZHONGMU_TEXT

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MB = 1024 * 1024
STATUSES = set(get_args(Status))
DEADLINE_S = 60.0  # of a guarded parse in the tests: a case that meets it has hung
MAX_CHILD_RSS_MB = 1024  # the largest case needs under 250 MB


def children_max_rss_mb() -> int:
    """The peak RSS of the largest child this process has waited for (the guarded parses)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def assert_settled(result: ParseResult) -> None:
    """A status of the contract, a message when not parsed, and a result JSON can carry."""
    assert result.status in STATUSES
    if result.status != "parsed":
        assert result.messages, result.status
    json.dumps(result.to_dict(), allow_nan=False)


def strict_json(line: str) -> dict[str, Any]:
    """One line of `parse --json`, refusing NaN and Infinity (which no JSON parser but Python's takes)."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(line, parse_constant=refuse)


# --- builders of containers ------------------------------------------------------------------


def docx_with_body(body: str | Iterator[bytes]) -> bytes:
    """A DOCX package (python-docx's own template) whose word/document.xml has `body` inside
    <w:body>; an iterator of byte chunks streams a body too large to hold as one string."""
    import docx

    template = BytesIO()
    docx.Document().save(template)
    out = BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info.filename, source.read(info))
        with target.open("word/document.xml", "w", force_zip64=True) as stream:
            stream.write(f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>'.encode())
            for chunk in [body.encode()] if isinstance(body, str) else body:
                stream.write(chunk)
            stream.write(b"</w:body></w:document>")
    return out.getvalue()


def repeated(chunk: bytes, times: int, per_write: int = 10_000) -> Iterator[bytes]:
    block = chunk * per_write
    for _ in range(times // per_write):
        yield block
    yield chunk * (times % per_write)


def pdf_with_contents(*streams: bytes, raw: bool = False) -> bytes:
    """A one-page PDF whose page content is `streams`, each flate-compressed unless `raw`."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(len(streams))) + b"] >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for stream in streams:
        body = stream if raw else zlib.compress(stream, 9)
        head = (
            b"<< /Length %d >>" % len(body) if raw else b"<< /Length %d /Filter /FlateDecode >>" % len(body)
        )
        objects.append(head + b"\nstream\n" + body + b"\nendstream")
    out = BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def deflate_bomb(size: int) -> bytes:
    """zlib data inflating to `size` zero bytes, made without holding them."""
    packer = zlib.compressobj(1)  # level 1: as small for zeros, many times faster
    zeros = bytes(_MB)
    parts = [packer.compress(zeros) for _ in range(size // _MB)]
    return b"".join(parts) + packer.flush()


def report_with_number(digits: str) -> bytes:
    """The zhongmu report with its count of 行政许可 decisions (1342) printed as `digits`."""
    assert "行政许可\t1342\t" in ZHONGMU_TEXT
    return ZHONGMU_TEXT.replace("行政许可\t1342\t", f"行政许可\t{digits}\t", 1).encode()


# --- the cases -------------------------------------------------------------------------------


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(directory: Path) -> Path:
        path = directory / name
        path.write_bytes(data)
        return path

    return build


def _lazy(name: str, make: Callable[[], bytes]) -> Callable[[Path], Path]:
    return lambda directory: _bytes(name, make())(directory)


def _fifo(directory: Path) -> Path:
    path = directory / "report.fifo"
    os.mkfifo(path)
    return path


def _docx_deflate64() -> bytes:
    """A DOCX whose members claim Deflate64 (method 9), which zipfile cannot inflate."""
    data = bytearray(docx_with_body("<w:p/>"))
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # local and central headers
        at = data.find(signature)
        while at >= 0:
            data[at + offset : at + offset + 2] = (9).to_bytes(2, "little")
            at = data.find(signature, at + 4)
    return bytes(data)


def _docx_zip_bomb() -> bytes:
    data = BytesIO(docx_with_body("<w:p/>"))
    with (
        zipfile.ZipFile(data, "a", zipfile.ZIP_DEFLATED) as package,
        package.open("word/media/image1.bin", "w", force_zip64=True) as stream,
    ):
        for chunk in repeated(bytes(_MB), MAX_DECOMPRESSED_BYTES // _MB + 1, per_write=1):
            stream.write(chunk)
    return data.getvalue()


def _cell(span: int | None = None, vmerge: str | None = None, text: str = "") -> str:
    props = (f'<w:gridSpan w:val="{span}"/>' if span else "") + (
        f'<w:vMerge w:val="{vmerge}"/>' if vmerge == "restart" else "<w:vMerge/>" if vmerge else ""
    )
    run = f"<w:r><w:t>{text}</w:t></w:r>" if text else ""
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p>{run}</w:p></w:tc>"


def _html_span_grid(size: int) -> bytes:
    row = "".join(f'<td rowspan="{size}" colspan="{size}">{i}</td>' for i in range(size))
    return f"<html><body><table>{f'<tr>{row}</tr>' * size}</table></body></html>".encode()


def _html_page(size: int) -> bytes:
    paragraph = "<p>本机关2023年主动公开政府信息，做好政府信息公开工作。</p>\n".encode()
    return b"<html><body>" + paragraph * (size // len(paragraph) + 1) + b"</body></html>"


def _pdf_text_operations(count: int) -> bytes:
    return pdf_with_contents(b"BT /F1 8 Tf 10 800 Td " + b"(1) Tj 1 0 Td " * count + b"ET")


CASES: dict[str, Callable[[Path], Path]] = {
    "integer-400-digits": _bytes("r400.txt", report_with_number("9" * 400)),
    "integer-5000-digits": _bytes("r5000.txt", report_with_number("7" * 5000)),
    "float-to-infinity": _bytes("rinf.txt", report_with_number("9" * 400 + ".5")),
    "docx-deflate64": _lazy("deflate64.docx", _docx_deflate64),
    "fifo": _fifo,
    "dev-zero": lambda _directory: Path("/dev/zero"),
    "html-40mb": _lazy("big.html", lambda: _html_page(40 * _MB)),
    "pdf-100k-text-operations": _lazy("ops.pdf", lambda: _pdf_text_operations(100_000)),
    "pdf-12m-operators": _lazy("draw.pdf", lambda: pdf_with_contents(b"0 0 m " * 12_000_000)),
    "pdf-flate-bomb": _lazy(
        "bomb.pdf", lambda: pdf_with_contents(deflate_bomb(MAX_DECOMPRESSED_BYTES + _MB), raw=True)
    ),
    "docx-gridspan-1e8": _lazy(
        "gridspan.docx", lambda: docx_with_body(f"<w:tbl><w:tr>{_cell(span=10**8, text='1')}</w:tr></w:tbl>")
    ),
    "docx-1e6-cells-span-100": _lazy(
        "spans.docx",
        lambda: docx_with_body(
            itertools.chain(
                [b"<w:tbl><w:tr>"], repeated(_cell(span=100).encode(), 10**6), [b"</w:tr></w:tbl>"]
            )
        ),
    ),
    "docx-vmerge-5000-deep": _lazy(
        "vmerge.docx",
        lambda: docx_with_body(
            "<w:tbl>"
            + f"<w:tr>{_cell(vmerge='restart', text='1')}{_cell(text='2')}</w:tr>"
            + f"<w:tr>{_cell(vmerge='continue')}{_cell(text='3')}</w:tr>" * 5000
            + "</w:tbl>"
        ),
    ),
    "docx-1m-paragraphs": _lazy("paragraphs.docx", lambda: docx_with_body(repeated(b"<w:p/>", 10**6))),
    "html-200x200-span-grid": _lazy("grid.html", lambda: _html_span_grid(200)),
    "docx-zip-bomb": _lazy("zipbomb.docx", _docx_zip_bomb),
}

# name -> the message code the result must carry (the first of its messages)
EXPECTED: dict[str, str] = {
    "integer-400-digits": "number_too_long",
    "integer-5000-digits": "number_too_long",
    "float-to-infinity": "number_too_long",
    "docx-deflate64": "unsupported_compression",
    "fifo": "unreadable_file",
    "dev-zero": "unreadable_file",
    "html-40mb": "over_limit",
    "pdf-100k-text-operations": "over_limit",
    "pdf-12m-operators": "over_limit",
    "pdf-flate-bomb": "over_limit",
    "docx-gridspan-1e8": "",  # a span is bounded (limits.MAX_SPAN), then the table is read
    "docx-1e6-cells-span-100": "over_limit",
    "docx-vmerge-5000-deep": "",  # read in one pass
    "docx-1m-paragraphs": "over_limit",
    "html-200x200-span-grid": "over_limit",
    "docx-zip-bomb": "over_limit",
}
