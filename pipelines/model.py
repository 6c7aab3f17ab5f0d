"""What a parse produces: facts with their origin, identity checks, status and messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["parsed", "partial", "no_tables", "scanned", "pre2019", "unsupported", "error"]
Cause = Literal["source", "inferred"]


@dataclass
class Fact:
    table: str
    row: str
    column: str
    value: float | int | None
    raw: str
    unit: str | None = None
    blank: bool = False
    inferred: bool = False
    origin: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # why a value was inferred

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.column)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if out["reason"] is None:
            del out["reason"]
        return out


@dataclass
class Check:
    identity: str
    ok: bool
    detail: str
    cause: Cause | None = None  # set when ok is False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ParseResult:
    source: str
    status: Status
    agency: str | None = None
    year: int | None = None
    format: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date
    facts: list[Fact] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    text: str | None = None  # the report's text (kept for pre-2019 reports, which have no facts)
    kind: str | None = None  # html, pdf, docx, text, markdown

    @property
    def failing_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "status": self.status,
            "agency": self.agency,
            "year": self.year,
            "format": self.format,
            "title": self.title,
            "published": self.published,
            "kind": self.kind,
            "facts": [f.to_dict() for f in self.facts],
            "checks": [c.to_dict() for c in self.checks],
            "messages": list(self.messages),
        }
        if with_text or self.status == "pre2019":
            out["text"] = self.text
        return out
