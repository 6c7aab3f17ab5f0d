"""What spiders hand to the pipeline: one fetched document of a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["list", "report", "attachment"]


@dataclass
class DocumentItem:
    portal: str
    role: Role  # a list page, the report's article page, or a file attached to it
    url: str  # as listed (before redirects): the document's identity
    final_url: str
    status: int
    body: bytes = field(repr=False)  # Scrapy logs an item that fails: never its whole body
    headers: dict[str, str]
    content_type: str | None
    report_url: str  # the article page this document belongs to
    title: str | None = None  # as listed
    year: int | None = None  # from the listed title
    has_attachments: bool = False  # a report page that only points at its attachments
    known_sha256: str | None = None  # sha256 of the previous fetch of this url
    page_unchanged: bool = False  # an attachment of a report page that answered 304
    list_url: str | None = None  # the list page a report (and its attachments) was listed on
    # files a report page announces that no url was found for (the report is counted failed)
    unresolved_attachments: list[str] = field(default_factory=list)
    truncated: str | None = None  # cut short by its own structure (crawler.completeness)
    tls_unverified: str | None = None  # fetched over TLS without verifying: why
    extra: dict[str, str] = field(default_factory=dict)
