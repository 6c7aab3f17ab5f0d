"""Run records: one row per command run, and each portal's part in it

Every crawl, ingest, reparse, parse-pending and export writes a `runs` row when it starts
(`finished_at` null) and completes it when it ends: exit code, counts by outcome, error, the
JSON summary kept beside the logs. A run killed before it ends keeps a null `finished_at`.
`run_portals` holds each portal's status, code and reason in a run (what `nianbao status`
reports as a portal's last run). Downgrading drops the run records (the older schema has no
place for them); the JSON summaries beside the logs stay.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("command", sa.String(40), nullable=False),
        sa.Column("command_line", sa.Text(), nullable=False),
        sa.Column("portals", JSON_VALUE, nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("counts", JSON_VALUE, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary_file", sa.Text(), nullable=True),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_table(
        "run_portals",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("portal", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("counts", JSON_VALUE, nullable=False),
    )
    op.create_index("ix_run_portals_portal", "run_portals", ["portal", "run_id"])


def downgrade() -> None:
    op.drop_index("ix_run_portals_portal", table_name="run_portals")
    op.drop_table("run_portals")
    op.drop_index("ix_runs_started_at", table_name="runs")
    op.drop_table("runs")
