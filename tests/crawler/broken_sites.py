"""Portals that go wrong in one given way, for the tests of what a run reports: a small TRS
portal, and wrappers that make some of its pages fail or print a wrong number."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass, field

from mirror.corpus import Kind, MirrorReport, make_reports, spec_for
from mirror.portals import MirrorPortal
from mirror.render import render_html
from mirror.server import MirrorRequest, Reply
from mirror.sites import PortalSite, TrsSite, trs_paths

COLUMN = "/zwgk/zfxxgk/ndbg/"


def small_portal(
    name: str,
    *,
    years: range = range(2020, 2025),
    expected: str | None = None,
    kinds: tuple[Kind, ...] = ("html",),
    agency: str = "某县人民政府",
    more_agencies: Sequence[str] = (),
) -> MirrorPortal:
    """A TRS portal with one report per year of `years` and agency (`agency` and
    `more_agencies`); `expected`: the registry's years."""
    agencies = [agency, *more_agencies]
    reports = make_reports(
        name, agencies=agencies, years=list(years), kinds=kinds, path_for=trs_paths(COLUMN)
    )
    return MirrorPortal(
        name,
        agency,
        "county",
        "某县",
        "trs",
        TrsSite(agency, reports, column=COLUMN),
        COLUMN + "index.html",
        expected or f"{years[0]}-{years[-1]}",
        comments=["a test portal"],
    )


@dataclass
class Failing:
    """`inner`, but the paths in `statuses` answer with that HTTP status, every time."""

    inner: PortalSite
    statuses: dict[str, int] = field(default_factory=dict)

    def bind(self, base_url: str, peers: dict[str, str]) -> None:
        self.inner.bind(base_url, peers)

    def handle(self, request: MirrorRequest) -> Reply | None:
        status = self.statuses.get(request.path)
        if status is not None:
            return Reply(status, f"<html><body>{status}</body></html>".encode(), conditional=False)
        return self.inner.handle(request)


@dataclass
class Misprinted:
    """`inner`, but `report`'s page prints `delta` more in one cell of its requests table, so
    that the cell's row total and its column's balance fail."""

    inner: PortalSite
    report: MirrorReport
    delta: int = 7

    def bind(self, base_url: str, peers: dict[str, str]) -> None:
        self.inner.bind(base_url, peers)

    def misprinted_key(self) -> str:
        cells = spec_for(self.report).facts["requests"]
        return next(k for k, v in cells.items() if k.startswith("new_received.") and isinstance(v, int))

    def handle(self, request: MirrorRequest) -> Reply | None:
        if request.path != self.report.article_path:
            return self.inner.handle(request)
        spec = spec_for(self.report)
        spec.facts["requests"][self.misprinted_key()] += self.delta
        body = render_html(spec, encoding=self.inner.encoding)
        return self.inner.html(self.inner.chrome.around(body, self.inner.peers, self.inner.encoding))


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
