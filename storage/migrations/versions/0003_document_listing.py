"""Documents carry what the crawl knew of them; the parse stage finds its work from them

The crawl stage only archives: each document records its role (list, report, attachment), the
title and year its portal lists it under, the list page and the report page it belongs to, and
whether it is a report to parse. The parse stage takes documents marked `parse` whose content has
no version by the current parser. Existing rows: every document that has a version was parsed,
so it is marked `parse`; list pages and bare report pages stay unmarked.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("role", "parse", "listed_title", "listed_year", "list_url", "report_url")


def upgrade() -> None:
    op.add_column("documents", sa.Column("role", sa.String(20), nullable=True))
    op.add_column("documents", sa.Column("parse", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("documents", sa.Column("listed_title", sa.Text(), nullable=True))
    op.add_column("documents", sa.Column("listed_year", sa.Integer(), nullable=True))
    op.add_column("documents", sa.Column("list_url", sa.Text(), nullable=True))
    op.add_column("documents", sa.Column("report_url", sa.Text(), nullable=True))
    op.create_index("ix_documents_parse", "documents", ["parse", "id"])
    op.execute("UPDATE documents SET parse = true WHERE sha256 IN (SELECT sha256 FROM report_versions)")


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of `documents` would have to drop the table
    # that report_versions references.
    op.drop_index("ix_documents_parse", table_name="documents")
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE documents DROP COLUMN {name}")
