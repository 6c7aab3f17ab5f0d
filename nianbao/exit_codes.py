"""What `nianbao` exits with, for schedulers to alert on. When several apply, the first in this
order wins (the summary printed lists them all)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # every portal crawled, every document fetched, parsed and stored
    ERROR = 1  # the run did not complete: a stage died, the archive is unreadable here, a bug
    USAGE = 2  # bad arguments or configuration, unknown portal, database not at the schema head
    LOCKED = 3  # another run of this portal holds its lock: nothing was done
    UNREACHABLE = 4  # a portal's host did not answer, or its start page is gone (404, 410)
    EMPTY = 8  # a portal's lists were read and named no report (and the portal does not declare that)
    REPORTS_FAILED = 5  # some reports or attachments could not be fetched or parsed
    BLOCKED = 6  # some portals answered with an anti-bot challenge or robots.txt forbids them
    YEARS_MISSING = 7  # some expected years were not found

    @staticmethod
    def worst(codes: list[ExitCode]) -> ExitCode:
        """The code of a run from the codes of its parts (OK when there are none)."""
        found = [c for c in codes if c is not ExitCode.OK]
        return min(found, key=list(ExitCode).index) if found else ExitCode.OK
