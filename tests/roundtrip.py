"""Render a ReportSpec in a published form, parse it back, list what did not come back exactly."""

from __future__ import annotations

from collections.abc import Callable

from mirror.render import render_docx, render_html, render_pdf, render_text
from mirror.report_spec import ReportSpec
from pipelines.parse import parse_bytes

Render = Callable[[ReportSpec], bytes]

# name -> renderer; the names become test ids
FORMS: dict[str, Render] = {
    "html": lambda spec: render_html(spec),
    "html-split": lambda spec: render_html(spec, split_requests_table=True),
    "html-gbk": lambda spec: render_html(spec, encoding="gbk"),
    "html-fullwidth": lambda spec: render_html(spec, fullwidth_digits=True),
    "pdf": render_pdf,
    "docx": render_docx,
    "text-tab": lambda spec: render_text(spec, "tab").encode("utf-8"),
    "text-pdf": lambda spec: render_text(spec, "pdf").encode("utf-8"),
    "text-pdf-kangxi": lambda spec: render_text(spec, "pdf", kangxi=True).encode("utf-8"),
    "markdown": lambda spec: render_text(spec, "markdown").encode("utf-8"),
}
FAST_FORMS = ("html", "html-split", "html-gbk", "text-tab", "text-pdf", "text-pdf-kangxi", "markdown")
SLOW_FORMS = ("pdf", "docx")


def roundtrip_errors(spec: ReportSpec, data: bytes, source: str) -> list[str]:
    """Every way the parse of `data` differs from `spec`: metadata, facts, blanks, units, checks."""
    result = parse_bytes(data, source)
    errors = [
        f"{name}: parsed {got!r}, expected {want!r}"
        for name, got, want in (
            ("agency", result.agency, spec.agency),
            ("year", result.year, spec.year),
            ("format", result.format, spec.format),
            ("published", result.published, spec.published),
            ("status", result.status, "parsed"),
        )
        if got != want
    ]
    facts = {f.key: f for f in result.facts}
    for key, want in spec.expected().items():
        fact = facts.get(key)
        name = ".".join(key)
        if fact is None:
            errors.append(f"{name}: missing, expected {want!r}")
        elif want is None and not fact.blank:
            errors.append(f"{name}: parsed {fact.value!r}, expected a blank cell")
        elif want is not None and (fact.blank or fact.value != want):
            errors.append(f"{name}: parsed {fact.value!r} (blank={fact.blank}), expected {want!r}")
    procurement = facts.get(("disclosure", "procurement", "amount"))
    if (
        spec.procurement_unit
        and procurement
        and procurement.value
        and procurement.unit != spec.procurement_unit
    ):
        errors.append(f"procurement amount unit {procurement.unit!r}, expected {spec.procurement_unit!r}")
    errors.extend(f"check failed: {c.identity}: {c.detail}" for c in result.failing_checks)
    return errors
