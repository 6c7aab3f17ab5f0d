"""Facts: last_seen comes from their version; one foreign key (version, report) instead of two

A fact's last_seen was always its version's last_seen (a content seen again moved both), so
re-crawling an unchanged report rewrote every fact row of it. Now the version holds it and
exports join it. A fact (and a history row) references its version together with the report,
which also guarantees that the two agree; checking one key instead of two per row halves the
foreign-key work of writing facts.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# SQLite keeps the foreign keys of 0001 unnamed: batch mode names them by this convention.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
VERSION_OF_REPORT = "uq_report_versions_id_report"


def _fk_name(table: str, column: str, referred: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"{table}_{column}_fkey"  # PostgreSQL's own name for an unnamed constraint
    return NAMING["fk"] % {"table_name": table, "column_0_name": column, "referred_table_name": referred}


def _swap_keys(table: str, *, to_composite: bool) -> None:
    composite = f"fk_{table}_version_report"
    with op.batch_alter_table(table, naming_convention=NAMING) as batch:
        if to_composite:
            batch.drop_constraint(_fk_name(table, "report_id", "reports"), type_="foreignkey")
            batch.drop_constraint(_fk_name(table, "version_id", "report_versions"), type_="foreignkey")
            batch.create_foreign_key(
                composite, "report_versions", ["version_id", "report_id"], ["id", "report_id"]
            )
        else:
            batch.drop_constraint(composite, type_="foreignkey")
            batch.create_foreign_key(
                _fk_name(table, "report_id", "reports"), "reports", ["report_id"], ["id"]
            )
            batch.create_foreign_key(
                _fk_name(table, "version_id", "report_versions"), "report_versions", ["version_id"], ["id"]
            )


def upgrade() -> None:
    # A unique index, not a constraint: SQLite adds it without rebuilding the table that
    # facts, checks and reports reference.
    op.create_index(VERSION_OF_REPORT, "report_versions", ["id", "report_id"], unique=True)
    _swap_keys("facts", to_composite=True)
    _swap_keys("fact_history", to_composite=True)
    with op.batch_alter_table("facts") as batch:
        batch.drop_column("last_seen")


def downgrade() -> None:
    with op.batch_alter_table("facts") as batch:
        batch.add_column(sa.Column("last_seen", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE facts SET last_seen = (SELECT last_seen FROM report_versions v WHERE v.id = facts.version_id)"
    )
    with op.batch_alter_table("facts") as batch:
        batch.alter_column("last_seen", existing_type=sa.DateTime(), nullable=False)
    _swap_keys("fact_history", to_composite=False)
    _swap_keys("facts", to_composite=False)
    op.drop_index(VERSION_OF_REPORT, table_name="report_versions")
