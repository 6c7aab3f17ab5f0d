"""`nianbao status`: what the database holds, by portal, year, template version and status,
and which identity checks fail in the current versions."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, select

from storage.db import read_connection
from storage.documents import contents, documents, portals
from storage.reports import checks, facts, reports, versions

NONE_LABEL = "(none)"


def _grouped(conn: Connection, column) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    query = select(column, func.count()).select_from(reports)
    if column.table is portals:
        query = query.outerjoin(portals, portals.c.id == reports.c.portal_id)
    rows = conn.execute(query.group_by(column).order_by(column)).all()
    return [(NONE_LABEL if key is None else str(key), int(n)) for key, n in rows]


def _totals(conn: Connection) -> list[tuple[str, int]]:
    def count(table) -> int:  # type: ignore[no-untyped-def]
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    archived = conn.execute(select(func.coalesce(func.sum(contents.c.size), 0))).scalar_one()
    return [
        ("portals", count(portals)),
        ("documents (url + content)", count(documents)),
        ("archived contents", count(contents)),
        ("archived bytes", int(archived)),
        ("reports", count(reports)),
        ("report versions", count(versions)),
        ("facts", count(facts)),
    ]


def _failing(conn: Connection) -> list[tuple[str, int]]:
    """Failing checks of current versions, by rule (the identity before its `[`)."""
    query = (
        select(checks.c.identity)
        .join(reports, reports.c.current_version_id == checks.c.version_id)
        .where(checks.c.ok.is_(False))
    )
    by_rule: dict[str, int] = {}
    for (identity,) in conn.execute(query):
        rule = identity.split("[", 1)[0].split(":", 1)[0]
        by_rule[rule] = by_rule.get(rule, 0) + 1
    return sorted(by_rule.items(), key=lambda item: (-item[1], item[0]))


def status_sections(engine: Engine) -> list[tuple[str, list[tuple[str, int]]]]:
    with read_connection(engine) as conn:
        reports_failing = conn.execute(
            select(func.count(func.distinct(reports.c.id)))
            .join(checks, checks.c.version_id == reports.c.current_version_id)
            .where(checks.c.ok.is_(False))
        ).scalar_one()
        return [
            ("totals", [*_totals(conn), ("reports with failing checks", int(reports_failing))]),
            ("reports by portal", _grouped(conn, portals.c.name)),
            ("reports by year", _grouped(conn, reports.c.year)),
            ("reports by template version", _grouped(conn, reports.c.template_version)),
            ("reports by status", _grouped(conn, reports.c.status)),
            ("failing checks (current versions) by rule", _failing(conn)),
        ]


def render(sections: list[tuple[str, list[tuple[str, int]]]]) -> str:
    lines: list[str] = []
    for title, rows in sections:
        lines.append(f"{title}:")
        width = max((len(key) for key, _ in rows), default=0)
        lines += [f"  {key.ljust(width)}  {n:>10}" for key, n in rows] or ["  -"]
    return "\n".join(lines)
