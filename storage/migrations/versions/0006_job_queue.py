"""The job queue: procrastinate's tables and functions (PostgreSQL only)

`nianbao worker`, `nianbao enqueue` and the schedules keep their jobs in the shared PostgreSQL
database, in procrastinate's schema (procrastinate_jobs, procrastinate_workers, ...). This
revision applies the schema of the procrastinate version pyproject.toml pins; a later upgrade
of procrastinate comes as a new revision applying its migration files. SQLite has no job
queue (`nianbao crawl` runs both stages in one process): nothing to do there.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
TYPES = ("procrastinate_job_to_defer_v1", "procrastinate_job_event_type", "procrastinate_job_status")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # the driver's own execution: the schema's `:` and `%` are SQL, not parameters
    bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    """Drops the queue and every job in it (the reports, documents and facts stay)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {', '.join(TABLES)} CASCADE")
    functions = bind.exec_driver_sql(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%%'"
    ).scalars()
    for signature in list(functions):
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    bind.exec_driver_sql(f"DROP TYPE IF EXISTS {', '.join(TYPES)} CASCADE")
