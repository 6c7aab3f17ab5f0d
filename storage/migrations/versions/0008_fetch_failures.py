"""Failed fetches, kept and retried across runs

`fetch_failures` holds each url whose last fetch failed (an HTTP error, a dropped connection, a
body cut short): its portal, role, the report page that links it, the last error and status,
how many tries, when first and last tried, when a later run may try it again (backoff across
runs) and whether it is declared gone (404/410 twice, or too many tries). A fetch that succeeds
removes the url's row. `documents.tls_unverified`: why a document was fetched over TLS without
verifying the server's certificate (its portal's `tls_verify_reason`), null when verified or
plain http. Downgrading drops both: the older schema has no place for them.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fetch_failures",
        sa.Column("url", sa.Text(), primary_key=True),
        sa.Column("portal_id", sa.Integer(), sa.ForeignKey("portals.id"), nullable=True),
        sa.Column("role", sa.String(20), nullable=True),
        sa.Column("report_url", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("first_tried", sa.DateTime(), nullable=False),
        sa.Column("last_tried", sa.DateTime(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=False),
        sa.Column("gone", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_fetch_failures_report_url", "fetch_failures", ["report_url"])
    op.create_index("ix_fetch_failures_portal", "fetch_failures", ["portal_id", "gone"])
    op.add_column("documents", sa.Column("tls_unverified", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place: a batch copy of documents would trip the foreign
    # keys that point at it
    op.execute("ALTER TABLE documents DROP COLUMN tls_unverified")
    op.drop_index("ix_fetch_failures_portal", table_name="fetch_failures")
    op.drop_index("ix_fetch_failures_report_url", table_name="fetch_failures")
    op.drop_table("fetch_failures")
