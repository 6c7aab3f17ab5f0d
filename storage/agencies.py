"""One agency across the names it is printed under.

A name seen before is its agency's alias. A new name is the same organ as an agency when both
name the same division (storage/divisions.py) and the same organ after it: 淮安市洪泽区人民政府
is 洪泽区人民政府 with its parent's name before it. The canonical name is the fullest one seen
(the longest chain of divisions: it says most plainly which organ it is); the reports of the
agency carry it. A name that names no division is an agency of its own, matched only exactly.

A report's region is its agency's division (its full name: 河南省平顶山市郏县); for an agency
whose name names none, the region of the portal it was found on (such a name is printed by the
portal's own organs: 县财政局).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from storage.divisions import Division, Located, by_code, locate
from storage.models import Agency, AgencyAlias, Report

agencies = Agency.__table__
aliases = AgencyAlias.__table__
reports = Report.__table__


@dataclass(frozen=True)
class AgencyRecord:
    id: int
    name: str  # canonical
    division: Division | None

    @property
    def division_code(self) -> str | None:
        return self.division.code if self.division else None


def _record(agency_id: int, name: str, code: str | None) -> AgencyRecord:
    return AgencyRecord(agency_id, name, by_code(code) if code else None)


def _organ(name: str, division: Division) -> str | None:
    place = locate(name, division.path)
    return place.organ if place and place.division == division else None


def resolve(conn: Connection, printed: str, *, hint: str | None, now: datetime) -> AgencyRecord:
    """The agency `printed` names (made when it is new). `hint`: the region of the portal the
    document came from, which decides an ambiguous division name."""
    known = conn.execute(
        select(agencies.c.id, agencies.c.name, agencies.c.division_code)
        .join(aliases, aliases.c.agency_id == agencies.c.id)
        .where(aliases.c.name == printed)
    ).first()
    place = locate(printed, hint)
    if known is not None:
        if known.division_code is None and place is not None:  # an agency from before 0007
            _set_division(conn, known.id, place.division)
            return _record(known.id, known.name, place.division.code)
        if place is None or known.division_code == place.division.code:
            return _record(known.id, known.name, known.division_code)
        # an ambiguous name (鼓楼区人民政府) that this portal's region puts in another division
        return _same_organ(conn, place) or _create(conn, place.division.path + place.organ, place, now)
    same = _same_organ(conn, place) if place else None
    if same is None:
        # a name whose division only the hint decides is kept under its full name, which does not
        # need the hint; the name as printed is its alias
        name = printed
        if place is not None and locate(printed) is None:
            name = place.division.path + place.organ
        agency = _create(conn, name, place, now)
        if agency.name != printed:
            conn.execute(insert(aliases).values(name=printed, agency_id=agency.id, first_seen=now))
        return agency
    conn.execute(insert(aliases).values(name=printed, agency_id=same.id, first_seen=now))
    assert place is not None and same.division is not None
    canonical = locate(same.name, same.division.path)
    if canonical is None or len(place.prefix) > len(canonical.prefix):
        _rename(conn, same.id, printed)
        return AgencyRecord(same.id, printed, same.division)
    return same


def _create(conn: Connection, name: str, place: Located | None, now: datetime) -> AgencyRecord:
    """A new agency named `name`, with that name as its first alias."""
    division = place.division if place else None
    agency_id = conn.execute(
        insert(agencies)
        .values(
            name=name,
            division_code=division.code if division else None,
            level=division.level if division else None,
            first_seen=now,
        )
        .returning(agencies.c.id)
    ).scalar_one()
    conn.execute(insert(aliases).values(name=name, agency_id=agency_id, first_seen=now))
    return _record(agency_id, name, division.code if division else None)


def _same_organ(conn: Connection, place: Located) -> AgencyRecord | None:
    rows = conn.execute(
        select(agencies.c.id, agencies.c.name).where(agencies.c.division_code == place.division.code)
    )
    for agency_id, name in rows:
        if _organ(name, place.division) == place.organ:
            return AgencyRecord(agency_id, name, place.division)
    return None


def _set_division(conn: Connection, agency_id: int, division: Division) -> None:
    conn.execute(
        update(agencies)
        .where(agencies.c.id == agency_id)
        .values(division_code=division.code, level=division.level)
    )


def _rename(conn: Connection, agency_id: int, name: str) -> None:
    """A fuller name becomes the canonical one, on the agency and on its reports."""
    conn.execute(update(agencies).where(agencies.c.id == agency_id).values(name=name))
    conn.execute(update(reports).where(reports.c.agency_id == agency_id).values(agency=name))


def region_of(agency: AgencyRecord, portal_region: str | None) -> str | None:
    """The region a report of `agency` belongs to (see the module's docstring)."""
    return agency.division.path if agency.division else portal_region


def owns(portal_region: str | None, agency: AgencyRecord) -> bool:
    """Is the agency the portal's own organ or a unit under it (its division inside the
    portal's region)? An agency that names no division is taken as the portal's own."""
    if agency.division is None:
        return True
    place = locate(portal_region) if portal_region else None
    return place is not None and agency.division.within(place.division)
