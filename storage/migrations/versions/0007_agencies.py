"""Agencies: one organ across the names it is printed under, with its division code

`agencies` holds one row per organ (its canonical name, GB/T 2260 division code and level) and
`agency_aliases` every name it was printed under (洪泽区人民政府, 淮安市洪泽区人民政府). Reports
are keyed by (agency_id, year); `reports.agency` stays, the agency's canonical name. A version
keeps the name its document printed (`report_versions.agency`). A document can carry the agency
and year its user assigned (`nianbao ingest --agency --year`). A check that cannot be evaluated
(a cross-year check with a blank side) has `ok` null.

Existing reports get one agency per distinct name (no division code: the next parse of a
report resolves it). Downgrading drops the agencies and the assignments; reports keep their
names, and checks that were not evaluable are dropped (the older schema has no place for them).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False, unique=True),
        sa.Column("division_code", sa.String(6), nullable=True, index=True),
        sa.Column("level", sa.String(20), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "agency_aliases",
        sa.Column("name", sa.String(300), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False, index=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
    )
    op.add_column("reports", sa.Column("agency_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # SQLite cannot drop a column that a foreign key names (the downgrade would have to
        # rebuild `reports`, which the versions and facts reference): there the key is the
        # code's alone
        op.create_foreign_key("fk_reports_agency", "reports", "agencies", ["agency_id"], ["id"])
    op.add_column("report_versions", sa.Column("agency", sa.String(300), nullable=True))
    op.add_column("documents", sa.Column("assigned_agency", sa.String(300), nullable=True))
    op.add_column("documents", sa.Column("assigned_year", sa.Integer(), nullable=True))
    op.execute(
        "INSERT INTO agencies (name, first_seen) SELECT agency, min(first_seen) FROM reports GROUP BY agency"
    )
    op.execute(
        "INSERT INTO agency_aliases (name, agency_id, first_seen) SELECT name, id, first_seen FROM agencies"
    )
    op.execute(
        "UPDATE reports SET agency_id = (SELECT id FROM agencies WHERE agencies.name = reports.agency)"
    )
    op.create_index("uq_reports_agency_id_year", "reports", ["agency_id", "year"], unique=True)
    with op.batch_alter_table("checks") as batch:
        batch.alter_column("ok", existing_type=sa.Boolean(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM checks WHERE ok IS NULL")
    with op.batch_alter_table("checks") as batch:
        batch.alter_column("ok", existing_type=sa.Boolean(), nullable=False)
    op.drop_index("uq_reports_agency_id_year", table_name="reports")
    for table, column in (
        ("documents", "assigned_year"),
        ("documents", "assigned_agency"),
        ("report_versions", "agency"),
        ("reports", "agency_id"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_table("agency_aliases")
    op.drop_table("agencies")
