"""What `nianbao` exits with, for schedulers to alert on.

When several apply, the first in the order below wins (the summary lists them all): a run that
did not complete; a usage error (nothing ran); then what needs the registry fixed (a portal
unreachable, lists naming nothing); what needs a look at the documents (reports failed); the
standing states a person has to settle with the portal (blocked) or that the calendar settles
(years missing); last, portals another run holds (that run reports on them).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    UNREACHABLE = 4
    EMPTY = 8
    REPORTS_FAILED = 5
    BLOCKED = 6
    YEARS_MISSING = 7
    LOCKED = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")

    @property
    def meaning(self) -> str:
        return MEANINGS[self]

    @staticmethod
    def worst(codes: list[ExitCode]) -> ExitCode:
        """The code of a run from the codes of its parts (OK when there are none)."""
        found = [c for c in codes if c is not ExitCode.OK]
        return min(found, key=list(ExitCode).index) if found else ExitCode.OK


MEANINGS = {
    ExitCode.OK: "every portal crawled, every document fetched, parsed and stored",
    ExitCode.ERROR: "the run did not complete: a stage died, the archive is unreadable here, a bug",
    ExitCode.USAGE: "bad arguments or configuration, unknown portal, database not at the schema head",
    ExitCode.UNREACHABLE: "a portal's host did not answer, or its start page is gone (404, 410)",
    ExitCode.EMPTY: "a portal's lists were read and named no report (and it does not declare empty_ok)",
    ExitCode.REPORTS_FAILED: "some reports or attachments could not be fetched or parsed",
    ExitCode.BLOCKED: "a portal answered with an anti-bot challenge, or its robots.txt forbids the crawl",
    ExitCode.YEARS_MISSING: "some years a portal is expected to have were not found",
    ExitCode.LOCKED: "another run holds a portal's lock: that portal was left to it",
}


def epilog() -> str:
    """The exit codes, in the order that decides between them, for `nianbao --help`."""
    lines = ["exit codes (when several apply, the first listed here wins):"]
    lines += [f"  {code.value}  {code.label:<15} {code.meaning}" for code in ExitCode]
    return "\n".join(lines)
