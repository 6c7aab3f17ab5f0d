"""Checks are data: rule, table, subject and the exact cells each check compares

A check was an identity string and a detail text that the export parsed back with a pattern, so
a failing 4-cell identity flagged whole rows and columns. Now a check row carries its rule, the
table and subject it is about, and its cells ({table, row, column, side, value, state}), and a
narrative check the figure quoted from the text. Rows written before this stay as they were
(cells NULL) until their documents are parsed again.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON_VALUE = sa.JSON().with_variant(JSONB(), "postgresql")
COLUMNS = ("rule", "table_key", "subject", "cells", "quote")


def upgrade() -> None:
    op.add_column("checks", sa.Column("rule", sa.String(80), nullable=True))
    op.add_column("checks", sa.Column("table_key", sa.String(40), nullable=True))
    op.add_column("checks", sa.Column("subject", sa.String(80), nullable=True))
    op.add_column("checks", sa.Column("cells", JSON_VALUE, nullable=True))
    op.add_column("checks", sa.Column("quote", JSON_VALUE, nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE checks DROP COLUMN {name}")
